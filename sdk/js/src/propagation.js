// Who called: the service name travels in a request header so the callee can record it.
// An instrumented service adds `X-Seismo-Caller: <its name>` to its outgoing calls
// (callerHeaders); the middleware of the service called reads it back, or the `seismo`
// member of W3C `tracestate`. While the middleware handles a request, the service being
// served is known (AsyncLocalStorage), so callerHeaders() needs no argument there.

import { AsyncLocalStorage } from "node:async_hooks";

export const CALLER_HEADER = "X-Seismo-Caller";
export const currentService = new AsyncLocalStorage();

/** `headers` plus the caller header naming `service` (default: the one being served). */
export function callerHeaders(service = undefined, headers = {}) {
  const name = service ?? currentService.getStore();
  return name ? { ...headers, [CALLER_HEADER]: name } : { ...headers };
}

/** The caller named by the caller header, else by `seismo=` in tracestate. */
export function callerFrom(caller, tracestate) {
  if (typeof caller === "string" && caller.trim()) return caller.trim().slice(0, 256);
  for (const member of String(tracestate ?? "").split(",")) {
    const [key, value] = member.trim().split("=", 2);
    if (key === "seismo" && value) return value.slice(0, 256);
  }
  return undefined;
}
