// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import type { Schemas } from "./api";
import { preferredLanguage } from "./i18n";
import { isoWeekPeriod, monthPeriod } from "./periods";
import { whoFromToken } from "./session";
import { fittedSize } from "./upload";
import { rewardState, settled } from "./verdict";
import { transactionUrl } from "./explorer";
import { fieldsOf } from "./geo";
import { alertZones, preferencesOf, reportItem, unreadCount } from "./views/mine";
import { positionOf } from "./views/report";
import { asksIfFixed, reportAddress, timelineStep } from "./views/my-report";
import { startI18n } from "./i18n";

function submission(overrides: Partial<Schemas["SubmissionOut"]>): Schemas["SubmissionOut"] {
  return {
    submission_id: "s1", user_id: "u1", task: "cleanup", report_id: null, status: "received", photos: {},
    outcome: { decision: null, reasons: [] }, rejection_reason: null, reward: null, mint_tx: null,
    created_at: "2026-12-07T01:00:00Z", updated_at: "2026-12-07T01:00:00Z", ...overrides,
  };
}

function token(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "");
  return `${encode({ alg: "RS256" })}.${encode(claims)}.signature`;
}

describe("a cleanup's reward", () => {
  it("is pending once approved, paid once its transaction is known", () => {
    expect(rewardState(submission({ status: "in_review" }))).toBe("none");
    expect(rewardState(submission({ status: "approved", reward: 10 }))).toBe("pending");
    expect(rewardState(submission({ status: "approved", reward: 10, mint_tx: "0xabc" }))).toBe("paid");
  });

  it("is followed until the decision and any payment are in", () => {
    expect(settled(submission({ status: "received" }))).toBe(false);
    expect(settled(submission({ status: "approved", reward: 10 }))).toBe(false);
    expect(settled(submission({ status: "approved", reward: 10, mint_tx: "0xabc" }))).toBe(true);
    expect(settled(submission({ status: "rejected" }))).toBe(true);
  });
});

describe("the report form's position", () => {
  it("takes numbers on the globe and nothing else", () => {
    expect(positionOf("31.5204", "74.3587")).toEqual({ lat: 31.5204, lng: 74.3587 });
    expect(positionOf("", "74.3")).toBeNull();
    expect(positionOf("north", "74.3")).toBeNull();
    expect(positionOf("91", "74.3")).toBeNull();
    expect(positionOf("31.5", "-181")).toBeNull();
  });
});

describe("the report form's map", () => {
  it("gives the fields a position on the globe wherever the marker is dropped", () => {
    expect(fieldsOf({ lat: 31.52041234, lng: 74.3587 })).toEqual({ lat: "31.520412", lng: "74.358700" });
    expect(fieldsOf({ lat: 10, lng: 190 })).toEqual({ lat: "10.000000", lng: "-170.000000" });
    expect(fieldsOf({ lat: 10, lng: -540 })).toEqual({ lat: "10.000000", lng: "-180.000000" });
  });
});

describe("a transaction", () => {
  const hash = `0x${"ab".repeat(32)}`;

  it("links to the block explorer the deployment names", () => {
    expect(transactionUrl("https://amoy.polygonscan.com/tx/", hash)).toBe(`https://amoy.polygonscan.com/tx/${hash}`);
  });

  it("is its hash alone without an explorer, or when it is not a transaction's hash", () => {
    expect(transactionUrl("", hash)).toBeNull();
    expect(transactionUrl(undefined, hash)).toBeNull();
    expect(transactionUrl("https://amoy.polygonscan.com/tx/", "0xabc")).toBeNull();
    expect(transactionUrl("javascript:alert(1)//", hash)).toBeNull();
    expect(transactionUrl("polygonscan/tx/", hash)).toBeNull();
  });
});

describe("photos", () => {
  it("shrink to a longest side of 2048 px, keeping their shape", () => {
    expect(fittedSize(4032, 3024)).toEqual({ width: 2048, height: 1536 });
    expect(fittedSize(3024, 4032)).toEqual({ width: 1536, height: 2048 });
    expect(fittedSize(1600, 1200)).toBeNull();
  });
});

describe("the leaderboard's periods", () => {
  it("name the month and the ISO week as the API does", () => {
    expect(monthPeriod(new Date("2026-12-07T12:00:00Z"))).toBe("2026-12");
    expect(isoWeekPeriod(new Date("2026-12-07T12:00:00Z"))).toBe("2026-W50");
    expect(isoWeekPeriod(new Date("2027-01-01T12:00:00Z"))).toBe("2026-W53");
    expect(isoWeekPeriod(new Date("2024-12-30T12:00:00Z"))).toBe("2025-W01");
  });
});

describe("Mine", () => {
  it("offers the city's zones for alerts, those of the citizen's reports first", () => {
    const zones = [
      { zone_id: "canal", name: "Canal" },
      { zone_id: "old-city", name: "Old City" },
      { zone_id: "gulberg", name: "Gulberg" },
    ];
    const reports = [{ zone: "gulberg" }, { zone: null }, { zone: "gulberg" }];
    expect(alertZones(zones, reports)).toEqual([
      { zone_id: "gulberg", name: "Gulberg", mine: true },
      { zone_id: "canal", name: "Canal", mine: false },
      { zone_id: "old-city", name: "Old City", mine: false },
    ]);
    expect(alertZones([], reports)).toEqual([]);
  });

  it("takes notification preferences with an E.164 number for SMS", () => {
    const base = { push: true, email: false, sms: false, phone: "" };
    expect(preferencesOf(base)).toEqual({ push: true, email: false, sms: false, phone_number: null });
    expect(preferencesOf({ ...base, sms: true, phone: "+92 300 123-4567" })).toEqual({
      push: true, email: false, sms: true, phone_number: "+923001234567",
    });
    expect(preferencesOf({ ...base, sms: true })).toEqual({ problem: "phoneNeeded" });
    expect(preferencesOf({ ...base, phone: "0300 1234567" })).toEqual({ problem: "phoneInvalid" });
  });

  it("counts the unread messages", () => {
    expect(unreadCount([{ read: true }, { read: false }, { read: false }])).toBe(2);
  });
});

describe("the language", () => {
  it("is the saved choice, else the browser's first the app speaks, else English", () => {
    expect(preferredLanguage("ur", ["en-GB"])).toBe("ur");
    expect(preferredLanguage(null, ["fr-FR", "ur-PK", "en"])).toBe("ur");
    expect(preferredLanguage("de", ["fr-FR"])).toBe("en");
  });
});

describe("offline, the token says who is signed in", () => {
  it("reads the tenant and user from an unexpired token", () => {
    const who = whoFromToken(
      token({ sub: "u1", "cognito:username": "sara", "custom:tenant": "lahore", "cognito:groups": ["citizen"],
        exp: Date.now() / 1000 + 600 }),
    );
    expect(who).toEqual({ user_id: "u1", username: "sara", tenant: "lahore", groups: ["citizen"] });
  });

  it("refuses an expired token or one without a tenant", () => {
    expect(whoFromToken(token({ sub: "u1", "custom:tenant": "lahore", exp: Date.now() / 1000 - 1 }))).toBeNull();
    expect(whoFromToken(token({ sub: "u1" }))).toBeNull();
    expect(whoFromToken("not a token")).toBeNull();
  });
});

describe("a report's timeline", () => {
  const entry = { at: "2026-12-07T01:00:00Z", actor: "u1", action: "created", old: null, new: "submitted", reason: null };

  it("says each step in words, with who acted: the citizen, or the city without naming staff", async () => {
    await startI18n();
    expect(timelineStep(entry, "u1")).toEqual({ at: entry.at, what: "Filed", who: "you", reason: null, comment: null });
    const verified = { ...entry, actor: "admin-7", action: "verified", old: "submitted", new: "verified", reason: "seen" };
    expect(timelineStep(verified, "u1")).toEqual({ at: entry.at, what: "Verified", who: "the city", reason: "seen", comment: null });
    const reopened = { ...entry, action: "reopened", old: "resolved", new: "verified", reason: "still there" };
    expect(timelineStep(reopened, "u1").what).toBe("Reopened: not fixed yet");
    const hidden = { ...entry, actor: "staff", action: "text_hidden", new: null, reason: "a phone number" };
    expect(timelineStep(hidden, "u1").what).toBe("The city hid its text");
    expect(timelineStep({ ...entry, action: "something_new", new: null }, "u1").what).toBe("something new");
    const comment = { ...entry, actor: "staff", action: "commented", new: null };
    expect(timelineStep({ ...comment, text: "a crew comes Monday" }, "u1")).toMatchObject({ what: "Comment", who: "the city", comment: "a crew comes Monday" });
    expect(timelineStep({ ...comment, text: null }, "u1").comment).toBe("(the city hid this comment)");
  });

  it("asks whether it is fixed once the city resolved it, and only then", () => {
    expect(asksIfFixed({ status: "resolved" })).toBe(true);
    expect(["submitted", "verified", "dispatched", "confirmed", "rejected", "duplicate"].some((status) => asksIfFixed({ status: status as "verified" }))).toBe(false);
  });

  it("is opened at the report's own address under Mine, from its item in Mine's list", async () => {
    await startI18n();
    expect(reportAddress("r 1")).toBe("#/mine/r%201");
    const report = { report_id: "r 1", waste_type: "glass", status: "verified", created_at: "2026-12-07T01:00:00Z", description: "bottles" };
    const link = reportItem(report as Schemas["ReportOut"]).querySelector("a");
    expect([link?.getAttribute("href"), link?.textContent]).toEqual(["#/mine/r%201", "Details and timeline"]);
  });
});
