import L from "../leaflet-global";
import "leaflet/dist/leaflet.css";
import { api, unwrap } from "../api";
import { h, showError, statusLine, when } from "../dom";
import { backtestText, headline, shadedZones, type Forecast } from "./forecast-model";
import { latLngsOf } from "./settings-model";

// Lahore: where a city without zones opens; its zones move the view to fit them.
const DEFAULT_CENTRE: L.LatLngTuple = [31.5204, 74.3587];

/** Hotspot forecasts: each zone shaded by tomorrow's expected reports, the suggested order for tomorrow's trucks,
 * and each zone's week ahead with its backtest against last week's repeat. */
export function forecastView(root: HTMLElement): () => void {
  const status = statusLine("forecast-status");
  const summary = h("p", { class: "hint", id: "forecast-headline" });
  const mapElement = h("div", { class: "map", id: "forecast-map", role: "region", "aria-label": "Map of tomorrow's expected reports by zone" });
  const dispatch = h("tbody", { id: "forecast-dispatch" });
  const zonesTable = h("tbody", { id: "forecast-zones" });
  const weekHead = h("tr", {});

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Forecast"), summary),
    mapElement,
    status,
    h(
      "table",
      { class: "dispatch" },
      h("caption", {}, "Tomorrow's suggested dispatch: expected new reports plus reports open now"),
      h("thead", {}, h("tr", {}, ["Rank", "Zone", "Expected tomorrow", "Open now", "Score"].map((title) => h("th", { scope: "col" }, title)))),
      dispatch,
    ),
    h(
      "table",
      { class: "forecast" },
      h("caption", {}, "Expected reports per zone and day, and the last 4 weeks' backtest (model vs the same weekday a week before)"),
      h("thead", {}, weekHead),
      zonesTable,
    ),
    h(
      "p",
      { class: "hint" },
      "A forecast of reports, not of litter: it sees only past reports, so weather, events, holidays and places where few people report are unknown to it.",
    ),
  );

  const map = L.map(mapElement, { zoomControl: true, attributionControl: false, maxZoom: 19 }).setView(DEFAULT_CENTRE, 13);
  const zones = L.featureGroup().addTo(map);

  function render(forecast: Forecast, configured: Parameters<typeof shadedZones>[1]): void {
    summary.textContent = forecast.fitted_at ? `${headline(forecast)} Fitted ${when(forecast.fitted_at)}.` : headline(forecast);
    zones.clearLayers();
    for (const shaded of shadedZones(forecast, configured)) {
      L.polygon(latLngsOf(shaded.zone.area), {
        color: "#0b5cad",
        weight: 2,
        fillColor: "#d62728",
        fillOpacity: shaded.opacity,
        className: "forecast-zone",
      })
        .bindTooltip(shaded.label)
        .addTo(zones);
    }
    if (configured.length) map.fitBounds(zones.getBounds(), { padding: [30, 30], maxZoom: 16 });
    dispatch.replaceChildren(
      ...forecast.dispatch.map((entry) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, String(entry.rank)),
          h("td", {}, entry.name),
          h("td", { class: "num" }, entry.expected_reports === null ? "—" : entry.expected_reports.toFixed(1)),
          h("td", { class: "num" }, String(entry.open_reports)),
          h("td", { class: "num" }, entry.score.toFixed(1)),
        ),
      ),
    );
    const days = forecast.areas.find((area) => area.days.length)?.days.map((entry) => entry.day) ?? [];
    weekHead.replaceChildren(
      h("th", { scope: "col" }, "Zone"),
      ...days.map((day) => h("th", { scope: "col" }, new Date(`${day}T00:00:00`).toLocaleDateString(undefined, { weekday: "short", day: "numeric" }))),
      h("th", { scope: "col" }, "Backtest"),
    );
    zonesTable.replaceChildren(
      ...forecast.areas.map((area) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, area.name),
          ...days.map((day) => h("td", { class: "num" }, area.days.find((entry) => entry.day === day)?.expected_reports.toFixed(1) ?? "—")),
          h("td", {}, backtestText(area)),
        ),
      ),
    );
  }

  async function load(): Promise<void> {
    try {
      const [forecast, settings] = await Promise.all([unwrap(api().GET("/analytics/forecast")), unwrap(api().GET("/admin/settings"))]);
      render(forecast, settings.zones ?? []);
    } catch (error) {
      showError(status, error);
    }
  }

  void load();
  return () => map.remove();
}
