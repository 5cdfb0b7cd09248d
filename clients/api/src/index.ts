/**
 * The EcoPulse API for the web clients (the admin dashboard, the citizen app): the types generated from the API's
 * OpenAPI document (`schema.d.ts`, by `scripts/api_client.py`), a typed fetch client, and the API's one error shape
 * read into an `ApiError` whose message is the API's own.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, operations, paths } from "./schema";
export type Schemas = components["schemas"];
export type ApiClient = Client<paths>;

/** One entry of an error's `details`: a field and its problem for an invalid request, the state now for a conflict. */
export type ErrorDetail = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The API answers `{"error": {"code", "message", "details"}}`; the gateway, before any function runs (no valid
 * token, throttling), answers `{"message"}`. Anything else (a proxy's HTML page) keeps the status. */
export function apiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === "string") {
    const details = Array.isArray(body.error.details) ? body.error.details.filter(isRecord) : [];
    return new ApiError(status, String(body.error.code ?? "error"), body.error.message, details);
  }
  if (isRecord(body) && typeof body.message === "string") return new ApiError(status, "gateway", body.message);
  return new ApiError(status, "error", `the API answered ${status} without saying why`);
}

function detailText(detail: ErrorDetail): string {
  if (typeof detail.field === "string" && typeof detail.problem === "string") {
    return `${detail.field.replace(/^(body|query|path)\./, "")}: ${detail.problem}`;
  }
  return Object.entries(detail)
    .filter(([, value]) => ["string", "number", "boolean"].includes(typeof value))
    .map(([key, value]) => `${key.replace(/_/g, " ")} ${String(value)}`)
    .join(", ");
}

/** What to show a person: the API's message, then what its details say (which field, what the state is now). */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const said = error.details.map(detailText).filter(Boolean);
  return said.length ? `${error.message} (${said.join("; ")})` : error.message;
}

/** The answer's data, or the API's error thrown as an `ApiError`. */
export async function unwrap<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok) throw apiError(response.status, error);
  return data as T;
}

export interface Page<T> {
  items: T[];
  cursor?: string | null;
}

/** Follows `cursor` from page to page until the last page or `limit` items. */
export async function collect<T>(page: (cursor: string | undefined) => Promise<Page<T>>, limit = 500): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    items.push(...answer.items);
    cursor = answer.cursor ?? undefined;
  } while (cursor && items.length < limit);
  return items;
}

export interface ClientOptions {
  baseUrl: string;
  /** The caller's ID token, read on every request (it changes at sign-in and sign-out). */
  token: () => string | null;
  /** Called when the API refuses the token: the session is over. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export function createApiClient(options: ClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = options.token();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) options.onUnauthorized?.();
      return response;
    },
  };
  client.use(auth);
  return client;
}
