export interface LocationMap {
  name: string;
  region: string;
  key: string;
}

/** The tile URL template of the deployment's Amazon Location map, read with its browser key (which may only read this
 * map's tiles, and only from the dashboard's origin). */
export function locationTileUrl(map: LocationMap): string {
  const base = `https://maps.geo.${map.region}.amazonaws.com/maps/v0/maps/${encodeURIComponent(map.name)}/tiles`;
  return `${base}/{z}/{x}/{y}?key=${encodeURIComponent(map.key)}`;
}
