import { all, api, apiUrl, unwrap, type Schemas, type WhoAmI } from "../api";
import { h, humanize, onClick, showError, showInfo, statusLine, when } from "../dom";

type CreditRequest = Schemas["CreditRequestOut"];
type CreditStatus = CreditRequest["status"];
const STATUSES: CreditStatus[] = ["pending", "approved", "issued", "rejected"];

/** Sponsors' impact-credit requests: approve one against its payment (which allocates verified cleanups and
 * retires the credits on chain), reject it with a reason, and open an issued one's certificate. */
export function impactView(root: HTMLElement, who: WhoAmI): () => void {
  const status = statusLine("impact-status");
  const rows = h("tbody", { id: "impact-rows" });
  const shown = h(
    "select",
    { id: "impact-filter", name: "status" },
    STATUSES.map((name) => h("option", { value: name }, humanize(name))),
  );
  let urls: string[] = [];

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "Impact credits")),
    h(
      "p",
      { class: "note" },
      "One credit is one kilogram of litter removed by cleanups the city verified, at its estimate per category. ",
      "These are not carbon credits.",
    ),
    h("label", { for: "impact-filter" }, "Requests"),
    shown,
    status,
    h(
      "table",
      { class: "impact" },
      h("caption", {}, "Impact-credit requests"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Organisation", "Credits", "Zone and period", "Price", "Requested", "Payment", "Action"].map((t) =>
            h("th", { scope: "col" }, t),
          ),
        ),
      ),
      rows,
    ),
  );

  async function approve(request: CreditRequest): Promise<void> {
    const reference = window.prompt(`Payment reference for ${request.organisation}'s ${request.total_price} ${request.currency}:`);
    if (!reference) return;
    const decided = await unwrap(
      api().POST("/admin/impact-credits/{request_id}/decision", {
        params: { path: { request_id: request.request_id } },
        body: { approve: true, payment_reference: reference },
      }),
    );
    showInfo(status, `Issued ${decided.credits} credits to ${decided.organisation} from ${decided.cleanups.length} cleanups.`);
    await load();
  }

  async function reject(request: CreditRequest): Promise<void> {
    const reason = window.prompt(`Reject ${request.organisation}'s request: why?`);
    if (!reason) return;
    await unwrap(
      api().POST("/admin/impact-credits/{request_id}/decision", {
        params: { path: { request_id: request.request_id } },
        body: { approve: false, reason },
      }),
    );
    showInfo(status, `Rejected the request of ${request.organisation}.`);
    await load();
  }

  async function openCertificate(request: CreditRequest): Promise<void> {
    const pdf = await unwrap(
      api().GET("/impact-credits/{request_id}/certificate", {
        params: { path: { request_id: request.request_id } },
        parseAs: "blob",
      }),
    );
    const url = URL.createObjectURL(pdf);
    urls.push(url);
    window.open(url, "_blank", "noopener");
  }

  function actions(request: CreditRequest): (HTMLElement | string)[] {
    if (request.status === "pending" || request.status === "approved") {
      const approving = h("button", { type: "button", class: "primary" }, request.status === "pending" ? "Approve" : "Retry issue");
      onClick(approving, status, () => approve(request));
      if (request.status === "approved") return [approving];
      const rejecting = h("button", { type: "button", class: "danger" }, "Reject");
      onClick(rejecting, status, () => reject(request));
      return [approving, rejecting];
    }
    if (request.status === "issued") {
      const certificate = h("button", { type: "button" }, "Certificate");
      onClick(certificate, status, () => openCertificate(request));
      const verification = h(
        "a",
        { href: `${apiUrl()}/public/impact-credits/${who.tenant}/${request.request_id}/verification`, target: "_blank", rel: "noopener" },
        "Public verification",
      );
      return [certificate, " ", verification];
    }
    return [];
  }

  async function load(): Promise<void> {
    const requests = await all((cursor) =>
      unwrap(api().GET("/admin/impact-credits", { params: { query: { status: shown.value as CreditStatus, cursor } } })),
    );
    rows.replaceChildren(
      ...requests.map((request) =>
        h(
          "tr",
          { "data-request": request.request_id },
          h("th", { scope: "row" }, request.organisation),
          h("td", { class: "num" }, String(request.credits)),
          h("td", {}, `${request.zone_id ?? "whole city"}, ${request.period_start} to ${request.period_end}`),
          h("td", { class: "num" }, `${request.total_price} ${request.currency}`),
          h("td", {}, when(request.created_at)),
          h("td", {}, request.payment_reference ?? (request.review_reason ? `rejected: ${request.review_reason}` : "—")),
          h("td", {}, ...actions(request)),
        ),
      ),
    );
    if (!requests.length) rows.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No request here.")));
  }

  shown.addEventListener("change", () => {
    load().catch((error: unknown) => showError(status, error));
  });
  load().catch((error: unknown) => showError(status, error));
  return () => {
    for (const url of urls) URL.revokeObjectURL(url);
    urls = [];
  };
}
