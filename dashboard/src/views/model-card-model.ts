import type { Schemas } from "../api";
import { percent } from "../dom";

export type VerifierStatus = Schemas["VerifierStatus"];
export type Promotion = Schemas["Promotion"];

/** What a head's threshold means for a cleanup: above 1 no probability reaches it, so the head never approves. */
export function thresholdText(threshold: number): string {
  return threshold > 1 ? "never approves alone" : `approves alone at ${percent(threshold)} or more`;
}

/** The card's headline: who decides a doubtful cleanup today. */
export function standing(status: VerifierStatus): string {
  const head = status.current;
  if (!head) return "No learned head is in force: the evidence model's rules decide, and every doubtful cleanup waits for a reviewer.";
  if (!head.automates) return `Head ${head.version} is in force but ${thresholdText(head.threshold)}: doubtful cleanups wait for a reviewer.`;
  return `Head ${head.version} ${thresholdText(head.threshold)}; below that a reviewer decides.`;
}

type Format = (value: unknown) => string;
const count: Format = (value) => (typeof value === "number" ? String(value) : "—");
const rate: Format = (value) => (typeof value === "number" ? percent(value) : "—");
const score: Format = (value) => (typeof value === "number" ? value.toFixed(3) : "—");
const yesNo: Format = (value) => (value === true ? "yes" : value === false ? "no" : "—");

/** The evaluation's measures a city's admin reads, in the order they read them, with how each is written. */
const MEASURES: [key: string, label: string, format: Format][] = [
  ["labels", "Reviewer decisions held out", count],
  ["auto_approved", "Approved alone", count],
  ["false_approvals", "Of which a reviewer rejected", count],
  ["false_approval_rate", "False-approval rate", rate],
  ["false_approval_upper", "False-approval rate, upper bound", rate],
  ["meets_target", "Under the target", yesNo],
  ["approvals_automated", "Reviewer approvals automated", rate],
  ["auc", "AUC", score],
  ["brier", "Brier score", score],
  ["log_loss", "Log loss", score],
];

/** One row per measure: the head in force and, when it replaced one, that head on the same decisions. */
export function evaluationRows(head: Promotion): { label: string; current: string; replaced: string | null }[] {
  return MEASURES.map(([key, label, format]) => ({
    label,
    current: format(head.evaluation[key]),
    replaced: head.replaced_evaluation ? format(head.replaced_evaluation[key]) : null,
  }));
}
