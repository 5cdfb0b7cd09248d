import { all, api, unwrap, type Report } from "../api";
import { h, humanize, showError, showInfo, statusLine, when } from "../dom";
import { chosenStatuses, STATUSES } from "./map-model";
import { PRIORITIES, type Priority } from "./priority-model";
import { filteredReports, NO_FILTER, reportLink, SORTS, type ReportFilter, type SortOrder } from "./reports-model";

/** Every report of a status (or all open ones), filtered by category, least priority and words, sorted as the admin
 * works them; each opens its detail. */
export function reportsView(root: HTMLElement): () => void {
  const status = statusLine("reports-status");
  const filter: ReportFilter = { ...NO_FILTER };
  let reports: Report[] = [];
  const statusSelect = h(
    "select",
    { id: "reports-status-filter" },
    h("option", { value: "" }, "All open (submitted, verified, dispatched)"),
    STATUSES.map((value) => h("option", { value }, value)),
  );
  const category = h("select", { id: "reports-category" }, h("option", { value: "" }, "Every category"));
  const least = h(
    "select",
    { id: "reports-priority" },
    h("option", { value: "" }, "Any priority"),
    PRIORITIES.filter((p) => p !== "low").map((p) => h("option", { value: p }, p === "urgent" ? "Urgent only" : `${p} or more urgent`)),
  );
  const sort = h(
    "select",
    { id: "reports-sort" },
    Object.entries(SORTS).map(([value, label]) => h("option", { value }, label)),
  );
  const text = h("input", { id: "reports-text", type: "search", autocomplete: "off" });
  const rows = h("tbody", { id: "report-rows" });
  const count = h("p", { class: "hint", id: "reports-count" });

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Reports"), count),
    h(
      "form",
      { class: "filters card", "aria-label": "Report filters", onsubmit: (event: Event) => event.preventDefault() },
      h("div", {}, h("label", { for: "reports-status-filter" }, "Status"), statusSelect),
      h("div", {}, h("label", { for: "reports-category" }, "Category"), category),
      h("div", {}, h("label", { for: "reports-priority" }, "Priority"), least),
      h("div", {}, h("label", { for: "reports-sort" }, "Order"), sort),
      h("div", {}, h("label", { for: "reports-text" }, "Words in the description, address or id"), text),
    ),
    status,
    h(
      "table",
      { class: "reports" },
      h("caption", {}, "Reports, in the order chosen"),
      h(
        "thead",
        {},
        h("tr", {}, ["Report", "Category", "Status", "Priority", "Votes", "Zone", "Description", "Filed"].map((title) => h("th", { scope: "col" }, title))),
      ),
      rows,
    ),
  );

  function draw(): void {
    const shown = filteredReports(reports, filter);
    count.textContent = `${shown.length} of ${reports.length} reports`;
    rows.replaceChildren(
      ...shown.map((report) =>
        h(
          "tr",
          { "data-report": report.report_id },
          h("th", { scope: "row" }, h("a", { href: reportLink(report.report_id), class: "mono" }, report.report_id.slice(0, 8))),
          h("td", {}, humanize(report.waste_type)),
          h("td", {}, h("span", { class: `badge ${report.status}` }, report.status)),
          h("td", { class: "priority" }, report.priority),
          h("td", { class: "num" }, `+${report.votes_up} / −${report.votes_down}`),
          h("td", {}, report.zone ?? "—"),
          h("td", {}, report.text_hidden ? h("em", {}, "(hidden) ") : null, report.description ?? ""),
          h("td", {}, when(report.created_at)),
        ),
      ),
    );
    if (!shown.length) rows.append(h("tr", {}, h("td", { colspan: 8, class: "empty" }, "No report matches.")));
  }

  async function load(): Promise<void> {
    try {
      const pages = await Promise.all(
        chosenStatuses(statusSelect.value).map((value) =>
          all((cursor) => unwrap(api().GET("/reports", { params: { query: { status: value, limit: 100, cursor } } }))),
        ),
      );
      reports = pages.flat();
      const codes = [...new Set(reports.map((report) => report.waste_type))].sort();
      category.replaceChildren(
        h("option", { value: "" }, "Every category"),
        ...codes.map((code) => h("option", { value: code, selected: code === filter.category }, humanize(code))),
      );
      showInfo(status, "");
      draw();
    } catch (error) {
      showError(status, error);
    }
  }

  statusSelect.addEventListener("change", () => void load());
  category.addEventListener("change", () => {
    filter.category = category.value;
    draw();
  });
  least.addEventListener("change", () => {
    filter.least = least.value as Priority | "";
    draw();
  });
  sort.addEventListener("change", () => {
    filter.sort = sort.value as SortOrder;
    draw();
  });
  text.addEventListener("input", () => {
    filter.text = text.value;
    draw();
  });
  void load();
  return () => undefined;
}
