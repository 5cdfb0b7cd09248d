import { describe, expect, it } from "vitest";
import { leaderboardPeriod } from "./community-model";

describe("the leaderboard's period", () => {
  it("is all time, the month or the ISO week", () => {
    const day = new Date("2026-11-18T10:00:00Z");
    expect(leaderboardPeriod("all", day)).toBe("all");
    expect(leaderboardPeriod("month", day)).toBe("2026-11");
    expect(leaderboardPeriod("week", day)).toBe("2026-W47");
  });

  it("counts ISO weeks across the turn of the year", () => {
    expect(leaderboardPeriod("week", new Date("2027-01-01T12:00:00Z"))).toBe("2026-W53");
    expect(leaderboardPeriod("week", new Date("2024-12-30T12:00:00Z"))).toBe("2025-W01");
    expect(leaderboardPeriod("week", new Date("2026-01-04T23:00:00Z"))).toBe("2026-W01");
  });
});
