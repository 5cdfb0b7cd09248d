import { describe, expect, it } from "vitest";
import type { Report } from "../api";
import { allowedActions, describeEntry, filteredReports, jobProgress, NO_FILTER, possibleDuplicates, reportLink, routeOf } from "./reports-model";

function report(id: string, changes: Partial<Report> = {}): Report {
  return {
    report_id: id,
    reporter_id: "citizen",
    waste_type: "plastic",
    status: "submitted",
    lat: 31.52,
    lng: 74.35,
    geohash: "ttsg",
    zone: null,
    description: null,
    address: null,
    photo_keys: [],
    priority: "normal",
    ai_type: null,
    ai_confidence: null,
    votes_up: 0,
    votes_down: 0,
    vehicle_id: null,
    created_at: "2026-12-01T08:00:00Z",
    updated_at: "2026-12-01T08:00:00Z",
    text_hidden: false,
    exact: true,
    ...changes,
  };
}

const reports = [
  report("old-normal", { created_at: "2026-12-01T08:00:00Z", description: "bags by the canal" }),
  report("new-urgent", { priority: "urgent", created_at: "2026-12-06T08:00:00Z", waste_type: "glass" }),
  report("voted-low", { priority: "low", votes_up: 5, votes_down: 1, created_at: "2026-11-01T08:00:00Z" }),
  report("mid-high", { priority: "high", votes_up: 1, created_at: "2026-12-03T08:00:00Z", address: "Mall Road" }),
];

describe("the reports list", () => {
  it("sorts most urgent first by default, then oldest", () => {
    expect(filteredReports(reports, NO_FILTER).map((r) => r.report_id)).toEqual(["new-urgent", "mid-high", "old-normal", "voted-low"]);
  });

  it("sorts by date either way, or by net votes", () => {
    const ids = (sort: "newest" | "oldest" | "votes") => filteredReports(reports, { ...NO_FILTER, sort }).map((r) => r.report_id);
    expect(ids("newest")).toEqual(["new-urgent", "mid-high", "old-normal", "voted-low"]);
    expect(ids("oldest")).toEqual(["voted-low", "old-normal", "mid-high", "new-urgent"]);
    expect(ids("votes")).toEqual(["voted-low", "mid-high", "old-normal", "new-urgent"]);
  });

  it("keeps a category, a least priority and words in the description, address or id", () => {
    expect(filteredReports(reports, { ...NO_FILTER, category: "glass" }).map((r) => r.report_id)).toEqual(["new-urgent"]);
    expect(filteredReports(reports, { ...NO_FILTER, least: "high" }).map((r) => r.report_id)).toEqual(["new-urgent", "mid-high"]);
    expect(filteredReports(reports, { ...NO_FILTER, text: "CANAL" }).map((r) => r.report_id)).toEqual(["old-normal"]);
    expect(filteredReports(reports, { ...NO_FILTER, text: "mall" }).map((r) => r.report_id)).toEqual(["mid-high"]);
    expect(filteredReports(reports, { ...NO_FILTER, text: "voted" }).map((r) => r.report_id)).toEqual(["voted-low"]);
  });
});

describe("a report's actions", () => {
  it("follow the domain's transitions", () => {
    expect(allowedActions("submitted")).toEqual(["verify", "dispatch", "resolve", "reject"]);
    expect(allowedActions("verified")).toEqual(["dispatch", "resolve", "reject"]);
    expect(allowedActions("dispatched")).toEqual(["resolve", "reject"]);
    expect(allowedActions("resolved")).toEqual([]);
    expect(allowedActions("rejected")).toEqual([]);
  });
});

describe("a report's address and history", () => {
  it("routes #/reports/<id> to the report and #/reports to the list", () => {
    expect(routeOf(reportLink("a b/c"))).toEqual({ view: "reports", id: "a b/c" });
    expect(routeOf("#/reports")).toEqual({ view: "reports" });
    expect(routeOf("")).toEqual({ view: "" });
  });

  it("reads each change with its statuses and reason", () => {
    const entry = { at: "2026-12-01T08:00:00Z", actor: "amina", reason: null, old: null, new: null };
    expect(describeEntry({ ...entry, action: "created", new: "submitted" })).toBe("created (submitted)");
    expect(describeEntry({ ...entry, action: "rejected", old: "submitted", new: "rejected", reason: "not litter" })).toBe(
      "rejected (submitted → rejected): not litter",
    );
    expect(describeEntry({ ...entry, action: "verified", new: "verified" })).toBe("verified");
    expect(describeEntry({ ...entry, action: "text_hidden", reason: "a phone number" })).toBe("text hidden: a phone number");
    const comment = { ...entry, entry_id: "e1", action: "commented", internal: false, text_hidden: false };
    expect(describeEntry({ ...comment, text: "a crew comes Monday" })).toBe("comment: a crew comes Monday");
    expect(describeEntry({ ...comment, text: null, text_hidden: true })).toBe("comment (its text is hidden)");
  });
});

describe("possible duplicates", () => {
  it("are the other open reports nearby, the same category first, then the nearest", () => {
    const found = [
      { report: report("self"), distance_m: 0 },
      { report: report("far-same"), distance_m: 200 },
      { report: report("near-glass", { waste_type: "glass" }), distance_m: 20 },
      { report: report("near-same"), distance_m: 50 },
      { report: report("closed", { status: "resolved" }), distance_m: 5 },
    ];
    expect(possibleDuplicates(report("self"), found).map((entry) => [entry.report.report_id, entry.sameCategory])).toEqual([
      ["near-same", true],
      ["far-same", true],
      ["near-glass", false],
    ]);
  });
});

describe("the crew's progress", () => {
  const job = { report_id: "r1", status: "dispatched" as const, vehicle_id: "truck-3" };
  const truck = { name: "Truck 3", status: "assigned", driver_id: "driver-1" };
  const closeout = (status: string, created_at: string, report_id = "r1", rejection_reason: string | null = null) => ({
    report_id, closeout: true, status: status as "approved", created_at, rejection_reason,
  });
  const done = (steps: { done: boolean }[]) => steps.map((step) => step.done);

  it("starts at the dispatch, naming the vehicle and its driver", () => {
    const steps = jobProgress(job, truck, [], true);
    expect(done(steps)).toEqual([true, false, false, false]);
    expect(steps[0].detail).toBe("Truck 3, driven by driver-1");
  });

  it("follows the driver's newest close-out of this report, not their others", () => {
    const others = [closeout("approved", "2026-12-07T09:00:00Z", "r2"), { ...closeout("approved", "2026-12-07T09:00:00Z"), closeout: false }];
    expect(done(jobProgress(job, truck, others, true))).toEqual([true, false, false, false]);
    expect(jobProgress(job, truck, [closeout("awaiting_upload", "2026-12-07T08:00:00Z")], true)[1].detail).toBe("opened, waiting for the photo");
    const refusedThenSent = [closeout("rejected", "2026-12-07T08:00:00Z", "r1", "not the same place"), closeout("in_review", "2026-12-07T09:00:00Z")];
    const steps = jobProgress(job, truck, refusedThenSent, true);
    expect(done(steps)).toEqual([true, true, false, false]);
    expect(steps[2].detail).toBe("waiting for a reviewer");
    expect(jobProgress(job, truck, refusedThenSent.slice(0, 1), true)[2].detail).toBe("refused: not the same place");
  });

  it("ends when the report is resolved", () => {
    const steps = jobProgress({ ...job, status: "resolved" }, truck, [closeout("approved", "2026-12-07T09:00:00Z")], true);
    expect(done(steps)).toEqual([true, true, true, true]);
  });
});
