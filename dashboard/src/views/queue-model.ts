import type { Schemas, Submission, Verdict } from "../api";

/** What the review queue decides without the DOM: which submissions wait, whether a poll changed anything, which
 * photo links and histories are still good to show. */

export type PhotoLinks = Schemas["SubmissionPhotos"];

/** Submissions a human still has to decide, oldest first. One an admin decided stays in the API's queue until its
 * workflow records the decision; it waits for no one. */
export function waitingForReview(items: Submission[]): Submission[] {
  return items.filter((item) => !item.review_decision).sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Whether two polls list the same submissions in the same state: then nothing on screen needs redrawing. */
export function sameQueue(before: Submission[], after: Submission[]): boolean {
  return (
    before.length === after.length &&
    before.every(
      (item, index) => item.submission_id === after[index].submission_id && item.updated_at === after[index].updated_at,
    )
  );
}

/** The submission to show: the one selected while it still waits, else the oldest. */
export function keepSelection(items: Submission[], selected: string | null): string | null {
  if (selected && items.some((item) => item.submission_id === selected)) return selected;
  return items[0]?.submission_id ?? null;
}

/** The submission `step` places from the selected one, held at the ends of the list. */
export function neighbour(items: Submission[], selected: string | null, step: number): string | null {
  if (!items.length) return null;
  const index = items.findIndex((item) => item.submission_id === selected);
  const next = Math.min(items.length - 1, Math.max(0, index + step));
  return items[next].submission_id;
}

/** After a decision the reviewer goes on with the submission that took the decided one's place. */
export function afterDecision(items: Submission[], decided: string): { items: Submission[]; selected: string | null } {
  const index = items.findIndex((item) => item.submission_id === decided);
  const rest = items.filter((item) => item.submission_id !== decided);
  return { items: rest, selected: rest[Math.min(Math.max(index, 0), rest.length - 1)]?.submission_id ?? null };
}

export function signalValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function failedChecks(verdict: Verdict): { name: string; reason: string }[] {
  return (verdict.checks ?? []).filter((check) => !check.passed);
}

/** The citizen's track record beside the submission under review. */
export function historySummary(earlier: Submission[], current: string): { text: string; others: Submission[] } {
  const others = earlier.filter((other) => other.submission_id !== current);
  const count = (status: Submission["status"]) => others.filter((other) => other.status === status).length;
  return { text: `${count("approved")} approved, ${count("rejected")} rejected, ${others.length} in all`, others };
}

/** Keeps what was fetched for a key until it is `maxAgeMs` old, so a poll or a return to a submission shows the
 * same photos (no new signed link, no reload) and asks nothing again. */
export class Expiring<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, maxAgeMs: number): void {
    this.entries.set(key, { value, until: this.now() + maxAgeMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

const NO_LINKS_KEPT_MS = 300_000;

/** A photo link is kept until shortly before the shortest of them expires: an image loaded from it stays on screen
 * anyway, and a reviewer who comes back later gets fresh links, never a dead one. */
export function linksLifetimeMs(links: PhotoLinks, marginSeconds = 30): number {
  const all = [...Object.values(links.photos), ...links.duplicates];
  if (!all.length) return NO_LINKS_KEPT_MS;
  return Math.max(0, Math.min(...all.map((link) => link.expires_in)) - marginSeconds) * 1000;
}
