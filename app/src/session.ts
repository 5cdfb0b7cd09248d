import { api, session, unwrap, type Schemas } from "./api";

export type Who = Schemas["WhoAmI"];

/** The claims of an ID token, read without checking it (the API checks it): who is signed in while offline. */
export function claimsOf(token: string): Record<string, unknown> | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function whoFromToken(token: string): Who | null {
  const claims = claimsOf(token);
  if (!claims || typeof claims.sub !== "string" || typeof claims["custom:tenant"] !== "string") return null;
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) return null;
  const groups = (Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"].map(String) : []) as Who["groups"];
  const username = typeof claims["cognito:username"] === "string" ? claims["cognito:username"] : claims.sub;
  return { user_id: claims.sub, username, tenant: claims["custom:tenant"], groups };
}

/** Who the token belongs to. An unexpired token's own claims open the app at once (the first screen waits for no
 * round trip on a slow network, and works offline); the API is asked in the background, and a token it refuses
 * signs the citizen out (`onRefused`). A token that cannot be read is asked about first. */
export async function identify(onRefused: () => void): Promise<Who | null> {
  const token = session.token;
  if (!token) return null;
  const claimed = whoFromToken(token);
  const asked = unwrap(api().GET("/whoami"));
  if (claimed) {
    asked.catch((error: unknown) => {
      if (!(error instanceof TypeError) && session.token === token) {
        session.token = null;
        onRefused();
      }
    });
    return claimed;
  }
  try {
    return await asked;
  } catch {
    session.token = null;
    return null;
  }
}
