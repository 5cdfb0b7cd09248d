import { api, unwrap, type Schemas, type WhoAmI } from "./api";
import { bellLabel, unread } from "./views/inbox-model";
import { ago, h, showError, statusLine } from "./dom";

type Message = Schemas["InboxMessage"];
const POLL_MS = 60_000;

/** The admin's own inbox in the header: staff notifications such as "Review overdue" escalations, with the count
 * not yet seen. The API keeps no read mark for staff, so "seen" is when this browser last opened the bell. */
export function mountBell(button: HTMLButtonElement, panel: HTMLElement, who: WhoAmI): () => void {
  const seenKey = `ecopulse.inbox_seen.${who.tenant}.${who.user_id}`;
  const badge = h("span", { class: "bell-count", "aria-hidden": "true" });
  const status = statusLine("bell-status");
  const list = h("ul", { class: "bell-list", id: "bell-list" });
  let messages: Message[] = [];

  button.replaceChildren("Notifications ", badge);
  panel.replaceChildren(h("h2", { id: "bell-title" }, "Notifications"), status, list);

  function draw(): void {
    const fresh = unread(messages, localStorage.getItem(seenKey));
    badge.textContent = fresh.length ? String(fresh.length) : "";
    badge.hidden = !fresh.length;
    button.setAttribute("aria-label", bellLabel(fresh.length));
    list.replaceChildren(
      ...messages.map((message) =>
        h(
          "li",
          { class: fresh.includes(message) ? "unread" : undefined },
          h("strong", {}, message.title),
          ` · ${ago(message.created_at)}`,
          h("p", {}, message.body),
          message.submission_id ? h("a", { href: "#/queue" }, `Submission ${message.submission_id.slice(0, 8)}`) : null,
        ),
      ),
    );
    if (!messages.length) list.append(h("li", { class: "empty" }, "No notification yet."));
  }

  async function poll(): Promise<void> {
    messages = (await unwrap(api().GET("/me/inbox", { params: { query: { limit: 20 } } }))).items;
    draw();
  }

  function toggle(): void {
    const open = panel.hidden;
    // Below the bell, wherever the header's wrapping put it.
    panel.style.top = `${button.getBoundingClientRect().bottom + window.scrollY + 6}px`;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open && messages.length) {
      localStorage.setItem(seenKey, messages[0].created_at);
      draw();
    }
  }

  function closeOnEscape(event: KeyboardEvent): void {
    if (event.key === "Escape" && !panel.hidden) {
      toggle();
      button.focus();
    }
  }

  button.addEventListener("click", toggle);
  document.addEventListener("keydown", closeOnEscape);
  const failed = (error: unknown) => showError(status, error);
  poll().catch(failed);
  const timer = setInterval(() => {
    poll().catch(failed);
  }, POLL_MS);
  return () => {
    clearInterval(timer);
    button.removeEventListener("click", toggle);
    document.removeEventListener("keydown", closeOnEscape);
    panel.hidden = true;
  };
}
