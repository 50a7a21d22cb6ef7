import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError, api, queryString } from "./api";

afterEach(() => vi.unstubAllGlobals());

/** A fresh copy of the module: the OpenAPI paths are remembered per page load. */
async function freshApi() {
  vi.resetModules();
  return (await import("./api")).api;
}

function answer(status: number, body: unknown) {
  vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response(JSON.stringify(body), { status })));
}

/** A backend whose OpenAPI document lists `paths`, and that answers `status`/`body` otherwise. */
function backend(paths: string[], status: number, body: unknown) {
  const fetch = vi.fn(async (url: string) =>
    url === "/openapi.json"
      ? new Response(JSON.stringify({ paths: Object.fromEntries(paths.map((p) => [p, {}])) }))
      : new Response(JSON.stringify(body), { status }),
  );
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("queryString", () => {
  it("keeps only the values given", () => {
    expect(queryString({ q: "checkout 5xx", limit: 5, service: "", severity: undefined })).toBe(
      "?q=checkout+5xx&limit=5",
    );
    expect(queryString({})).toBe("");
  });
});

describe("api", () => {
  it("does not ask for an optional feature the OpenAPI document does not list", async () => {
    const fetch = backend(["/health"], 200, { nodes: [], edges: [] });
    await expect((await freshApi()).graph()).resolves.toBeNull();
    expect(fetch.mock.calls.map(([url]) => url)).toEqual(["/openapi.json"]);
  });

  it("asks for a listed optional feature, and treats its 404 as absent", async () => {
    const fetch = backend(["/api/faults"], 404, { error: "not found" });
    await expect((await freshApi()).faults()).resolves.toBeNull();
    expect(fetch.mock.calls.map(([url]) => url)).toEqual(["/openapi.json", "/api/faults"]);
  });

  it("gives a listed optional feature's answer", async () => {
    backend(["/api/graph"], 200, { nodes: ["a"], edges: [] });
    await expect((await freshApi()).graph()).resolves.toEqual({ nodes: ["a"], edges: [] });
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
