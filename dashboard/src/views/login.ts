import { loadConfig, localSignIn, session } from "../api";
import { finishHostedSignIn, startHostedSignIn } from "../cognito";
import { h, showError, statusLine } from "../dom";

export function loginView(root: HTMLElement, signedIn: () => Promise<void>): void {
  const status = statusLine();
  const user = h("input", { id: "login-user", name: "user", required: true, autocomplete: "username", value: "amina" });
  const tenant = h("input", { id: "login-tenant", name: "tenant", required: true, value: "lahore" });
  const group = h("input", { id: "login-group", name: "group", value: "admin", readonly: true });
  const form = h(
    "form",
    { class: "card login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Sign in"),
    h("p", { class: "hint" }, "Local runtime: the local token issuer stands in for the Cognito hosted UI."),
    h("label", { for: "login-user" }, "User"),
    user,
    h("label", { for: "login-tenant" }, "Tenant (city)"),
    tenant,
    h("label", { for: "login-group" }, "Group"),
    group,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    status,
  );
  async function signIn(): Promise<void> {
    try {
      session.token = await localSignIn(user.value.trim(), group.value, tenant.value.trim());
      await signedIn();
    } catch (error) {
      session.token = null;
      showError(status, error);
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void signIn();
  });
  root.append(form);
  void loadConfig().then(async (config) => {
    if (config.auth.mode !== "cognito") return;
    const auth = config.auth;
    const button = h("button", { type: "button", class: "primary" }, "Sign in with the city's account");
    button.addEventListener("click", () => void startHostedSignIn(auth));
    form.replaceChildren(h("h1", { id: "login-title" }, "Sign in"), button, status);
    try {
      const token = await finishHostedSignIn(auth);
      if (token) {
        session.token = token;
        await signedIn();
      }
    } catch (error) {
      session.token = null;
      showError(status, error);
    }
  });
  user.focus();
}
