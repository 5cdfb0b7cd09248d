import L from "../leaflet-global";
import "leaflet/dist/leaflet.css";
import { apiError } from "@ecopulse/api-client";
import { all, api, loadConfig, unwrap } from "../api";
import { addBaseLayer } from "../base-map";
import { h, humanize, onClick, showError, showInfo, statusLine, when } from "../dom";
import {
  cornerCount,
  cornersText,
  authorOf,
  describeProblems,
  editableOutline,
  FIELDS,
  fromForm,
  latLngsOf,
  newCategory,
  outlineProblem,
  parseCorners,
  polygonOf,
  shownValue,
  TASKS,
  toForm,
  versionOf,
  WASTE_TYPES,
  type Area,
  type CategoryForm,
  type FieldSpec,
  type LatLng,
  type Settings,
  type SettingsForm,
  type ZoneForm,
} from "./settings-model";

// Lahore: where a city without a service area or zones opens its map.
const DEFAULT_CENTRE: L.LatLngTuple = [31.5204, 74.3587];
const AREA_STYLE: L.PathOptions = { color: "#143d2b", weight: 2, dashArray: "6 4", fillOpacity: 0.05, interactive: false };
const ZONE_STYLE: L.PathOptions = { color: "#0b5cad", weight: 2, fillOpacity: 0.15, interactive: false };

type Target = { kind: "area" } | { kind: "zone"; zone: ZoneForm };

/** The city's settings: categories, rewards, thresholds, Open311, the service area and zones drawn on a map, and
 * every saved change. */
export function settingsView(root: HTMLElement, who: { user_id: string; username: string }): () => void {
  const status = statusLine("settings-status");
  const drawStatus = statusLine("draw-status");
  const historyRows = h("tbody", { id: "history-rows" });
  const form = h("form", { id: "settings-form", "aria-label": "City settings", novalidate: true });
  const mapElement = h("div", { class: "map", id: "settings-map", role: "region", "aria-label": "Map of the service area and zones" });
  let base: Settings | null = null;
  let draft: SettingsForm | null = null;
  let etag: string | undefined;
  let map: L.Map | null = null;
  const shapes = L.featureGroup();
  const sketch = L.featureGroup();
  let drawing: { target: Target; vertices: LatLng[] } | null = null;
  let closed = false;

  const saveButton = h("button", { type: "submit", class: "primary", id: "save-settings" }, "Save settings");
  // Until the settings are read, the status line stands alone: a refused read shows there.
  form.append(status);
  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Settings"), h("p", { class: "hint" }, "What the city rewards, trusts, takes and where.")),
    form,
    h(
      "section",
      { class: "card", "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, "Changes"),
      h(
        "table",
        { class: "history" },
        h("caption", {}, "Every saved change, newest first"),
        h("thead", {}, h("tr", {}, ["Version", "When", "Who", "Setting", "Before", "After"].map((t) => h("th", { scope: "col" }, t)))),
        historyRows,
      ),
    ),
  );

  function input(id: string, label: string, value: string, change: (value: string) => void, attributes = {}): HTMLElement[] {
    const element = h("input", { id, value, ...attributes });
    element.addEventListener("input", () => change(element.value));
    return [h("label", { for: id }, label), element];
  }

  function checkbox(id: string, label: string, checked: boolean, change: (value: boolean) => void): HTMLElement {
    const element = h("input", { type: "checkbox", id, checked });
    element.addEventListener("change", () => change(element.checked));
    return h("label", { class: "check", for: id }, element, label);
  }

  function field(spec: FieldSpec, values: SettingsForm["fields"]): HTMLElement[] {
    const id = `setting-${spec.name}`;
    if (spec.kind === "choice") {
      const select = h(
        "select",
        { id },
        (spec.choices ?? []).map(([value, label]) => h("option", { value, selected: value === values[spec.name] }, label)),
      );
      select.addEventListener("change", () => (values[spec.name] = select.value));
      return [h("label", { for: id }, spec.label), select];
    }
    const numeric = spec.kind !== "text";
    return input(id, spec.label, values[spec.name], (value) => (values[spec.name] = value), {
      type: numeric ? "number" : "text",
      inputmode: numeric ? "decimal" : undefined,
      min: spec.min,
      max: spec.max,
      step: spec.step ?? (spec.kind === "integer" ? 1 : undefined),
      maxlength: spec.maxLength,
    });
  }

  function fieldset(group: FieldSpec["group"], title: string, values: SettingsForm["fields"], ...extra: HTMLElement[]): HTMLElement {
    return h(
      "fieldset",
      { class: "card settings-group" },
      h("legend", {}, title),
      FIELDS.filter((spec) => spec.group === group).flatMap((spec) => field(spec, values)),
      extra,
    );
  }

  function categoryRow(category: CategoryForm, index: number): HTMLElement {
    const id = (name: string) => `category-${index}-${name}`;
    const cell = (name: "code" | "name" | "service_code" | "description" | "reward", label: string, attributes = {}) => {
      const element = h("input", { id: id(name), value: category[name], "aria-label": `${label} of category ${index + 1}`, ...attributes });
      element.addEventListener("input", () => (category[name] = element.value));
      return h("td", {}, element);
    };
    const flag = (name: "photo_required" | "enabled", label: string) => {
      const element = h("input", { type: "checkbox", id: id(name), checked: category[name], "aria-label": `${label} (category ${index + 1})` });
      element.addEventListener("change", () => (category[name] = element.checked));
      return h("td", {}, element);
    };
    return h(
      "tr",
      { "data-category": category.code || `new-${index}` },
      cell("code", "Code", { readonly: !category.added, maxlength: 32 }),
      cell("name", "Name", { maxlength: 80 }),
      cell("service_code", "Service code", { maxlength: 64 }),
      cell("description", "Description", { maxlength: 400 }),
      cell("reward", "Reward", { type: "number", min: 0, step: 1, placeholder: "report rate" }),
      flag("photo_required", "Photo required"),
      flag("enabled", "Enabled"),
    );
  }

  function categoriesSection(values: SettingsForm): HTMLElement {
    const rows = h("tbody", { id: "category-rows" }, values.categories.map(categoryRow));
    const add = h("button", { type: "button", id: "add-category" }, "Add a category");
    add.addEventListener("click", () => {
      values.categories.push(newCategory());
      const row = categoryRow(values.categories[values.categories.length - 1], values.categories.length - 1);
      rows.append(row);
      row.querySelector("input")?.focus();
    });
    return h(
      "fieldset",
      { class: "card settings-group wide" },
      h("legend", {}, "Categories"),
      h("p", { class: "hint" }, "What citizens may report. A disabled category takes no new reports; its code stays on the old ones. An empty reward pays the report rate."),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "categories" },
          h("caption", {}, "The city's categories"),
          h("thead", {}, h("tr", {}, ["Code", "Name", "Service code", "Description", "Reward", "Photo required", "Enabled"].map((t) => h("th", { scope: "col" }, t)))),
          rows,
        ),
      ),
      add,
    );
  }

  function open311Section(values: SettingsForm): HTMLElement {
    const list = h("ul", { id: "open311-keys", class: "keys" });
    const render = () =>
      list.replaceChildren(
        ...values.open311KeyHashes.map((hash, index) => {
          const remove = h("button", { type: "button", "aria-label": `Remove key ${hash.slice(0, 12)}` }, "Remove");
          remove.addEventListener("click", () => {
            values.open311KeyHashes.splice(index, 1);
            render();
          });
          return h("li", {}, h("code", {}, `${hash.slice(0, 12)}…`), " ", remove);
        }),
        ...(values.open311KeyHashes.length ? [] : [h("li", { class: "empty" }, "No key: nobody files requests through Open311.")]),
      );
    render();
    const key = h("input", { id: "open311-new-key", type: "text", autocomplete: "off", maxlength: 200 });
    const add = h("button", { type: "button", id: "add-open311-key" }, "Add key");
    onClick(add, status, async () => {
      if (!key.value.trim()) return;
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key.value.trim()));
      values.open311KeyHashes.push([...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join(""));
      key.value = "";
      render();
    });
    return fieldset(
      "open311",
      "Open311",
      values.fields,
      h("p", { class: "hint" }, "Keys are kept hashed: give the new key to the city's system before saving, it is not shown again."),
      list,
      h("label", { for: "open311-new-key" }, "New API key"),
      key,
      add,
    );
  }

  function rewardsSection(values: SettingsForm): HTMLElement {
    return fieldset(
      "rewards",
      "Rewards",
      values.fields,
      ...TASKS.flatMap((task) =>
        input(`reward-${task}`, `Reward per ${task} (tokens)`, values.rewards[task], (value) => (values.rewards[task] = value), {
          type: "number",
          min: 0,
          step: 1,
        }),
      ),
      h(
        "details",
        {},
        h("summary", {}, "Kilograms an impact credit counts per category"),
        WASTE_TYPES.flatMap((type) =>
          input(`impact-kg-${type}`, humanize(type), values.impactKg[type], (value) => (values.impactKg[type] = value), {
            type: "number",
            min: 0,
            step: 0.1,
            placeholder: "default",
          }),
        ),
      ),
    );
  }

  const zoneRows = h("tbody", { id: "zone-rows" });
  const drawButtons = h("div", { class: "buttons", id: "draw-buttons" });
  // The corners as text: what a click on the map adds, and how a keyboard or a screen reader draws (type them, or
  // pan the focused map with the arrow keys and press Enter to add its centre).
  const cornersField = h("textarea", {
    id: "shape-corners",
    rows: 6,
    spellcheck: "false",
    autocomplete: "off",
    "aria-describedby": "shape-corners-hint",
  });
  const drawPanel = h(
    "div",
    { class: "draw-panel", id: "draw-panel", hidden: true },
    h("label", { for: "shape-corners" }, "Corners, one “latitude, longitude” a line"),
    cornersField,
    h(
      "p",
      { class: "hint", id: "shape-corners-hint" },
      "Click the map at each corner, type the corners here, or focus the map, move it with the arrow keys and press Enter (or Add the map's centre) to add the corner under the cross.",
    ),
    drawButtons,
  );

  function drawShapes(): void {
    if (!draft || !map) return;
    shapes.clearLayers();
    if (draft.serviceArea) L.polygon(latLngsOf(draft.serviceArea), AREA_STYLE).addTo(shapes);
    for (const zone of draft.zones) {
      if (zone.area) L.polygon(latLngsOf(zone.area), ZONE_STYLE).addTo(shapes);
    }
  }

  function targetName(target: Target): string {
    return target.kind === "area" ? "the service area" : `zone ${target.zone.name || target.zone.zone_id || "(new)"}`;
  }

  function startDrawing(target: Target, corners: LatLng[] = []): void {
    drawing = { target, vertices: [...corners] };
    cornersField.value = cornersText(corners);
    drawSketch();
    drawPanel.hidden = false;
    showInfo(
      drawStatus,
      `${corners.length ? "Editing" : "Drawing"} ${targetName(target)}: add or change its corners, then Finish shape.`,
    );
    mapElement.classList.add("drawing");
  }

  function stopDrawing(): void {
    drawing = null;
    sketch.clearLayers();
    drawPanel.hidden = true;
    mapElement.classList.remove("drawing");
  }

  /** The outline drawn so far, as the corners list has it. */
  function drawSketch(): void {
    sketch.clearLayers();
    if (!drawing) return;
    const closedLine = drawing.vertices.length > 2 ? [...drawing.vertices, drawing.vertices[0]] : drawing.vertices;
    L.polyline(closedLine, { color: "#b3261e", weight: 2, interactive: false }).addTo(sketch);
    for (const vertex of drawing.vertices) L.circleMarker(vertex, { radius: 4, color: "#b3261e", interactive: false }).addTo(sketch);
  }

  function addCorner(corner: LatLng): void {
    if (!drawing) return;
    drawing.vertices.push([Number(corner[0].toFixed(6)), Number(corner[1].toFixed(6))]);
    cornersField.value = cornersText(drawing.vertices);
    drawSketch();
    showInfo(drawStatus, `${targetName(drawing.target)}: ${drawing.vertices.length} corners.`);
  }

  function finishDrawing(): void {
    if (!drawing) return;
    const typed = parseCorners(cornersField.value);
    const problem = typed.problem ?? outlineProblem(typed.vertices);
    if (problem) {
      showError(drawStatus, `The shape ${problem}.`);
      cornersField.focus();
      return;
    }
    drawing.vertices = typed.vertices;
    const area: Area = polygonOf(drawing.vertices);
    if (drawing.target.kind === "area" && draft) draft.serviceArea = area;
    else if (drawing.target.kind === "zone") drawing.target.zone.area = area;
    showInfo(drawStatus, `${targetName(drawing.target)} has ${drawing.vertices.length} corners; save to keep it.`);
    stopDrawing();
    renderZones();
    drawShapes();
  }

  const finish = h("button", { type: "button", class: "primary", id: "finish-shape" }, "Finish shape");
  const cancel = h("button", { type: "button", id: "cancel-shape" }, "Cancel");
  finish.addEventListener("click", finishDrawing);
  cancel.addEventListener("click", () => {
    stopDrawing();
    showInfo(drawStatus, "Drawing cancelled.");
  });
  const addCentre = h("button", { type: "button", id: "add-centre" }, "Add the map's centre");
  addCentre.addEventListener("click", () => map && addCorner([map.getCenter().lat, map.getCenter().lng]));
  drawButtons.append(finish, addCentre, cancel);
  cornersField.addEventListener("input", () => {
    if (!drawing) return;
    const typed = parseCorners(cornersField.value);
    drawing.vertices = typed.vertices;
    drawSketch();
  });

  function renderZones(): void {
    if (!draft) return;
    const values = draft;
    zoneRows.replaceChildren(
      ...values.zones.map((zone, index) => {
        const idInput = h("input", { value: zone.zone_id, "aria-label": `Id of zone ${index + 1}`, maxlength: 32, readonly: !!zone.area && !!base?.zones?.some((saved) => saved.zone_id === zone.zone_id) });
        idInput.addEventListener("input", () => (zone.zone_id = idInput.value));
        const nameInput = h("input", { value: zone.name, "aria-label": `Name of zone ${index + 1}`, maxlength: 80 });
        nameInput.addEventListener("input", () => (zone.name = nameInput.value));
        const draw = h("button", { type: "button", "aria-label": `${zone.area ? "Redraw" : "Draw"} zone ${index + 1}` }, zone.area ? "Redraw" : "Draw");
        draw.addEventListener("click", () => startDrawing({ kind: "zone", zone }));
        const outline = editableOutline(zone.area);
        const edit = outline && h("button", { type: "button", "aria-label": `Edit corners of zone ${index + 1}` }, "Edit corners");
        edit?.addEventListener("click", () => startDrawing({ kind: "zone", zone }, outline ?? []));
        const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete zone ${index + 1}` }, "Delete");
        remove.addEventListener("click", () => {
          values.zones.splice(index, 1);
          renderZones();
          drawShapes();
        });
        return h(
          "tr",
          { "data-zone": zone.zone_id },
          h("td", {}, idInput),
          h("td", {}, nameInput),
          h("td", { class: "num corners" }, cornerCount(zone.area) ? String(cornerCount(zone.area)) : "not drawn"),
          h("td", { class: "buttons" }, draw, edit, remove),
        );
      }),
    );
    areaSummary.textContent = values.serviceArea
      ? `Service area: ${cornerCount(values.serviceArea)} corners.`
      : "No service area: no cleanup is paid without a human.";
  }

  const areaSummary = h("p", { id: "service-area-summary" });

  function areaSection(values: SettingsForm): HTMLElement {
    const addZone = h("button", { type: "button", id: "add-zone" }, "Add a zone");
    addZone.addEventListener("click", () => {
      const zone: ZoneForm = { zone_id: "", name: "", area: null };
      values.zones.push(zone);
      renderZones();
      startDrawing({ kind: "zone", zone });
      (zoneRows.lastElementChild?.querySelector("input") as HTMLInputElement | null)?.focus();
    });
    const drawArea = h("button", { type: "button", id: "draw-service-area" }, "Draw the service area");
    drawArea.addEventListener("click", () => startDrawing({ kind: "area" }));
    const editArea = h("button", { type: "button", id: "edit-service-area" }, "Edit the service area's corners");
    editArea.addEventListener("click", () => {
      const outline = editableOutline(values.serviceArea);
      if (outline) startDrawing({ kind: "area" }, outline);
      else showError(drawStatus, "The service area is not one outline drawn here: draw it again instead.");
    });
    const clearArea = h("button", { type: "button", id: "clear-service-area" }, "Remove the service area");
    clearArea.addEventListener("click", () => {
      values.serviceArea = null;
      renderZones();
      drawShapes();
    });
    return h(
      "fieldset",
      { class: "card settings-group wide" },
      h("legend", {}, "Service area and zones"),
      h("p", { class: "hint" }, "The service area (dashed) is where cleanups may be paid without a human; zones (blue) are what citizens subscribe to and reports are counted in."),
      areaSummary,
      h("div", { class: "buttons" }, drawArea, editArea, clearArea, addZone),
      mapElement,
      drawPanel,
      drawStatus,
      h(
        "table",
        { class: "zones" },
        h("caption", {}, "Zones"),
        h("thead", {}, h("tr", {}, ["Id", "Name", "Corners", "Shape"].map((t) => h("th", { scope: "col" }, t)))),
        zoneRows,
      ),
    );
  }

  function renderForm(values: SettingsForm): void {
    form.replaceChildren(
      h(
        "div",
        { class: "settings-grid" },
        fieldset("city", "City", values.fields, checkbox("setting-sms", "Tell citizens of their reports' changes by SMS too", values.smsNotifications, (on) => (values.smsNotifications = on))),
        rewardsSection(values),
        fieldset("verification", "Verification thresholds", values.fields),
        fieldset("review", "Review timeout", values.fields, h("p", { class: "hint" }, "How long a review may wait is the deployment's ReviewTimeoutSeconds.")),
        open311Section(values),
        categoriesSection(values),
        areaSection(values),
      ),
      h("div", { class: "save-bar" }, saveButton, status),
    );
    renderZones();
  }

  async function openMap(): Promise<void> {
    const config = await loadConfig();
    map = L.map(mapElement, { zoomControl: true, attributionControl: false }).setView(DEFAULT_CENTRE, 12);
    shapes.addTo(map);
    sketch.addTo(map);
    map.on("click", (event: L.LeafletMouseEvent) => addCorner([event.latlng.lat, event.latlng.lng]));
    // Leaflet pans a focused map with the arrow keys and zooms with + and -; Enter adds the corner under the cross.
    mapElement.addEventListener("keydown", (event) => {
      if (!drawing || event.key !== "Enter" || event.target !== mapElement || !map) return;
      event.preventDefault();
      addCorner([map.getCenter().lat, map.getCenter().lng]);
    });
    drawShapes();
    if (shapes.getLayers().length) map.fitBounds(shapes.getBounds(), { padding: [20, 20] });
    await addBaseLayer(map, config).catch((error: unknown) => showError(drawStatus, error));
  }


  async function loadHistory(): Promise<void> {
    const versions = await all((cursor) => unwrap(api().GET("/admin/settings/history", { params: { query: { cursor, limit: 20 } } })), 100);
    historyRows.replaceChildren(
      ...versions.flatMap((version) =>
        version.changes.map((change, index) =>
          h(
            "tr",
            { "data-version": version.version },
            index === 0 ? h("td", { rowspan: version.changes.length, class: "num" }, String(version.version)) : null,
            index === 0 ? h("td", { rowspan: version.changes.length }, when(version.changed_at)) : null,
            index === 0 ? h("td", { rowspan: version.changes.length, class: "author" }, authorOf(version, who.user_id)) : null,
            h("td", {}, humanize(change.setting)),
            h("td", { class: "value" }, shownValue(change.before)),
            h("td", { class: "value" }, shownValue(change.after)),
          ),
        ),
      ),
      ...(versions.length ? [] : [h("tr", {}, h("td", { colspan: 6, class: "empty" }, "The city has not changed its settings yet."))]),
    );
  }

  async function load(): Promise<void> {
    const { data, error, response } = await api().GET("/admin/settings");
    if (!response.ok || !data) throw apiError(response.status, error);
    // openapi-fetch reads the answer's GeoJSON positions as plain arrays: they are the schema's [lng, lat] pairs.
    base = data as Settings;
    etag = versionOf(response.headers.get("ETag"));
    draft = toForm(base);
    renderForm(draft);
    if (!map) await openMap();
    else drawShapes();
  }

  async function save(): Promise<void> {
    if (!base || !draft) return;
    const { body, problems } = fromForm(base, draft);
    if (problems.length) {
      showError(status, `Not saved: ${describeProblems(problems)}.`);
      return;
    }
    saveButton.disabled = true;
    try {
      const { data, error, response } = await api().PUT("/admin/settings", {
        body,
        params: { header: etag ? { "if-match": etag } : {} },
      });
      if (!response.ok || !data) throw apiError(response.status, error);
      const version = versionOf(response.headers.get("ETag"));
      await load();
      showInfo(status, `Saved${version ? ` as version ${version.replace(/"/g, "")}` : ""}.`);
      await loadHistory();
    } finally {
      saveButton.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (closed) return;
    save().catch((error: unknown) => showError(status, error));
  });
  Promise.all([load(), loadHistory()]).catch((error: unknown) => showError(status, error));
  return () => {
    closed = true;
    map?.remove();
  };
}
