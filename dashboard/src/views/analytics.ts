import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { api, unwrap } from "../api";
import { h, percent, showError, statusLine } from "../dom";

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const SERIES: [string, string, string][] = [
  ["reports_created", "Reports filed", "#0b5cad"],
  ["submissions_received", "Cleanups submitted", "#6f42c1"],
  ["submissions_approved", "Cleanups approved", "#1a7f37"],
  ["submissions_rejected", "Cleanups rejected", "#c62828"],
  ["reports_resolved", "Reports resolved", "#b35900"],
];

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function kpi(label: string, value: string, id: string): HTMLElement {
  return h("div", { class: "kpi card" }, h("span", { class: "kpi-label" }, label), h("strong", { id }, value));
}

export function analyticsView(root: HTMLElement): () => void {
  const status = statusLine();
  const today = new Date();
  const from = h("input", { type: "date", id: "range-from", value: isoDay(new Date(today.getTime() - 13 * 86400000)) });
  const to = h("input", { type: "date", id: "range-to", value: isoDay(today) });
  const kpis = h("div", { class: "kpis", id: "kpis" });
  const zoneRows = h("tbody", { id: "zone-rows" });
  const canvas = h("canvas", { id: "daily-chart", role: "img", "aria-label": "Daily reports and cleanups" });
  const chart = new Chart<"line", number[], string>(canvas, {
    type: "line",
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Analytics")),
    kpis,
    h(
      "form",
      { class: "filters card", "aria-label": "Date range" },
      h("label", { for: "range-from" }, "From"),
      from,
      h("label", { for: "range-to" }, "To"),
      to,
      h("button", { type: "submit" }, "Show"),
    ),
    h("div", { class: "chart card" }, canvas),
    status,
    h(
      "table",
      { class: "zones" },
      h("caption", {}, "By zone (all time)"),
      h("thead", {}, h("tr", {}, ["Zone", "Reports", "Dispatched", "Resolved", "Votes"].map((t) => h("th", { scope: "col" }, t)))),
      zoneRows,
    ),
  );

  async function loadSummary(): Promise<void> {
    const summary = await unwrap(api().GET("/analytics/summary"));
    const c = summary.counters;
    const review = summary.mean_review_seconds;
    kpis.replaceChildren(
      kpi("Reports filed", String(c.reports_created ?? 0), "kpi-reports"),
      kpi("Resolution rate", percent(summary.resolution_rate), "kpi-resolution"),
      kpi("Cleanups submitted", String(c.submissions_received ?? 0), "kpi-submissions"),
      kpi("Approval rate", percent(summary.approval_rate), "kpi-approval"),
      kpi("Decided by the model", percent(summary.ai_decision_rate), "kpi-ai"),
      kpi("Mean review time", review === null ? "—" : `${Math.round(review)} s`, "kpi-review"),
      kpi("Rewards minted", `${c.rewards_minted ?? 0} ECO`, "kpi-minted"),
    );
  }

  async function loadZones(): Promise<void> {
    const zones = await unwrap(api().GET("/analytics/zones"));
    zoneRows.replaceChildren(
      ...zones.map((zone) =>
        h(
          "tr",
          { "data-zone": zone.zone_id },
          h("th", { scope: "row" }, zone.name),
          ...["reports_created", "reports_dispatched", "reports_resolved", "votes"].map((key) =>
            h("td", { class: "num" }, String(zone.counters[key] ?? 0)),
          ),
        ),
      ),
    );
    if (!zones.length) zoneRows.append(h("tr", {}, h("td", { colspan: 5, class: "empty" }, "The city has no zones yet.")));
  }

  async function loadDaily(): Promise<void> {
    const points = await unwrap(api().GET("/analytics/daily", { params: { query: { from: from.value, to: to.value } } }));
    chart.data.labels = points.map((point) => point.day);
    chart.data.datasets = SERIES.map(([key, label, colour]) => ({
      label,
      data: points.map((point) => point.counters[key] ?? 0),
      borderColor: colour,
      backgroundColor: colour,
      tension: 0.2,
    }));
    chart.update();
  }

  root.querySelector("form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    loadDaily().catch((error) => showError(status, error));
  });
  Promise.all([loadSummary(), loadDaily(), loadZones()]).catch((error) => showError(status, error));
  return () => chart.destroy();
}
