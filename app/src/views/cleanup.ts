import { api, transactionLink, unwrap, type Schemas } from "../api";
import { h, say, showError, statusLine } from "../dom";
import { formatNumber, t } from "../i18n";
import { photoInput, progressBar } from "../photo";
import { newKey, type QueuedCleanup } from "../queue";
import { queueAndSend } from "../send";
import { rewardState, settled } from "../verdict";
import type { Screen } from "./context";

type Submission = Schemas["SubmissionOut"];

/** The verdict in the citizen's words: the status, the verifier's plain reasons, the reward and its transaction. */
export function verdictView(submission: Submission): HTMLElement {
  const reward = rewardState(submission);
  return h(
    "div",
    { class: "verdict", "data-status": submission.status },
    h("p", { class: "verdict-status" }, t(`status.${submission.status}`)),
    submission.outcome.reasons.length
      ? h(
          "ul",
          { class: "reasons", "aria-label": t("cleanup.reasons") },
          submission.outcome.reasons.map((reason) => h("li", {}, reason)),
        )
      : null,
    submission.rejection_reason ? h("p", {}, t("cleanup.rejected", { reason: submission.rejection_reason })) : null,
    reward === "pending"
      ? h("p", { class: "reward", "data-reward": "pending" }, t("cleanup.pending", { amount: formatNumber(submission.reward ?? 0) }))
      : null,
    reward === "paid"
      ? h(
          "p",
          { class: "reward", "data-reward": "paid" },
          t("cleanup.paid", { amount: formatNumber(submission.reward ?? 0) }),
          " ",
          transactionLink(submission.mint_tx ?? "", t("tx.open")),
        )
      : null,
  );
}

export const cleanupScreen: Screen = (root, context) => {
  const status = statusLine("cleanup-status");
  const before = photoInput("cleanup-before", t("cleanup.before"), t("cleanup.beforeHint"));
  const after = photoInput("cleanup-after", t("cleanup.after"), t("cleanup.afterHint"));
  const progress = progressBar("cleanup-progress", t("cleanup.progress"));
  const submit = h("button", { type: "submit", class: "primary" }, t("cleanup.submit"));
  const result = h("section", { id: "cleanup-result", "aria-live": "polite", "aria-label": t("cleanup.result") });
  let timer: number | undefined;

  const form = h(
    "form",
    { class: "card", "aria-labelledby": "cleanup-title" },
    h("h1", { id: "cleanup-title" }, t("cleanup.title")),
    h(
      "ol",
      { class: "steps" },
      h("li", {}, before.element),
      h("li", {}, h("p", {}, t("cleanup.clean"))),
      h("li", {}, after.element),
    ),
    progress,
    submit,
    status,
  );

  async function follow(submissionId: string): Promise<void> {
    try {
      const submission = await unwrap(
        api().GET("/submissions/{submission_id}", { params: { path: { submission_id: submissionId } } }),
      );
      result.replaceChildren(verdictView(submission));
      if (settled(submission)) return;
    } catch (error) {
      showError(status, error);
    }
    timer = window.setTimeout(() => void follow(submissionId), 2000);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const afterPhoto = after.chosen();
    if (!afterPhoto) {
      showError(status, new Error(t("cleanup.afterNeeded")));
      after.input.focus();
      return;
    }
    void send(before.chosen(), afterPhoto);
  });

  async function send(beforePhoto: File | null, afterPhoto: File): Promise<void> {
    submit.disabled = true;
    try {
      const item: QueuedCleanup = {
        kind: "cleanup",
        id: newKey(),
        owner: context.who.user_id,
        createdAt: new Date().toISOString(),
        before: beforePhoto,
        after: afterPhoto,
        sent: [],
      };
      progress.hidden = false;
      progress.value = 0;
      say(status, t("cleanup.sending"));
      const outcome = await queueAndSend(context.outbox, item, (fraction) => (progress.value = fraction));
      progress.hidden = true;
      if (outcome.state === "refused") {
        showError(status, new Error(outcome.reason));
        return;
      }
      before.clear();
      after.clear();
      if (outcome.state === "waiting") {
        say(status, t("cleanup.queued"));
        return;
      }
      say(status, t("cleanup.sent"));
      await follow(outcome.id);
    } catch (error) {
      showError(status, error);
    } finally {
      submit.disabled = false;
    }
  }

  root.append(form, result);
  return () => window.clearTimeout(timer);
};
