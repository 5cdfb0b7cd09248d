/**
 * The outbox: every report and cleanup is first written to IndexedDB with its photos, then sent. Offline it stays
 * there until the network returns (Background Sync, the `online` event, or the next open). It is sent once:
 * each step's progress is saved (a photo's key once uploaded, a cleanup's id once opened), a report is filed and a
 * cleanup opened with the Idempotency-Key it was queued under (the API answers a repeat with the first answer), and one replay runs
 * at a time in a page and, where the browser has Web Locks, across the app's tabs.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import { ApiError, type ImageType, type UploadForm, type WasteType } from "./api";
import { imageType, UploadError } from "./upload";

export type Photo = "before" | "after";

export interface ReportDraft {
  waste_type: WasteType;
  lat: number;
  lng: number;
  description: string | null;
}

interface Queued {
  /** Also the Idempotency-Key of the report it files or the cleanup it opens. */
  id: string;
  /** The citizen who made it: a phone shared by two residents sends each one's items under their own sign-in. */
  owner: string;
  createdAt: string;
  /** The API's refusal: the item waits for the citizen to discard it instead of being sent again. */
  refused?: string;
}

export interface QueuedReport extends Queued {
  kind: "report";
  report: ReportDraft;
  photos: { blob: Blob; key?: string }[];
}

export interface QueuedCleanup extends Queued {
  kind: "cleanup";
  before: Blob | null;
  after: Blob;
  submissionId?: string;
  sent: Photo[];
}

export type QueuedItem = QueuedReport | QueuedCleanup;

export type Outcome =
  | { state: "sent"; id: string }
  | { state: "waiting"; reason: string }
  | { state: "refused"; reason: string };

/** What the outbox needs of the API and the photo store; the app's is `apiSender`, the tests' a fake. */
export interface Sender {
  uploadForm(contentType: ImageType): Promise<UploadForm>;
  upload(form: UploadForm, photo: Blob, onProgress?: (fraction: number) => void): Promise<void>;
  fileReport(report: ReportDraft & { photo_keys: string[] }, idempotencyKey: string): Promise<string>;
  openCleanup(
    contentType: ImageType,
    idempotencyKey: string,
  ): Promise<{ submissionId: string; uploads: Partial<Record<Photo, UploadForm>> }>;
  cleanupForm(submissionId: string, photo: Photo, contentType: ImageType): Promise<UploadForm>;
}

interface OutboxSchema extends DBSchema {
  items: { key: string; value: QueuedItem; indexes: { createdAt: string } };
}

export function newKey(): string {
  return `app-${crypto.randomUUID()}`;
}

/** A failure worth trying again later: no network, a timeout, throttling, the API or S3 down, an expired sign-in. */
export function isTransient(error: unknown): boolean {
  if (error instanceof UploadError) return error.offline;
  if (error instanceof ApiError) return [401, 408, 429].includes(error.status) || error.status >= 500;
  return error instanceof TypeError; // fetch's "Failed to fetch"
}

export class Outbox {
  private constructor(private readonly db: IDBPDatabase<OutboxSchema>) {}

  static async open(name = "ecopulse-outbox"): Promise<Outbox> {
    const db = await openDB<OutboxSchema>(name, 1, {
      upgrade(database) {
        database.createObjectStore("items", { keyPath: "id" }).createIndex("createdAt", "createdAt");
      },
    });
    return new Outbox(db);
  }

  async put(item: QueuedItem): Promise<void> {
    await this.db.put("items", item);
  }

  /** Oldest first: the order the citizen made them in. */
  all(): Promise<QueuedItem[]> {
    return this.db.getAllFromIndex("items", "createdAt");
  }

  async remove(id: string): Promise<void> {
    await this.db.delete("items", id);
  }

  close(): void {
    this.db.close();
  }
}

async function sendReport(outbox: Outbox, item: QueuedReport, sender: Sender, onProgress?: Progress): Promise<string> {
  for (const [index, photo] of item.photos.entries()) {
    if (photo.key) continue;
    const form = await sender.uploadForm(imageType(photo.blob));
    await sender.upload(form, photo.blob, (fraction) => onProgress?.(item.id, (index + fraction) / item.photos.length));
    photo.key = form.key;
    await outbox.put(item);
  }
  const photoKeys = item.photos.map((photo) => photo.key).filter((key): key is string => !!key);
  return sender.fileReport({ ...item.report, photo_keys: photoKeys }, item.id);
}

async function sendCleanup(outbox: Outbox, item: QueuedCleanup, sender: Sender, onProgress?: Progress): Promise<string> {
  let forms: Partial<Record<Photo, UploadForm>> = {};
  if (!item.submissionId) {
    const opened = await sender.openCleanup(imageType(item.after), item.id);
    item.submissionId = opened.submissionId;
    forms = opened.uploads;
    await outbox.put(item);
  }
  const photos = (["before", "after"] as const).filter((photo) => (photo === "before" ? item.before : item.after));
  for (const [index, photo] of photos.entries()) {
    if (item.sent.includes(photo)) continue;
    const blob = (photo === "before" ? item.before : item.after) as Blob;
    let form = forms[photo];
    if (!form) {
      try {
        form = await sender.cleanupForm(item.submissionId, photo, imageType(blob));
      } catch (error) {
        // The photo was verified before the answer was lost: it is in, and its slot is closed.
        if (!(error instanceof ApiError && error.code === "photo_slot_taken")) throw error;
      }
    }
    if (form) {
      await sender.upload(form, blob, (fraction) => onProgress?.(item.id, (index + fraction) / photos.length));
    }
    item.sent.push(photo);
    await outbox.put(item);
  }
  return item.submissionId;
}

export type Progress = (id: string, fraction: number) => void;

let running: Promise<Map<string, Outcome>> | null = null;

async function replayAll(
  outbox: Outbox,
  sender: Sender,
  owner: string,
  onProgress?: Progress,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (const item of await outbox.all()) {
    if (item.refused || item.owner !== owner) continue;
    try {
      const id =
        item.kind === "report"
          ? await sendReport(outbox, item, sender, onProgress)
          : await sendCleanup(outbox, item, sender, onProgress);
      await outbox.remove(item.id);
      outcomes.set(item.id, { state: "sent", id });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (isTransient(error)) {
        outcomes.set(item.id, { state: "waiting", reason });
        break; // the network is gone or the API is down: the rest waits too, in order
      }
      item.refused = reason;
      await outbox.put(item);
      outcomes.set(item.id, { state: "refused", reason });
    }
  }
  return outcomes;
}

/** Sends what `owner` made, oldest first. A replay asked for while one runs joins it instead of sending again. */
export function replay(
  outbox: Outbox,
  sender: Sender,
  owner: string,
  onProgress?: Progress,
): Promise<Map<string, Outcome>> {
  if (!running) {
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    const send = () => replayAll(outbox, sender, owner, onProgress);
    // The lock is held until the replay it runs is done; its answer is the replay's.
    const started = locks ? locks.request("ecopulse-outbox", send).then((outcomes) => outcomes) : send();
    // Reset in a callback, which runs after the assignment whatever the replay does.
    running = started.finally(() => {
      running = null;
    });
  }
  return running;
}
