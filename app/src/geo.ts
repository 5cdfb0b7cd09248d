/** The device's position, or null when the citizen or the browser declines: the fields stay editable. */
export function devicePosition(timeout = 10_000): Promise<GeolocationCoordinates | null> {
  if (!("geolocation" in navigator)) return Promise.resolve(null);
  return new Promise((resolve) =>
    navigator.geolocation.getCurrentPosition(
      (position) => resolve(position.coords),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge: 60_000 },
    ),
  );
}

export function rounded(value: number): string {
  return value.toFixed(6);
}

/** The report form's fields for a point on the map: a marker dragged across the antimeridian comes back as a
 * longitude the API takes (Leaflet counts on past ±180°). */
export function fieldsOf(position: { lat: number; lng: number }): { lat: string; lng: string } {
  const lng = ((((position.lng + 180) % 360) + 360) % 360) - 180;
  const lat = Math.min(90, Math.max(-90, position.lat));
  return { lat: rounded(lat), lng: rounded(lng) };
}
