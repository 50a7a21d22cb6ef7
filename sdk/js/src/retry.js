// When to try a batch again: exponential backoff with full jitter, Retry-After first.
// Clients retrying in lockstep after an outage would hit the collector together; a random
// wait up to the exponential bound spreads them. A collector that says how long to wait
// (Retry-After on 503 and 429) knows better, so its figure is the least wait.

export const DEFAULT_RETRY = Object.freeze({ attempts: 5, baseMs: 200, capMs: 10_000 });

/** True for the answers worth another try: 429 and every 5xx. */
export function retried(status) {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Milliseconds to wait before try `attempt + 1` (`attempt` counts from 0). */
export function delayMs(policy, attempt, retryAfterMs, random = Math.random) {
  const bound = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  const jittered = random() * bound;
  if (retryAfterMs === null) return jittered;
  return Math.max(Math.min(retryAfterMs, policy.capMs), jittered);
}

/** The milliseconds of a Retry-After header in seconds; null when absent or a date. */
export function retryAfterMs(value) {
  if (value === null || value === undefined || value.trim() === "") return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : null;
}
