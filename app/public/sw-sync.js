// Background Sync: when the browser says the network is back ("ecopulse-queue"), the open pages send their
// queue (they hold the sign-in; the queue itself lives in IndexedDB). With no page open, the next open sends it.
self.addEventListener("sync", (event) => {
  if (event.tag !== "ecopulse-queue") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((pages) => {
      for (const page of pages) page.postMessage({ type: "replay-queue" });
    }),
  );
});
