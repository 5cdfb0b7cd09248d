import { Outbox, replay, type Outcome, type QueuedItem } from "./queue";
import { apiSender } from "./sender";

/** Background Sync where the browser has it: the service worker wakes the app when the network returns. */
interface SyncRegistration {
  sync?: { register(tag: string): Promise<void> };
}

export async function askForSync(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;
  const registration = (await navigator.serviceWorker.getRegistration()) as SyncRegistration | undefined;
  await registration?.sync?.register("ecopulse-queue").catch(() => undefined);
}

/**
 * Queues the item, then sends the outbox if the device is online. Its outcome: sent (with the API's id),
 * waiting (queued until the network returns) or refused (the API's reason; the item leaves the outbox so that the
 * citizen can correct the form and send again).
 */
export async function queueAndSend(
  outbox: Outbox,
  item: QueuedItem,
  onProgress: (fraction: number) => void,
): Promise<Outcome> {
  await outbox.put(item);
  const waiting: Outcome = { state: "waiting", reason: "offline" };
  if (!navigator.onLine) {
    await askForSync();
    return waiting;
  }
  const progress = (id: string, fraction: number): void => {
    if (id === item.id) onProgress(fraction);
  };
  let outcome = (await replay(outbox, apiSender, item.owner, progress)).get(item.id);
  // A replay already under way when the item was queued did not see it: one more sends it.
  outcome ??= (await replay(outbox, apiSender, item.owner, progress)).get(item.id);
  if (outcome?.state === "refused") await outbox.remove(item.id);
  if (!outcome || outcome.state === "waiting") await askForSync();
  return outcome ?? waiting;
}
