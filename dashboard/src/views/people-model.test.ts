import { describe, expect, it } from "vitest";
import { decidedSummary, roleOf } from "./people-model";

describe("an account's role", () => {
  it("is its highest group", () => {
    expect(roleOf(["citizen"])).toBe("citizen");
    expect(roleOf(["driver"])).toBe("driver");
    expect(roleOf(["citizen", "admin"])).toBe("admin");
    expect(roleOf([])).toBe("citizen");
  });
});

describe("a citizen's decided cleanups", () => {
  it("say how many were approved and rejected, and the share approved", () => {
    expect(decidedSummary({ approved: 3, rejected: 1 })).toBe("3 approved, 1 rejected (75 % approved).");
  });

  it("say so when none was decided", () => {
    expect(decidedSummary({ approved: 0, rejected: 0 })).toBe("No cleanup decided yet.");
  });
});
