export type Role = "citizen" | "driver" | "admin";
export const ROLES: readonly Role[] = ["citizen", "driver", "admin"];
/** The roles an admin invites: citizens sign themselves up. */
export const STAFF_ROLES: readonly Role[] = ["driver", "admin"];

/** An account's one role, read from its groups (the highest, should an old account hold several). */
export function roleOf(groups: readonly string[]): Role {
  if (groups.includes("admin")) return "admin";
  if (groups.includes("driver")) return "driver";
  return "citizen";
}

export interface Decided {
  approved: number;
  rejected: number;
}

/** How a citizen's decided cleanups went, in words for the record's header. */
export function decidedSummary({ approved, rejected }: Decided): string {
  const decided = approved + rejected;
  if (!decided) return "No cleanup decided yet.";
  const share = Math.round((approved / decided) * 100);
  return `${approved} approved, ${rejected} rejected (${share} % approved).`;
}
