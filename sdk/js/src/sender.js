// The background sender: queued events leave in batches for POST /api/batch.
// The application only appends to a bounded array (the oldest dropped and counted when
// full, never waiting); the network, retries and outages are handled here, one batch at a
// time. A batch keeps its batch_id across retries, so one the collector stored but whose
// answer was lost is not counted twice. The timer is unref'd: it never keeps a process
// alive; when the event loop empties, `beforeExit` flushes what is left, bounded by
// `exitTimeoutMs`.

import { randomUUID } from "node:crypto";
import { DEFAULT_RETRY, delayMs, retried, retryAfterMs } from "./retry.js";

export const BATCH_PATH = "/api/batch";

export class Sender {
  constructor(url, headers, options) {
    this.url = url;
    this.headers = headers;
    this.batchSize = options.batchSize ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxQueue = Math.max(1, options.maxQueue ?? 10_000);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.exitTimeoutMs = options.exitTimeoutMs ?? 5000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.stats = { sent: 0, dropped: 0, rejected: 0, failed: 0, retries: 0, errors: 0 };
    this.queue = [];
    this.running = null;
    this.timer = null;
    this.deadline = Number.POSITIVE_INFINITY;
    this.wakeSleep = null;
    this.onBeforeExit = () => {
      if (this.queue.length > 0) this.close(this.exitTimeoutMs);
    };
  }

  put(event) {
    if (this.timer === null) this.start();
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.stats.dropped += 1;
    }
    this.queue.push(event);
    if (this.queue.length >= this.batchSize) this.kick();
  }

  start() {
    this.timer = setInterval(() => this.kick(), this.flushIntervalMs);
    this.timer.unref();
    process.on("beforeExit", this.onBeforeExit);
  }

  kick() {
    if (this.running === null && this.queue.length > 0) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
    }
    return this.running ?? Promise.resolve();
  }

  /** Send what is queued; true when it all left within `timeoutMs`. */
  async flush(timeoutMs = 5000) {
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = (async () => {
      while (this.queue.length > 0 || this.running !== null) await this.kick();
      return true;
    })();
    try {
      return await Promise.race([done, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Flush for at most `timeoutMs`, cutting retry waits short, then stop the timer. */
  async close(timeoutMs = this.exitTimeoutMs) {
    this.deadline = Date.now() + timeoutMs;
    this.wakeSleep?.();
    clearInterval(this.timer);
    process.off("beforeExit", this.onBeforeExit);
    const flushed = await this.flush(timeoutMs);
    this.timer = null;
    return flushed;
  }

  async drain() {
    while (this.queue.length > 0) {
      const events = this.queue.splice(0, this.batchSize);
      try {
        await this.deliver(events);
      } catch {
        this.stats.errors += 1;
      }
    }
  }

  async deliver(events) {
    const body = JSON.stringify({ batch_id: randomUUID(), metrics: events });
    for (let attempt = 0; attempt < this.retry.attempts; attempt += 1) {
      const answer = await this.post(body);
      if (answer !== null && !retried(answer.status)) {
        this.settle(answer, events.length);
        return;
      }
      const wait = delayMs(this.retry, attempt, retryAfterMs(answer?.retryAfter ?? null));
      if (attempt + 1 === this.retry.attempts || Date.now() + wait > this.deadline) break;
      this.stats.retries += 1;
      await this.sleep(wait);
    }
    this.stats.failed += events.length;
  }

  async post(body) {
    try {
      const response = await fetch(this.url + BATCH_PATH, {
        method: "POST",
        headers: this.headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {}
      return { status: response.status, retryAfter: response.headers.get("retry-after"), json };
    } catch {
      return null;
    }
  }

  settle(answer, count) {
    if (answer.status >= 200 && answer.status < 300) {
      const rejected = Number(answer.json?.rejected ?? 0);
      this.stats.sent += count - rejected;
      this.stats.rejected += rejected;
    } else {
      this.stats.rejected += count;
    }
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
