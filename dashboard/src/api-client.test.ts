import { ApiError, apiError, collect, createApiClient, describeError, unwrap } from "@ecopulse/api-client";
import { describe, expect, it, vi } from "vitest";

describe("an API error", () => {
  it("is read from the API's one error shape", () => {
    const error = apiError(409, {
      error: { code: "vehicle_exists", message: "the city has a vehicle with this id already", details: null },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message, error.details]).toEqual([
      409,
      "vehicle_exists",
      "the city has a vehicle with this id already",
      [],
    ]);
  });

  it("is read from the gateway's own answer, before any function runs", () => {
    expect(apiError(401, { message: "Unauthorized" }).message).toBe("Unauthorized");
  });

  it("without a body the API wrote keeps its status", () => {
    expect(apiError(502, "<html>Bad gateway</html>").message).toBe("the API answered 502 without saying why");
  });

  it("shows which field of an invalid request is wrong", () => {
    const error = apiError(422, {
      error: {
        code: "invalid_request",
        message: "the request is not valid",
        details: [{ field: "body.auto_approve_confidence", problem: "Input should be less than or equal to 1" }],
      },
    });
    expect(describeError(error)).toBe("the request is not valid (auto_approve_confidence: Input should be less than or equal to 1)");
  });

  it("shows what a conflict found", () => {
    const error = apiError(409, {
      error: {
        code: "decision_conflict",
        message: "the submission was decided otherwise or is not in review",
        details: [{ status: "rejected", decision: { outcome: "rejected" } }],
      },
    });
    expect(describeError(error)).toBe("the submission was decided otherwise or is not in review (status rejected)");
  });

  it("of another kind shows its own message", () => {
    expect(describeError(new TypeError("Failed to fetch"))).toBe("Failed to fetch");
    expect(describeError("Type a reason before rejecting.")).toBe("Type a reason before rejecting.");
  });
});

function answering(status: number, body: unknown): typeof fetch {
  return vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })));
}

describe("the client", () => {
  it("sends the caller's token and returns the answer's data", async () => {
    const fetch = answering(200, { user_id: "u1", username: "amina", tenant: "lahore", groups: ["admin"] });
    const client = createApiClient({ baseUrl: "http://api.test", token: () => "id-token", fetch });
    const me = await unwrap(client.GET("/whoami"));
    expect(me.tenant).toBe("lahore");
    const request = vi.mocked(fetch).mock.calls[0][0] as Request;
    expect(request.url).toBe("http://api.test/whoami");
    expect(request.headers.get("Authorization")).toBe("Bearer id-token");
  });

  it("throws the API's error when it refuses", async () => {
    const fetch = answering(409, { error: { code: "vehicle_exists", message: "taken", details: null } });
    const client = createApiClient({ baseUrl: "http://api.test", token: () => "id-token", fetch });
    const body = { vehicle_id: "truck-7", name: "Truck 7" };
    await expect(unwrap(client.POST("/fleet/vehicles", { body }))).rejects.toMatchObject({ status: 409, code: "vehicle_exists" });
  });

  it("ends the session when the token is refused", async () => {
    const onUnauthorized = vi.fn();
    const client = createApiClient({ baseUrl: "http://api.test", token: () => null, onUnauthorized, fetch: answering(401, { message: "Unauthorized" }) });
    await expect(unwrap(client.GET("/whoami"))).rejects.toThrow("Unauthorized");
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });
});

describe("a paged list", () => {
  it("is followed from cursor to cursor to the last page", async () => {
    const pages: Record<string, { items: number[]; cursor: string | null }> = {
      first: { items: [1, 2], cursor: "c2" },
      c2: { items: [3], cursor: null },
    };
    const asked: (string | undefined)[] = [];
    const items = await collect((cursor) => {
      asked.push(cursor);
      return Promise.resolve(pages[cursor ?? "first"]);
    });
    expect(items).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, "c2"]);
  });

  it("stops at the page that reaches the limit", async () => {
    let asked = 0;
    const items = await collect(() => Promise.resolve({ items: [++asked, ++asked], cursor: "more" }), 3);
    expect(items).toEqual([1, 2, 3, 4]);
  });
});
