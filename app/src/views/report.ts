import type { WasteType } from "../api";
import { field, h, say, showError, statusLine } from "../dom";
import { devicePosition, fieldsOf } from "../geo";
import { t } from "../i18n";
import { photoInput, progressBar } from "../photo";
import { newKey, type QueuedReport } from "../queue";
import { queueAndSend } from "../send";
import type { PositionMap } from "../position-map";
import { shrink } from "../upload";
import type { Screen } from "./context";

export const WASTE_TYPES: WasteType[] = ["plastic", "glass", "metal", "paper", "organic", "e_waste", "mixed"];

/** The position typed or found, or null while either number is missing or outside the globe. */
export function positionOf(lat: string, lng: string): { lat: number; lng: number } | null {
  if (!lat.trim() || !lng.trim()) return null;
  const position = { lat: Number(lat), lng: Number(lng) };
  if (!Number.isFinite(position.lat) || !Number.isFinite(position.lng)) return null;
  if (Math.abs(position.lat) > 90 || Math.abs(position.lng) > 180) return null;
  return position;
}

export const reportScreen: Screen = (root, context) => {
  const status = statusLine("report-status");
  const photo = photoInput("report-photo", t("report.photo"), t("report.photoHint"));
  const category = h(
    "select",
    { id: "report-category", required: true },
    WASTE_TYPES.map((type) => h("option", { value: type }, t(`waste.${type}`))),
  );
  const lat = h("input", { id: "report-lat", inputmode: "decimal", required: true, autocomplete: "off" });
  const lng = h("input", { id: "report-lng", inputmode: "decimal", required: true, autocomplete: "off" });
  const locate = h("button", { type: "button", id: "report-locate" }, t("report.locate"));
  const mapBox = h("div", {
    id: "report-map",
    class: "position-map",
    // Leaflet lays its panes out left to right; the page around it still mirrors in Urdu.
    dir: "ltr",
    role: "group",
    "aria-label": t("report.map"),
    "aria-describedby": "report-map-hint",
  });
  const mapHint = h("p", { class: "hint", id: "report-map-hint", hidden: true }, t("report.mapHint"));
  let map: PositionMap | null = null;
  let opening = false;
  let left = false;

  /** The map comes with the first position the form knows (the device's or typed): Leaflet loads only then. */
  async function showOnMap(): Promise<void> {
    const position = positionOf(lat.value, lng.value);
    if (!position) return;
    if (map) return map.moveTo(position);
    if (opening) return;
    opening = true;
    try {
      const { positionMap } = await import("../position-map");
      if (left) return;
      const current = positionOf(lat.value, lng.value) ?? position;
      map = positionMap(mapBox, current, { marker: t("report.marker") }, (moved) => {
        const fields = fieldsOf(moved);
        lat.value = fields.lat;
        lng.value = fields.lng;
      });
      mapHint.hidden = false;
    } catch {
      mapBox.hidden = true; // offline before the map was ever loaded: the fields remain
    } finally {
      opening = false;
    }
  }
  for (const input of [lat, lng]) input.addEventListener("input", () => void showOnMap());
  const description = h("textarea", { id: "report-description", rows: 3, maxlength: 500 });
  const progress = progressBar("report-progress", t("report.progress"));
  const submit = h("button", { type: "submit", class: "primary" }, t("report.submit"));

  async function fillPosition(): Promise<void> {
    const found = await devicePosition();
    if (found) {
      const fields = fieldsOf({ lat: found.latitude, lng: found.longitude });
      lat.value = fields.lat;
      lng.value = fields.lng;
      await showOnMap();
    } else {
      say(status, t("report.noPosition"));
    }
  }
  locate.addEventListener("click", () => void fillPosition());

  const form = h(
    "form",
    { class: "card", "aria-labelledby": "report-title", novalidate: true },
    h("h1", { id: "report-title" }, t("report.title")),
    photo.element,
    field(t("report.category"), category),
    h(
      "fieldset",
      { class: "position" },
      h("legend", {}, t("report.position")),
      mapHint,
      mapBox,
      field(t("report.lat"), lat),
      field(t("report.lng"), lng),
      locate,
    ),
    field(t("report.description"), description, t("signup.optional")),
    progress,
    submit,
    status,
  );

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const position = positionOf(lat.value, lng.value);
    if (!position) {
      showError(status, new Error(t("report.positionNeeded")));
      lat.focus();
      return;
    }
    void send(position);
  });

  async function send(position: { lat: number; lng: number }): Promise<void> {
    submit.disabled = true;
    try {
      const chosen = photo.chosen();
      const item: QueuedReport = {
        kind: "report",
        id: newKey(),
        owner: context.who.user_id,
        createdAt: new Date().toISOString(),
        report: {
          waste_type: category.value as WasteType,
          ...position,
          description: description.value.trim() || null,
        },
        photos: chosen ? [{ blob: await shrink(chosen) }] : [],
      };
      progress.hidden = !chosen;
      progress.value = 0;
      say(status, t("report.sending"));
      const outcome = await queueAndSend(context.outbox, item, (fraction) => (progress.value = fraction));
      if (outcome.state === "refused") {
        showError(status, new Error(outcome.reason));
        return;
      }
      say(status, outcome.state === "sent" ? t("report.sent") : t("report.queued"));
      photo.clear();
      description.value = "";
      await context.flush();
    } catch (error) {
      showError(status, error);
    } finally {
      submit.disabled = false;
    }
  }

  root.append(form);
  void fillPosition();
  return () => {
    left = true;
    map?.remove();
  };
};
