import type { Report } from "../api";

export const STATUSES: Report["status"][] = ["submitted", "verified", "dispatched", "resolved", "confirmed", "rejected", "duplicate"];
/** What "all open" means on the map: a report still waiting for someone. */
export const OPEN_STATUSES = STATUSES.slice(0, 3);

/** The statuses to load for the filter's value: one status, or every open one when none is chosen. */
export function chosenStatuses(value: string): Report["status"][] {
  const chosen = STATUSES.find((status) => status === value);
  return chosen ? [chosen] : OPEN_STATUSES;
}

export function visibleReports(reports: Report[], shownTypes: Set<string>): Report[] {
  return reports.filter((report) => shownTypes.has(report.waste_type));
}

/** A zone's GeoJSON area, as both the settings and the forecast give it. */
export type ZoneArea = { type: "Polygon"; coordinates: number[][][] } | { type: "MultiPolygon"; coordinates: number[][][][] };

