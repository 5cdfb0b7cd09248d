import { all, api, unwrap, verdictOf, type Submission, type Verdict } from "../api";
import { ago, h, humanize, percent, showError, showInfo, statusLine, when } from "../dom";
import {
  afterDecision,
  Expiring,
  failedChecks,
  historySummary,
  keepSelection,
  linksLifetimeMs,
  neighbour,
  sameQueue,
  signalValue,
  waitingForReview,
  type PhotoLinks,
} from "./queue-model";
import { reportLink } from "./reports-model";

const POLL_MS = 4000;
const HISTORY_KEPT_MS = 60_000;
const APPROVE_REASON = "cleanup verified by a reviewer";

function labels(submission: Submission): HTMLElement {
  const top = verdictOf(submission).model?.top_labels ?? [];
  if (!top.length) return h("p", { class: "hint" }, "The model gave no labels.");
  return h(
    "ol",
    { class: "labels" },
    top.map((label) =>
      h(
        "li",
        {},
        h("span", {}, label.label),
        h("meter", { min: 0, max: 1, value: label.probability, "aria-label": `${label.label} probability` }),
        h("span", { class: "num" }, percent(label.probability)),
      ),
    ),
  );
}

function signals(submission: Submission): HTMLElement {
  const list = verdictOf(submission).signals ?? [];
  return h(
    "table",
    { class: "signals" },
    h("caption", {}, "Fraud and quality signals"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Signal"), h("th", { scope: "col" }, "Finding"), h("th", { scope: "col" }, "Value"))),
    h(
      "tbody",
      {},
      list.map((signal) =>
        h(
          "tr",
          { class: signal.flagged ? "flagged" : "" },
          h("th", { scope: "row" }, signal.flagged ? "⚠ " : "", humanize(signal.name)),
          h("td", {}, signal.reason),
          h("td", { class: "num" }, signalValue(signal.value)),
        ),
      ),
    ),
  );
}

function photoFacts(submission: Submission): HTMLElement {
  const photo = verdictOf(submission).photo ?? {};
  const location = photo.location;
  const facts: [string, string][] = [
    ["Camera", photo.camera ?? "unknown"],
    ["Taken", photo.captured_at ? when(photo.captured_at) : "no EXIF time"],
    ["Where", location ? `${location.lat.toFixed(5)}, ${location.lng.toFixed(5)}` : "no EXIF GPS"],
    ["Size", photo.width ? `${photo.width}×${photo.height ?? "?"} ${photo.format ?? ""}` : "—"],
    ["Perceptual hash", photo.phash ?? "—"],
  ];
  return h("dl", { class: "facts" }, facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

export function queueView(root: HTMLElement): () => void {
  let items: Submission[] = [];
  let selected: string | null = null;
  let shown: Submission | undefined;
  let loaded = false;
  let busy = false;
  // No ETag from the API: the queue is polled whole, and what it already shows (photos through their signed links,
  // the citizen's history) is kept until it changes or its links near their end.
  const photoLinks = new Expiring<PhotoLinks>();
  const histories = new Expiring<Submission[]>();
  const status = statusLine("queue-status");
  const decisionStatus = statusLine("decision-status");
  const updated = h("p", { class: "hint", id: "queue-updated" });
  const list = h("ol", { class: "queue-list", id: "queue-list", "aria-label": "Submissions waiting for review, oldest first" });
  const detail = h("section", { class: "detail card", id: "queue-detail", "aria-label": "Selected submission" });
  const reason = h("input", { id: "decision-reason", name: "reason", maxlength: 200, autocomplete: "off" });
  const approveButton = h("button", { type: "button", class: "primary", id: "approve", "aria-keyshortcuts": "a" }, "Approve (a)");
  const rejectButton = h("button", { type: "button", class: "danger", id: "reject", "aria-keyshortcuts": "r" }, "Reject (r)");
  const decision = h(
    "form",
    { class: "decision", "aria-label": "Decision" },
    h("label", { for: "decision-reason" }, "Reason (required to reject)"),
    reason,
    h("div", { class: "buttons" }, approveButton, rejectButton),
    decisionStatus,
  );

  root.append(
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Review queue"),
      h("p", { class: "hint" }, "Keys: j / k next / previous, a approve, r reject with the reason typed, / focus the reason."),
    ),
    h("div", { class: "queue" }, h("section", { class: "card", "aria-label": "Queue" }, updated, list), detail),
    status,
  );

  function current(): Submission | undefined {
    return items.find((item) => item.submission_id === selected);
  }

  function renderList(): void {
    list.replaceChildren(
      ...items.map((item) => {
        const confidence = verdictOf(item).confidence;
        const flags = verdictOf(item).flags ?? [];
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "queue-item",
              "data-id": item.submission_id,
              "aria-pressed": item.submission_id === selected ? "true" : "false",
              onclick: () => select(item.submission_id),
            },
            h("span", { class: "mono" }, item.submission_id.slice(0, 8)),
            h("span", {}, item.task ?? "task"),
            h("span", { class: "num" }, percent(confidence)),
            flags.length ? h("span", { class: "badge warn" }, `${flags.length} flag${flags.length > 1 ? "s" : ""}`) : null,
            h("span", { class: "hint" }, ago(item.created_at)),
          ),
        );
      }),
    );
    if (!items.length) list.append(h("li", { class: "empty" }, "Nothing waits for review."));
  }

  async function linksFor(item: Submission): Promise<PhotoLinks> {
    const kept = photoLinks.get(item.submission_id);
    if (kept) return kept;
    const links = await unwrap(
      api().GET("/admin/submissions/{submission_id}/photos", { params: { path: { submission_id: item.submission_id } } }),
    );
    photoLinks.set(item.submission_id, links, linksLifetimeMs(links));
    return links;
  }

  async function historyOf(userId: string): Promise<Submission[]> {
    const kept = histories.get(userId);
    if (kept) return kept;
    const earlier = await all(
      (cursor) => unwrap(api().GET("/admin/users/{user_id}/submissions", { params: { path: { user_id: userId }, query: { cursor } } })),
      50,
    );
    histories.set(userId, earlier, HISTORY_KEPT_MS);
    return earlier;
  }

  /** Photos are private: each comes through a short-lived link the API signs for the reviewer, and so do
   * the earlier photos this one matches, so a copied picture is seen side by side with its original. */
  function photoGallery(item: Submission): HTMLElement {
    const gallery = h(
      "ul",
      { class: "photos" },
      Object.entries(item.photos).map(([kind, key]) =>
        h("li", { "data-kind": kind }, h("strong", {}, kind), " ", h("code", { class: "photo-key" }, key)),
      ),
    );
    const duplicates = h("ul", { class: "photos duplicates", "aria-label": "Earlier photos this one matches" });
    linksFor(item)
      .then(({ photos, duplicates: matches }) => {
        for (const [kind, link] of Object.entries(photos)) {
          gallery
            .querySelector(`li[data-kind="${kind}"]`)
            ?.prepend(h("img", { class: "photo", src: link.url, alt: `${kind} photo of submission ${item.submission_id}` }));
        }
        duplicates.replaceChildren(
          ...matches.map((match) =>
            h(
              "li",
              {},
              h("img", { class: "thumb", src: match.url, alt: `earlier photo of submission ${match.submission_id}` }),
              `submission ${match.submission_id.slice(0, 8)}, ${match.distance} bits apart`,
            ),
          ),
        );
      })
      .catch(() => gallery.append(h("li", { class: "hint" }, "The photos could not be loaded.")));
    return h("div", {}, gallery, duplicates);
  }

  /** The citizen's earlier submissions and how they ended: a reviewer weighs a track record. */
  function history(item: Submission): HTMLElement {
    const list = h("ul", { class: "history", "aria-label": "The citizen's submissions" });
    historyOf(item.user_id)
      .then((earlier) => {
        const { text, others } = historySummary(earlier, item.submission_id);
        list.replaceChildren(
          h("li", { class: "history-summary" }, text),
          ...others.slice(0, 5).map((other) =>
            h("li", {}, h("code", {}, other.submission_id.slice(0, 8)), ` ${other.status} · ${ago(other.created_at)}`),
          ),
        );
      })
      .catch(() => list.replaceChildren(h("li", { class: "hint" }, "The history could not be loaded.")));
    return list;
  }

  function evidence(verdict: Verdict): HTMLElement {
    const failed = failedChecks(verdict);
    if (!verdict.decision) return h("p", { class: "hint" }, "Verified before the evidence model existed.");
    return h(
      "div",
      {},
      h(
        "p",
        { id: "evidence-decision" },
        `The evidence model said ${verdict.decision}`,
        verdict.scorer ? ` (${verdict.scorer})` : "",
        failed.length ? ", because:" : ": every check held.",
      ),
      failed.length > 0 &&
        h(
          "ul",
          { id: "failed-checks" },
          failed.map((check) => h("li", {}, h("strong", {}, humanize(check.name)), ": ", check.reason)),
        ),
    );
  }

  function renderDetail(): void {
    const item = current();
    shown = item;
    if (!item) {
      detail.replaceChildren(h("p", { class: "hint" }, "Select a submission to review it."));
      return;
    }
    const verdict = verdictOf(item);
    const flags = verdict.flags ?? [];
    detail.replaceChildren(
      h("h2", {}, "Submission ", h("span", { class: "mono" }, item.submission_id)),
      decision,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Task"),
        h("dd", {}, item.task ?? "—"),
        h("dt", {}, "Citizen"),
        h("dd", { class: "mono" }, item.user_id),
        h("dt", {}, "Submitted"),
        h("dd", {}, `${when(item.created_at)} (${ago(item.created_at)})`),
        h("dt", {}, "Report"),
        h("dd", { class: "mono" }, item.report_id ? h("a", { href: reportLink(item.report_id) }, item.report_id) : "none"),
      ),
      h("h3", {}, "Photos"),
      photoGallery(item),
      h("h3", {}, "The citizen's history"),
      history(item),
      h("h3", {}, "Model"),
      h(
        "p",
        { class: "verdict-line" },
        "Confidence ",
        h("strong", { id: "verdict-confidence" }, percent(verdict.confidence)),
        " · sees ",
        h("strong", {}, humanize(verdict.model?.waste_type ?? "unknown")),
        " · waste probability ",
        h("strong", {}, percent(verdict.model?.waste_probability)),
      ),
      labels(item),
      h("h3", {}, "Evidence"),
      evidence(verdict),
      h("h3", {}, "Flags"),
      flags.length
        ? h("ul", { class: "flags" }, flags.map((flag) => h("li", { class: "badge warn" }, humanize(flag))))
        : h("p", { id: "no-flags" }, "No signal is flagged."),
      signals(item),
      h("h3", {}, "Photo facts"),
      photoFacts(item),
    );
  }

  function select(id: string | null, focus = true): void {
    selected = id;
    renderList();
    renderDetail();
    if (focus && id) list.querySelector<HTMLButtonElement>(`[data-id="${id}"]`)?.focus();
  }

  function move(step: number): void {
    const next = neighbour(items, selected, step);
    if (next) select(next);
  }

  /** Redraws only what a poll changed: the list when a submission came or went, the detail when the one shown
   * changed; an unchanged detail keeps its photos (no new link, no reload) and history. */
  async function refresh(): Promise<void> {
    try {
      const fresh = waitingForReview(
        await all((cursor) => unwrap(api().GET("/admin/review-queue", { params: { query: { limit: 50, cursor } } }))),
      );
      const changed = !loaded || !sameQueue(items, fresh);
      loaded = true;
      items = fresh;
      selected = keepSelection(items, selected);
      if (changed) {
        const hadFocus = list.contains(document.activeElement);
        renderList();
        if (hadFocus && selected) list.querySelector<HTMLButtonElement>(`[data-id="${selected}"]`)?.focus();
      }
      const item = current();
      const stale = item?.submission_id !== shown?.submission_id || item?.updated_at !== shown?.updated_at;
      if (stale && !decision.contains(document.activeElement)) renderDetail();
      updated.textContent = `${items.length} waiting · updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      showError(status, error);
    }
  }

  async function decide(outcome: "approved" | "rejected"): Promise<void> {
    const item = current();
    if (!item || busy) return;
    const text = reason.value.trim();
    if (outcome === "rejected" && !text) {
      showError(decisionStatus, "Type a reason before rejecting.");
      reason.focus();
      return;
    }
    busy = true;
    try {
      await unwrap(
        api().POST("/admin/submissions/{submission_id}/decision", {
          params: { path: { submission_id: item.submission_id } },
          body: { outcome, reason: text || APPROVE_REASON },
        }),
      );
      showInfo(decisionStatus, `${outcome === "approved" ? "Approved" : "Rejected"} ${item.submission_id.slice(0, 8)}.`);
      histories.delete(item.user_id);
      photoLinks.delete(item.submission_id);
      const next = afterDecision(items, item.submission_id);
      items = next.items;
      reason.value = "";
      select(next.selected);
    } catch (error) {
      showError(decisionStatus, error);
    } finally {
      busy = false;
    }
  }

  approveButton.addEventListener("click", () => void decide("approved"));
  rejectButton.addEventListener("click", () => void decide("rejected"));
  decision.addEventListener("submit", (event) => {
    event.preventDefault();
    void decide("rejected");
  });

  function onKey(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (typing) {
      if (event.key === "Escape") (event.target as HTMLElement).blur();
      return;
    }
    const actions: Record<string, () => void> = {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      a: () => void decide("approved"),
      r: () => void decide("rejected"),
      "/": () => reason.focus(),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  document.addEventListener("keydown", onKey);
  const timer = window.setInterval(() => {
    if (!document.hidden && !busy) void refresh();
  }, POLL_MS);
  renderDetail();
  void refresh();
  return () => {
    window.clearInterval(timer);
    document.removeEventListener("keydown", onKey);
  };
}
