import { all, api, unwrap, type Schemas } from "../api";
import { decidedSummary, ROLES, roleOf, STAFF_ROLES, type Role } from "./people-model";
import { h, humanize, onClick, onSubmit, showError, showInfo, statusLine, when } from "../dom";

type Profile = Schemas["Profile"];
type CitizenRecord = Schemas["CitizenRecordOut"];

/** The city's accounts: invite staff, change a role, disable and re-enable, and read a citizen's record. */
export function peopleView(root: HTMLElement, who: { user_id: string }): () => void {
  const status = statusLine("people-status");
  const inviteStatus = statusLine("invite-form-status");
  const rows = h("tbody", { id: "people-rows" });
  const record = h("section", { class: "card", id: "citizen-record", hidden: true, "aria-labelledby": "record-title" });
  const email = h("input", { id: "invite-email", name: "email", type: "email", required: true, maxlength: 254, autocomplete: "off" });
  const role = h(
    "select",
    { id: "invite-role", name: "role" },
    STAFF_ROLES.map((name) => h("option", { value: name }, humanize(name))),
  );
  const inviteForm = h(
    "form",
    { class: "card stack", "aria-labelledby": "invite-title", id: "invite-form" },
    h("h2", { id: "invite-title" }, "Invite staff"),
    h("p", { class: "hint" }, "The user pool e-mails the invitation with a temporary password; inviting again resends it."),
    h("label", { for: "invite-email" }, "E-mail address"),
    email,
    h("label", { for: "invite-role" }, "Role"),
    role,
    h("button", { type: "submit", class: "primary" }, "Send invitation"),
    inviteStatus,
  );

  root.append(
    h("div", { class: "view-head" }, h("h1", {}, "People")),
    h("div", { class: "forms" }, inviteForm),
    h(
      "table",
      { class: "people" },
      h("caption", {}, "Accounts of the city"),
      h("thead", {}, h("tr", {}, ["User", "E-mail", "Role", "Account", "Points", "Change role", "Access", "Record"].map((t) => h("th", { scope: "col" }, t)))),
      rows,
    ),
    status,
    record,
  );

  async function changeRole(user: Profile, target: Role): Promise<void> {
    const changed = await unwrap(
      api().PUT("/admin/users/{user_id}/role", { params: { path: { user_id: user.user_id } }, body: { role: target } }),
    );
    showInfo(status, `${changed.username} is now ${humanize(roleOf(changed.groups))}.`);
    await load();
  }

  async function setActive(user: Profile, active: boolean): Promise<void> {
    const changed = await unwrap(
      api().PATCH("/admin/users/{user_id}", { params: { path: { user_id: user.user_id } }, body: { active } }),
    );
    showInfo(status, `${changed.username} is ${changed.active ? "enabled again" : "disabled and signed out everywhere"}.`);
    await load();
  }

  function roleCell(user: Profile): HTMLElement {
    const id = `role-${user.user_id}`;
    const select = h(
      "select",
      { id, "aria-label": `Role of ${user.username}` },
      ROLES.map((name) => h("option", { value: name, selected: name === roleOf(user.groups) }, humanize(name))),
    );
    const apply = h("button", { type: "button", "aria-label": `Change the role of ${user.username}` }, "Change");
    onClick(apply, status, () => changeRole(user, select.value as Role));
    return h("td", { class: "role-change" }, select, " ", apply);
  }

  function accessCell(user: Profile): HTMLElement {
    const button = user.active
      ? h("button", { type: "button", class: "danger", "aria-label": `Disable ${user.username}` }, "Disable")
      : h("button", { type: "button", "aria-label": `Enable ${user.username}` }, "Enable");
    onClick(button, status, () => setActive(user, !user.active));
    return h("td", {}, button);
  }

  function recordButton(user: Profile): HTMLElement {
    const button = h("button", { type: "button", "aria-label": `Record of ${user.username}` }, "Record");
    onClick(button, status, () => showRecord(user));
    return h("td", {}, button);
  }

  async function load(): Promise<void> {
    const users = await all((cursor) => unwrap(api().GET("/admin/users", { params: { query: { cursor } } })));
    rows.replaceChildren(
      ...users.map((user) =>
        h(
          "tr",
          { "data-user": user.user_id },
          h("th", { scope: "row" }, user.display_name ?? user.username, user.user_id === who.user_id ? " (you)" : ""),
          h("td", {}, user.email ?? "—"),
          h("td", { class: "role" }, humanize(roleOf(user.groups))),
          h("td", { class: "account" }, h("span", { class: `badge ${user.active ? "available" : "warn"}` }, user.active ? "active" : "disabled")),
          h("td", { class: "num" }, String(user.points)),
          roleCell(user),
          accessCell(user),
          recordButton(user),
        ),
      ),
    );
    if (!users.length) rows.append(h("tr", {}, h("td", { colspan: 8, class: "empty" }, "No account yet.")));
  }

  function table(caption: string, headers: string[], body: HTMLElement[], empty: string): HTMLElement {
    return h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, body.length ? body : h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, empty))),
    );
  }

  function renderRecord(found: CitizenRecord): void {
    const { profile } = found;
    record.hidden = false;
    record.replaceChildren(
      h("h2", { id: "record-title" }, `Record of ${profile.display_name ?? profile.username}`),
      h(
        "p",
        { id: "record-summary" },
        `${humanize(roleOf(profile.groups))}, ${profile.active ? "active" : "disabled"}; ${profile.points} points, `,
        `${profile.balance_pending} ECO pending, ${profile.balance_minted} ECO minted. `,
        decidedSummary(found),
      ),
      table(
        "Reports",
        ["Report", "Filed", "Status", "Priority", "Waste", "Description"],
        found.reports.map((report) =>
          h(
            "tr",
            { "data-report": report.report_id },
            h("th", { scope: "row", class: "mono" }, report.report_id.slice(0, 8)),
            h("td", {}, when(report.created_at)),
            h("td", {}, humanize(report.status)),
            h("td", {}, report.priority),
            h("td", {}, humanize(report.waste_type)),
            h("td", {}, report.description ?? "—"),
          ),
        ),
        "No report filed.",
      ),
      table(
        "Cleanups",
        ["Submission", "Opened", "Status", "Decided by", "Why"],
        found.submissions.map((submission) =>
          h(
            "tr",
            { "data-submission": submission.submission_id },
            h("th", { scope: "row", class: "mono" }, submission.submission_id.slice(0, 8)),
            h("td", {}, when(submission.created_at)),
            h("td", {}, humanize(submission.status)),
            h("td", {}, submission.decided_by ?? "—"),
            h("td", {}, submission.rejection_reason ?? submission.review_decision?.reason ?? "—"),
          ),
        ),
        "No cleanup submitted.",
      ),
      table(
        "Rewards",
        ["Granted", "Submission", "ECO", "Payout"],
        found.rewards.map((entry) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, when(entry.created_at)),
            h("td", { class: "mono" }, entry.submission_id.slice(0, 8)),
            h("td", { class: "num" }, String(entry.amount)),
            h("td", {}, humanize(entry.state)),
          ),
        ),
        "No reward yet.",
      ),
      table(
        "Near-duplicate photos",
        ["Cleanup", "Matches the earlier cleanup", "Distance"],
        found.duplicates.map((match) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", class: "mono" }, match.submission_id.slice(0, 8)),
            h("td", { class: "mono" }, match.matched_submission_id.slice(0, 8)),
            h("td", { class: "num" }, String(match.distance)),
          ),
        ),
        "No photo matched an earlier one.",
      ),
    );
  }

  async function showRecord(user: Profile): Promise<void> {
    renderRecord(await unwrap(api().GET("/admin/users/{user_id}/record", { params: { path: { user_id: user.user_id } } })));
    record.scrollIntoView({ block: "start" });
  }

  onSubmit(inviteForm, inviteStatus, async () => {
    const invited = await unwrap(
      api().POST("/admin/staff", { body: { email: email.value.trim(), role: role.value as "driver" | "admin" } }),
    );
    inviteForm.reset();
    showInfo(inviteStatus, `Invited ${invited.email ?? invited.username} as ${humanize(roleOf(invited.groups))}.`);
    await load();
  });

  load().catch((error: unknown) => showError(status, error));
  return () => undefined;
}
