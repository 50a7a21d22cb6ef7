import { afterEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, queryString } from "./api";

afterEach(() => vi.unstubAllGlobals());

function answer(status: number, body: unknown) {
  vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response(JSON.stringify(body), { status })));
}

describe("queryString", () => {
  it("keeps only the values given", () => {
    expect(queryString({ q: "checkout 5xx", limit: 5, service: "", severity: undefined })).toBe("?q=checkout+5xx&limit=5");
    expect(queryString({})).toBe("");
  });
});

describe("api", () => {
  it("treats a 404 of an optional feature as absent", async () => {
    answer(404, { error: "not found" });
    await expect(api.graph()).resolves.toBeNull();
  });

  it("raises an ApiError with the status for other failures", async () => {
    answer(400, { error: "limit must be a number", field: "limit" });
    await expect(api.anomalies({ limit: "x" })).rejects.toBeInstanceOf(ApiError);
  });

  it("reads the health document of a 503: it says what is wrong", async () => {
    answer(503, { status: "degraded", redis: { connected: false } });
    await expect(api.health()).resolves.toMatchObject({ status: "degraded" });
  });
});
