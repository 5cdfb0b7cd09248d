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
