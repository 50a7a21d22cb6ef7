// The dashboard's API key, for a backend run with SEISMO_AUTH=required. Asked once, when the
// backend first answers 401; kept in sessionStorage (gone when the tab closes); sent on every
// fetch as X-API-Key and on the WebSocket as `?api_key=`, since a browser's WebSocket cannot
// send headers. A backend with keys off never answers 401, so nothing is ever asked there.

const STORAGE = "seismo.apiKey";
export const QUERY_PARAMETER = "api_key";

export type Ask = (message: string) => string | null;

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

/** `init` with the stored key as X-API-Key (unchanged when there is none). */
export function withKey(init: RequestInit = {}): RequestInit {
  const key = storedKey();
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set("X-API-Key", key);
  return { ...init, headers };
}

/** `url` with the stored key as its `api_key` query parameter (the WebSocket's way). */
export function withKeyQuery(url: string): string {
  const key = storedKey();
  if (!key) return url;
  return `${url}${url.includes("?") ? "&" : "?"}${QUERY_PARAMETER}=${encodeURIComponent(key)}`;
}

let asking: Promise<boolean> | null = null;
let declined = false;

/**
 * After a 401 to a request sent with key `sent`: ask for a key (one prompt however many
 * requests were refused at once, none again once the operator declined) and keep it; true
 * when there is another key to retry with.
 */
export function askForKey(
  sent: string | null,
  ask: Ask = (m) => window.prompt(m),
): Promise<boolean> {
  if (asking) return asking;
  if (sent !== storedKey()) return Promise.resolve(true); // a key came since it was sent
  if (declined) return Promise.resolve(false);
  asking = Promise.resolve().then(() => {
    const why = sent ? "the key given was refused" : "this Seismo requires one";
    const key = ask(`API key (${why}). Paste a key of scope read, or admin to act on alerts:`);
    asking = null;
    if (!key?.trim()) {
      declined = true;
      sessionStorage.removeItem(STORAGE);
      return false;
    }
    sessionStorage.setItem(STORAGE, key.trim());
    return true;
  });
  return asking;
}

/** Forget the key and any refusal (tests; a future "sign out"). */
export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE);
  declined = false;
  asking = null;
}
