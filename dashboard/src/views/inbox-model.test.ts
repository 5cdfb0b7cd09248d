import { describe, expect, it } from "vitest";
import { bellLabel, unread } from "./inbox-model";

const messages = [
  { id: "new", read: false, created_at: "2026-12-07T01:00:00Z" },
  { id: "old", read: false, created_at: "2026-12-06T01:00:00Z" },
  { id: "read", read: true, created_at: "2026-12-07T02:00:00Z" },
];

describe("unread messages", () => {
  it("are those not read and newer than the bell was last opened", () => {
    expect(unread(messages, "2026-12-06T12:00:00Z").map((m) => m.id)).toEqual(["new"]);
  });

  it("are every unread one when the bell was never opened", () => {
    expect(unread(messages, null).map((m) => m.id)).toEqual(["new", "old"]);
  });
});

describe("the bell's label", () => {
  it("counts the unread", () => {
    expect(bellLabel(2)).toBe("Notifications, 2 unread");
    expect(bellLabel(0)).toBe("Notifications, none unread");
  });
});
