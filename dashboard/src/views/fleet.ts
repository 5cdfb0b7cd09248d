import { all, api, unwrap, type Report, type Vehicle } from "../api";
import { h, humanize, onClick, onSubmit, showError, showInfo, statusLine, when } from "../dom";
import { byPriority, PRIORITIES, type Priority } from "./priority-model";
import { reportLink } from "./reports-model";

export function fleetView(root: HTMLElement): () => void {
  const status = statusLine("vehicles-status");
  const createStatus = statusLine("vehicle-form-status");
  const dispatchStatus = statusLine("dispatch-form-status");
  const rows = h("tbody", { id: "vehicle-rows" });
  const vehicleId = h("input", { id: "vehicle-id", name: "vehicle_id", required: true, pattern: "[A-Za-z0-9-]{1,64}" });
  const vehicleName = h("input", { id: "vehicle-name", name: "name", required: true, maxlength: 200 });
  const plate = h("input", { id: "vehicle-plate", name: "plate", maxlength: 20 });
  const capacity = h("input", { id: "vehicle-capacity", name: "capacity_kg", type: "number", min: 0, max: 100000, value: 1000 });
  const reportSelect = h("select", { id: "dispatch-report", name: "report", required: true });
  const vehicleSelect = h("select", { id: "dispatch-vehicle", name: "vehicle", required: true });
  const note = h("input", { id: "dispatch-note", name: "note", maxlength: 4000 });
  const leastPriority = h(
    "select",
    { id: "dispatch-priority", name: "priority" },
    h("option", { value: "" }, "Any priority"),
    PRIORITIES.filter((p) => p !== "low").map((p) => h("option", { value: p }, p === "urgent" ? "Urgent only" : `${p} or more urgent`)),
  );
  let openReports: Report[] = [];

  const createForm = h(
    "form",
    { class: "card stack", "aria-labelledby": "new-vehicle-title", id: "vehicle-form" },
    h("h2", { id: "new-vehicle-title" }, "Add a vehicle"),
    h("label", { for: "vehicle-id" }, "Vehicle id (letters, digits, dashes)"),
    vehicleId,
    h("label", { for: "vehicle-name" }, "Name"),
    vehicleName,
    h("label", { for: "vehicle-plate" }, "Plate"),
    plate,
    h("label", { for: "vehicle-capacity" }, "Capacity (kg)"),
    capacity,
    h("button", { type: "submit", class: "primary" }, "Add vehicle"),
    createStatus,
  );
  const dispatchForm = h(
    "form",
    { class: "card stack", "aria-labelledby": "dispatch-title", id: "dispatch-form" },
    h("h2", { id: "dispatch-title" }, "Dispatch a report"),
    h("label", { for: "dispatch-priority" }, "Priorities listed"),
    leastPriority,
    h("label", { for: "dispatch-report" }, "Open report (most urgent first, then oldest)"),
    reportSelect,
    h("label", { for: "dispatch-vehicle" }, "Vehicle"),
    vehicleSelect,
    h("label", { for: "dispatch-note" }, "Note for the crew"),
    note,
    h("button", { type: "submit", class: "primary" }, "Dispatch"),
    dispatchStatus,
  );

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Fleet")),
    h(
      "table",
      { class: "vehicles" },
      h("caption", {}, "Vehicles"),
      h(
        "thead",
        {},
        h("tr", {}, ["Vehicle", "Name", "Status", "Plate", "Capacity", "Report", "Position", "Updated"].map((title) => h("th", { scope: "col" }, title))),
      ),
      rows,
    ),
    status,
    h("div", { class: "forms" }, createForm, dispatchForm),
  );

  /** The crew is done: the report is resolved and its vehicle free again. */
  function resolveButton(vehicle: Vehicle): HTMLElement {
    const button = h("button", { type: "button", class: "secondary resolve" }, "Resolved");
    button.setAttribute("aria-label", `Mark report ${vehicle.report_id?.slice(0, 8)} resolved`);
    onClick(button, status, async () => {
      await unwrap(
        api().POST("/admin/reports/{report_id}/status", {
          params: { path: { report_id: vehicle.report_id ?? "" } },
          body: { status: "resolved", reason: `cleared by ${vehicle.name}` },
        }),
      );
      showInfo(status, `Report ${vehicle.report_id?.slice(0, 8)} resolved; ${vehicle.name} is available again.`);
      await load();
    });
    return button;
  }

  async function load(): Promise<void> {
    const [vehicles, submitted, verified] = await Promise.all([
      all((cursor) => unwrap(api().GET("/fleet/vehicles", { params: { query: { cursor } } }))),
      all((cursor) => unwrap(api().GET("/reports", { params: { query: { status: "submitted", limit: 100, cursor } } }))),
      all((cursor) => unwrap(api().GET("/reports", { params: { query: { status: "verified", limit: 100, cursor } } }))),
    ]);
    rows.replaceChildren(
      ...vehicles.map((vehicle) =>
        h(
          "tr",
          { "data-vehicle": vehicle.vehicle_id },
          h("th", { scope: "row", class: "mono" }, vehicle.vehicle_id),
          h("td", {}, vehicle.name),
          h("td", { class: "vehicle-status" }, h("span", { class: `badge ${vehicle.status}` }, humanize(vehicle.status))),
          h("td", {}, vehicle.plate ?? "—"),
          h("td", { class: "num" }, `${vehicle.capacity_kg} kg`),
          h(
            "td",
            { class: "mono vehicle-report" },
            vehicle.report_id ? h("a", { href: reportLink(vehicle.report_id) }, vehicle.report_id.slice(0, 8)) : "—",
            vehicle.report_id ? resolveButton(vehicle) : null,
          ),
          h("td", { class: "num" }, vehicle.lat === null || vehicle.lng === null ? "—" : `${vehicle.lat.toFixed(4)}, ${vehicle.lng.toFixed(4)}`),
          h("td", {}, when(vehicle.updated_at)),
        ),
      ),
    );
    if (!vehicles.length) rows.append(h("tr", {}, h("td", { colspan: 8, class: "empty" }, "No vehicles yet.")));
    openReports = [...submitted, ...verified];
    listOpenReports();
    vehicleSelect.replaceChildren(
      // Only an available vehicle can take a report; the others stay listed so the choice is visible.
      ...vehicles.map((vehicle) =>
        h(
          "option",
          { value: vehicle.vehicle_id, disabled: vehicle.status !== "available" },
          `${vehicle.name} (${humanize(vehicle.status)})`,
        ),
      ),
    );
  }

  /** The open reports the dispatcher asked for, in the order they are worked. */
  function listOpenReports(): void {
    const shown = byPriority(openReports, leastPriority.value as Priority | "");
    reportSelect.replaceChildren(
      ...shown.map((report) =>
        h(
          "option",
          { value: report.report_id },
          `${report.priority} · ${report.report_id.slice(0, 8)} · ${humanize(report.waste_type)} · ${report.description ?? ""}`,
        ),
      ),
    );
  }
  leastPriority.addEventListener("change", listOpenReports);

  onSubmit(createForm, createStatus, async () => {
    const created = await unwrap(
      api().POST("/fleet/vehicles", {
        body: {
          vehicle_id: vehicleId.value.trim(),
          name: vehicleName.value.trim(),
          plate: plate.value.trim() || null,
          capacity_kg: Number(capacity.value) || 0,
        },
      }),
    );
    createForm.reset();
    showInfo(createStatus, `Added ${created.name}.`);
    await load();
  });

  onSubmit(dispatchForm, dispatchStatus, async () => {
    const report = await unwrap(
      api().POST("/admin/reports/{report_id}/dispatch", {
        params: { path: { report_id: reportSelect.value } },
        body: { vehicle_id: vehicleSelect.value, note: note.value.trim() || null },
      }),
    );
    note.value = "";
    showInfo(dispatchStatus, `Report ${report.report_id.slice(0, 8)} dispatched to ${report.vehicle_id ?? "its vehicle"}.`);
    await load();
  });

  load().catch((error: unknown) => showError(status, error));
  return () => undefined;
}
