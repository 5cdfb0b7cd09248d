import "./style.css";
import { registerSW } from "virtual:pwa-register";
import { loadConfig, session, type Config } from "./api";
import { h } from "./dom";
import { LANGUAGES, language, setLanguage, startI18n, t, isLanguage } from "./i18n";
import { Outbox, replay } from "./queue";
import { apiSender } from "./sender";
import { identify, type Who } from "./session";
import { cleanupScreen } from "./views/cleanup";
import type { Context, Screen } from "./views/context";
import { eventsScreen } from "./views/events";
import { leaderboardScreen } from "./views/leaderboard";
import { mineScreen } from "./views/mine";
import { myReportScreen } from "./views/my-report";
import { reportScreen } from "./views/report";
import { signInScreen } from "./views/signin";

const screens: Record<string, Screen> = {
  report: reportScreen,
  cleanup: cleanupScreen,
  mine: mineScreen,
  events: eventsScreen,
  leaderboard: leaderboardScreen,
};

/** Screens opened on one item, under the tab of their list. */
const detailScreens: Record<string, Screen> = { mine: myReportScreen };

const RETRY_FIRST_MS = 2_000;
const RETRY_LAST_MS = 60_000;
const root = document.getElementById("view") as HTMLElement;
const topbar = document.getElementById("topbar") as HTMLElement;
const tabs = document.getElementById("tabs") as HTMLElement;
const outboxLine = document.getElementById("outbox-line") as HTMLElement;
let leave: (() => void) | void;
let who: Who | null = null;
let config: Config;
let outbox: Outbox;

/** The screen the address names and what it is opened on: `#/mine/<report>` is one of my reports. */
function currentScreen(): { name: string; id?: string } {
  const [name = "", id] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (!(name in screens)) return { name: "report" };
  return id ? { name, id } : { name };
}

async function showOutbox(): Promise<void> {
  const items = (await outbox.all()).filter((item) => item.owner === who?.user_id);
  const waiting = items.filter((item) => !item.refused).length;
  const refused = items.length - waiting;
  const parts = [];
  if (waiting) parts.push(t("outbox.count", { count: waiting }));
  if (refused) parts.push(t("outbox.refusedCount", { count: refused }));
  outboxLine.textContent = parts.join(" · ");
  outboxLine.hidden = !parts.length;
}

let flushing: Promise<void> | null = null;
let retry: number | undefined;
let retryDelay = RETRY_FIRST_MS;
/** Sends the outbox when signed in and online; several reasons to flush at once make one flush. What the network
 * could not send while the device says it is online (a flaky network, a captive portal) is tried again later,
 * waiting twice as long each time. */
function flush(): Promise<void> {
  // Reset in a callback, which runs after the assignment even when sendOutbox returns at once.
  flushing ??= sendOutbox().finally(() => {
    flushing = null;
  });
  return flushing;
}

async function sendOutbox(): Promise<void> {
  try {
    if (!who || !navigator.onLine) return;
    const outcomes = await replay(outbox, apiSender, who.user_id);
    window.clearTimeout(retry);
    if ([...outcomes.values()].some((outcome) => outcome.state === "waiting")) {
      retry = window.setTimeout(() => void flush(), retryDelay);
      retryDelay = Math.min(retryDelay * 2, RETRY_LAST_MS);
    } else {
      retryDelay = RETRY_FIRST_MS;
    }
  } finally {
    await showOutbox();
  }
}

function drawChrome(): void {
  const picker = h(
    "select",
    { id: "language", class: "language" },
    Object.entries(LANGUAGES).map(([code, { name }]) =>
      h("option", { value: code, lang: code, selected: code === language() }, name),
    ),
  );
  picker.addEventListener("change", () => {
    if (isLanguage(picker.value)) void setLanguage(picker.value).then(route);
  });
  topbar.replaceChildren(
    h(
      "div",
      { class: "bar" },
      h("span", { class: "brand" }, t("app.name")),
      who ? h("span", { class: "city", id: "city-name" }, who.tenant) : null,
      h("label", { for: "language", class: "visually-hidden" }, t("app.language")),
      picker,
    ),
  );
  (document.getElementById("skip-link") as HTMLElement).textContent = t("app.skip");
  tabs.setAttribute("aria-label", t("app.screens"));
  tabs.hidden = !who;
  const current = currentScreen().name;
  tabs.replaceChildren(
    ...Object.keys(screens).map((name) =>
      h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : undefined }, t(`nav.${name}`)),
    ),
  );
}

function signOut(): void {
  session.token = null;
  who = null;
  void route();
}

async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  root.replaceChildren();
  who ??= await identify(signOut);
  drawChrome();
  if (!who) {
    document.title = `${t("signin.title")} · ${t("app.name")}`;
    signInScreen(root, config, async () => {
      who = await identify(signOut);
      await route();
      void flush();
    });
    return;
  }
  const { name, id } = currentScreen();
  document.title = `${t(`nav.${name}`)} · ${t("app.name")}`;
  const context: Context = { config, who, outbox, flush };
  leave = (id ? (detailScreens[name] ?? screens[name]) : screens[name])(root, context, id);
  void showOutbox();
}

async function start(): Promise<void> {
  await startI18n();
  [config, outbox] = await Promise.all([loadConfig(), Outbox.open()]);
  window.addEventListener("ecopulse:signed-out", signOut);
  window.addEventListener("hashchange", () => void route().then(() => root.focus({ preventScroll: true })));
  window.addEventListener("online", () => void flush());
  navigator.serviceWorker?.addEventListener("message", (event: MessageEvent<{ type?: string }>) => {
    if (event.data?.type === "replay-queue") void flush();
  });
  await route();
  void flush();
  registerSW({ immediate: true });
}

void start();
