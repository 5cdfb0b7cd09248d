import type { Schemas } from "../api";
import { percent } from "../dom";
import type { ZoneArea } from "./map-model";

export type Forecast = Schemas["Forecast"];
export type AreaForecast = Schemas["AreaForecast"];
/** A configured zone as the map draws it. */
export type Zone = { zone_id: string; name: string; area: ZoneArea };

/** What an admin reads above the forecast: when it was fitted, or why there is none yet. */
export function headline(forecast: Forecast): string {
  if (forecast.status === "not_fitted") return "No forecast yet: the daily forecast has not run for this city since its first report.";
  const forecasts = forecast.areas.filter((area) => area.status === "forecast").length;
  const waiting = forecast.areas.length - forecasts;
  const short = waiting ? `; ${waiting} zone${waiting === 1 ? " has" : "s have"} none (less than 4 weeks of reports)` : "";
  return `${forecasts} zone${forecasts === 1 ? "" : "s"} forecast${short}.`;
}

/** The zone's expected new reports on `day` (an ISO date), or null when the forecast does not reach it. */
export function expectedOn(area: AreaForecast, day: string): number | null {
  return area.days.find((entry) => entry.day === day)?.expected_reports ?? null;
}

/** Each configured zone with tomorrow's expected reports and how strongly the map shades it: the busiest zone
 * darkest, a zone without a forecast left clear. */
export function shadedZones(forecast: Forecast, zones: Zone[]): { zone: Zone; expected: number | null; opacity: number; label: string }[] {
  const byId = new Map(forecast.areas.map((area) => [area.area_id, area]));
  const expected = zones.map((zone) => {
    const area = byId.get(zone.zone_id);
    return area ? expectedOn(area, forecast.tomorrow) : null;
  });
  const most = Math.max(1, ...expected.map((value) => value ?? 0));
  return zones.map((zone, index) => {
    const value = expected[index];
    return {
      zone,
      expected: value,
      opacity: value === null ? 0 : 0.1 + 0.6 * (value / most),
      label: value === null ? `${zone.name}: no forecast` : `${zone.name}: ${value.toFixed(1)} reports expected tomorrow`,
    };
  });
}

/** The backtest in a line: the model's error beside the baseline's, and which did better. */
export function backtestText(area: AreaForecast): string {
  if (!area.model || !area.baseline) return `no forecast (${area.history_days} days of reports; 28 needed)`;
  const mape = (value: number | null | undefined): string => (value === null || value === undefined ? "no reports" : percent(value));
  const verdict = area.beats_baseline ? "beats" : "does not beat";
  return `MAE ${area.model.mae.toFixed(2)} vs ${area.baseline.mae.toFixed(2)}, MAPE ${mape(area.model.mape)} vs ${mape(area.baseline.mape)}: ${verdict} last week's repeat`;
}
