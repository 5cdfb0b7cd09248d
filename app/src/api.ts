import { createApiClient, type ApiClient, type Schemas } from "@ecopulse/api-client";
import { transactionUrl } from "./explorer";

export { ApiError, collect, describeError, unwrap } from "@ecopulse/api-client";
export type { Schemas };

export interface CognitoAuth {
  mode: "cognito";
  /** The hosted UI's domain, e.g. ecopulse-dev-123.auth.eu-west-1.amazoncognito.com */
  domain: string;
  clientId: string;
  redirectUri: string;
}
export interface LocalAuth {
  mode: "local";
}
export interface Config {
  apiUrl: string;
  auth: LocalAuth | CognitoAuth;
  /** The block explorer's address of a transaction, without the hash (e.g. https://amoy.polygonscan.com/tx/);
   * empty or absent, a transaction is shown as its hash. */
  explorerUrl?: string;
}

export type UploadForm = Schemas["UploadForm"];
export type WasteType = Schemas["WasteType"];
export type ImageType = Schemas["ImageType"];

const TOKEN_KEY = "ecopulse.app.id_token";
let config: Config | null = null;
let client: ApiClient | null = null;

/** The ID token lives in localStorage: an installed app reopened offline is still signed in, so that what it
 * queued can be sent once the network returns. */
export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

const CONFIG_KEY = "ecopulse.app.config";

/** The deployment's settings; offline, the copy kept from the last time they were read (the service worker caches
 * the app's files, but the first config.json is read before it is installed). */
async function fetchConfig(): Promise<Config> {
  try {
    const fresh = (await (await fetch("config.json")).json()) as Config;
    localStorage.setItem(CONFIG_KEY, JSON.stringify(fresh));
    return fresh;
  } catch (error) {
    const kept = localStorage.getItem(CONFIG_KEY);
    if (!kept) throw error;
    return JSON.parse(kept) as Config;
  }
}

export async function loadConfig(): Promise<Config> {
  config ??= await fetchConfig();
  client ??= createApiClient({
    baseUrl: config.apiUrl,
    token: () => session.token,
    onUnauthorized: () => window.dispatchEvent(new Event("ecopulse:signed-out")),
  });
  return config;
}

/** The transaction as a link to the deployment's block explorer, or its hash where the deployment names none. */
export function transactionLink(hash: string, title: string): HTMLElement {
  const url = transactionUrl(config?.explorerUrl, hash);
  const code = document.createElement("code");
  code.textContent = hash;
  if (!url) {
    code.className = "tx";
    return code;
  }
  const link = document.createElement("a");
  Object.assign(link, { href: url, target: "_blank", rel: "noopener", className: "tx", title });
  link.append(code);
  return link;
}

/** The typed API client; the screens run after `loadConfig`, which makes it. */
export function api(): ApiClient {
  if (!client) throw new Error("the app's configuration is not loaded yet");
  return client;
}
