import { api, collect, session, transactionLink, unwrap, type Schemas } from "../api";
import { field, h, say, showError, statusLine } from "../dom";
import { formatDate, formatNumber, t } from "../i18n";
import type { QueuedItem } from "../queue";
import { verdictView } from "./cleanup";
import type { Context, Screen } from "./context";
import { reportAddress } from "./my-report";

type Report = Schemas["ReportOut"];
type Zone = Pick<Schemas["ZoneOut"], "zone_id" | "name">;
type Preferences = Schemas["PreferencesBody"];

function section(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** The city's zones for alerts: those the citizen's own reports fell in first, then the others in the city's order. */
export function alertZones(zones: Zone[], reports: Pick<Report, "zone">[]): { zone_id: string; name: string; mine: boolean }[] {
  const reported = new Set(reports.map((report) => report.zone));
  const listed = zones.map((zone) => ({ zone_id: zone.zone_id, name: zone.name, mine: reported.has(zone.zone_id) }));
  return [...listed.filter((zone) => zone.mine), ...listed.filter((zone) => !zone.mine)];
}

const PHONE_NUMBER = /^\+[1-9][0-9]{6,14}$/;

/** The preferences as the form has them, or the key of what is wrong: SMS needs an E.164 number, which is kept
 * (without SMS) when given. */
export function preferencesOf(form: {
  push: boolean;
  email: boolean;
  sms: boolean;
  phone: string;
}): Preferences | { problem: "phoneNeeded" | "phoneInvalid" } {
  const phone = form.phone.replace(/[\s()-]/g, "");
  if (form.sms && !phone) return { problem: "phoneNeeded" };
  if (phone && !PHONE_NUMBER.test(phone)) return { problem: "phoneInvalid" };
  return { push: form.push, email: form.email, sms: form.sms, phone_number: phone || null };
}

export function unreadCount(messages: { read: boolean }[]): number {
  return messages.filter((message) => !message.read).length;
}

function outboxSection(context: Context, items: QueuedItem[], redraw: () => void): HTMLElement {
  const list = h(
    "ul",
    { class: "items" },
    items.map((item) => {
      const discard = h("button", { type: "button" }, t("outbox.discard"));
      discard.addEventListener("click", () => void context.outbox.remove(item.id).then(redraw));
      return h(
        "li",
        { class: "item", "data-kind": item.kind },
        h("p", {}, t(`outbox.${item.kind}`), " · ", formatDate(item.createdAt)),
        item.refused ? h("p", { class: "error" }, t("outbox.refused", { reason: item.refused })) : h("p", {}, t("outbox.waiting")),
        item.refused ? discard : null,
      );
    }),
  );
  return section("outbox-title", t("outbox.title"), items.length ? list : h("p", {}, t("outbox.empty")));
}

function walletSection(profile: Schemas["Profile"]): HTMLElement {
  const status = statusLine("wallet-status");
  const address = h("input", {
    id: "wallet-address",
    value: profile.wallet_address ?? "",
    autocomplete: "off",
    spellcheck: "false",
    dir: "ltr",
    pattern: "0x[0-9a-fA-F]{40}",
  });
  const form = h(
    "form",
    {},
    field(t("wallet.address"), address, t("wallet.hint")),
    h("button", { type: "submit" }, t("wallet.save")),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unwrap(api().PUT("/me/wallet", { body: { address: address.value.trim() } })).then(
      () => say(status, t("wallet.saved")),
      (error: unknown) => showError(status, error),
    );
  });
  return section(
    "wallet-title",
    t("wallet.title"),
    h(
      "dl",
      { class: "figures" },
      h("dt", {}, t("wallet.points")),
      h("dd", { id: "points" }, formatNumber(profile.points)),
      h("dt", {}, t("wallet.pending")),
      h("dd", {}, formatNumber(profile.balance_pending)),
      h("dt", {}, t("wallet.paid")),
      h("dd", {}, formatNumber(profile.balance_minted)),
    ),
    form,
  );
}

/** One of my reports in Mine's list, with the link to its own screen. */
export function reportItem(report: Report): HTMLElement {
  return h(
    "li",
    { class: "item", "data-id": report.report_id },
    h("p", {}, h("strong", {}, t(`waste.${report.waste_type}`)), " · ", t(`reportStatus.${report.status}`, report.status)),
    h("p", { class: "meta" }, formatDate(report.created_at), report.description ? ` · ${report.description}` : ""),
    h(
      "a",
      { href: reportAddress(report.report_id), "aria-label": t("reports.openOf", { date: formatDate(report.created_at) }) },
      t("reports.open"),
    ),
  );
}

function alertsSection(zones: ReturnType<typeof alertZones>): HTMLElement {
  const status = statusLine("alerts-status");
  function act(method: "PUT" | "DELETE", zone: { zone_id: string; name: string }): void {
    const path = { params: { path: { zone: zone.zone_id } } };
    const call = method === "PUT" ? api().PUT("/me/alerts/{zone}", path) : api().DELETE("/me/alerts/{zone}", path);
    unwrap(call).then(
      () => say(status, t(method === "PUT" ? "alerts.subscribed" : "alerts.unsubscribed", { zone: zone.name })),
      (error: unknown) => showError(status, error),
    );
  }
  const list = h(
    "ul",
    { class: "items", id: "alert-zones" },
    zones.map((zone) =>
      h(
        "li",
        { class: "item", "data-zone": zone.zone_id },
        h("p", {}, h("strong", {}, zone.name), zone.mine ? ` · ${t("alerts.yourReports")}` : ""),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            { type: "button", "aria-label": t("alerts.subscribeTo", { zone: zone.name }), onclick: () => act("PUT", zone) },
            t("alerts.subscribe"),
          ),
          h(
            "button",
            {
              type: "button",
              "aria-label": t("alerts.unsubscribeFrom", { zone: zone.name }),
              onclick: () => act("DELETE", zone),
            },
            t("alerts.unsubscribe"),
          ),
        ),
      ),
    ),
  );
  return section("alerts-title", t("alerts.title"), zones.length ? list : h("p", {}, t("alerts.none")), status);
}

function preferencesSection(saved: Preferences): HTMLElement {
  const status = statusLine("preferences-status");
  const box = (id: string, checked: boolean | undefined) => h("input", { id, type: "checkbox", checked: !!checked });
  const push = box("pref-push", saved.push ?? true);
  const email = box("pref-email", saved.email ?? true);
  const sms = box("pref-sms", saved.sms);
  const phone = h("input", {
    id: "pref-phone",
    type: "tel",
    autocomplete: "tel",
    dir: "ltr",
    value: saved.phone_number ?? "",
  });
  const check = (control: HTMLInputElement, label: string) =>
    h("div", { class: "check" }, control, h("label", { for: control.id }, label));
  const form = h(
    "form",
    { novalidate: true },
    h("p", {}, t("preferences.explain")),
    check(push, t("preferences.push")),
    check(email, t("preferences.email")),
    check(sms, t("preferences.sms")),
    field(t("preferences.phone"), phone, t("preferences.phoneHint")),
    h("button", { type: "submit" }, t("preferences.save")),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = preferencesOf({ push: push.checked, email: email.checked, sms: sms.checked, phone: phone.value });
    if ("problem" in chosen) {
      showError(status, new Error(t(`preferences.${chosen.problem}`)));
      phone.focus();
      return;
    }
    unwrap(api().PUT("/me/preferences", { body: chosen })).then(
      () => say(status, t("preferences.saved")),
      (error: unknown) => showError(status, error),
    );
  });
  return section("preferences-title", t("preferences.title"), form);
}

function signOut(): void {
  session.token = null;
  window.dispatchEvent(new Event("ecopulse:signed-out"));
}

function accountSection(): HTMLElement {
  const status = statusLine("leave-status");
  const signOutButton = h("button", { type: "button", id: "sign-out", onclick: signOut }, t("app.signOut"));
  const confirm = h("button", { type: "button", class: "danger", hidden: true }, t("leave.confirm"));
  const start = h("button", { type: "button" }, t("leave.start"));
  start.addEventListener("click", () => {
    confirm.hidden = false;
    say(status, t("leave.warning"));
    confirm.focus();
  });
  confirm.addEventListener("click", () => {
    unwrap(api().DELETE("/me")).then(signOut, (error: unknown) => showError(status, error));
  });
  return section(
    "account-title",
    t("leave.account"),
    signOutButton,
    h("h3", {}, t("leave.title")),
    h("p", {}, t("leave.explain")),
    start,
    confirm,
    status,
  );
}

export const mineScreen: Screen = (root, context) => {
  const status = statusLine("mine-status");
  const heading = h("h1", { id: "mine-title" }, t("mine.title"));
  root.append(heading, status);
  const page = <T>(path: "/me/reports" | "/me/submissions" | "/me/ledger" | "/me/inbox") =>
    collect(
      (cursor) => unwrap(api().GET(path, { params: { query: { cursor, limit: 50 } } })) as Promise<{ items: T[]; cursor?: string | null }>,
      100,
    );

  async function draw(): Promise<void> {
    const outbox = (await context.outbox.all()).filter((item) => item.owner === context.who.user_id);
    try {
      const [profile, reports, cleanups, ledger, inbox, zones, preferences] = await Promise.all([
        unwrap(api().GET("/me")),
        page<Report>("/me/reports"),
        page<Schemas["SubmissionOut"]>("/me/submissions"),
        page<Schemas["LedgerEntry"]>("/me/ledger"),
        page<Schemas["InboxMessage"]>("/me/inbox"),
        unwrap(api().GET("/zones")),
        unwrap(api().GET("/me/preferences")),
      ]);
      const unread = unreadCount(inbox);
      root.replaceChildren(
        heading,
        status,
        outboxSection(context, outbox, () => void draw()),
        walletSection(profile),
        section(
          "inbox-title",
          t("inbox.title", { count: unread }),
          h(
            "ul",
            { class: "items" },
            inbox.map((message) =>
              h(
                "li",
                { class: message.read ? "item" : "item unread" },
                h("p", {}, h("strong", {}, message.title), message.read ? "" : ` · ${t("inbox.new")}`),
                h("p", {}, message.body),
                h("p", { class: "meta" }, formatDate(message.created_at)),
              ),
            ),
          ),
        ),
        section("reports-title", t("reports.title"), h("ul", { class: "items" }, reports.map(reportItem))),
        section(
          "cleanups-title",
          t("cleanups.title"),
          h(
            "ul",
            { class: "items" },
            cleanups.map((cleanup) =>
              h("li", { class: "item", "data-id": cleanup.submission_id }, h("p", { class: "meta" }, formatDate(cleanup.created_at)),
                verdictView(cleanup)),
            ),
          ),
        ),
        section(
          "ledger-title",
          t("ledger.title"),
          h(
            "ul",
            { class: "items" },
            ledger.map((entry) =>
              h(
                "li",
                { class: "item" },
                h("p", {}, h("strong", {}, formatNumber(entry.amount)), " · ", t(`ledger.${entry.state}`, entry.state)),
                h("p", { class: "meta" }, formatDate(entry.created_at)),
                entry.tx_hash ? transactionLink(entry.tx_hash, t("tx.open")) : null,
              ),
            ),
          ),
        ),
        alertsSection(alertZones(zones, reports)),
        preferencesSection(preferences),
        accountSection(),
      );
    } catch (error) {
      root.replaceChildren(heading, status, outboxSection(context, outbox, () => void draw()));
      showError(status, error);
    }
  }
  void draw();
};
