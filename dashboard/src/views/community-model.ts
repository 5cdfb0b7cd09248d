export type PeriodChoice = "all" | "month" | "week";

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** The leaderboard's period as the API names it: `all`, the month (`2026-11`) or the ISO week (`2026-W47`) of
 * `now`, in UTC as the API counts them. */
export function leaderboardPeriod(choice: PeriodChoice, now: Date): string {
  if (choice === "all") return "all";
  if (choice === "month") return `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}`;
  // ISO 8601: weeks start on Monday, and week 1 holds the year's first Thursday.
  const thursday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const firstOfYear = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - firstOfYear) / 86_400_000 / 7);
  return `${thursday.getUTCFullYear()}-W${pad(week)}`;
}
