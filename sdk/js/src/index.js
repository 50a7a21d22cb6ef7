// seismo-client: send requests, business metrics and logs to Seismo from Node.js.
// Every method returns at once and never throws into the application: it builds a small
// object and queues it for the background sender (sender.js); anything unexpected is
// counted in `stats.errors` instead. `client.expressMiddleware("web-api")` records every
// request of an Express app. `AnomalyClient` is the same class under the seed's name.

import { expressMiddleware } from "./express.js";
import { Sender } from "./sender.js";

export { CALLER_HEADER, callerHeaders } from "./propagation.js";
export { endpoint, template, UNMATCHED } from "./routes.js";
export { delayMs, retryAfterMs } from "./retry.js";

export const DEFAULT_URL = "http://localhost:4000";

const now = () => Date.now() / 1000;

export class SeismoClient {
  constructor(url = DEFAULT_URL, options = {}) {
    const { apiKey, ...rest } = typeof options === "string" ? { apiKey: options } : options;
    this.url = String(url).replace(/\/+$/, "");
    this.headers = { "content-type": "application/json", accept: "application/json" };
    if (apiKey) this.headers.authorization = `Bearer ${apiKey}`;
    this.sender = new Sender(this.url, this.headers, rest);
  }

  /** Sent, dropped, rejected and failed events, retries and swallowed errors. */
  get stats() {
    return this.sender.stats;
  }

  #put(build) {
    try {
      this.sender.put(build());
    } catch {
      this.sender.stats.errors += 1;
    }
  }

  /** One request a service handled: `{service, endpoint, metrics: {...}}` or flat. */
  sendMetric(data) {
    this.#put(() => {
      if (typeof data !== "object" || data === null) throw new TypeError("metric: not an object");
      return { type: "metric", data: { timestamp: now(), ...data } };
    });
  }

  /** One observation of a business KPI, with the range it is expected in. */
  sendBusinessMetric(name, value, expectedRange = undefined, metadata = undefined) {
    this.#put(() => {
      const data = { metric_name: name, value, timestamp: now() };
      if (expectedRange) data.expected_range = [...expectedRange];
      if (metadata) data.metadata = { ...metadata };
      return { type: "business_metric", data };
    });
  }

  /** One log event; `service`, `trace_id`, `context` ... go in `fields`. */
  sendLog(message, level = "info", fields = {}) {
    this.#put(() => ({ type: "log", data: { timestamp: now(), ...fields, message, level } }));
  }

  /** A request served by an instrumented application (what the middleware calls). */
  recordRequest(service, endpoint, latencyMs, status, payloadSize, caller) {
    this.#put(() => {
      const event = {
        type: "application",
        service,
        endpoint,
        response_time: Math.round(latencyMs * 1000) / 1000,
        status_code: status,
        timestamp: now(),
      };
      if (payloadSize !== undefined) event.payload_size = payloadSize;
      if (caller) event.caller = caller;
      return event;
    });
  }

  /** The collector's /health, or `{status: "unreachable"}`; for start-up and probes. */
  async healthCheck() {
    try {
      const response = await fetch(`${this.url}/health`, {
        headers: this.headers,
        signal: AbortSignal.timeout(this.sender.timeoutMs),
      });
      return { http_status: response.status, ...(await response.json()) };
    } catch (error) {
      return { status: "unreachable", error: String(error) };
    }
  }

  /** Send what is queued; true when all of it left within `timeoutMs`. */
  async flush(timeoutMs = 5000) {
    try {
      return await this.sender.flush(timeoutMs);
    } catch {
      this.sender.stats.errors += 1;
      return false;
    }
  }

  /** Flush for at most `timeoutMs` and stop sending. */
  async close(timeoutMs = 5000) {
    try {
      return await this.sender.close(timeoutMs);
    } catch {
      this.sender.stats.errors += 1;
      return false;
    }
  }

  /** `app.use(client.expressMiddleware("web-api"))`. */
  expressMiddleware(service) {
    return expressMiddleware(this, service);
  }
}

export const AnomalyClient = SeismoClient;
