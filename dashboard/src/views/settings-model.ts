import type { Schemas } from "../api";
import type { ZoneArea } from "./map-model";

export type Settings = Schemas["TenantSettings-Output"];
export type SettingsBody = Schemas["TenantSettings-Input"];
export type Category = Schemas["Category"];
export type Area = Schemas["Polygon"] | Schemas["MultiPolygon"];
export type SettingsVersion = Schemas["SettingsVersionOut"];
export type LatLng = [number, number];

type ScalarName =
  | "display_name"
  | "signups"
  | "daily_reward_cap"
  | "price_per_credit"
  | "credit_currency"
  | "auto_approve_confidence"
  | "auto_reject_confidence"
  | "verifier_false_approval_target"
  | "outside_service_area"
  | "min_before_waste"
  | "min_waste_drop"
  | "pair_max_distance_m"
  | "min_scene_similarity"
  | "cleanup_window_hours"
  | "review_timeout_action"
  | "open311_jurisdiction"
  | "open311_jurisdiction_id";

/** One plain setting as the form shows it: its label, kind and the bounds the API holds it to. */
export interface FieldSpec {
  name: ScalarName;
  label: string;
  group: "city" | "rewards" | "verification" | "review" | "open311";
  kind: "text" | "integer" | "number" | "choice";
  min?: number;
  max?: number;
  /** A number must be above `min`, not equal to it. */
  exclusiveMin?: boolean;
  step?: number;
  maxLength?: number;
  pattern?: string;
  choices?: readonly [string, string][];
  hint?: string;
}

const CONFIDENCE = { kind: "number", min: 0, max: 1, step: 0.01 } as const;

export const FIELDS: readonly FieldSpec[] = [
  { name: "display_name", label: "City name", group: "city", kind: "text", maxLength: 80 },
  {
    name: "signups",
    label: "Citizen sign-up",
    group: "city",
    kind: "choice",
    choices: [
      ["closed", "Closed: nobody signs up yet"],
      ["invite", "By invitation code"],
      ["open", "Open to anyone"],
    ],
  },
  { name: "daily_reward_cap", label: "Daily reward cap (tokens a citizen)", group: "rewards", kind: "integer", min: 0, max: 1_000_000 },
  { name: "price_per_credit", label: "Price per impact credit", group: "rewards", kind: "number", min: 0.01, max: 100_000, step: 0.01 },
  { name: "credit_currency", label: "Credit currency (ISO code)", group: "rewards", kind: "text", pattern: "^[A-Z]{3}$", maxLength: 3 },
  { name: "auto_approve_confidence", label: "Approve alone at confidence", group: "verification", ...CONFIDENCE },
  { name: "auto_reject_confidence", label: "Reject alone below confidence", group: "verification", ...CONFIDENCE },
  {
    name: "verifier_false_approval_target",
    label: "Learned head's false-approval target",
    group: "verification",
    kind: "number",
    min: 0.0001,
    max: 0.5,
    step: 0.0001,
  },
  { name: "min_before_waste", label: "Least waste in the before photo", group: "verification", ...CONFIDENCE },
  { name: "min_waste_drop", label: "Least drop in waste after", group: "verification", ...CONFIDENCE },
  { name: "min_scene_similarity", label: "Least scene similarity", group: "verification", ...CONFIDENCE },
  { name: "pair_max_distance_m", label: "Most distance between the photos (m)", group: "verification", kind: "number", min: 5, max: 5000, step: 1 },
  {
    name: "cleanup_window_hours",
    label: "Cleanup window (hours)",
    group: "verification",
    kind: "number",
    min: 0,
    exclusiveMin: true,
    max: 72,
    step: 0.5,
  },
  {
    name: "outside_service_area",
    label: "A cleanup outside the service area",
    group: "verification",
    kind: "choice",
    choices: [
      ["review", "goes to review"],
      ["reject", "is rejected"],
    ],
  },
  {
    name: "review_timeout_action",
    label: "When a review times out",
    group: "review",
    kind: "choice",
    choices: [
      ["reject", "reject the cleanup"],
      ["wait", "keep waiting (admins are reminded: Review overdue)"],
    ],
  },
  { name: "open311_jurisdiction", label: "Agency responsible", group: "open311", kind: "text", maxLength: 80 },
  { name: "open311_jurisdiction_id", label: "Extra jurisdiction_id", group: "open311", kind: "text", maxLength: 200 },
];

export const TASKS = ["cleanup", "report", "event"] as const;
export const WASTE_TYPES = ["plastic", "glass", "metal", "paper", "organic", "e_waste", "mixed"] as const;

export interface CategoryForm {
  code: string;
  name: string;
  service_code: string;
  description: string;
  /** Empty: the city's report rate. */
  reward: string;
  photo_required: boolean;
  enabled: boolean;
  group?: string;
  keywords?: string[];
  /** A category not saved yet: its code may still change (saved reports name the code). */
  added: boolean;
}

export interface ZoneForm {
  zone_id: string;
  name: string;
  area: Area | null;
}

/** The settings as the form edits them: numbers as the text typed, so a half-typed value is kept and reported. */
export interface SettingsForm {
  fields: Record<ScalarName, string>;
  rewards: Record<string, string>;
  impactKg: Record<string, string>;
  smsNotifications: boolean;
  categories: CategoryForm[];
  zones: ZoneForm[];
  serviceArea: Area | null;
  open311KeyHashes: string[];
}

/** A form value the API would refuse, named by the setting's label. */
export interface Problem {
  field: string;
  problem: string;
}

function text(value: string | number | null | undefined): string {
  return value === undefined || value === null ? "" : String(value);
}

export function toForm(settings: Settings): SettingsForm {
  const fields = Object.fromEntries(FIELDS.map((spec) => [spec.name, text(settings[spec.name])])) as Record<ScalarName, string>;
  return {
    fields,
    rewards: Object.fromEntries(TASKS.map((task) => [task, text(settings.reward_per_task?.[task])])),
    impactKg: Object.fromEntries(WASTE_TYPES.map((type) => [type, text(settings.impact_kg_per_category?.[type])])),
    smsNotifications: settings.sms_notifications ?? false,
    categories: (settings.categories ?? []).map((category) => ({
      code: category.code,
      name: category.name,
      service_code: category.service_code,
      description: category.description ?? "",
      reward: text(category.reward),
      photo_required: category.photo_required ?? false,
      enabled: category.enabled ?? true,
      group: category.group,
      keywords: category.keywords,
      added: false,
    })),
    zones: (settings.zones ?? []).map((zone) => ({ zone_id: zone.zone_id, name: zone.name, area: zone.area })),
    serviceArea: settings.service_area ?? null,
    open311KeyHashes: [...(settings.open311_key_hashes ?? [])],
  };
}

export function newCategory(): CategoryForm {
  return { code: "", name: "", service_code: "", description: "", reward: "", photo_required: false, enabled: true, added: true };
}

/** A number typed in the form, or the problem with it. */
export function parseNumber(value: string, spec: Pick<FieldSpec, "kind" | "min" | "max" | "exclusiveMin">): number | string {
  const trimmed = value.trim();
  if (!trimmed) return "is required";
  const number = Number(trimmed);
  if (!Number.isFinite(number)) return "is not a number";
  if (spec.kind === "integer" && !Number.isInteger(number)) return "is a whole number";
  if (spec.min !== undefined && (spec.exclusiveMin ? number <= spec.min : number < spec.min)) {
    return spec.exclusiveMin ? `is more than ${spec.min}` : `is at least ${spec.min}`;
  }
  if (spec.max !== undefined && number > spec.max) return `is at most ${spec.max}`;
  return number;
}

const POINTS = { kind: "integer", min: 0, max: 1_000_000 } as const;
const CATEGORY_CODE = /^[a-z0-9_-]{1,32}$/;
const SERVICE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;
const ZONE_ID = /^[a-z0-9-]{1,32}$/;

/** The body of `PUT /admin/settings`: the settings read, with what the form changed, or the problems to fix first.
 * Settings the form does not show (a category's keywords) go back as they were read. */
export function fromForm(base: Settings, form: SettingsForm): { body: SettingsBody; problems: Problem[] } {
  const problems: Problem[] = [];
  const body: SettingsBody = { ...base };
  const scalars = body as Record<string, unknown>;
  for (const spec of FIELDS) {
    const value = form.fields[spec.name];
    if (spec.kind === "integer" || spec.kind === "number") {
      const number = parseNumber(value, spec);
      if (typeof number === "string") problems.push({ field: spec.label, problem: number });
      else scalars[spec.name] = spec.name === "price_per_credit" ? number.toFixed(2) : number;
    } else if (spec.pattern && !new RegExp(spec.pattern).test(value)) {
      problems.push({ field: spec.label, problem: "is three capital letters" });
    } else {
      scalars[spec.name] = value;
    }
  }
  const approve = Number(form.fields.auto_approve_confidence);
  const reject = Number(form.fields.auto_reject_confidence);
  if (reject > approve) problems.push({ field: "Reject alone below confidence", problem: "is above the approval confidence" });

  body.reward_per_task = {};
  for (const task of TASKS) {
    const number = parseNumber(form.rewards[task] ?? "", POINTS);
    if (typeof number === "string") problems.push({ field: `Reward per ${task}`, problem: number });
    else body.reward_per_task[task] = number;
  }
  body.impact_kg_per_category = {};
  for (const type of WASTE_TYPES) {
    const typed = (form.impactKg[type] ?? "").trim();
    if (!typed) continue;
    const number = parseNumber(typed, { kind: "number", min: 0, exclusiveMin: true, max: 10_000 });
    if (typeof number === "string") problems.push({ field: `Kilograms for ${type}`, problem: number });
    else body.impact_kg_per_category[type] = number;
  }
  body.sms_notifications = form.smsNotifications;
  body.categories = form.categories.map((category, index) => categoryBody(category, index + 1, problems));
  if (!body.categories.length) problems.push({ field: "Categories", problem: "at least one is required" });
  const codes = body.categories.map((category) => category.code);
  if (new Set(codes).size !== codes.length) problems.push({ field: "Categories", problem: "two have the same code" });
  body.zones = form.zones.map((zone, index) => {
    const name = `Zone ${index + 1}`;
    if (!ZONE_ID.test(zone.zone_id)) problems.push({ field: `${name} id`, problem: "is 1–32 lower-case letters, digits or -" });
    if (!zone.name.trim()) problems.push({ field: `${name} name`, problem: "is required" });
    if (!zone.area) problems.push({ field: `${name} area`, problem: "is not drawn yet" });
    const crossing = zone.area && areaProblem(zone.area);
    if (crossing) problems.push({ field: `${name} area`, problem: crossing });
    return { zone_id: zone.zone_id, name: zone.name.trim(), area: zone.area as Area };
  });
  const ids = form.zones.map((zone) => zone.zone_id);
  if (new Set(ids).size !== ids.length) problems.push({ field: "Zones", problem: "two have the same id" });
  const areaCrossing = form.serviceArea && areaProblem(form.serviceArea);
  if (areaCrossing) problems.push({ field: "The service area", problem: areaCrossing });
  body.service_area = form.serviceArea;
  body.open311_key_hashes = [...form.open311KeyHashes];
  return { body, problems };
}

function categoryBody(form: CategoryForm, position: number, problems: Problem[]): Category {
  const name = `Category ${position}`;
  if (!CATEGORY_CODE.test(form.code)) problems.push({ field: `${name} code`, problem: "is 1–32 lower-case letters, digits, _ or -" });
  if (!form.name.trim()) problems.push({ field: `${name} name`, problem: "is required" });
  if (!SERVICE_CODE.test(form.service_code)) problems.push({ field: `${name} service code`, problem: "is 1–64 letters, digits, _ . or -" });
  let reward: number | null = null;
  if (form.reward.trim()) {
    const number = parseNumber(form.reward, POINTS);
    if (typeof number === "string") problems.push({ field: `${name} reward`, problem: number });
    else reward = number;
  }
  const category: Category = {
    code: form.code,
    name: form.name.trim(),
    service_code: form.service_code,
    description: form.description,
    reward,
    photo_required: form.photo_required,
    enabled: form.enabled,
  };
  if (form.group !== undefined) category.group = form.group;
  if (form.keywords !== undefined) category.keywords = form.keywords;
  return category;
}

export function describeProblems(problems: Problem[]): string {
  return problems.map((problem) => `${problem.field} ${problem.problem}`).join("; ");
}

/** A drawn outline as the API takes it: a GeoJSON Polygon of [lng, lat] positions, its ring closed. */
export function polygonOf(vertices: LatLng[]): Schemas["Polygon"] {
  if (vertices.length < 3) throw new Error("a polygon needs at least three corners");
  const ring: [number, number][] = vertices.map(([lat, lng]) => [lng, lat]);
  const [first, last] = [ring[0], ring[ring.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1]) ring.push([first[0], first[1]]);
  return { type: "Polygon", coordinates: [ring] };
}

/** A GeoJSON area as Leaflet draws it: each polygon's rings of [lat, lng], the closing position left out. */
export function latLngsOf(area: ZoneArea): LatLng[][][] {
  const polygons = area.type === "Polygon" ? [area.coordinates] : area.coordinates;
  return polygons.map((rings) =>
    rings.map((ring) => {
      const open = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
      return (open ? ring.slice(0, -1) : ring).map((position): LatLng => [position[1], position[0]]);
    }),
  );
}

/** How many corners an area has, for the zones' table. */
export function cornerCount(area: Area | null): number {
  return area ? latLngsOf(area).flat().reduce((sum, ring) => sum + ring.length, 0) : 0;
}

const LONGEST_VALUE = 160;

/** A setting's value in the history, short enough to read in a table cell. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const json = JSON.stringify(value);
  return json.length > LONGEST_VALUE ? `${json.slice(0, LONGEST_VALUE - 1)}…` : json;
}

/** The version an `ETag` names (`"3"` or `W/"3"`), sent back as `If-Match`. */
export function versionOf(etag: string | null): string | undefined {
  const match = etag?.match(/^(?:W\/)?"?(\d+)"?$/);
  return match ? `"${match[1]}"` : undefined;
}

/** Corners as the drawing's text field lists them, one "latitude, longitude" a line. */
export function cornersText(vertices: readonly LatLng[]): string {
  return vertices.map(([lat, lng]) => `${lat.toFixed(6)}, ${lng.toFixed(6)}`).join("\n");
}

/** The corners typed (or clicked) in the drawing's text field, or what is wrong with a line. Blank lines are skipped;
 * a comma, a semicolon or spaces separate the two numbers. */
export function parseCorners(text: string): { vertices: LatLng[]; problem?: string } {
  const vertices: LatLng[] = [];
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const parts = line.trim().split(/[\s,;]+/);
    const [lat, lng] = parts.map(Number);
    if (parts.length !== 2 || !Number.isFinite(lat) || !Number.isFinite(lng)) {
      return { vertices, problem: `line ${index + 1} is not "latitude, longitude"` };
    }
    if (Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      return { vertices, problem: `line ${index + 1} is off the globe (latitude −90 to 90, longitude −180 to 180)` };
    }
    vertices.push([lat, lng]);
  }
  return { vertices };
}

function turn(p: LatLng, q: LatLng, r: LatLng): number {
  return Math.sign((q[0] - p[0]) * (r[1] - q[1]) - (q[1] - p[1]) * (r[0] - q[0]));
}

function within(p: LatLng, q: LatLng, r: LatLng): boolean {
  return Math.min(p[0], r[0]) <= q[0] && q[0] <= Math.max(p[0], r[0]) && Math.min(p[1], r[1]) <= q[1] && q[1] <= Math.max(p[1], r[1]);
}

/** Whether the segments a–b and c–d meet (crossing, touching or overlapping). */
function meet(a: LatLng, b: LatLng, c: LatLng, d: LatLng): boolean {
  const [t1, t2, t3, t4] = [turn(a, b, c), turn(a, b, d), turn(c, d, a), turn(c, d, b)];
  if (t1 !== t2 && t3 !== t4) return true;
  return (t1 === 0 && within(a, c, b)) || (t2 === 0 && within(a, d, b)) || (t3 === 0 && within(c, a, d)) || (t4 === 0 && within(c, b, d));
}

/** The first two sides of a closed outline that meet where they should not, as the numbers of their first corners
 * (1-based), or null: the API refuses such a ring (shapely's "Self-intersection"), and a map shows why. */
export function crossingSides(corners: readonly LatLng[]): [number, number] | null {
  const count = corners.length;
  for (let first = 0; first < count; first++) {
    for (let second = first + 1; second < count; second++) {
      const adjacent = second === first + 1 || (first === 0 && second === count - 1);
      if (adjacent) continue;
      if (meet(corners[first], corners[(first + 1) % count], corners[second], corners[(second + 1) % count])) {
        return [first + 1, second + 1];
      }
    }
  }
  return null;
}

/** What is wrong with an outline before it is kept: too few corners, or sides that cross. */
export function outlineProblem(corners: readonly LatLng[]): string | null {
  if (corners.length < 3) return "needs at least three corners";
  const crossing = crossingSides(corners);
  if (!crossing) return null;
  const side = (n: number) => `from corner ${n} to ${(n % corners.length) + 1}`;
  return `crosses itself: the side ${side(crossing[0])} meets the side ${side(crossing[1])}`;
}

/** The first problem of any ring of an area drawn or read, for the form's check before saving. */
export function areaProblem(area: Area): string | null {
  for (const polygon of latLngsOf(area)) {
    for (const ring of polygon) {
      const problem = outlineProblem(ring);
      if (problem) return problem;
    }
  }
  return null;
}

/** The one outline of an area drawn here (a Polygon without holes), to edit corner by corner; null for a shape
 * this editor did not draw (several polygons, or holes), which is redrawn instead. */
export function editableOutline(area: Area | null): LatLng[] | null {
  if (!area) return null;
  const polygons = latLngsOf(area);
  return polygons.length === 1 && polygons[0].length === 1 ? polygons[0][0] : null;
}

/** Who saved a version, as the history shows them: their name and e-mail (the API reads the profiles), "(you)" for
 * the admin reading it, their id for an account since erased. */
export function authorOf(version: Pick<SettingsVersion, "changed_by" | "changed_by_name" | "changed_by_email">, me: string): string {
  const name = version.changed_by_name ?? version.changed_by;
  const email = version.changed_by_email && version.changed_by_email !== name ? ` <${version.changed_by_email}>` : "";
  return `${name}${email}${version.changed_by === me ? " (you)" : ""}`;
}
