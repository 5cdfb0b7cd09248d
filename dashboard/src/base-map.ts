import L from "./leaflet-global";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
// The atlas ships as a file of its own, fetched when a map first opens: it stays out of the script bundle.
import countriesUrl from "world-atlas/countries-50m.json?url";
import type { Config } from "./api";
import { locationTileUrl } from "./base-map-model";

type Countries = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
let countries: Promise<Countries> | null = null;

/** The map under every layer: Amazon Location's satellite tiles where the deployment names a map, else Natural Earth's
 * country outlines and borders from the bundled atlas, which need no network (an offline laptop, a local run). */
export async function addBaseLayer(map: L.Map, config: Config): Promise<L.Layer> {
  map.createPane("base").style.zIndex = "150";
  if (config.map) {
    L.control.attribution({ prefix: false }).addTo(map);
    return L.tileLayer(locationTileUrl(config.map), {
      pane: "base",
      maxZoom: 19,
      attribution: "© Esri, Maxar, Earthstar Geographics, and the GIS User Community · Amazon Location Service",
    }).addTo(map);
  }
  countries ??= fetch(countriesUrl).then(async (response) => {
    if (!response.ok) throw new Error(`the offline base map could not be read (${response.status})`);
    return (await response.json()) as Countries;
  });
  const atlas = await countries;
  map.getContainer().classList.add("offline-base");
  return L.featureGroup([
    L.geoJSON(feature(atlas, atlas.objects.land), {
      pane: "base",
      interactive: false,
      style: { stroke: false, fillColor: "#f4f1e6", fillOpacity: 1 },
    }),
    L.geoJSON(mesh(atlas, atlas.objects.countries, (a, b) => a !== b), {
      pane: "base",
      interactive: false,
      style: { color: "#8a8f7a", weight: 1, dashArray: "4 3", fill: false },
    }),
  ]).addTo(map);
}
