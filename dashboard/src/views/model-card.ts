import { api, unwrap } from "../api";
import { h, percent, showError, statusLine, when } from "../dom";
import { evaluationRows, standing, thresholdText, type Promotion, type VerifierStatus } from "./model-card-model";

/** The model card: the verifier head the city's reviewers trained, its threshold and evaluation, the target it must
 * stay under, and every promotion so far. */
export function modelCardView(root: HTMLElement): () => void {
  const status = statusLine("model-status");
  const body = h("div", { id: "model-card" });
  root.append(h("div", { class: "view-head" }, h("h1", {}, "Model card")), status, body);

  function facts(status: VerifierStatus, head: Promotion | null): HTMLElement {
    const rows: [string, string][] = [
      ["False-approval target", `${percent(status.target_false_approval)} (the upper bound must stay under it)`],
      ["Reviewer decisions so far", `${status.labels.total} (${status.labels.approved} approved, ${status.labels.rejected} rejected)`],
    ];
    if (head) {
      rows.unshift(
        ["Head", head.version],
        ["Threshold", thresholdText(head.threshold)],
        ["Trained", `${when(head.trained_at)} on ${head.label_count} decisions`],
        ["In force since", when(head.promoted_at)],
        ["Why", head.reason],
      );
    }
    return h("dl", { class: "facts", id: "model-facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
  }

  function evaluation(head: Promotion): HTMLElement {
    const rows = evaluationRows(head);
    const compared = head.replaced_evaluation !== null;
    return h(
      "table",
      { class: "evaluation", id: "model-evaluation" },
      h("caption", {}, "Evaluation on the newest reviewer decisions, held out from training"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Measure"),
          h("th", { scope: "col" }, `Head ${head.version}`),
          compared && h("th", { scope: "col" }, `Replaced head ${head.replaced_version ?? "(the rules)"}`),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h("tr", {}, h("th", { scope: "row" }, row.label), h("td", { class: "num" }, row.current), compared && h("td", { class: "num" }, row.replaced)),
        ),
      ),
    );
  }

  function history(promotions: Promotion[]): HTMLElement {
    return h(
      "table",
      { class: "history", id: "model-history" },
      h("caption", {}, "Promotions, newest first"),
      h("thead", {}, h("tr", {}, ["Head", "Promoted", "Threshold", "Decisions", "Why"].map((title) => h("th", { scope: "col" }, title)))),
      h(
        "tbody",
        {},
        promotions.length
          ? promotions.map((entry) =>
              h(
                "tr",
                {},
                h("th", { scope: "row", class: "mono" }, entry.version),
                h("td", {}, when(entry.promoted_at)),
                h("td", {}, thresholdText(entry.threshold)),
                h("td", { class: "num" }, String(entry.label_count)),
                h("td", {}, entry.reason),
              ),
            )
          : h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No head has been promoted yet.")),
      ),
    );
  }

  async function load(): Promise<void> {
    const verifier = await unwrap(api().GET("/admin/verifier"));
    const head = verifier.current ?? null;
    body.replaceChildren(
      h("section", { class: "card", "aria-labelledby": "model-standing" }, h("h2", { id: "model-standing" }, standing(verifier)), facts(verifier, head)),
      head ? evaluation(head) : h("p", { class: "hint" }, "A head is evaluated on the newest decisions before it may replace the rules."),
      history(verifier.history),
    );
  }

  load().catch((error: unknown) => showError(status, error));
  return () => undefined;
}
