import { describe, expect, it } from "vitest";
import type { Schemas } from "../api";
import {
  authorOf,
  cornerCount,
  cornersText,
  crossingSides,
  editableOutline,
  fromForm,
  outlineProblem,
  parseCorners,
  latLngsOf,
  newCategory,
  parseNumber,
  polygonOf,
  shownValue,
  toForm,
  versionOf,
  type Settings,
} from "./settings-model";

const square: Schemas["Polygon"] = {
  type: "Polygon",
  coordinates: [
    [
      [74.3, 31.5],
      [74.4, 31.5],
      [74.4, 31.6],
      [74.3, 31.6],
      [74.3, 31.5],
    ],
  ],
};

function saved(): Settings {
  return {
    display_name: "Lahore",
    signups: "open",
    reward_per_task: { cleanup: 10, report: 2, event: 15 },
    daily_reward_cap: 100,
    auto_approve_confidence: 0.9,
    auto_reject_confidence: 0.2,
    verifier_false_approval_target: 0.01,
    service_area: square,
    outside_service_area: "review",
    min_before_waste: 0.45,
    min_waste_drop: 0.25,
    pair_max_distance_m: 100,
    min_scene_similarity: 0.35,
    cleanup_window_hours: 12,
    review_timeout_action: "reject",
    categories: [
      {
        code: "plastic",
        name: "Plastic litter",
        service_code: "plastic",
        description: "",
        reward: null,
        photo_required: false,
        enabled: true,
        group: "Street cleaning",
        keywords: ["bags"],
      },
    ],
    zones: [{ zone_id: "canal", name: "Canal bank", area: square }],
    open311_key_hashes: ["a".repeat(64)],
    open311_jurisdiction: "Lahore Waste Management Company",
    open311_jurisdiction_id: "",
    impact_kg_per_category: { plastic: 2.5 },
    price_per_credit: "1.00",
    credit_currency: "EUR",
    sms_notifications: false,
  };
}

describe("the settings form", () => {
  it("gives back the settings it was made from when nothing is changed", () => {
    const settings = saved();
    const { body, problems } = fromForm(settings, toForm(settings));
    expect(problems).toEqual([]);
    expect(body).toEqual(settings);
  });

  it("sends the numbers typed as numbers, an empty category reward as the report rate, and keeps what it does not show", () => {
    const settings = saved();
    const form = toForm(settings);
    form.rewards.cleanup = "25";
    form.fields.auto_approve_confidence = "0.95";
    form.fields.price_per_credit = "2.5";
    form.smsNotifications = true;
    form.categories.push({ ...newCategory(), code: "tyres", name: "Dumped tyres", service_code: "TYRES", reward: "7", photo_required: true });
    const { body, problems } = fromForm(settings, form);
    expect(problems).toEqual([]);
    expect(body.reward_per_task).toEqual({ cleanup: 25, report: 2, event: 15 });
    expect(body.auto_approve_confidence).toBe(0.95);
    expect(body.price_per_credit).toBe("2.50");
    expect(body.sms_notifications).toBe(true);
    expect(body.categories?.[0]).toEqual(settings.categories?.[0]);
    expect(body.categories?.[1]).toEqual({
      code: "tyres",
      name: "Dumped tyres",
      service_code: "TYRES",
      description: "",
      reward: 7,
      photo_required: true,
      enabled: true,
    });
  });

  it("names each value the API would refuse, and the form keeps what was typed", () => {
    const settings = saved();
    const form = toForm(settings);
    form.rewards.report = "";
    form.fields.daily_reward_cap = "1.5";
    form.fields.auto_reject_confidence = "0.95";
    form.fields.credit_currency = "eur";
    form.categories.push(newCategory());
    form.zones.push({ zone_id: "canal", name: "", area: null });
    const { problems } = fromForm(settings, form);
    expect(problems).toEqual([
      { field: "Daily reward cap (tokens a citizen)", problem: "is a whole number" },
      { field: "Credit currency (ISO code)", problem: "is three capital letters" },
      { field: "Reject alone below confidence", problem: "is above the approval confidence" },
      { field: "Reward per report", problem: "is required" },
      { field: "Category 2 code", problem: "is 1–32 lower-case letters, digits, _ or -" },
      { field: "Category 2 name", problem: "is required" },
      { field: "Category 2 service code", problem: "is 1–64 letters, digits, _ . or -" },
      { field: "Zone 2 name", problem: "is required" },
      { field: "Zone 2 area", problem: "is not drawn yet" },
      { field: "Zones", problem: "two have the same id" },
    ]);
    expect(form.fields.daily_reward_cap).toBe("1.5");
  });

  it("disables a category rather than dropping it", () => {
    const settings = saved();
    const form = toForm(settings);
    form.categories[0].enabled = false;
    expect(fromForm(settings, form).body.categories?.[0].enabled).toBe(false);
  });

  it("checks numbers against the API's bounds", () => {
    expect(parseNumber("abc", { kind: "number" })).toBe("is not a number");
    expect(parseNumber("0", { kind: "number", min: 0, exclusiveMin: true })).toBe("is more than 0");
    expect(parseNumber("6000", { kind: "number", min: 5, max: 5000 })).toBe("is at most 5000");
    expect(parseNumber(" 12 ", { kind: "integer", min: 0 })).toBe(12);
  });
});

describe("a drawn polygon", () => {
  it("becomes a GeoJSON Polygon of [lng, lat] positions with its ring closed", () => {
    expect(
      polygonOf([
        [31.5, 74.3],
        [31.5, 74.4],
        [31.6, 74.4],
      ]),
    ).toEqual({
      type: "Polygon",
      coordinates: [
        [
          [74.3, 31.5],
          [74.4, 31.5],
          [74.4, 31.6],
          [74.3, 31.5],
        ],
      ],
    });
  });

  it("needs three corners", () => {
    expect(() =>
      polygonOf([
        [31.5, 74.3],
        [31.5, 74.4],
      ]),
    ).toThrow("at least three corners");
  });

  it("is drawn back from GeoJSON as the corners it was drawn with", () => {
    const corners: [number, number][] = [
      [31.5, 74.3],
      [31.5, 74.4],
      [31.6, 74.4],
      [31.6, 74.3],
    ];
    expect(latLngsOf(polygonOf(corners))).toEqual([[corners]]);
    expect(cornerCount(polygonOf(corners))).toBe(4);
    expect(cornerCount(null)).toBe(0);
  });

  it("keeps a MultiPolygon's polygons and holes", () => {
    const hole: [number, number][] = [
      [74.33, 31.53],
      [74.34, 31.53],
      [74.34, 31.54],
      [74.33, 31.53],
    ];
    const area: Schemas["MultiPolygon"] = { type: "MultiPolygon", coordinates: [[square.coordinates[0], hole], square.coordinates] };
    const drawn = latLngsOf(area);
    expect(drawn).toHaveLength(2);
    expect(drawn[0][1]).toEqual([
      [31.53, 74.33],
      [31.53, 74.34],
      [31.54, 74.34],
    ]);
  });
});

describe("the settings history", () => {
  it("shows values short enough for a table", () => {
    expect(shownValue(null)).toBe("—");
    expect(shownValue("open")).toBe("open");
    expect(shownValue(25)).toBe("25");
    expect(shownValue({ cleanup: 25 })).toBe('{"cleanup":25}');
    expect(shownValue(Array.from({ length: 100 }, (_, index) => index))).toHaveLength(160);
  });
});

describe("the settings version", () => {
  it("is read from the ETag and sent back as If-Match", () => {
    expect(versionOf('"3"')).toBe('"3"');
    expect(versionOf('W/"12"')).toBe('"12"');
    expect(versionOf(null)).toBeUndefined();
  });
});

const bowTie: Schemas["Polygon"] = {
  type: "Polygon",
  coordinates: [
    [
      [74.3, 31.5],
      [74.4, 31.6],
      [74.4, 31.5],
      [74.3, 31.6],
      [74.3, 31.5],
    ],
  ],
};

describe("corners typed or clicked", () => {
  it("are read one latitude, longitude a line, and written back the same way", () => {
    expect(parseCorners("31.5, 74.3\n\n31.5;74.4\n  31.6 74.4 ")).toEqual({
      vertices: [
        [31.5, 74.3],
        [31.5, 74.4],
        [31.6, 74.4],
      ],
    });
    expect(cornersText([[31.5, 74.3]])).toBe("31.500000, 74.300000");
  });

  it("name the line that is not a place", () => {
    expect(parseCorners("31.5, 74.3\nnorth of the canal").problem).toBe('line 2 is not "latitude, longitude"');
    expect(parseCorners("31.5, 74.3, 2").problem).toBe('line 1 is not "latitude, longitude"');
    expect(parseCorners("95, 74.3").problem).toMatch(/^line 1 is off the globe/);
  });
});

describe("an outline that crosses itself", () => {
  const square4 = latLngsOf(square)[0][0];
  const tie4 = latLngsOf(bowTie)[0][0];

  it("is told by its crossing sides, numbered by corner", () => {
    expect(crossingSides(square4)).toBeNull();
    expect(crossingSides(tie4)).toEqual([1, 3]);
    expect(outlineProblem(tie4)).toBe("crosses itself: the side from corner 1 to 2 meets the side from corner 3 to 4");
    expect(outlineProblem(square4.slice(0, 2))).toBe("needs at least three corners");
  });

  it("counts a corner that touches another side, not only a clean cross", () => {
    // The fourth corner lies on the first side: shapely calls it a self-intersection too.
    expect(crossingSides([[0, 0], [0, 2], [1, 1], [0, 1]])).not.toBeNull();
  });

  it("is refused by the form before the API is asked, for a zone and for the service area", () => {
    const form = toForm(saved());
    form.zones[0].area = bowTie;
    form.serviceArea = bowTie;
    expect(fromForm(saved(), form).problems).toEqual([
      { field: "Zone 1 area", problem: "crosses itself: the side from corner 1 to 2 meets the side from corner 3 to 4" },
      { field: "The service area", problem: "crosses itself: the side from corner 1 to 2 meets the side from corner 3 to 4" },
    ]);
  });

  it("is edited corner by corner only when it is one outline without holes", () => {
    expect(editableOutline(square)).toEqual(latLngsOf(square)[0][0]);
    expect(editableOutline(null)).toBeNull();
    expect(editableOutline({ type: "MultiPolygon", coordinates: [square.coordinates, square.coordinates] })).toBeNull();
  });
});

describe("who changed the settings", () => {
  const version = { changed_by: "u-1", changed_by_name: "Amina Khan", changed_by_email: "amina@lahore.example" };

  it("is named with their e-mail, and the reader as you", () => {
    expect(authorOf(version, "u-2")).toBe("Amina Khan <amina@lahore.example>");
    expect(authorOf(version, "u-1")).toBe("Amina Khan <amina@lahore.example> (you)");
  });

  it("is their id once the account is erased", () => {
    expect(authorOf({ changed_by: "u-9", changed_by_name: null, changed_by_email: null }, "u-1")).toBe("u-9");
  });
});
