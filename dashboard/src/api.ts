import type { CognitoAuth } from "./cognito";

export interface Config {
  apiUrl: string;
  auth: { mode: "local"; tokenUrl: string } | CognitoAuth;
}

export interface WhoAmI {
  user_id: string;
  username: string;
  tenant: string;
  groups: string[];
}

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
  photo?: Record<string, unknown> & { location?: { lat: number; lng: number } | null };
  model?: {
    waste_type?: string;
    waste_probability?: number;
    type_scores?: Record<string, number>;
    top_labels?: { label: string; probability: number }[];
  };
}

export interface Submission {
  submission_id: string;
  user_id: string;
  task: string | null;
  report_id: string | null;
  status: string;
  photos: Record<string, string>;
  verdict: Verdict | null;
  rejection_reason: string | null;
  reward: number | null;
  created_at: string;
  updated_at: string;
}

export interface Report {
  report_id: string;
  waste_type: string;
  status: string;
  lat: number;
  lng: number;
  zone: string | null;
  description: string | null;
  address: string | null;
  photo_keys: string[];
  priority: string;
  ai_type: string | null;
  ai_confidence: number | null;
  votes_up: number;
  votes_down: number;
  vehicle_id: string | null;
  created_at: string;
}

export interface Vehicle {
  vehicle_id: string;
  name: string;
  plate: string | null;
  capacity_kg: number;
  status: string;
  lat: number | null;
  lng: number | null;
  report_id: string | null;
  driver_id: string | null;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  cursor?: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "ecopulse.id_token";
let config: Config | null = null;

export async function loadConfig(): Promise<Config> {
  config ??= (await (await fetch("/config.json")).json()) as Config;
  return config;
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export async function localSignIn(user: string, group: string, tenant: string): Promise<string> {
  const { auth } = await loadConfig();
  if (auth.mode !== "local") throw new ApiError(400, "this deployment signs in through the city's user pool");
  const response = await fetch(auth.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, group, tenant }),
  });
  const body = await response.json();
  if (!response.ok) throw new ApiError(response.status, body.message ?? "sign-in failed");
  return body.id_token as string;
}

function errorMessage(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const detail = (body as { detail?: unknown; message?: unknown }).detail ?? (body as { message?: unknown }).message;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((d) => d.msg ?? String(d)).join("; ");
  }
  return `request failed (${status})`;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { apiUrl } = await loadConfig();
  const headers: Record<string, string> = { Authorization: `Bearer ${session.token ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(apiUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event("ecopulse:signed-out"));
    throw new ApiError(response.status, errorMessage(parsed, response.status));
  }
  return parsed as T;
}

/** Follows cursors up to `limit` items: the views show one tenant's working set, not an archive. */
export async function all<T>(path: string, limit = 500): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api<Page<T>>("GET", path + (cursor ? `${separator}cursor=${encodeURIComponent(cursor)}` : ""));
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && items.length < limit);
  return items;
}
