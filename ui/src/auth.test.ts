import { afterEach, describe, expect, it, vi } from "vitest";

import { liveUrl } from "./live";

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

/** Fresh copies of the modules: the prompt's state is per page load. */
async function fresh() {
  vi.resetModules();
  return { api: (await import("./api")).api, auth: await import("./auth") };
}

/** A backend that takes only `key` (as X-API-Key) and counts its requests. */
function guarded(key: string) {
  const fetch = vi.fn(async (_url: string, init?: RequestInit) => {
    const sent = new Headers(init?.headers).get("X-API-Key");
    return sent === key
      ? new Response(JSON.stringify({ items: [] }))
      : new Response(JSON.stringify({ error: "API key required" }), { status: 401 });
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("the API key", () => {
  it("is asked once after a 401, kept in the session and sent from then on", async () => {
    const fetch = guarded("k-1");
    const prompt = vi.fn(() => "k-1");
    vi.stubGlobal("prompt", prompt);
    const { api } = await fresh();
    await Promise.all([api.anomalies(), api.fingerprints(), api.logs()]);
    await api.anomalies();
    expect(prompt).toHaveBeenCalledTimes(1);
    expect(sessionStorage.getItem("seismo.apiKey")).toBe("k-1");
    expect(fetch).toHaveBeenCalledTimes(7); // three refused, three retried, one sent with it
  });

  it("is not asked again once the operator declined, and the 401 is the answer", async () => {
    guarded("k-1");
    const prompt = vi.fn(() => null);
    vi.stubGlobal("prompt", prompt);
    const { api } = await fresh();
    await expect(api.anomalies()).rejects.toMatchObject({ status: 401 });
    await expect(api.logs()).rejects.toMatchObject({ status: 401 });
    expect(prompt).toHaveBeenCalledTimes(1);
  });

  it("is asked again when the stored one is refused (revoked or expired)", async () => {
    sessionStorage.setItem("seismo.apiKey", "old");
    guarded("new");
    const prompt = vi.fn((_message: string) => "new");
    vi.stubGlobal("prompt", prompt);
    const { api } = await fresh();
    await expect(api.anomalies()).resolves.toEqual({ items: [] });
    expect(prompt.mock.calls[0]?.[0]).toContain("refused");
  });

  it("rides on the WebSocket's URL as api_key", async () => {
    const { auth } = await fresh();
    expect(auth.withKeyQuery("ws://h/ws")).toBe("ws://h/ws");
    sessionStorage.setItem("seismo.apiKey", "a b");
    const url = auth.withKeyQuery(liveUrl({ protocol: "https:", host: "h:1" }));
    expect(url).toBe("wss://h:1/ws?api_key=a%20b");
  });
});
