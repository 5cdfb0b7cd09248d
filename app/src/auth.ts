/**
 * Sign-up and sign-in. In AWS: sign-up through the user pool's public SignUp and ConfirmSignUp calls (the
 * city goes into `custom:tenant`, which the hosted UI cannot ask for), sign-in through the Cognito hosted UI with
 * the authorization code and PKCE (no client secret in a static site). Locally the runtime's /local-auth routes
 * do the same against the local user pool and its triggers.
 */
import { ApiError } from "@ecopulse/api-client";
import type { CognitoAuth, Config } from "./api";

const VERIFIER_KEY = "ecopulse.app.pkce_verifier";
const STATE_KEY = "ecopulse.app.oauth_state";

export interface SignUp {
  email: string;
  password: string;
  tenant: string;
  phone?: string;
  inviteCode?: string;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The hosted UI's authorize URL for a fresh verifier and state, kept in sessionStorage for the way back. */
export async function authorizeUrl(auth: CognitoAuth): Promise<string> {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  sessionStorage.setItem(STATE_KEY, state);
  const query = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: "openid email profile",
    state,
    code_challenge_method: "S256",
    code_challenge: await challengeFor(verifier),
  });
  return `https://${auth.domain}/oauth2/authorize?${query}`;
}

/** On the way back: trades the code for tokens and returns the ID token, or null when there is no code. */
export async function finishHostedSignIn(auth: CognitoAuth): Promise<string | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return null;
  const verifier = sessionStorage.getItem(VERIFIER_KEY);
  if (!verifier || params.get("state") !== sessionStorage.getItem(STATE_KEY)) {
    throw new Error("the sign-in answer does not match the request this browser made");
  }
  sessionStorage.removeItem(VERIFIER_KEY);
  sessionStorage.removeItem(STATE_KEY);
  const response = await fetch(`https://${auth.domain}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code,
      redirect_uri: auth.redirectUri,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error(`the user pool refused the sign-in (${response.status})`);
  history.replaceState(null, "", auth.redirectUri);
  return ((await response.json()) as { id_token: string }).id_token;
}

/** The user pool's region, read from its hosted UI domain (name.auth.REGION.amazoncognito.com). */
export function regionOf(auth: CognitoAuth): string {
  const match = /\.auth\.([a-z0-9-]+)\.amazoncognito\.com$/.exec(auth.domain);
  if (!match) throw new Error(`not a Cognito hosted UI domain: ${auth.domain}`);
  return match[1];
}

async function cognitoCall(auth: CognitoAuth, action: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`https://cognito-idp.${regionOf(auth)}.amazonaws.com/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify({ ClientId: auth.clientId, ...body }),
  });
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
    throw new ApiError(response.status, error.__type ?? "cognito", error.message ?? "the user pool refused");
  }
}

async function localCall<T>(path: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(`local-auth/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { code?: string; message?: string };
  if (!response.ok) throw new ApiError(response.status, answer.code ?? "sign_in", answer.message ?? "refused");
  return answer;
}

export function signUpAttributes(form: SignUp): { Name: string; Value: string }[] {
  const attributes = [
    { Name: "email", Value: form.email },
    { Name: "custom:tenant", Value: form.tenant },
  ];
  if (form.phone) attributes.push({ Name: "phone_number", Value: form.phone });
  return attributes;
}

export async function signUp(config: Config, form: SignUp): Promise<void> {
  if (config.auth.mode === "local") {
    await localCall("sign-up", {
      email: form.email,
      password: form.password,
      tenant: form.tenant,
      phone: form.phone,
      invite_code: form.inviteCode,
    });
    return;
  }
  await cognitoCall(config.auth, "SignUp", {
    Username: form.email,
    Password: form.password,
    UserAttributes: signUpAttributes(form),
    ValidationData: form.inviteCode ? [{ Name: "invite_code", Value: form.inviteCode }] : [],
  });
}

export async function confirmSignUp(config: Config, email: string, code: string): Promise<void> {
  if (config.auth.mode === "local") await localCall("confirm", { email, code });
  else await cognitoCall(config.auth, "ConfirmSignUp", { Username: email, ConfirmationCode: code });
}

/** Locally the e-mail and password are checked against the local pool; in AWS the hosted UI asks for them. */
export async function localSignIn(email: string, password: string): Promise<string> {
  const answer = await localCall<{ id_token?: string }>("sign-in", { email, password });
  if (!answer.id_token) throw new ApiError(400, "sign_in", "the account must set a new password first");
  return answer.id_token;
}
