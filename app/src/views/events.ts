import { api, collect, unwrap, type Schemas } from "../api";
import { h, say, showError, statusLine } from "../dom";
import { formatDate, formatNumber, t } from "../i18n";
import { devicePosition } from "../geo";
import type { Screen } from "./context";

type CityEvent = Schemas["EventOut"];

export const eventsScreen: Screen = (root) => {
  const status = statusLine("events-status");
  const list = h("ul", { class: "items", "aria-labelledby": "events-title" });

  function eventItem(event: CityEvent): HTMLElement {
    const line = statusLine();
    const join = h("button", { type: "button" }, t("events.join"));
    const checkIn = h("button", { type: "button" }, t("events.checkIn"));
    join.addEventListener("click", () => {
      unwrap(api().POST("/events/{event_id}/join", { params: { path: { event_id: event.event_id } } })).then(
        (joined) => say(line, t("events.joined", { attendees: formatNumber(joined.attendees) })),
        (error: unknown) => showError(line, error),
      );
    });
    checkIn.addEventListener("click", () => {
      void devicePosition().then(async (position) => {
        if (!position) return showError(line, new Error(t("report.noPosition")));
        try {
          await unwrap(
            api().POST("/events/{event_id}/check-in", {
              params: { path: { event_id: event.event_id } },
              body: { lat: position.latitude, lng: position.longitude },
            }),
          );
          say(line, t("events.checkedIn"));
        } catch (error) {
          showError(line, error);
        }
      });
    });
    return h(
      "li",
      { class: "item", "data-id": event.event_id },
      h("h2", {}, event.title),
      event.description ? h("p", {}, event.description) : null,
      h("p", { class: "meta" }, `${formatDate(event.starts_at)} – ${formatDate(event.ends_at)}`),
      h("p", { class: "meta" }, t("events.attendance", { attendees: formatNumber(event.attendees),
        capacity: formatNumber(event.capacity), bonus: formatNumber(event.bonus_points) })),
      h("div", { class: "actions" }, join, checkIn),
      line,
    );
  }

  root.append(h("section", { class: "card" }, h("h1", { id: "events-title" }, t("events.title")), status, list));
  collect((cursor) => unwrap(api().GET("/events", { params: { query: { cursor, limit: 50 } } })), 100).then(
    (events) => {
      list.replaceChildren(...events.map(eventItem));
      if (!events.length) say(status, t("events.none"));
    },
    (error: unknown) => showError(status, error),
  );
};
