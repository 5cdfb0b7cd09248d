import L from "../leaflet-global";
import "leaflet/dist/leaflet.css";
import { all, api, loadConfig, unwrap, type Report, type Vehicle } from "../api";
import { addBaseLayer } from "../base-map";
import { ago, h, humanize, percent, plural, showError, showInfo, statusLine, when } from "../dom";
import { latLngsOf } from "./settings-model";
import {
  ACTIONS,
  allowedActions,
  COMMENTED,
  describeEntry,
  jobProgress,
  possibleDuplicates,
  reportLink,
  type StatusAction,
  type TimelineEntry,
} from "./reports-model";

const NEARBY_RADIUS_M = 250;

function card(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** One report, for the admin deciding what happens to it: what was filed and where, its photos, what may be done
 * now (verify, dispatch to a vehicle, resolve, reject, hide its text), its history, and the open reports near it
 * that may be the same problem. Each section draws itself from the report as read, so a section for what the API
 * adds (comments, merging, a driver's progress) is one more function beside these. */
export function reportView(root: HTMLElement, _who: unknown, reportId?: string): () => void {
  const status = statusLine("report-status");
  const heading = h("h1", {}, "Report ", h("span", { class: "mono" }, (reportId ?? "").slice(0, 8)));
  const head = h("div", { class: "view-head" }, heading, h("a", { href: "#/reports" }, "All reports"));
  const facts = h("div", { id: "report-facts" });
  const actions = h("div", { id: "report-actions" });
  const photos = h("div", { id: "report-photos" });
  const timeline = h("ol", { class: "timeline", id: "report-timeline" });
  const timelineStatus = statusLine("report-timeline-status");
  const nearby = h("div", { id: "report-nearby" });
  const crew = h("div", { id: "report-crew" });
  const mapElement = h("div", { class: "map small", id: "report-map", role: "region", "aria-label": "Where the report was filed" });
  let map: L.Map | null = null;
  let marker: L.CircleMarker | null = null;
  let closed = false;

  root.append(
    head,
    status,
    h(
      "div",
      { class: "report-detail" },
      card("report-facts-title", "What was filed", facts),
      card("report-actions-title", "Status and actions", actions),
      card("report-place-title", "Place", mapElement),
      card("report-crew-title", "Crew's progress", crew),
      card("report-photos-title", "Photos", photos),
      card("report-history-title", "Timeline: changes and comments", timeline, timelineStatus, commentForm()),
      card("report-nearby-title", "Open reports nearby", nearby),
    ),
  );
  if (!reportId) {
    showError(status, "No report is named: open one from the reports list, the map or the review queue.");
    return () => undefined;
  }
  const id = reportId;

  function drawFacts(report: Report): void {
    heading.replaceChildren("Report ", h("span", { class: "mono" }, report.report_id.slice(0, 8)), " ", h("span", { class: `badge ${report.status}`, id: "report-status-badge" }, report.status));
    const rows: [string, Node | string][] = [
      ["Id", h("span", { class: "mono" }, report.report_id)],
      ["Category", humanize(report.waste_type)],
      ["Priority", h("span", { id: "report-priority" }, `${report.priority} (${report.priority_points ?? 0} points from votes and merged duplicates)`)],
      ["Merged", report.merged_into ? h("span", { id: "merged-into" }, "a duplicate of ", h("a", { href: reportLink(report.merged_into), class: "mono" }, report.merged_into.slice(0, 8))) : `${plural(report.duplicates_merged ?? 0, "duplicate")} merged into it`],
      ["Votes", `+${report.votes_up} / −${report.votes_down}`],
      ["Description", report.description ?? "—"],
      ["Address", report.address ?? "—"],
      ["Text", report.text_hidden ? "hidden from citizens and Open311" : "shown to everyone"],
      ["Where", `${report.lat.toFixed(5)}, ${report.lng.toFixed(5)}${report.zone ? ` (zone ${report.zone})` : ""}`],
      ["Reporter", h("span", { class: "mono" }, report.reporter_id ?? "—")],
      ["Filed", `${when(report.created_at)} (${ago(report.created_at)})`],
      ["Updated", when(report.updated_at)],
      ["Model saw", report.ai_type ? `${humanize(report.ai_type)} (${percent(report.ai_confidence)})` : "not verified by the model"],
      ["Vehicle", report.vehicle_id ?? "none"],
    ];
    facts.replaceChildren(h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])));
  }

  function drawActions(report: Report, vehicles: Vehicle[]): void {
    const actionStatus = statusLine("report-action-status");
    const reason = h("input", { id: "report-reason", maxlength: 200, autocomplete: "off" });
    const allowed = allowedActions(report.status);
    const button = (action: StatusAction) =>
      h("button", { type: "button", class: action === "reject" ? "danger" : "primary", "data-action": action }, ACTIONS[action].label);
    const buttons = (["verify", "resolve", "reject"] as const).filter((action) => allowed.includes(action)).map(button);
    for (const element of buttons) {
      element.addEventListener("click", () => {
        const action = element.dataset.action as StatusAction;
        const why = reason.value.trim();
        if (!why) {
          showError(actionStatus, `Type a reason before you ${ACTIONS[action].label.toLowerCase()} the report.`);
          reason.focus();
          return;
        }
        act(actionStatus, `Report ${ACTIONS[action].target}.`, () =>
          unwrap(
            api().POST("/admin/reports/{report_id}/status", {
              params: { path: { report_id: id } },
              body: { status: ACTIONS[action].target as "verified" | "resolved" | "rejected", reason: why },
            }),
          ),
        );
      });
    }
    const hide = h("button", { type: "button", id: "toggle-text" }, report.text_hidden ? "Show the text again" : "Hide the text");
    hide.addEventListener("click", () => {
      const why = reason.value.trim();
      if (!why) {
        showError(actionStatus, "Type a reason before you hide or show the text.");
        reason.focus();
        return;
      }
      act(actionStatus, report.text_hidden ? "The text is shown again." : "The text is hidden from citizens.", () =>
        unwrap(
          api().PUT("/admin/reports/{report_id}/visibility", {
            params: { path: { report_id: id } },
            body: { text_hidden: !report.text_hidden, reason: why },
          }),
        ),
      );
    });
    const children: (Node | null)[] = [
      h("p", {}, "Now ", h("strong", {}, report.status), allowed.length ? "." : ": closed, nothing more to do."),
      h("label", { for: "report-reason" }, "Reason (kept in the history)"),
      reason,
      h("div", { class: "buttons" }, ...buttons, hide),
    ];
    if (allowed.includes("dispatch")) children.push(dispatchForm(vehicles, actionStatus));
    children.push(actionStatus);
    actions.replaceChildren(...children.filter((child): child is Node => child !== null));
  }

  function dispatchForm(vehicles: Vehicle[], actionStatus: HTMLElement): HTMLElement {
    const available = vehicles.filter((vehicle) => vehicle.status === "available");
    const vehicle = h(
      "select",
      { id: "report-vehicle", required: true },
      vehicles.map((v) => h("option", { value: v.vehicle_id, disabled: v.status !== "available" }, `${v.name} (${humanize(v.status)})`)),
    );
    const note = h("input", { id: "report-dispatch-note", maxlength: 4000, autocomplete: "off" });
    const form = h(
      "form",
      { class: "dispatch", "aria-label": "Dispatch to a vehicle" },
      h("h3", {}, "Dispatch to a vehicle"),
      available.length ? null : h("p", { class: "hint" }, "No vehicle is available: add one or free one in Fleet."),
      h("label", { for: "report-vehicle" }, "Vehicle"),
      vehicle,
      h("label", { for: "report-dispatch-note" }, "Note for the crew"),
      note,
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", disabled: !available.length }, "Dispatch")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(actionStatus, `Dispatched to ${vehicle.selectedOptions[0]?.textContent ?? vehicle.value}.`, () =>
        unwrap(
          api().POST("/admin/reports/{report_id}/dispatch", {
            params: { path: { report_id: id } },
            body: { vehicle_id: vehicle.value, note: note.value.trim() || null },
          }),
        ),
      );
    });
    return form;
  }

  /** Runs an action on the report, then reads it again; the outcome, or the API's refusal, shows by the buttons
   * (which a redraw replaces, so the message is carried over). */
  function act(where: HTMLElement, done: string, action: () => Promise<unknown>): void {
    action()
      .then(() => load())
      .then(() => showInfo(document.getElementById("report-action-status") ?? where, done))
      .catch((error: unknown) => showError(document.getElementById("report-action-status") ?? where, error));
  }

  /** The report's photos through the short-lived links the API signs: a thumbnail opening the display copy, and what
   * the verifier saw in each. */
  function drawPhotos(report: Report): void {
    const shown = report.photos ?? [];
    if (!shown.length) {
      photos.replaceChildren(h("p", { class: "hint" }, report.photo_keys.length ? "The photos are not verified yet." : "Filed without a photo."));
      return;
    }
    photos.replaceChildren(
      h(
        "ul",
        { class: "report-photos" },
        shown.map((photo, index) =>
          h(
            "li",
            { "data-status": photo.status },
            photo.thumbnail_url
              ? h(
                  "a",
                  { href: photo.display_url ?? photo.thumbnail_url, target: "_blank", rel: "noopener" },
                  h("img", { class: "thumb", src: photo.thumbnail_url, alt: `photo ${index + 1} of the report` }),
                )
              : null,
            h(
              "p",
              {},
              `Photo ${index + 1}: ${humanize(photo.status)}`,
              photo.ai_type ? ` · the model sees ${humanize(photo.ai_type)} (${percent(photo.ai_confidence)})` : "",
              photo.reasons?.length ? ` · ${photo.reasons.join("; ")}` : "",
            ),
          ),
        ),
      ),
    );
  }

  /** Staff comment publicly (the reporter and followers hear of it) or internally (staff only). */
  function commentForm(): HTMLElement {
    const text = h("textarea", { id: "comment-text", rows: 3, maxlength: 2000 });
    const internal = h("input", { type: "checkbox", id: "comment-internal" });
    const form = h(
      "form",
      { class: "comment-form", "aria-label": "Add a comment" },
      h("label", { for: "comment-text" }, "Comment"),
      text,
      h("label", { class: "check", for: "comment-internal" }, internal, "Internal: for the city's staff only"),
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Add comment")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) {
        showError(timelineStatus, "Type the comment first.");
        text.focus();
        return;
      }
      unwrap(api().POST("/reports/{report_id}/comments", { params: { path: { report_id: id } }, body: { text: text.value, internal: internal.checked } }))
        .then(async (added) => {
          text.value = "";
          internal.checked = false;
          await load();
          showInfo(timelineStatus, added.internal ? "Internal comment added: staff alone see it." : "Comment added: the reporter and followers see it.");
        })
        .catch((error: unknown) => showError(timelineStatus, error));
    });
    return form;
  }

  /** A comment's text hidden from all but staff (an insult, a phone number), or shown again, with the reason typed
   * by the actions. */
  function commentVisibility(entry: TimelineEntry): HTMLElement {
    const button = h("button", { type: "button", class: "secondary" }, entry.text_hidden ? "Show the comment" : "Hide the comment");
    button.addEventListener("click", () => {
      const reason = (document.getElementById("report-reason") as HTMLInputElement | null)?.value.trim();
      if (!reason) {
        showError(timelineStatus, "Type a reason (by the actions) before you hide or show a comment.");
        return;
      }
      unwrap(
        api().PUT("/admin/reports/{report_id}/comments/{entry_id}/visibility", {
          params: { path: { report_id: id, entry_id: entry.entry_id } },
          body: { text_hidden: !entry.text_hidden, reason },
        }),
      )
        .then(async () => {
          await load();
          showInfo(timelineStatus, entry.text_hidden ? "The comment is shown again." : "The comment is hidden from citizens.");
        })
        .catch((error: unknown) => showError(timelineStatus, error));
    });
    return button;
  }

  function drawTimeline(entries: TimelineEntry[]): void {
    timeline.replaceChildren(
      ...entries.map((entry) => {
        const comment = entry.action === COMMENTED;
        return h(
          "li",
          { "data-action": entry.action, "data-entry": entry.entry_id, class: comment ? "comment" : "" },
          h("time", { datetime: entry.at }, when(entry.at)),
          " · ",
          h("span", { class: "mono" }, entry.actor),
          " · ",
          comment && entry.internal ? h("span", { class: "badge internal" }, "internal") : null,
          comment && entry.text_hidden ? h("span", { class: "badge warn" }, "hidden from citizens") : null,
          comment && (entry.internal || entry.text_hidden) ? " " : null,
          describeEntry(entry),
          comment && !entry.internal ? commentVisibility(entry) : null,
        );
      }),
    );
    if (!entries.length) timeline.append(h("li", { class: "empty" }, "Nothing has happened yet."));
  }

  /** Where the crew sent to the report is: the vehicle and its driver, the driver's close-out photo and its check. */
  async function drawCrew(report: Report, entries: TimelineEntry[], vehicles: Vehicle[]): Promise<void> {
    const dispatched = entries.some((entry) => entry.action === "dispatched");
    if (!dispatched && !report.vehicle_id) {
      crew.replaceChildren(h("p", { class: "hint", id: "crew-none" }, "Not dispatched: no crew is on it."));
      return;
    }
    const vehicle = vehicles.find((candidate) => candidate.vehicle_id === report.vehicle_id);
    const closeouts = vehicle?.driver_id
      ? await all(
          (cursor) => unwrap(api().GET("/admin/users/{user_id}/submissions", { params: { path: { user_id: vehicle.driver_id ?? "" }, query: { cursor } } })),
          50,
        )
      : [];
    const steps = jobProgress(report, vehicle, closeouts, dispatched);
    crew.replaceChildren(
      h(
        "ol",
        { class: "job-steps", id: "job-steps" },
        steps.map((step) =>
          h("li", { class: step.done ? "done" : "todo" }, h("span", { class: "visually-hidden" }, step.done ? "done: " : "not yet: "), step.label, step.detail ? ` (${step.detail})` : ""),
        ),
      ),
      vehicle && vehicle.lat !== null && vehicle.lng !== null
        ? h("p", { class: "hint" }, `${vehicle.name} last reported its position ${ago(vehicle.updated_at)}, ${Math.round(L.latLng(vehicle.lat, vehicle.lng).distanceTo([report.lat, report.lng]))} m from the report.`)
        : "",
    );
  }

  function drawNearby(report: Report, found: { report: Report; distance_m: number }[]): void {
    const candidates = possibleDuplicates(report, found);
    nearby.replaceChildren(
      h("p", { class: "hint" }, `Open reports within ${NEARBY_RADIUS_M} m: the same category first, then the nearest.`),
      candidates.length
        ? h(
            "ul",
            { class: "nearby", id: "nearby-list" },
            candidates.map((candidate) =>
              h(
                "li",
                { "data-report": candidate.report.report_id },
                h("a", { href: reportLink(candidate.report.report_id), class: "mono" }, candidate.report.report_id.slice(0, 8)),
                ` · ${humanize(candidate.report.waste_type)}${candidate.sameCategory ? " (same category)" : ""} · ${candidate.report.status} · ${Math.round(candidate.distance_m)} m`,
                candidate.report.description ? ` · ${candidate.report.description}` : "",
                report.merged_into ? null : mergeButtons(report, candidate.report),
              ),
            ),
          )
        : h("p", { id: "nearby-empty" }, "No other open report nearby."),
      statusLine("nearby-status"),
    );
  }

  /** Merging picks the master: either the report shown or the one near it stays, the other becomes its duplicate
   * (its votes, followers and photos move). Reports of different categories need the reason typed by the actions. */
  function mergeButtons(report: Report, other: Report): HTMLElement {
    const merge = (duplicate: string, master: string, done: string) => {
      const reason = (document.getElementById("report-reason") as HTMLInputElement | null)?.value.trim() || null;
      unwrap(api().POST("/admin/reports/{report_id}/merge", { params: { path: { report_id: duplicate } }, body: { into: master, reason } }))
        .then(async () => {
          await load();
          showInfo(document.getElementById("report-action-status") ?? status, done);
        })
        .catch((error: unknown) => showError(document.getElementById("nearby-status") ?? status, error));
    };
    const intoShown = h("button", { type: "button", class: "secondary", "aria-label": `Merge ${other.report_id.slice(0, 8)} into this report` }, "Merge it into this one");
    intoShown.addEventListener("click", () => merge(other.report_id, report.report_id, `Report ${other.report_id.slice(0, 8)} is merged into this one.`));
    const intoOther = h("button", { type: "button", class: "secondary", "aria-label": `Merge this report into ${other.report_id.slice(0, 8)}` }, "Merge this one into it");
    intoOther.addEventListener("click", () => merge(report.report_id, other.report_id, `This report is merged into ${other.report_id.slice(0, 8)}.`));
    return h("span", { class: "merge-buttons" }, intoShown, intoOther);
  }

  async function drawPlace(report: Report): Promise<void> {
    if (closed) return;
    if (!map) {
      map = L.map(mapElement, { zoomControl: true, attributionControl: false, maxZoom: 19 });
      const config = await loadConfig();
      await addBaseLayer(map, config);
      const settings = await unwrap(api().GET("/admin/settings"));
      for (const zone of settings.zones ?? []) {
        L.polygon(latLngsOf(zone.area), { color: "#0b5cad", weight: 1, fill: false, interactive: false }).addTo(map);
      }
    }
    map.setView([report.lat, report.lng], 16);
    marker?.remove();
    marker = L.circleMarker([report.lat, report.lng], { radius: 9, color: "#1b1b1b", weight: 2, fillColor: "#d62728", fillOpacity: 0.9, className: "report-marker" })
      .bindTooltip(`${humanize(report.waste_type)} · ${report.status}`)
      .addTo(map);
  }

  async function load(): Promise<void> {
    const path = { params: { path: { report_id: id } } };
    const [report, history, vehicles] = await Promise.all([
      unwrap(api().GET("/reports/{report_id}", path)),
      all((cursor) => unwrap(api().GET("/reports/{report_id}/timeline", { params: { path: { report_id: id }, query: { cursor, limit: 100 } } }))),
      all((cursor) => unwrap(api().GET("/fleet/vehicles", { params: { query: { cursor } } }))),
    ]);
    if (closed) return;
    document.title = `Report ${report.report_id.slice(0, 8)} · ${document.title.split(" · ").slice(-2).join(" · ")}`;
    drawFacts(report);
    drawActions(report, vehicles);
    drawPhotos(report);
    drawTimeline(history);
    await drawCrew(report, history, vehicles);
    const found = await unwrap(
      api().GET("/reports/nearby", { params: { query: { lat: report.lat, lng: report.lng, radius_m: NEARBY_RADIUS_M, limit: 50 } } }),
    );
    drawNearby(report, found);
    await drawPlace(report);
  }

  load().catch((error: unknown) => showError(status, error));
  return () => {
    closed = true;
    map?.remove();
  };
}
