import { apiError } from "@ecopulse/api-client";
import { api } from "../api";
import { defaultRange, downloadName, type ExportKind } from "./exports-model";
import { h, onClick, showInfo, statusLine } from "../dom";

const KINDS: { kind: ExportKind; label: string; what: string }[] = [
  { kind: "reports", label: "Reports", what: "every report filed in the range, whatever its status now" },
  { kind: "submissions", label: "Cleanups", what: "every cleanup submission opened in the range and how it was decided" },
  { kind: "ledger", label: "Ledger", what: "every reward granted in the range and how far its payout has got" },
];

/** CSV files of the city's records for a date range, for the spreadsheets the city keeps. */
export function exportsView(root: HTMLElement): () => void {
  const status = statusLine("export-status");
  const range = defaultRange(new Date());
  const from = h("input", { id: "export-from", name: "from", type: "date", required: true, value: range.from });
  const to = h("input", { id: "export-to", name: "to", type: "date", required: true, value: range.to });
  const buttons = KINDS.map(({ kind, label }) => h("button", { type: "button", class: "primary", "data-export": kind }, `Download ${label} CSV`));

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Exports")),
    h(
      "section",
      { class: "card stack", "aria-labelledby": "export-title", id: "export-form" },
      h("h2", { id: "export-title" }, "Download a date range as CSV"),
      h(
        "p",
        { class: "hint" },
        "Days are UTC days, both included. One file holds at most 92 days and 10,000 rows: export a longer period in parts. ",
        "A text cell that a spreadsheet would run as a formula starts with an apostrophe.",
      ),
      h("div", { class: "filters" }, h("div", {}, h("label", { for: "export-from" }, "From"), from), h("div", {}, h("label", { for: "export-to" }, "To"), to)),
      h("ul", {}, KINDS.map(({ label, what }) => h("li", {}, h("strong", {}, label), `: ${what}`))),
      h("div", { class: "buttons" }, buttons),
      status,
    ),
  );

  /** The file comes through the API client (it carries the token), then is handed to the browser as a download. */
  async function download(kind: ExportKind): Promise<void> {
    showInfo(status, `Preparing the ${kind} export…`);
    const { data, error, response } = await api().GET("/admin/exports/{kind}", {
      params: { path: { kind }, query: { from: from.value, to: to.value } },
      parseAs: "blob",
    });
    // openapi-fetch reads an error's body as JSON whatever `parseAs` says: the API's message, as everywhere.
    if (!response.ok || !data) throw apiError(response.status, error);
    const name = downloadName(response.headers.get("content-disposition"), kind, from.value, to.value);
    const url = URL.createObjectURL(data);
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    showInfo(status, `Downloaded ${name}.`);
  }

  for (const button of buttons) onClick(button, status, () => download(button.dataset.export as ExportKind));
  return () => undefined;
}

