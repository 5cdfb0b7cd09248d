import { describe, expect, it } from "vitest";
import { byPriority } from "./priority-model";

const reports = [
  { id: "old-normal", priority: "normal", created_at: "2026-12-01T08:00:00Z" },
  { id: "new-urgent", priority: "urgent", created_at: "2026-12-06T08:00:00Z" },
  { id: "low", priority: "low", created_at: "2026-11-01T08:00:00Z" },
  { id: "old-urgent", priority: "urgent", created_at: "2026-12-02T08:00:00Z" },
  { id: "high", priority: "high", created_at: "2026-12-05T08:00:00Z" },
];

describe("reports by priority", () => {
  it("come most urgent first, then oldest first", () => {
    expect(byPriority(reports).map((r) => r.id)).toEqual(["old-urgent", "new-urgent", "high", "old-normal", "low"]);
  });

  it("keep only those at least as urgent as asked", () => {
    expect(byPriority(reports, "high").map((r) => r.id)).toEqual(["old-urgent", "new-urgent", "high"]);
  });

  it("leave the list they were given as it was", () => {
    const before = reports.map((r) => r.id);
    byPriority(reports);
    expect(reports.map((r) => r.id)).toEqual(before);
  });
});
