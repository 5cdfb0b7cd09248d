/**
 * The report form's map, loaded only when the form knows a position: Leaflet, its styles and the atlas stay out of
 * the first screen's scripts. There is no tile server locally, nor on a phone that is offline: under the marker
 * lies the dashboard's offline base layer, Natural Earth's land and borders (the coarse 110m atlas, fetched once;
 * without the network, none), and the number fields stay the precise and accessible way in.
 */
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./position-map.css";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesUrl from "world-atlas/countries-110m.json?url";

type Countries = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
type Position = { lat: number; lng: number };

export interface PositionMap {
  moveTo(position: Position): void;
  remove(): void;
}

const STREET_ZOOM = 16;
/** How far an arrow key moves the focused marker, in screen pixels. */
const NUDGE_PX = 10;
const NUDGES: Record<string, [number, number]> = {
  ArrowUp: [0, -NUDGE_PX],
  ArrowDown: [0, NUDGE_PX],
  ArrowLeft: [-NUDGE_PX, 0],
  ArrowRight: [NUDGE_PX, 0],
};

let countries: Promise<Countries> | null = null;

async function addBaseLayer(map: L.Map): Promise<void> {
  countries ??= fetch(countriesUrl).then(async (response) => {
    if (!response.ok) throw new Error(`the offline base map could not be read (${response.status})`);
    return (await response.json()) as Countries;
  });
  const atlas = await countries.catch((error: unknown) => {
    countries = null; // offline: tried again next time the map opens
    throw error;
  });
  L.featureGroup([
    L.geoJSON(feature(atlas, atlas.objects.land), {
      interactive: false,
      style: { stroke: false, fillColor: "#f4f1e6", fillOpacity: 1 },
    }),
    L.geoJSON(
      mesh(atlas, atlas.objects.countries, (a, b) => a !== b),
      { interactive: false, style: { color: "#8a8f7a", weight: 1, dashArray: "4 3", fill: false } },
    ),
  ]).addTo(map);
}

/** A map centred on ``position`` with a draggable marker; ``onMove`` hears where the citizen puts it (by dragging,
 * by tapping the map, or by arrow keys on the focused marker). */
export function positionMap(
  container: HTMLElement,
  position: Position,
  labels: { marker: string },
  onMove: (position: Position) => void,
): PositionMap {
  const map = L.map(container, { attributionControl: false, zoomSnap: 1 }).setView(position, STREET_ZOOM);
  const marker = L.marker(position, {
    draggable: true,
    autoPan: true,
    keyboard: true,
    title: labels.marker,
    icon: L.divIcon({ className: "position-pin", iconSize: [44, 44], iconAnchor: [22, 44], html: "<span></span>" }),
  }).addTo(map);
  const moved = () => onMove(marker.getLatLng());
  marker.on("dragend", moved);
  map.on("click", (event: L.LeafletMouseEvent) => {
    marker.setLatLng(event.latlng);
    moved();
  });
  marker.getElement()?.addEventListener("keydown", (event) => {
    const nudge = NUDGES[event.key];
    if (!nudge) return;
    event.preventDefault();
    event.stopPropagation();
    const point = map.latLngToContainerPoint(marker.getLatLng()).add(nudge);
    marker.setLatLng(map.containerPointToLatLng(point));
    moved();
  });
  addBaseLayer(map).catch(() => undefined);
  return {
    moveTo(next) {
      marker.setLatLng(next);
      if (!map.getBounds().contains(next)) map.panTo(next);
    },
    remove: () => map.remove(),
  };
}
