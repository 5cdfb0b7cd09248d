import { api, unwrap } from "../api";
import { field, h, showError, statusLine } from "../dom";
import { formatNumber, t } from "../i18n";
import { isoWeekPeriod, monthPeriod } from "../periods";
import type { Screen } from "./context";

export const leaderboardScreen: Screen = (root, context) => {
  const status = statusLine("leaderboard-status");
  const now = new Date();
  const period = h(
    "select",
    { id: "leaderboard-period" },
    h("option", { value: "all" }, t("leaderboard.all")),
    h("option", { value: monthPeriod(now) }, t("leaderboard.month")),
    h("option", { value: isoWeekPeriod(now) }, t("leaderboard.week")),
  );
  const body = h("tbody");
  const table = h(
    "table",
    { "aria-labelledby": "leaderboard-title" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, t("leaderboard.rank")), h("th", { scope: "col" }, t("leaderboard.name")),
        h("th", { scope: "col" }, t("leaderboard.points"))),
    ),
    body,
  );

  async function load(): Promise<void> {
    try {
      const rows = await unwrap(api().GET("/leaderboard", { params: { query: { period: period.value, limit: 20 } } }));
      body.replaceChildren(
        ...rows.map((row) =>
          h(
            "tr",
            { class: row.user_id === context.who.user_id ? "me" : undefined },
            h("td", {}, formatNumber(row.rank)),
            h("td", {}, row.username),
            h("td", {}, formatNumber(row.points)),
          ),
        ),
      );
      status.textContent = rows.length ? "" : t("leaderboard.empty");
    } catch (error) {
      showError(status, error);
    }
  }
  period.addEventListener("change", () => void load());
  root.append(
    h("section", { class: "card" }, h("h1", { id: "leaderboard-title" }, t("leaderboard.title")),
      field(t("leaderboard.period"), period), table, status),
  );
  void load();
};
