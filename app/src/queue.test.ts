import "fake-indexeddb/auto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, type ImageType, type UploadForm } from "./api";
import { isTransient, newKey, Outbox, replay, type QueuedCleanup, type QueuedReport, type Sender } from "./queue";
import { UploadError } from "./upload";

/** A fake API and photo store: records every call, files each Idempotency-Key once (as the API does), and fails
 * the calls a test names, the number of times it says. */
class FakeApi implements Sender {
  uploads: string[] = [];
  filed = new Map<string, string>();
  fileCalls: string[] = [];
  opened: string[] = [];
  openedByKey = new Map<string, string>();
  failures: Partial<Record<keyof Sender, (Error | undefined)[]>> = {};
  private forms = 0;

  private fail(call: keyof Sender): void {
    const error = this.failures[call]?.shift();
    if (error) throw error;
  }

  private form(key: string): UploadForm {
    return { key, url: "https://s3.test/uploads", fields: {}, expires_in: 300, max_bytes: 10_000_000 };
  }

  uploadForm(contentType: ImageType): Promise<UploadForm> {
    this.fail("uploadForm");
    return Promise.resolve(this.form(`uploads/photo-${++this.forms}.${contentType.split("/")[1]}`));
  }

  async upload(form: UploadForm, photo: Blob, onProgress?: (fraction: number) => void): Promise<void> {
    this.fail("upload");
    onProgress?.(1);
    this.uploads.push(`${form.key}:${await photo.text()}`);
  }

  fileReport(report: { photo_keys: string[] }, idempotencyKey: string): Promise<string> {
    this.fileCalls.push(idempotencyKey);
    if (!this.filed.has(idempotencyKey)) this.filed.set(idempotencyKey, `report-${this.filed.size + 1}`);
    this.fail("fileReport"); // filed, but the answer is lost on the way back
    return Promise.resolve(`${this.filed.get(idempotencyKey)}:${report.photo_keys.join(",")}`);
  }

  openCleanup(
    _contentType: ImageType,
    idempotencyKey: string,
  ): Promise<{ submissionId: string; uploads: Partial<Record<"before" | "after", UploadForm>> }> {
    if (!this.openedByKey.has(idempotencyKey)) {
      this.openedByKey.set(idempotencyKey, `sub-${this.opened.length + 1}`);
      this.opened.push(`sub-${this.opened.length + 1}`);
    }
    this.fail("openCleanup"); // opened, but the answer is lost on the way back
    const submissionId = this.openedByKey.get(idempotencyKey) as string;
    return Promise.resolve({
      submissionId,
      uploads: { before: this.form(`${submissionId}/before`), after: this.form(`${submissionId}/after`) },
    });
  }

  cleanupForm(submissionId: string, photo: "before" | "after"): Promise<UploadForm> {
    this.fail("cleanupForm");
    return Promise.resolve(this.form(`${submissionId}/${photo}`));
  }
}

function report(photos: string[] = ["photo"]): QueuedReport {
  return {
    kind: "report",
    id: newKey(),
    owner: OWNER,
    createdAt: new Date().toISOString(),
    report: { waste_type: "plastic", lat: 31.52, lng: 74.35, description: null },
    photos: photos.map((text) => ({ blob: new Blob([text], { type: "image/jpeg" }) })),
  };
}

function cleanup(): QueuedCleanup {
  return {
    kind: "cleanup",
    id: newKey(),
    owner: OWNER,
    createdAt: new Date().toISOString(),
    before: new Blob(["before"], { type: "image/jpeg" }),
    after: new Blob(["after"], { type: "image/jpeg" }),
    sent: [],
  };
}

const offline = () => new TypeError("Failed to fetch");
const OWNER = "sara";

let outbox: Outbox;
let fake: FakeApi;
beforeEach(async () => {
  outbox = await Outbox.open(`outbox-${newKey()}`);
  fake = new FakeApi();
});
afterEach(() => outbox.close());

describe("the outbox", () => {
  it("keeps an item made offline, with its photos, until it is sent", async () => {
    const item = report(["bags by the canal"]);
    await outbox.put(item);
    fake.failures.uploadForm = [offline()];

    const first = await replay(outbox, fake, OWNER);
    expect(first.get(item.id)).toMatchObject({ state: "waiting" });
    const [kept] = (await outbox.all()) as QueuedReport[];
    expect(await kept.photos[0].blob.text()).toBe("bags by the canal");

    const second = await replay(outbox, fake, OWNER);
    expect(second.get(item.id)).toEqual({ state: "sent", id: "report-1:uploads/photo-1.jpeg" });
    expect(await outbox.all()).toEqual([]);
  });

  it("sends in the order the items were made", async () => {
    const older = { ...report(["first"]), createdAt: "2026-12-07T01:00:00Z" };
    const newer = { ...report(["second"]), createdAt: "2026-12-07T02:00:00Z" };
    await outbox.put(newer);
    await outbox.put(older);
    await replay(outbox, fake, OWNER);
    expect(fake.fileCalls).toEqual([older.id, newer.id]);
  });

  it("does not upload a photo again when filing failed after the upload", async () => {
    const item = report();
    await outbox.put(item);
    fake.failures.fileReport = [offline()];

    await replay(outbox, fake, OWNER);
    await replay(outbox, fake, OWNER);

    expect(fake.uploads).toEqual(["uploads/photo-1.jpeg:photo"]);
    expect(fake.fileCalls).toEqual([item.id, item.id]);
    expect(fake.filed.size).toBe(1);
  });

  it("files a report lost on the way back under the same Idempotency-Key, so it exists once", async () => {
    const item = report([]);
    await outbox.put(item);
    fake.failures.fileReport = [new ApiError(503, "gateway", "Service Unavailable")];

    expect((await replay(outbox, fake, OWNER)).get(item.id)).toMatchObject({ state: "waiting" });
    expect((await replay(outbox, fake, OWNER)).get(item.id)).toEqual({ state: "sent", id: "report-1:" });
    expect(fake.fileCalls).toEqual([item.id, item.id]);
    expect([...fake.filed.keys()]).toEqual([item.id]);
  });

  it("sends once when replays are asked for together (an online event, a sync and a new report at once)", async () => {
    const item = report();
    await outbox.put(item);
    const outcomes = await Promise.all([replay(outbox, fake, OWNER), replay(outbox, fake, OWNER), replay(outbox, fake, OWNER)]);
    expect(outcomes.map((each) => each.get(item.id)?.state)).toEqual(["sent", "sent", "sent"]);
    expect(fake.fileCalls).toEqual([item.id]);
    expect(fake.uploads).toHaveLength(1);
  });

  it("keeps a refused item out of later replays until the citizen discards it", async () => {
    const item = report();
    await outbox.put(item);
    fake.failures.fileReport = [new ApiError(422, "invalid_request", "lat: out of range")];

    expect((await replay(outbox, fake, OWNER)).get(item.id)).toEqual({ state: "refused", reason: "lat: out of range" });
    expect((await outbox.all())[0].refused).toBe("lat: out of range");
    expect((await replay(outbox, fake, OWNER)).has(item.id)).toBe(false);
    expect(fake.fileCalls).toHaveLength(1);
  });

  it("stops at the first item the network cannot send, and keeps the rest in order", async () => {
    const first = { ...report(["a"]), createdAt: "2026-12-07T01:00:00Z" };
    const second = { ...report(["b"]), createdAt: "2026-12-07T02:00:00Z" };
    await outbox.put(first);
    await outbox.put(second);
    fake.failures.upload = [new UploadError("the photo could not be sent", true)];

    const outcomes = await replay(outbox, fake, OWNER);
    expect(outcomes.get(first.id)?.state).toBe("waiting");
    expect(outcomes.has(second.id)).toBe(false);
    expect((await outbox.all()).map((item) => item.id)).toEqual([first.id, second.id]);
  });

  it("sends only what the signed-in citizen made", async () => {
    const mine = report(["mine"]);
    const theirs = { ...report(["theirs"]), owner: "bilal" };
    await outbox.put(theirs);
    await outbox.put(mine);

    const outcomes = await replay(outbox, fake, OWNER);
    expect([...outcomes.keys()]).toEqual([mine.id]);
    expect((await outbox.all()).map((item) => item.id)).toEqual([theirs.id]);
  });

  it("opens a cleanup once and uploads before, then after", async () => {
    const item = cleanup();
    await outbox.put(item);
    fake.failures.upload = [undefined, offline()]; // the before photo goes, then the network drops

    expect((await replay(outbox, fake, OWNER)).get(item.id)?.state).toBe("waiting");
    expect((await replay(outbox, fake, OWNER)).get(item.id)).toEqual({ state: "sent", id: "sub-1" });
    expect(fake.opened).toEqual(["sub-1"]);
    expect(fake.uploads).toEqual(["sub-1/before:before", "sub-1/after:after"]);
  });

  it("opens a cleanup whose answer was lost under the same key: one submission", async () => {
    const item = cleanup();
    await outbox.put(item);
    fake.failures.openCleanup = [offline()];

    expect((await replay(outbox, fake, OWNER)).get(item.id)?.state).toBe("waiting");
    expect((await replay(outbox, fake, OWNER)).get(item.id)).toEqual({ state: "sent", id: "sub-1" });
    expect([...fake.openedByKey]).toEqual([[item.id, "sub-1"]]);
    expect(fake.opened).toEqual(["sub-1"]);
  });

  it("counts a cleanup photo whose slot the API closed as sent", async () => {
    const item = { ...cleanup(), submissionId: "sub-9", sent: [] };
    await outbox.put(item);
    fake.failures.cleanupForm = [new ApiError(409, "photo_slot_taken", "the before photo is already verified")];

    expect((await replay(outbox, fake, OWNER)).get(item.id)).toEqual({ state: "sent", id: "sub-9" });
    expect(fake.uploads).toEqual(["sub-9/after:after"]);
  });
});

describe("what is worth trying again", () => {
  it.each([
    [new TypeError("Failed to fetch"), true],
    [new UploadError("the photo could not be sent", true), true],
    [new UploadError("the photo store refused the photo (403)", false), false],
    [new ApiError(401, "gateway", "Unauthorized"), true],
    [new ApiError(429, "gateway", "Too Many Requests"), true],
    [new ApiError(502, "gateway", "Bad Gateway"), true],
    [new ApiError(403, "account_disabled", "disabled"), false],
    [new ApiError(422, "invalid_request", "invalid"), false],
  ])("%s → %s", (error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});
