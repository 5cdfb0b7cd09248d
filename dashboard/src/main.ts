import "./style.css";
import { api, loadConfig, session, unwrap, type WhoAmI } from "./api";
import { mountBell } from "./bell";
import { analyticsView } from "./views/analytics";
import { communityView } from "./views/community";
import { eventsView } from "./views/events";
import { exportsView } from "./views/exports";
import { fleetView } from "./views/fleet";
import { forecastView } from "./views/forecast";
import { impactView } from "./views/impact";
import { loginView } from "./views/login";
import { mapView } from "./views/map";
import { modelCardView } from "./views/model-card";
import { peopleView } from "./views/people";
import { queueView } from "./views/queue";
import { reportView } from "./views/report";
import { reportsView } from "./views/reports";
import { routeOf } from "./views/reports-model";
import { settingsView } from "./views/settings";

export type Cleanup = () => void;
/** A view draws itself in `root`; `id` is what it is opened on, when its address names one (`#/reports/<id>`). */
export type View = (root: HTMLElement, who: WhoAmI, id?: string) => Cleanup | void;

const views: Record<string, { title: string; render: View }> = {
  queue: { title: "Review queue", render: queueView },
  reports: { title: "Reports", render: reportsView },
  map: { title: "Map", render: mapView },
  forecast: { title: "Forecast", render: forecastView },
  analytics: { title: "Analytics", render: analyticsView },
  fleet: { title: "Fleet", render: fleetView },
  events: { title: "Events", render: eventsView },
  community: { title: "Community", render: communityView },
  impact: { title: "Impact credits", render: impactView },
  people: { title: "People", render: peopleView },
  exports: { title: "Exports", render: exportsView },
  model: { title: "Model card", render: modelCardView },
  settings: { title: "Settings", render: settingsView },
};

const root = document.getElementById("view") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const sessionBar = document.getElementById("session") as HTMLElement;
let cleanup: Cleanup | void;
let who: WhoAmI | null = null;
let unmountBell: Cleanup | null = null;

function signOut(): void {
  session.token = null;
  who = null;
  unmountBell?.();
  unmountBell = null;
  void route();
}

async function identify(): Promise<WhoAmI | null> {
  if (!session.token) return null;
  try {
    const me = await unwrap(api().GET("/whoami"));
    if (me.groups.includes("admin")) return me;
  } catch {
    // An expired or foreign token: fall through to the sign-in form.
  }
  session.token = null;
  return null;
}

async function route(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  root.replaceChildren();
  who ??= await identify();
  nav.hidden = sessionBar.hidden = !who;
  if (!who) {
    document.title = "Sign in · EcoPulse admin";
    cleanup = loginView(root, async () => {
      who = await identify();
      if (!who) throw new Error("this account is not an admin of the tenant");
      if (!location.hash.startsWith("#/")) location.hash = "#/queue";
      else void route();
    });
    return;
  }
  (document.getElementById("tenant-name") as HTMLElement).textContent = who.tenant;
  unmountBell ??= mountBell(
    document.getElementById("bell") as HTMLButtonElement,
    document.getElementById("bell-panel") as HTMLElement,
    who,
  );
  (document.getElementById("user-name") as HTMLElement).textContent = who.username;
  const { view: name, id } = routeOf(location.hash);
  const view = name === "reports" && id ? { title: "Report", render: reportView } : (views[name] ?? views.queue);
  document.title = `${view.title} · ${who.tenant} · EcoPulse admin`;
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.view === (name || "queue")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  cleanup = view.render(root, who, id);
}

document.getElementById("sign-out")?.addEventListener("click", signOut);
window.addEventListener("ecopulse:signed-out", signOut);
window.addEventListener("hashchange", () => {
  void route().then(() => root.focus({ preventScroll: true }));
});
void loadConfig().then(route);
