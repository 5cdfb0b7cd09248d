/**
 * Sign-in through the Cognito hosted UI (authorization code with PKCE, no client secret in a static site).
 * The deployment's /config.json names the user pool's domain, the app client and the redirect URI.
 */
export interface CognitoAuth {
  mode: "cognito";
  domain: string;
  clientId: string;
  redirectUri: string;
}

const VERIFIER_KEY = "ecopulse.pkce_verifier";
const STATE_KEY = "ecopulse.oauth_state";

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Sends the browser to the hosted UI; it comes back to redirectUri with ?code=…&state=…. */
export async function startHostedSignIn(auth: CognitoAuth): Promise<void> {
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
  location.assign(`https://${auth.domain}/oauth2/authorize?${query}`);
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
