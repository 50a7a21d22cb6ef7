// Express middleware: one request event per request, recorded when the response finishes,
// when Express has matched its route (req.route) and the status is known.

import { callerFrom, currentService } from "./propagation.js";
import { endpoint } from "./routes.js";

function routeOf(req) {
  const path = req.route?.path;
  return typeof path === "string" ? (req.baseUrl ?? "") + path : null;
}

export function expressMiddleware(client, service) {
  return function seismo(req, res, next) {
    const started = performance.now();
    res.once("finish", () => {
      try {
        const size = Number(res.getHeader("content-length"));
        client.recordRequest(
          service,
          endpoint(req.method, routeOf(req)),
          performance.now() - started,
          res.statusCode,
          Number.isFinite(size) ? size : undefined,
          callerFrom(req.headers["x-seismo-caller"], req.headers.tracestate),
        );
      } catch {
        client.stats.errors += 1;
      }
    });
    currentService.run(service, next);
  };
}
