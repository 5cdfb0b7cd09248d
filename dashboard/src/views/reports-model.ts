import type { Report, Schemas, Submission, Vehicle } from "../api";
import { byPriority, type Priority } from "./priority-model";

/** What the reports list and a report's detail decide without the DOM: which reports a filter shows in which order,
 * what an admin may do to a report in its status, how its history reads. */

export type ReportStatus = Report["status"];
export type HistoryEntry = Schemas["HistoryEntry"];
export type TimelineEntry = Schemas["TimelineEntryOut"];
export type StatusAction = "verify" | "dispatch" | "resolve" | "reject";

/** The status each action moves a report to, and from which it may: the domain's transition table
 * (`ecopulse.reports`), so a button the API would refuse is not offered. */
export const ACTIONS: Record<StatusAction, { label: string; target: ReportStatus; from: readonly ReportStatus[] }> = {
  verify: { label: "Verify", target: "verified", from: ["submitted"] },
  dispatch: { label: "Dispatch", target: "dispatched", from: ["submitted", "verified"] },
  resolve: { label: "Resolve", target: "resolved", from: ["submitted", "verified", "dispatched"] },
  reject: { label: "Reject", target: "rejected", from: ["submitted", "verified", "dispatched"] },
};

/** A closed report waits for no one: nothing more is done to it, and it is no one's duplicate. */
export const CLOSED: readonly ReportStatus[] = ["resolved", "rejected", "confirmed", "duplicate"];

export function allowedActions(status: ReportStatus): StatusAction[] {
  return (Object.keys(ACTIONS) as StatusAction[]).filter((action) => ACTIONS[action].from.includes(status));
}

export const SORTS = {
  priority: "Most urgent first, then oldest",
  newest: "Newest first",
  oldest: "Oldest first",
  votes: "Most corroborated first",
} as const;
export type SortOrder = keyof typeof SORTS;

export interface ReportFilter {
  /** A category code, or "" for every category. */
  category: string;
  /** The least priority shown, or "" for any. */
  least: Priority | "";
  sort: SortOrder;
  /** Words the description, address or id holds. */
  text: string;
}

export const NO_FILTER: ReportFilter = { category: "", least: "", sort: "priority", text: "" };

function corroboration(report: Report): number {
  return report.votes_up - report.votes_down;
}

/** The reports the filter lets through, in the order it asks for. */
export function filteredReports(reports: readonly Report[], filter: ReportFilter): Report[] {
  const words = filter.text.trim().toLowerCase();
  const matching = reports.filter(
    (report) =>
      (!filter.category || report.waste_type === filter.category) &&
      (!words || [report.report_id, report.description ?? "", report.address ?? ""].some((text) => text.toLowerCase().includes(words))),
  );
  const ranked = byPriority(matching, filter.least);
  if (filter.sort === "priority") return ranked;
  const order: Record<Exclude<SortOrder, "priority">, (a: Report, b: Report) => number> = {
    newest: (a, b) => b.created_at.localeCompare(a.created_at),
    oldest: (a, b) => a.created_at.localeCompare(b.created_at),
    votes: (a, b) => corroboration(b) - corroboration(a) || a.created_at.localeCompare(b.created_at),
  };
  return ranked.sort(order[filter.sort]);
}

/** A view and what it is opened on, from the location's hash: `#/reports/abc` is the report abc's detail. */
export function routeOf(hash: string): { view: string; id?: string } {
  const [view = "", id] = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return id ? { view, id } : { view };
}

export function reportLink(reportId: string): string {
  return `#/reports/${encodeURIComponent(reportId)}`;
}

export const COMMENTED = "commented";

/** One line of a report's timeline as an admin reads it: what happened, from which status to which, and why; a
 * comment is its text (its visibility is drawn beside it). */
export function describeEntry(entry: HistoryEntry | TimelineEntry): string {
  if (entry.action === COMMENTED && "text" in entry) {
    return entry.text === null ? "comment (its text is hidden)" : `comment: ${entry.text}`;
  }
  const what = entry.action.replace(/_/g, " ");
  const change = entry.old && entry.new ? ` (${entry.old} → ${entry.new})` : entry.new && entry.action !== entry.new ? ` (${entry.new})` : "";
  return `${what}${change}${entry.reason ? `: ${entry.reason}` : ""}`;
}

/** Reports near this one that may be the same problem: open, other than it, the same category first, then nearest. */
export function possibleDuplicates(
  report: Pick<Report, "report_id" | "waste_type">,
  nearby: readonly { report: Report; distance_m: number }[],
): { report: Report; distance_m: number; sameCategory: boolean }[] {
  return nearby
    .filter((entry) => entry.report.report_id !== report.report_id && !CLOSED.includes(entry.report.status))
    .map((entry) => ({ ...entry, sameCategory: entry.report.waste_type === report.waste_type }))
    .sort((a, b) => Number(b.sameCategory) - Number(a.sameCategory) || a.distance_m - b.distance_m);
}

export interface JobStep {
  label: string;
  done: boolean;
  detail?: string;
}

/** The crew's progress on a dispatched report, as steps: sent to a vehicle, the driver's close-out photo, its check,
 * and the report resolved. `closeouts` are the driver's submissions; those closing out this report count, newest
 * first. */
export function jobProgress(
  report: Pick<Report, "report_id" | "status" | "vehicle_id">,
  vehicle: Pick<Vehicle, "name" | "status" | "driver_id"> | undefined,
  closeouts: readonly Pick<Submission, "report_id" | "closeout" | "status" | "created_at" | "rejection_reason">[],
  dispatched: boolean,
): JobStep[] {
  const mine = closeouts
    .filter((submission) => submission.closeout && submission.report_id === report.report_id)
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  const latest = mine.at(0);
  const closed = ["resolved", "confirmed"].includes(report.status);
  const checked = latest && ["approved", "rejected"].includes(latest.status);
  const sent = vehicle ? `${vehicle.name}${vehicle.driver_id ? `, driven by ${vehicle.driver_id}` : ", no driver assigned"}` : undefined;
  return [
    { label: "Dispatched to a vehicle", done: dispatched || !!report.vehicle_id, detail: sent },
    {
      label: "Close-out photo sent by the driver",
      done: !!latest && latest.status !== "awaiting_upload",
      detail: latest ? (latest.status === "awaiting_upload" ? "opened, waiting for the photo" : undefined) : undefined,
    },
    {
      label: "Close-out photo checked against the report's",
      done: !!checked,
      detail: latest?.status === "rejected" ? `refused: ${latest.rejection_reason ?? "no reason given"}` : latest?.status === "in_review" ? "waiting for a reviewer" : undefined,
    },
    { label: "Report resolved", done: closed },
  ];
}
