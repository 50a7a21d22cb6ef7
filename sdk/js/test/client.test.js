// The JavaScript client against a real collector (SEISMO_URL, started by
// tests/sdk/test_js.py, which then checks what these tests sent is in Redis) and a real
// Express app on loopback.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { describe, test } from "node:test";
import express from "express";
import {
  AnomalyClient,
  callerHeaders,
  delayMs,
  endpoint,
  retryAfterMs,
  SeismoClient,
} from "../src/index.js";

const url = process.env.SEISMO_URL;
if (!url) throw new Error("SEISMO_URL must name a running collector (see tests/sdk/test_js.py)");

async function listening(app) {
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

async function closedPort() {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

function usersApp(client) {
  const app = express();
  app.use(client.expressMiddleware("web-api"));
  app.get("/users/:id", (req, res) => res.json({ id: Number(req.params.id) }));
  return app;
}

describe("client", () => {
  test("the seed's snippet sends a request and a business metric", async () => {
    const client = new AnomalyClient(url);
    client.sendMetric({
      service: "js-checkout",
      endpoint: "POST:/pay",
      metrics: { response_time: 120, status_code: 200 },
    });
    client.sendBusinessMetric("js_daily_revenue", 45000, [40000, 60000]);
    assert.equal(await client.close(), true);
    assert.equal(client.stats.sent, 2);
  });

  test("a script that never flushes has its events sent before it exits", async () => {
    const script = `import { SeismoClient } from "./src/index.js";
      new SeismoClient(process.env.SEISMO_URL).sendMetric(
        { service: "js-exit", endpoint: "GET:/", response_time: 1, status_code: 200 });`;
    const child = execFile(process.execPath, ["--input-type=module", "-e", script]);
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });

  test("a full queue drops the oldest events and counts them", async () => {
    const client = new SeismoClient(url, { maxQueue: 10, batchSize: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 50; i += 1) {
      client.sendMetric({ service: "js-queue", endpoint: "GET:/", response_time: i, status_code: 200 });
    }
    assert.equal(client.stats.dropped, 40);
    await client.close();
    assert.equal(client.stats.sent, 10);
  });

  test("logs land, bad calls are swallowed, refused items counted", async () => {
    const client = new SeismoClient(url);
    client.sendLog("js gateway timeout", "error", { service: "js-checkout" });
    client.sendMetric("not an object");
    client.sendMetric({ service: "js-bad", endpoint: "GET:/", response_time: "fast", status_code: 200 });
    await client.close();
    assert.deepEqual([client.stats.sent, client.stats.rejected, client.stats.errors], [1, 1, 1]);
  });

  test("health check reports the collector, or unreachable", async () => {
    assert.equal((await new SeismoClient(url).healthCheck()).http_status, 200);
    const down = new SeismoClient(`http://127.0.0.1:${await closedPort()}`);
    assert.equal((await down.healthCheck()).status, "unreachable");
  });

  test("backoff stays under its bound and Retry-After is the least wait", () => {
    const policy = { attempts: 5, baseMs: 100, capMs: 1000 };
    for (let attempt = 0; attempt < 8; attempt += 1) {
      assert.ok(delayMs(policy, attempt, null) <= Math.min(1000, 100 * 2 ** attempt));
    }
    assert.ok(delayMs(policy, 0, retryAfterMs("2"), () => 0) >= 1000);
    assert.equal(retryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT"), null);
  });
});

describe("express middleware", () => {
  test("requests are recorded by route template with status, size and caller", async () => {
    const client = new SeismoClient(url);
    const { server, base } = await listening(usersApp(client));
    for (const path of ["/users/17", "/users/18", "/nope/1"]) {
      await (await fetch(base + path, { headers: callerHeaders("js-web") })).text();
    }
    server.close();
    await client.close();
    assert.equal(client.stats.sent, 3);
    assert.equal(endpoint("GET", "/users/:id"), "GET:/users/{id}");
  });

  test("the app answers as usual while the collector is down", async () => {
    const client = new SeismoClient(`http://127.0.0.1:${await closedPort()}`, {
      retry: { attempts: 1 },
    });
    const { server, base } = await listening(usersApp(client));
    const bodies = [];
    for (let i = 0; i < 20; i += 1) bodies.push(await (await fetch(`${base}/users/${i}`)).json());
    server.close();
    assert.deepEqual(bodies, Array.from({ length: 20 }, (_, i) => ({ id: i })));
    await client.close();
    assert.deepEqual([client.stats.failed, client.stats.errors], [20, 0]);
  });
});
