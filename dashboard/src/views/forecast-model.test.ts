import { describe, expect, it } from "vitest";
import { backtestText, expectedOn, headline, shadedZones, type AreaForecast, type Forecast, type Zone } from "./forecast-model";

const TOMORROW = "2030-03-02";

function area(changes: Partial<AreaForecast> = {}): AreaForecast {
  return {
    area_id: "port",
    name: "Port",
    status: "forecast",
    history_days: 112,
    open_reports: 3,
    days: [
      { day: "2030-03-01", expected_reports: 4 },
      { day: TOMORROW, expected_reports: 6.5 },
    ],
    model: { mae: 1.2, mape: 0.21 },
    baseline: { mae: 1.9, mape: 0.33 },
    backtest_days: 28,
    beats_baseline: true,
    ...changes,
  };
}

const short = area({ area_id: "market", name: "Market", status: "insufficient_history", history_days: 10, days: [], model: null, baseline: null, beats_baseline: null });

function forecast(areas: AreaForecast[], status: Forecast["status"] = "ready"): Forecast {
  return { status, fitted_at: "2030-03-01T00:30:00Z", tomorrow: TOMORROW, areas, dispatch: [] };
}

function zone(zone_id: string, name: string): Zone {
  return {
    zone_id,
    name,
    area: { type: "Polygon", coordinates: [[[74.3, 31.5], [74.32, 31.5], [74.32, 31.52], [74.3, 31.5]]] },
  };
}

describe("the forecast view", () => {
  it("says why there is no forecast before the first run", () => {
    expect(headline(forecast([], "not_fitted"))).toMatch(/No forecast yet/);
    expect(headline(forecast([area(), short]))).toBe("1 zone forecast; 1 zone has none (less than 4 weeks of reports).");
  });

  it("reads tomorrow's expected reports off the days", () => {
    expect(expectedOn(area(), TOMORROW)).toBe(6.5);
    expect(expectedOn(area(), "2030-04-01")).toBeNull();
  });

  it("shades the busiest zone darkest and leaves a zone without a forecast clear", () => {
    const quiet = area({ area_id: "canal", name: "Canal", days: [{ day: TOMORROW, expected_reports: 1.3 }] });
    const shaded = shadedZones(forecast([area(), quiet, short]), [zone("port", "Port"), zone("canal", "Canal"), zone("market", "Market"), zone("new", "New")]);
    expect(shaded.map((entry) => entry.expected)).toEqual([6.5, 1.3, null, null]);
    expect(shaded[0].opacity).toBeCloseTo(0.7);
    expect(shaded[1].opacity).toBeCloseTo(0.1 + 0.6 * (1.3 / 6.5));
    expect(shaded[2].opacity).toBe(0);
    expect(shaded[0].label).toBe("Port: 6.5 reports expected tomorrow");
    expect(shaded[3].label).toBe("New: no forecast");
  });

  it("puts the model's backtest beside the baseline's", () => {
    expect(backtestText(area())).toBe("MAE 1.20 vs 1.90, MAPE 21.0 % vs 33.0 %: beats last week's repeat");
    expect(backtestText(area({ beats_baseline: false, model: { mae: 0, mape: null }, baseline: { mae: 0, mape: null } }))).toBe(
      "MAE 0.00 vs 0.00, MAPE no reports vs no reports: does not beat last week's repeat",
    );
    expect(backtestText(short)).toBe("no forecast (10 days of reports; 28 needed)");
  });
});
