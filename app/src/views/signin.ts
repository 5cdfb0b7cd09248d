import { api, loadConfig, session, unwrap, type Config, type Schemas } from "../api";
import { authorizeUrl, confirmSignUp, finishHostedSignIn, localSignIn, signUp } from "../auth";
import { field, h, say, showError, statusLine } from "../dom";
import { t } from "../i18n";

type City = Schemas["CityOut"];

/** Sign in, or create an account in a city that takes sign-ups, then confirm it with the e-mailed code. */
export function signInScreen(root: HTMLElement, config: Config, signedIn: () => Promise<void>): void {
  const status = statusLine("signin-status");

  async function finish(token: string): Promise<void> {
    session.token = token;
    await signedIn();
  }

  const email = h("input", { id: "signin-email", type: "email", required: true, autocomplete: "email" });
  const password = h("input", {
    id: "signin-password",
    type: "password",
    required: true,
    autocomplete: "current-password",
  });
  const signInForm =
    config.auth.mode === "local"
      ? h(
          "form",
          { class: "card", "aria-labelledby": "signin-title" },
          h("h1", { id: "signin-title" }, t("signin.title")),
          field(t("signin.email"), email),
          field(t("signin.password"), password),
          h("button", { type: "submit", class: "primary" }, t("signin.submit")),
        )
      : h(
          "div",
          { class: "card" },
          h("h1", { id: "signin-title" }, t("signin.title")),
          h(
            "button",
            { type: "button", class: "primary", id: "signin-hosted", onclick: () => void hosted(config) },
            t("signin.hosted"),
          ),
        );
  signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    localSignIn(email.value.trim(), password.value).then(finish, (error: unknown) => showError(status, error));
  });

  async function hosted(current: Config): Promise<void> {
    if (current.auth.mode === "cognito") location.assign(await authorizeUrl(current.auth));
  }

  const city = h("select", { id: "signup-city", required: true });
  const newEmail = h("input", { id: "signup-email", type: "email", required: true, autocomplete: "email" });
  const newPassword = h("input", {
    id: "signup-password",
    type: "password",
    required: true,
    minlength: 8,
    autocomplete: "new-password",
  });
  const phone = h("input", { id: "signup-phone", type: "tel", autocomplete: "tel", placeholder: "+923001234567" });
  const invite = h("input", { id: "signup-invite", autocomplete: "off" });
  const inviteField = field(t("signup.invite"), invite);
  const cities: City[] = [];
  const signUpForm = h(
    "form",
    { class: "card", "aria-labelledby": "signup-title" },
    h("h2", { id: "signup-title" }, t("signup.title")),
    field(t("signup.city"), city),
    field(t("signin.email"), newEmail),
    field(t("signin.password"), newPassword, t("signup.passwordHint")),
    field(t("signup.phone"), phone, t("signup.optional")),
    inviteField,
    h("button", { type: "submit" }, t("signup.submit")),
  );
  const code = h("input", { id: "confirm-code", inputmode: "numeric", autocomplete: "one-time-code", required: true });
  const confirmForm = h(
    "form",
    { class: "card", "aria-labelledby": "confirm-title", hidden: true },
    h("h2", { id: "confirm-title" }, t("confirm.title")),
    field(t("confirm.code"), code, t("confirm.hint")),
    h("button", { type: "submit", class: "primary" }, t("confirm.submit")),
  );

  function showInvite(): void {
    inviteField.hidden = cities.find((each) => each.tenant === city.value)?.signups !== "invite";
  }
  city.addEventListener("change", showInvite);

  signUpForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = {
      email: newEmail.value.trim(),
      password: newPassword.value,
      tenant: city.value,
      phone: phone.value.trim() || undefined,
      inviteCode: inviteField.hidden ? undefined : invite.value.trim() || undefined,
    };
    signUp(config, form).then(
      () => {
        signUpForm.hidden = true;
        confirmForm.hidden = false;
        say(status, t("confirm.sent", { email: form.email }));
        code.focus();
      },
      (error: unknown) => showError(status, error),
    );
  });
  confirmForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const address = newEmail.value.trim();
    confirmSignUp(config, address, code.value.trim())
      .then(async () => {
        if (config.auth.mode === "local") await finish(await localSignIn(address, newPassword.value));
        else await hosted(config);
      })
      .catch((error: unknown) => showError(status, error));
  });

  root.append(h("div", { class: "stack" }, signInForm, status, signUpForm, confirmForm));

  void unwrap(api().GET("/tenants")).then(
    (open) => {
      cities.push(...open);
      city.replaceChildren(...open.map((each) => h("option", { value: each.tenant }, each.name)));
      if (!open.length) {
        signUpForm.replaceChildren(h("h2", { id: "signup-title" }, t("signup.title")), h("p", {}, t("signup.none")));
      }
      showInvite();
    },
    (error: unknown) => showError(status, error),
  );

  if (config.auth.mode === "cognito") {
    void loadConfig()
      .then((current) => (current.auth.mode === "cognito" ? finishHostedSignIn(current.auth) : null))
      .then((token) => (token ? finish(token) : undefined))
      .catch((error: unknown) => showError(status, error));
  }
}
