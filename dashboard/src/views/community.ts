import { all, api, unwrap, type Schemas } from "../api";
import { leaderboardPeriod, type PeriodChoice } from "./community-model";
import { h, humanize, plural, onSubmit, showError, showInfo, statusLine } from "../dom";

type AlertSeverity = Schemas["AlertIn"]["severity"];

/** The tenant's people: alert broadcasts, user accounts, the leaderboard. Sponsors' impact credits have their own
 * view (impact.ts). */
export function communityView(root: HTMLElement): () => void {
  const status = statusLine("community-status");
  const alertStatus = statusLine("alert-form-status");
  const userRows = h("tbody", { id: "user-rows" });
  const zone = h("input", { id: "alert-zone", name: "zone", required: true, pattern: "[a-z0-9-]{1,32}" });
  const message = h("textarea", { id: "alert-message", name: "message", required: true, maxlength: 1000 });
  const severity = h(
    "select",
    { id: "alert-severity", name: "severity" },
    ["info", "warning", "critical"].map((level) => h("option", { value: level }, humanize(level))),
  );
  const alertForm = h(
    "form",
    { class: "card stack", "aria-labelledby": "alert-title", id: "alert-form" },
    h("h2", { id: "alert-title" }, "Broadcast an alert to a zone"),
    h("label", { for: "alert-zone" }, "Zone id"),
    zone,
    h("label", { for: "alert-message" }, "Message"),
    message,
    h("label", { for: "alert-severity" }, "Severity"),
    severity,
    h("button", { type: "submit", class: "primary" }, "Send alert"),
    alertStatus,
  );

  const leaderRows = h("tbody", { id: "leader-rows" });
  const leaderStatus = statusLine("leaderboard-status");
  const period = h(
    "select",
    { id: "leaderboard-period", name: "period" },
    h("option", { value: "all" }, "All time"),
    h("option", { value: "month" }, "This month"),
    h("option", { value: "week" }, "This week"),
  );

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Community")),
    status,
    h("div", { class: "forms" }, alertForm),
    h(
      "table",
      { class: "users" },
      h("caption", {}, "Users of the city"),
      h("thead", {}, h("tr", {}, ["User", "Email", "Groups", "Points", "ECO pending", "ECO minted"].map((t) => h("th", { scope: "col" }, t)))),
      userRows,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "leaderboard-title" },
      h("h2", { id: "leaderboard-title" }, "Leaderboard"),
      h("label", { for: "leaderboard-period" }, "Period"),
      period,
      leaderStatus,
      h(
        "table",
        { class: "leaderboard" },
        h("caption", {}, "Citizens by points earned"),
        h("thead", {}, h("tr", {}, ["Rank", "Citizen", "Points"].map((t) => h("th", { scope: "col" }, t)))),
        leaderRows,
      ),
    ),
  );

  async function loadLeaderboard(): Promise<void> {
    const rows = await unwrap(
      api().GET("/leaderboard", { params: { query: { period: leaderboardPeriod(period.value as PeriodChoice, new Date()), limit: 20 } } }),
    );
    leaderRows.replaceChildren(
      ...rows.map((row) =>
        h(
          "tr",
          { "data-user": row.user_id },
          h("td", { class: "num" }, String(row.rank)),
          h("th", { scope: "row" }, row.username),
          h("td", { class: "num" }, String(row.points)),
        ),
      ),
    );
    if (!rows.length) leaderRows.append(h("tr", {}, h("td", { colspan: 3, class: "empty" }, "No points earned in this period.")));
  }
  period.addEventListener("change", () => {
    loadLeaderboard().catch((error: unknown) => showError(leaderStatus, error));
  });

  async function load(): Promise<void> {
    const users = await all((cursor) => unwrap(api().GET("/admin/users", { params: { query: { cursor } } })));
    userRows.replaceChildren(
      ...users.map((user) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, user.username),
          h("td", {}, user.email ?? "—"),
          h("td", {}, user.groups.join(", ")),
          h("td", { class: "num" }, String(user.points)),
          h("td", { class: "num" }, String(user.balance_pending)),
          h("td", { class: "num" }, String(user.balance_minted)),
        ),
      ),
    );
  }

  onSubmit(alertForm, alertStatus, async () => {
    const sent = await unwrap(
      api().POST("/admin/alerts", {
        body: { zone: zone.value.trim(), message: message.value.trim(), severity: severity.value as AlertSeverity },
      }),
    );
    alertForm.reset();
    showInfo(alertStatus, `Alert sent to ${plural(sent.recipients, "subscriber")}.`);
  });

  load().catch((error: unknown) => showError(status, error));
  loadLeaderboard().catch((error: unknown) => showError(leaderStatus, error));
  return () => undefined;
}
