export type Priority = "urgent" | "high" | "normal" | "low";
export const PRIORITIES: readonly Priority[] = ["urgent", "high", "normal", "low"];

function rank(priority: string): number {
  const found = PRIORITIES.indexOf(priority as Priority);
  return found === -1 ? PRIORITIES.length : found;
}

interface Prioritised {
  priority: string;
  created_at: string;
}

/** The reports at `least` as urgent (all when `least` is empty), most urgent first, then the oldest first: the order a
 * dispatcher works them in. */
export function byPriority<T extends Prioritised>(reports: readonly T[], least: Priority | "" = ""): T[] {
  const bar = least ? rank(least) : PRIORITIES.length;
  return reports
    .filter((report) => rank(report.priority) <= bar)
    .sort((a, b) => rank(a.priority) - rank(b.priority) || a.created_at.localeCompare(b.created_at));
}
