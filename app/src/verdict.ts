import type { Schemas } from "./api";

type Submission = Schemas["SubmissionOut"];

export type RewardState = "none" | "pending" | "paid";

/** Where a cleanup's reward stands: paid once its mint transaction is known, pending while an approved reward
 * waits for the chain, none otherwise. */
export function rewardState(submission: Submission): RewardState {
  if (submission.status !== "approved" || !submission.reward) return "none";
  return submission.mint_tx ? "paid" : "pending";
}

/** Whether the screen may stop asking: a decision is taken and any reward has reached the chain. */
export function settled(submission: Submission): boolean {
  if (submission.status === "rejected") return true;
  return submission.status === "approved" && rewardState(submission) !== "pending";
}
