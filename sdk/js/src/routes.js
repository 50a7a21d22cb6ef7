// Endpoint names from route templates: GET:/users/{id}, never GET:/users/17.
// Seismo counts and fingerprints endpoints; one per user id would drown the real ones, so
// a request is named by the pattern Express matched, written as the Python SDK writes it
// ({name} for a parameter), and a request no route matched goes to one fixed bucket.

export const UNMATCHED = "/<unmatched>";

/** `/users/:id` or `/files/*path` as `/users/{id}`, `/files/{path}`. */
export function template(route) {
  const normalized = route.replace(/[:*]([A-Za-z0-9_$]+)/g, "{$1}");
  return normalized.startsWith("/") ? normalized : `/${normalized}`;
}

/** `METHOD:/template`, or the unmatched bucket when no route matched. */
export function endpoint(method, route) {
  return `${method.toUpperCase()}:${typeof route === "string" ? template(route) : UNMATCHED}`;
}
