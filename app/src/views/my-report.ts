import { api, unwrap, type Schemas } from "../api";
import { h, showError, statusLine } from "../dom";
import { formatDate, formatNumber, t } from "../i18n";
import type { Screen } from "./context";

type Report = Schemas["ReportOut"];
type HistoryEntry = Schemas["HistoryEntry"];

/** One step of a report's timeline as its reporter reads it: when, what became of it (a status in words, or what
 * staff did), who did it (the citizen, or the city: staff are not named), and the reason given. */
export function timelineStep(entry: HistoryEntry, me: string): { at: string; what: string; who: string; reason: string | null } {
  const what = entry.new && entry.action === entry.new ? t(`reportStatus.${entry.new}`, entry.new) : t(`reportAction.${entry.action}`, entry.action.replace(/_/g, " "));
  const who = entry.actor === me || entry.actor === "reporter" ? t("myReport.you") : t("myReport.city");
  return { at: entry.at, what, who, reason: entry.reason };
}

export function reportAddress(reportId: string): string {
  return `#/mine/${encodeURIComponent(reportId)}`;
}

/** One of the citizen's reports: what was filed, where it stands, and everything that happened to it. Sections for
 * what the API adds (comments, confirming or reopening a fix) sit beside the timeline. */
export const myReportScreen: Screen = (root, context, reportId) => {
  const status = statusLine("my-report-status");
  const heading = h("h1", { id: "my-report-title" }, t("myReport.title"));
  const back = h("a", { href: "#/mine", class: "back" }, t("myReport.back"));
  root.append(back, heading, status);
  if (!reportId) {
    showError(status, new Error(t("myReport.missing")));
    return;
  }
  const path = { params: { path: { report_id: reportId } } };

  function factsCard(report: Report): HTMLElement {
    const facts: [string, string][] = [
      [t("myReport.status"), t(`reportStatus.${report.status}`, report.status)],
      [t("myReport.filed"), formatDate(report.created_at)],
      [t("myReport.updated"), formatDate(report.updated_at)],
      [t("myReport.description"), report.description ?? "—"],
      [t("myReport.address"), report.address ?? "—"],
      [t("myReport.place"), `${formatNumber(report.lat)}, ${formatNumber(report.lng)}`],
      [t("myReport.votes"), `+${formatNumber(report.votes_up)} / −${formatNumber(report.votes_down)}`],
    ];
    return h(
      "section",
      { class: "card", "aria-labelledby": "my-report-facts" },
      h("h2", { id: "my-report-facts" }, t("myReport.about")),
      h("dl", { class: "figures", id: "my-report-figures" }, facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    );
  }

  function timelineCard(entries: HistoryEntry[]): HTMLElement {
    return h(
      "section",
      { class: "card", "aria-labelledby": "my-report-timeline-title" },
      h("h2", { id: "my-report-timeline-title" }, t("reports.timeline")),
      h(
        "ol",
        { class: "timeline", id: "my-report-timeline" },
        entries.map((entry) => {
          const step = timelineStep(entry, context.who.user_id);
          return h(
            "li",
            { "data-action": entry.action },
            h("p", {}, h("strong", {}, step.what), " · ", step.who),
            step.reason ? h("p", {}, step.reason) : null,
            h("p", { class: "meta" }, h("time", { datetime: step.at }, formatDate(step.at))),
          );
        }),
      ),
    );
  }

  Promise.all([unwrap(api().GET("/reports/{report_id}", path)), unwrap(api().GET("/reports/{report_id}/history", path))])
    .then(([report, history]) => {
      heading.textContent = t("myReport.titleOf", { category: t(`waste.${report.waste_type}`, report.waste_type) });
      root.append(factsCard(report), timelineCard(history));
    })
    .catch((error: unknown) => showError(status, error));
};
