import { describe, expect, it } from "vitest";
import type { Schemas, Submission } from "../api";
import {
  afterDecision,
  Expiring,
  failedChecks,
  historySummary,
  keepSelection,
  linksLifetimeMs,
  neighbour,
  sameQueue,
  signalValue,
  waitingForReview,
} from "./queue-model";

function submission(id: string, changes: Partial<Submission> = {}): Submission {
  return {
    submission_id: id,
    user_id: "citizen-1",
    task: "cleanup",
    report_id: null,
    status: "in_review",
    photos: { after: `uploads/lahore/${id}.jpg` },
    outcome: null,
    rejection_reason: null,
    reward: null,
    created_at: `2030-03-01T08:00:0${id.length % 10}Z`,
    updated_at: "2030-03-01T08:00:00Z",
    verdict: null,
    photo_verdicts: {},
    decided_by: null,
    review_decision: null,
    ...changes,
  } as Submission;
}

const decided: Schemas["ReviewDecision"] = { outcome: "approved", reason: "fine", reviewer: "amina", decided_at: "2030-03-01T09:00:00Z" };

describe("the submissions waiting for review", () => {
  it("are oldest first", () => {
    const newer = submission("b", { created_at: "2030-03-02T00:00:00Z" });
    const older = submission("a", { created_at: "2030-03-01T00:00:00Z" });
    expect(waitingForReview([newer, older]).map((item) => item.submission_id)).toEqual(["a", "b"]);
  });

  it("leave out one an admin decided while its workflow records the decision", () => {
    const taken = submission("a", { review_decision: decided });
    expect(waitingForReview([taken, submission("b")]).map((item) => item.submission_id)).toEqual(["b"]);
  });
});

describe("a poll", () => {
  const queue = [submission("a"), submission("b")];

  it("that lists the same submissions in the same state changes nothing", () => {
    expect(sameQueue(queue, [submission("a"), submission("b")])).toBe(true);
  });

  it("changes the queue when a submission comes, goes or changes", () => {
    expect(sameQueue(queue, [...queue, submission("c")])).toBe(false);
    expect(sameQueue(queue, [queue[1]])).toBe(false);
    expect(sameQueue(queue, [queue[0], submission("b", { updated_at: "2030-03-01T08:05:00Z" })])).toBe(false);
  });
});

describe("the selection", () => {
  const queue = [submission("a"), submission("b"), submission("c")];

  it("stays on a submission that still waits, else goes to the oldest", () => {
    expect(keepSelection(queue, "b")).toBe("b");
    expect(keepSelection(queue, "gone")).toBe("a");
    expect(keepSelection([], "b")).toBeNull();
  });

  it("moves by j and k and holds at the ends", () => {
    expect(neighbour(queue, "a", 1)).toBe("b");
    expect(neighbour(queue, "c", 1)).toBe("c");
    expect(neighbour(queue, "a", -1)).toBe("a");
    expect(neighbour([], "a", 1)).toBeNull();
  });

  it("after a decision goes to the submission that took the decided one's place", () => {
    expect(afterDecision(queue, "b")).toEqual({ items: [queue[0], queue[2]], selected: "c" });
    expect(afterDecision(queue, "c").selected).toBe("b");
    expect(afterDecision([queue[0]], "a")).toEqual({ items: [], selected: null });
  });
});

describe("what the detail shows", () => {
  it("writes a signal's value plainly", () => {
    expect(signalValue(null)).toBe("—");
    expect(signalValue(0.25)).toBe("0.25");
    expect(signalValue(false)).toBe("false");
    expect(signalValue({ lat: 1 })).toBe('{"lat":1}');
  });

  it("lists the evidence checks that failed", () => {
    const checks = [
      { name: "same_place", passed: true, reason: "" },
      { name: "before_photo", passed: false, reason: "no verified before photo" },
    ];
    expect(failedChecks({ checks })).toEqual([checks[1]]);
  });

  it("sums up the citizen's other submissions", () => {
    const earlier = [
      submission("a"),
      submission("b", { status: "approved" }),
      submission("c", { status: "rejected" }),
      submission("d", { status: "approved" }),
    ];
    const summary = historySummary(earlier, "a");
    expect(summary.text).toBe("2 approved, 1 rejected, 3 in all");
    expect(summary.others.map((other) => other.submission_id)).toEqual(["b", "c", "d"]);
  });
});

describe("what the queue keeps between polls", () => {
  it("is kept until its time is up, then asked again", () => {
    let now = 1_000;
    const kept = new Expiring<string>(() => now);
    kept.set("a", "links", 270_000);
    now += 269_999;
    expect(kept.get("a")).toBe("links");
    now += 1;
    expect(kept.get("a")).toBeUndefined();
  });

  it("is forgotten when a decision changes it", () => {
    const kept = new Expiring<string>();
    kept.set("citizen-1", "history", 60_000);
    kept.delete("citizen-1");
    expect(kept.get("citizen-1")).toBeUndefined();
  });

  it("keeps photo links until shortly before the first of them expires", () => {
    const link = (expires_in: number) => ({ key: "k", url: "https://photos/k", expires_in });
    const links = {
      photos: { after: link(300), before: link(120) },
      duplicates: [{ ...link(300), submission_id: "x", distance: 3 }],
    };
    expect(linksLifetimeMs(links)).toBe(90_000);
    expect(linksLifetimeMs({ photos: { after: link(10) }, duplicates: [] })).toBe(0);
  });
});
