import { describe, expect, it } from "vitest";
import { evaluationRows, standing, thresholdText, type Promotion, type VerifierStatus } from "./model-card-model";

const evaluation = {
  labels: 120,
  auto_approved: 40,
  false_approvals: 0,
  false_approval_rate: 0,
  false_approval_upper: 0.0722,
  meets_target: false,
  approvals_automated: 0.5,
  auc: 0.91234,
  brier: 0.08,
  log_loss: 0.3,
};

function head(changes: Partial<Promotion> = {}): Promotion {
  return {
    version: "h-2",
    trained_at: "2030-03-01T02:00:00Z",
    promoted_at: "2030-03-01T02:05:00Z",
    threshold: 0.87,
    automates: true,
    label_count: 600,
    reason: "beats the rules on the newest decisions",
    evaluation,
    replaced_version: null,
    replaced_evaluation: null,
    ...changes,
  };
}

function status(current: Promotion | null): VerifierStatus {
  return { current, labels: { total: 600, approved: 400, rejected: 200 }, target_false_approval: 0.05, history: current ? [current] : [] };
}

describe("the model card", () => {
  it("says a threshold above 1 never approves", () => {
    expect(thresholdText(0.87)).toBe("approves alone at 87.0 % or more");
    expect(thresholdText(1.5)).toBe("never approves alone");
  });

  it("says who decides a doubtful cleanup", () => {
    expect(standing(status(null))).toMatch(/^No learned head is in force/);
    expect(standing(status(head()))).toBe("Head h-2 approves alone at 87.0 % or more; below that a reviewer decides.");
    expect(standing(status(head({ threshold: 2, automates: false })))).toMatch(/never approves alone: doubtful cleanups wait/);
  });

  it("reads the evaluation as an admin reads it, beside the head it replaced", () => {
    const rows = evaluationRows(head({ replaced_version: "h-1", replaced_evaluation: { ...evaluation, auc: 0.8, meets_target: true } }));
    const byLabel = Object.fromEntries(rows.map((row) => [row.label, [row.current, row.replaced]]));
    expect(byLabel["False-approval rate, upper bound"]).toEqual(["7.2 %", "7.2 %"]);
    expect(byLabel["Under the target"]).toEqual(["no", "yes"]);
    expect(byLabel["AUC"]).toEqual(["0.912", "0.800"]);
    expect(evaluationRows(head()).every((row) => row.replaced === null)).toBe(true);
  });

  it("writes a measure the evaluation lacks as a dash", () => {
    const rows = evaluationRows(head({ evaluation: { labels: 3 } }));
    expect(rows.find((row) => row.label === "AUC")?.current).toBe("—");
  });
});
