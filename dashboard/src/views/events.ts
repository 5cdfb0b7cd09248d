import { all, api, unwrap, type Schemas } from "../api";
import { h, onClick, onSubmit, showError, showInfo, statusLine, when } from "../dom";

type CommunityEvent = Schemas["EventOut"];

/** Community cleanups: the upcoming ones with who comes, and a form to announce the next. */
export function eventsView(root: HTMLElement): () => void {
  const status = statusLine("events-status");
  const formStatus = statusLine("event-form-status");
  const rows = h("tbody", { id: "event-rows" });
  const attendees = h("section", { class: "card", id: "attendees", hidden: true, "aria-live": "polite" });
  const field = (id: string, label: string, input: HTMLElement) => [h("label", { for: id }, label), input];
  const title = h("input", { id: "event-title", required: true, maxlength: 200 });
  const lat = h("input", { id: "event-lat", type: "number", step: "any", min: -90, max: 90, required: true, value: 31.5204 });
  const lng = h("input", { id: "event-lng", type: "number", step: "any", min: -180, max: 180, required: true, value: 74.3587 });
  const starts = h("input", { id: "event-starts", type: "datetime-local", required: true });
  const ends = h("input", { id: "event-ends", type: "datetime-local", required: true });
  const capacity = h("input", { id: "event-capacity", type: "number", min: 1, max: 100000, required: true, value: 50 });
  const form = h(
    "form",
    { class: "card stack", "aria-labelledby": "event-form-title", id: "event-form" },
    h("h2", { id: "event-form-title" }, "Announce a cleanup event"),
    ...field("event-title", "Title", title),
    ...field("event-lat", "Meeting point latitude", lat),
    ...field("event-lng", "Meeting point longitude", lng),
    ...field("event-starts", "Starts (your local time)", starts),
    ...field("event-ends", "Ends (your local time)", ends),
    ...field("event-capacity", "Capacity", capacity),
    h("button", { type: "submit", class: "primary" }, "Announce"),
    formStatus,
  );

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Events")),
    status,
    h(
      "table",
      { class: "events" },
      h("caption", {}, "Upcoming events"),
      h("thead", {}, h("tr", {}, ["Event", "Starts", "Ends", "Attending", "Where", "Who comes"].map((t) => h("th", { scope: "col" }, t)))),
      rows,
    ),
    attendees,
    h("div", { class: "forms" }, form),
  );

  /** Who joined the event and who has checked in at the meeting point. */
  async function showAttendees(event: CommunityEvent): Promise<void> {
    const people = await all((cursor) =>
      unwrap(api().GET("/events/{event_id}/attendees", { params: { path: { event_id: event.event_id }, query: { cursor } } })),
    );
    attendees.hidden = false;
    attendees.replaceChildren(
      h("h2", { id: "attendees-title" }, `Attendees of ${event.title}`),
      people.length
        ? h(
            "ul",
            { id: "attendee-list", "aria-labelledby": "attendees-title" },
            people.map((person) =>
              h("li", {}, h("strong", {}, person.username), person.checked_in_at ? ` checked in ${when(person.checked_in_at)}` : " has not checked in"),
            ),
          )
        : h("p", { class: "empty" }, "Nobody has joined yet."),
    );
  }

  async function load(): Promise<void> {
    const events = await all((cursor) => unwrap(api().GET("/events", { params: { query: { cursor } } })));
    rows.replaceChildren(
      ...events.map((event) =>
        h(
          "tr",
          { "data-event": event.event_id },
          h("th", { scope: "row" }, event.title),
          h("td", {}, when(event.starts_at)),
          h("td", {}, when(event.ends_at)),
          h("td", { class: "num" }, `${event.attendees} / ${event.capacity}`),
          h("td", { class: "num" }, `${event.lat.toFixed(4)}, ${event.lng.toFixed(4)}`),
          h("td", {}, attendeesButton(event)),
        ),
      ),
    );
    if (!events.length) rows.append(h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No event is planned.")));
  }

  function attendeesButton(event: CommunityEvent): HTMLElement {
    const button = h("button", { type: "button", "aria-label": `Attendees of ${event.title}` }, "Attendees");
    onClick(button, status, () => showAttendees(event));
    return button;
  }

  onSubmit(form, formStatus, async () => {
    const created: CommunityEvent = await unwrap(
      api().POST("/events", {
        body: {
          title: title.value.trim(),
          lat: Number(lat.value),
          lng: Number(lng.value),
          starts_at: new Date(starts.value).toISOString(),
          ends_at: new Date(ends.value).toISOString(),
          capacity: Number(capacity.value),
        },
      }),
    );
    form.reset();
    showInfo(formStatus, `Announced ${created.title}.`);
    await load();
  });

  load().catch((error: unknown) => showError(status, error));
  return () => undefined;
}
