import L from "../leaflet-global";
import "leaflet/dist/leaflet.css";
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";
import "leaflet.markercluster/dist/MarkerCluster.Default.css";
import geohash from "ngeohash";
import { all, api, loadConfig, unwrap, type Report } from "../api";
import { addBaseLayer } from "../base-map";
import { h, humanize, showError, showInfo, statusLine, when } from "../dom";
import { chosenStatuses, STATUSES, visibleReports } from "./map-model";
import { reportLink } from "./reports-model";
import { latLngsOf } from "./settings-model";

export const WASTE_COLOURS: Record<string, string> = {
  plastic: "#1f77b4",
  glass: "#17becf",
  metal: "#7f7f7f",
  paper: "#bcbd22",
  organic: "#2ca02c",
  e_waste: "#9467bd",
  mixed: "#d62728",
};
/** A legend swatch, coloured through the CSSOM: the deployed Content-Security-Policy refuses style attributes. */
function swatch(colour: string): HTMLSpanElement {
  const element = h("span", { class: "swatch" });
  element.style.background = colour;
  return element;
}

// Lahore: where an empty tenant's map opens; any data moves the view to fit it.
const DEFAULT_CENTRE: L.LatLngTuple = [31.5204, 74.3587];

export function mapView(root: HTMLElement): () => void {
  const status = statusLine();
  const statusSelect = h(
    "select",
    { id: "map-status", name: "status" },
    h("option", { value: "" }, "All open (submitted, verified, dispatched)"),
    STATUSES.map((value) => h("option", { value }, value)),
  );
  const wasteBoxes = Object.keys(WASTE_COLOURS).map((type) =>
    h("input", { type: "checkbox", id: `waste-${type}`, value: type, checked: true }),
  );
  const radius = h("input", { id: "nearby-radius", type: "number", min: 50, max: 5000, step: 50, value: 1000 });
  const mapElement = h("div", { class: "map", id: "report-map", role: "region", "aria-label": "Map of reports" });
  const table = h("tbody", { id: "map-rows" });
  const count = h("p", { class: "hint", id: "map-count" });

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Map of reports"), count),
    h(
      "form",
      { class: "filters card", "aria-label": "Map filters", onsubmit: (event: Event) => event.preventDefault() },
      h("label", { for: "map-status" }, "Status"),
      statusSelect,
      h(
        "fieldset",
        {},
        h("legend", {}, "Waste type"),
        Object.keys(WASTE_COLOURS).map((type, index) =>
          h(
            "label",
            { class: "check", for: `waste-${type}` },
            wasteBoxes[index],
            swatch(WASTE_COLOURS[type]),
            humanize(type),
          ),
        ),
      ),
      h("label", { for: "nearby-radius" }, "Nearby radius (m): click the map to search around a point"),
      radius,
    ),
    mapElement,
    status,
    h(
      "table",
      { class: "reports" },
      h("caption", {}, "Reports shown on the map"),
      h(
        "thead",
        {},
        h("tr", {}, ["Report", "Waste", "Status", "Priority", "Votes", "Where", "Filed"].map((title) => h("th", { scope: "col" }, title))),
      ),
      table,
    ),
  );

  // The base map comes from Amazon Location in AWS and from the bundled atlas offline (see base-map.ts).
  const map = L.map(mapElement, { zoomControl: true, attributionControl: false, maxZoom: 19 }).setView(DEFAULT_CENTRE, 14);
  // Markers cluster when they crowd; the service area, zones and the heat grid are layers the admin switches.
  const markers = L.markerClusterGroup({ maxClusterRadius: 40 }).addTo(map);
  const serviceArea = L.featureGroup().addTo(map);
  const zones = L.featureGroup().addTo(map);
  const heat = L.featureGroup();
  L.control
    .layers(undefined, { "Service area": serviceArea, Zones: zones, "Heatmap (reports per ~1 km cell)": heat }, { collapsed: false })
    .addTo(map);
  let nearby: L.Circle | null = null;
  let reports: Report[] = [];

  function draw(fit: boolean): void {
    const shown = new Set(wasteBoxes.filter((box) => box.checked).map((box) => box.value));
    const visible = visibleReports(reports, shown);
    markers.clearLayers();
    for (const report of visible) {
      L.circleMarker([report.lat, report.lng], {
        radius: 8,
        color: "#1b1b1b",
        weight: 1,
        fillColor: WASTE_COLOURS[report.waste_type] ?? "#444",
        fillOpacity: report.status === "resolved" ? 0.35 : 0.9,
        className: "report-marker",
      })
        .bindTooltip(`${humanize(report.waste_type)} · ${report.status}`)
        .bindPopup(
          // Built as elements: a citizen's description is text, never markup.
          h(
            "div",
            {},
            h("strong", {}, humanize(report.waste_type)),
            ` (${report.status}) `,
            h("a", { href: reportLink(report.report_id) }, "Open the report"),
            h("br"),
            report.description ?? "",
          ),
        )
        .addTo(markers);
    }
    if (fit && visible.length) map.fitBounds(markers.getBounds(), { padding: [30, 30], maxZoom: 16 });
    count.textContent = `${visible.length} of ${reports.length} reports shown`;
    table.replaceChildren(
      ...visible.map((report) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: reportLink(report.report_id), class: "mono" }, report.report_id.slice(0, 8))),
          h("td", {}, humanize(report.waste_type)),
          h("td", {}, report.status),
          h("td", {}, report.priority),
          h("td", { class: "num" }, `+${report.votes_up} / −${report.votes_down}`),
          h("td", { class: "num" }, `${report.lat.toFixed(4)}, ${report.lng.toFixed(4)}`),
          h("td", {}, when(report.created_at)),
        ),
      ),
    );
  }

  async function loadLayers(): Promise<void> {
    const [settings, cells] = await Promise.all([
      unwrap(api().GET("/admin/settings")),
      unwrap(api().GET("/analytics/heatmap")),
    ]);
    serviceArea.clearLayers();
    if (settings.service_area) {
      // The API's GeoJSON may carry `bbox: null`, which GeoJSON's types do not allow: Leaflet reads only the coordinates.
      const { type, coordinates } = settings.service_area;
      L.geoJSON({ type, coordinates } as GeoJSON.Polygon | GeoJSON.MultiPolygon, { style: { color: "#143d2b", weight: 3, dashArray: "8 4", fill: false, className: "service-area" } })
        .bindTooltip("Service area")
        .addTo(serviceArea);
    }
    zones.clearLayers();
    for (const zone of settings.zones ?? []) {
      L.polygon(latLngsOf(zone.area), { color: "#0b5cad", weight: 2, fill: false, className: "zone" })
        .bindTooltip(zone.name)
        .addTo(zones);
    }
    heat.clearLayers();
    const most = Math.max(1, ...cells.map((cell) => cell.reports));
    for (const cell of cells) {
      const [minLat, minLng, maxLat, maxLng] = geohash.decode_bbox(cell.geohash);
      L.rectangle(
        [
          [minLat, minLng],
          [maxLat, maxLng],
        ],
        { stroke: false, fillColor: "#d62728", fillOpacity: 0.15 + 0.6 * (cell.reports / most), className: "heat-cell" },
      )
        .bindTooltip(`${cell.reports} report${cell.reports === 1 ? "" : "s"}`)
        .addTo(heat);
    }
  }

  async function load(): Promise<void> {
    try {
      const chosen = chosenStatuses(statusSelect.value);
      const pages = await Promise.all(
        chosen.map((value) => all((cursor) => unwrap(api().GET("/reports", { params: { query: { status: value, limit: 100, cursor } } })))),
      );
      reports = pages.flat();
      nearby?.remove();
      nearby = null;
      showInfo(status, "");
      draw(true);
    } catch (error) {
      showError(status, error);
    }
  }

  async function searchAround(event: L.LeafletMouseEvent): Promise<void> {
    const metres = Number(radius.value) || 1000;
    const { lat, lng } = event.latlng;
    try {
      const found = await unwrap(
        api().GET("/reports/nearby", {
          params: { query: { lat: Number(lat.toFixed(6)), lng: Number(lng.toFixed(6)), radius_m: metres, limit: 100 } },
        }),
      );
      reports = found.map((entry) => entry.report);
      nearby?.remove();
      nearby = L.circle(event.latlng, { radius: metres, color: "#0b5cad", fill: false, dashArray: "4" }).addTo(map);
      showInfo(status, `${found.length} reports within ${metres} m of ${lat.toFixed(4)}, ${lng.toFixed(4)}.`);
      draw(false);
    } catch (error) {
      showError(status, error);
    }
  }

  map.on("click", (event: L.LeafletMouseEvent) => void searchAround(event));

  statusSelect.addEventListener("change", () => void load());
  loadConfig()
    .then((config) => addBaseLayer(map, config))
    .catch((error: unknown) => showError(status, error));
  loadLayers().catch((error: unknown) => showError(status, error));
  for (const box of wasteBoxes) box.addEventListener("change", () => draw(false));
  void load();
  return () => map.remove();
}
