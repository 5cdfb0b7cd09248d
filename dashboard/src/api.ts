import {
  ApiError,
  collect,
  createApiClient,
  type ApiClient,
  type Page,
  type Schemas,
} from "@ecopulse/api-client";
import type { LocationMap } from "./base-map-model";
import type { CognitoAuth } from "./cognito";

export { ApiError, describeError, unwrap } from "@ecopulse/api-client";
export type { Schemas };

export interface Config {
  apiUrl: string;
  auth: { mode: "local"; tokenUrl: string } | CognitoAuth;
  /** In AWS, the Amazon Location map under the dashboard's maps and its browser key; absent locally. */
  map?: LocationMap;
}

export type WhoAmI = Schemas["WhoAmI"];
export type Submission = Schemas["AdminSubmissionOut"];
export type Report = Schemas["ReportOut"];
export type Vehicle = Schemas["VehicleOut"];

export interface Signal {
  name: string;
  reason: string;
  flagged: boolean;
  value: unknown;
}

export interface EvidenceCheck {
  name: string;
  passed: boolean;
  reason: string;
}

/** The verifier's verdict as the API sends it to admins: an open object in the contract (`verdict` is a dict of
 * what the verifier wrote), read here by the fields the queue shows. */
export interface Verdict {
  decision?: "approve" | "review" | "reject";
  scorer?: string;
  checks?: EvidenceCheck[];
  reasons?: string[];
  confidence?: number;
  evidence?: number;
  flags?: string[];
  signals?: Signal[];
  kind?: string;
  verified_at?: string;
  photo?: {
    camera?: string | null;
    captured_at?: string | null;
    width?: number;
    height?: number;
    format?: string;
    phash?: string;
    location?: { lat: number; lng: number } | null;
  };
  model?: {
    waste_type?: string;
    waste_probability?: number;
    type_scores?: Record<string, number>;
    top_labels?: { label: string; probability: number }[];
  };
}

export function verdictOf(submission: Submission): Verdict {
  return submission.verdict ?? {};
}

const TOKEN_KEY = "ecopulse.id_token";
let config: Config | null = null;
let client: ApiClient | null = null;

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export async function loadConfig(): Promise<Config> {
  config ??= (await (await fetch("/config.json")).json()) as Config;
  client ??= createApiClient({
    baseUrl: config.apiUrl,
    token: () => session.token,
    onUnauthorized: () => window.dispatchEvent(new Event("ecopulse:signed-out")),
  });
  return config;
}

/** The typed API client; the views run after `loadConfig`, which makes it. */
export function api(): ApiClient {
  if (!client) throw new Error("the dashboard's configuration is not loaded yet");
  return client;
}

/** Where the API answers, for links that need no token (a certificate's public verification). */
export function apiUrl(): string {
  if (!config) throw new Error("the dashboard's configuration is not loaded yet");
  return config.apiUrl;
}

/** Every item of a paged list up to `limit`: the views show one tenant's working set, not an archive. */
export function all<T>(page: (cursor: string | undefined) => Promise<Page<T>>, limit = 500): Promise<T[]> {
  return collect(page, limit);
}

export async function localSignIn(user: string, group: string, tenant: string): Promise<string> {
  const { auth } = await loadConfig();
  if (auth.mode !== "local") throw new ApiError(400, "cognito", "this deployment signs in through the city's user pool");
  const response = await fetch(auth.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, group, tenant }),
  });
  const body = (await response.json()) as { id_token?: string; message?: string };
  if (!response.ok || !body.id_token) throw new ApiError(response.status, "sign_in", body.message ?? "sign-in failed");
  return body.id_token;
}
