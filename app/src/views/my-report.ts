import { api, collect, unwrap, type Schemas } from "../api";
import { field, h, say, showError, statusLine } from "../dom";
import { formatDate, formatNumber, t } from "../i18n";
import type { Screen } from "./context";

type Report = Schemas["ReportOut"];
type TimelineEntry = Schemas["TimelineEntryOut"];

const COMMENTED = "commented";

/** One step of a report's timeline as its reporter reads it: when, what became of it (a status in words, what staff
 * did, or a comment's text), who did it (the citizen, or the city: staff are not named), and the reason given. */
export function timelineStep(
  entry: Pick<TimelineEntry, "at" | "actor" | "action" | "new" | "reason"> & Partial<Pick<TimelineEntry, "text">>,
  me: string,
): { at: string; what: string; who: string; reason: string | null; comment: string | null } {
  const who = entry.actor === me || entry.actor === "reporter" ? t("myReport.you") : t("myReport.city");
  if (entry.action === COMMENTED) {
    return { at: entry.at, what: t("myReport.commented"), who, reason: null, comment: entry.text ?? t("myReport.commentHidden") };
  }
  const what =
    entry.new && entry.action === entry.new
      ? t(`reportStatus.${entry.new}`, entry.new)
      : t(`reportAction.${entry.action}`, entry.action.replace(/_/g, " "));
  return { at: entry.at, what, who, reason: entry.reason, comment: null };
}

export function reportAddress(reportId: string): string {
  return `#/mine/${encodeURIComponent(reportId)}`;
}

/** Whether the citizen may still say a resolved report is fixed or not: its reporter (or a voter), while the city's
 * window from `resolved_at` is open; the API holds the window and says when it has closed. */
export function asksIfFixed(report: Pick<Report, "status">): boolean {
  return report.status === "resolved";
}

/** One of the citizen's reports: what was filed, where it stands, its timeline with the public comments, a comment
 * of their own, and — once the city says it is resolved — whether it really is fixed: confirm, or reopen it. */
export const myReportScreen: Screen = (root, context, reportId) => {
  const status = statusLine("my-report-status");
  const heading = h("h1", { id: "my-report-title" }, t("myReport.title"));
  const back = h("a", { href: "#/mine", class: "back" }, t("myReport.back"));
  root.append(back, heading, status);
  if (!reportId) {
    showError(status, new Error(t("myReport.missing")));
    return;
  }
  const id = reportId;
  const path = { params: { path: { report_id: id } } };
  let closed = false;

  function factsCard(report: Report): HTMLElement {
    const facts: [string, string][] = [
      [t("myReport.status"), t(`reportStatus.${report.status}`, report.status)],
      [t("myReport.filed"), formatDate(report.created_at)],
      [t("myReport.updated"), formatDate(report.updated_at)],
      [t("myReport.description"), report.description ?? "—"],
      [t("myReport.address"), report.address ?? "—"],
      [t("myReport.place"), `${formatNumber(report.lat)}, ${formatNumber(report.lng)}`],
      [t("myReport.votes"), `+${formatNumber(report.votes_up)} / −${formatNumber(report.votes_down)}`],
    ];
    return h(
      "section",
      { class: "card", "aria-labelledby": "my-report-facts" },
      h("h2", { id: "my-report-facts" }, t("myReport.about")),
      h("dl", { class: "figures", id: "my-report-figures" }, facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    );
  }

  /** Fixed or not: confirming closes the report, reopening sends it back to the city with what is still there. */
  function fixedCard(report: Report): HTMLElement {
    const answerStatus = statusLine("fixed-status");
    const confirm = h("button", { type: "button", class: "primary", id: "confirm-fixed" }, t("myReport.confirm"));
    confirm.addEventListener("click", () => {
      unwrap(api().POST("/reports/{report_id}/confirmation", path)).then(
        () => redraw(t("myReport.confirmed")),
        (error: unknown) => showError(answerStatus, error),
      );
    });
    const reason = h("input", { id: "reopen-reason", maxlength: 200, autocomplete: "off" });
    const reopen = h(
      "form",
      { novalidate: true },
      field(t("myReport.reopenReason"), reason, t("myReport.reopenHint")),
      h("button", { type: "submit" }, t("myReport.reopen")),
    );
    reopen.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!reason.value.trim()) {
        showError(answerStatus, new Error(t("myReport.reopenNeedsReason")));
        reason.focus();
        return;
      }
      unwrap(api().POST("/reports/{report_id}/reopening", { ...path, body: { reason: reason.value } })).then(
        () => redraw(t("myReport.reopened")),
        (error: unknown) => showError(answerStatus, error),
      );
    });
    return h(
      "section",
      { class: "card", "aria-labelledby": "fixed-title", id: "fixed-card" },
      h("h2", { id: "fixed-title" }, t("myReport.fixedTitle")),
      h("p", {}, report.resolved_at ? t("myReport.fixedSince", { date: formatDate(report.resolved_at) }) : t("myReport.fixedAsk")),
      confirm,
      reopen,
      answerStatus,
    );
  }

  function commentForm(): HTMLElement {
    const commentStatus = statusLine("comment-status");
    const text = h("textarea", { id: "comment-text", rows: 3, maxlength: 2000 });
    const form = h(
      "form",
      { novalidate: true },
      field(t("myReport.comment"), text, t("myReport.commentHint")),
      h("button", { type: "submit" }, t("myReport.send")),
      commentStatus,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) {
        showError(commentStatus, new Error(t("myReport.commentEmpty")));
        text.focus();
        return;
      }
      unwrap(api().POST("/reports/{report_id}/comments", { ...path, body: { text: text.value } })).then(
        () => redraw(t("myReport.commentSent")),
        (error: unknown) => showError(commentStatus, error),
      );
    });
    return form;
  }

  function timelineCard(entries: TimelineEntry[]): HTMLElement {
    return h(
      "section",
      { class: "card", "aria-labelledby": "my-report-timeline-title" },
      h("h2", { id: "my-report-timeline-title" }, t("reports.timeline")),
      h(
        "ol",
        { class: "timeline", id: "my-report-timeline" },
        entries.map((entry) => {
          const step = timelineStep(entry, context.who.user_id);
          return h(
            "li",
            { "data-action": entry.action, class: entry.action === COMMENTED ? "comment" : "" },
            h("p", {}, h("strong", {}, step.what), " · ", step.who),
            step.comment ? h("p", { class: "comment-text" }, step.comment) : null,
            step.reason ? h("p", {}, step.reason) : null,
            h("p", { class: "meta" }, h("time", { datetime: step.at }, formatDate(step.at))),
          );
        }),
      ),
      commentForm(),
    );
  }

  async function draw(): Promise<void> {
    const [report, timeline] = await Promise.all([
      unwrap(api().GET("/reports/{report_id}", path)),
      collect((cursor) => unwrap(api().GET("/reports/{report_id}/timeline", { params: { path: { report_id: id }, query: { cursor, limit: 100 } } })), 500),
    ]);
    if (closed) return;
    heading.textContent = t("myReport.titleOf", { category: t(`waste.${report.waste_type}`, report.waste_type) });
    root.replaceChildren(back, heading, status, factsCard(report), ...(asksIfFixed(report) ? [fixedCard(report)] : []), timelineCard(timeline));
  }

  /** Reads the report again after the citizen acted, and says what they did. */
  function redraw(done: string): void {
    draw().then(
      () => say(status, done),
      (error: unknown) => showError(status, error),
    );
  }

  draw().catch((error: unknown) => showError(status, error));
  return () => {
    closed = true;
  };
};
