// The WebSocket at /ws: connects, asks for everything since the newest item held, and
// reconnects with growing pauses when the connection drops, so a restart of the backend
// costs the operator nothing but a few seconds.

import { withKeyQuery } from "./auth";
import type { LiveMessage } from "./model";

export type ConnectionStatus = "connecting" | "live" | "offline";

export interface LiveOptions {
  onMessage: (message: LiveMessage) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** Asked at every (re)connect: the epoch ms to resume from. */
  since: () => number;
  url?: string;
  createSocket?: (url: string) => WebSocket;
}

/** Pause before reconnect attempt `attempt` (0-based): 0.5 s doubling, capped at 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** attempt);
}

export function liveUrl(location: Pick<Location, "protocol" | "host">): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws`;
}

const KNOWN_TYPES = new Set(["fingerprint", "alert", "feedback"]);

/** The message in `text`, or null when it is not one the dashboard understands. */
export function parseMessage(text: string): LiveMessage | null {
  try {
    const message = JSON.parse(text) as { type?: unknown; data?: unknown };
    if (typeof message.type !== "string" || !KNOWN_TYPES.has(message.type)) return null;
    return message as LiveMessage;
  } catch {
    return null;
  }
}

/** Start the live connection; the returned function closes it for good. */
export function connectLive(options: LiveOptions): () => void {
  const url = options.url ?? liveUrl(window.location);
  const create = options.createSocket ?? ((target: string) => new WebSocket(target));
  let attempt = 0;
  let closed = false;
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    options.onStatus("connecting");
    socket = create(withKeyQuery(url)); // the API key, read again at every reconnect
    socket.onopen = () => {
      attempt = 0;
      socket?.send(JSON.stringify({ since: options.since() }));
      options.onStatus("live");
    };
    socket.onmessage = (event: MessageEvent) => {
      const message = typeof event.data === "string" ? parseMessage(event.data) : null;
      if (message) options.onMessage(message);
    };
    socket.onclose = () => {
      if (closed) return;
      options.onStatus("offline");
      timer = setTimeout(open, reconnectDelay(attempt));
      attempt += 1;
    };
  };

  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close();
  };
}
