import { afterEach, describe, expect, it, vi } from "vitest";

import { connectLive, liveUrl, parseMessage, reconnectDelay } from "./live";

/** A WebSocket stand-in the test drives by hand: records what the page sends. */
class FakeSocket {
  static made: FakeSocket[] = [];
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.onclose?.();
  }
}

function start(since: () => number) {
  const messages: unknown[] = [];
  const statuses: string[] = [];
  const stop = connectLive({
    url: "ws://test/ws",
    since,
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
  });
  return { messages, statuses, stop };
}

afterEach(() => {
  FakeSocket.made = [];
  vi.useRealTimers();
});

describe("connectLive", () => {
  it("asks for everything since the newest item held when it connects", () => {
    start(() => 4242);
    FakeSocket.made[0]?.onopen?.();
    expect(FakeSocket.made[0]?.sent).toEqual(['{"since":4242}']);
  });

  it("passes on known messages and drops garbage", () => {
    const { messages } = start(() => 0);
    const socket = FakeSocket.made[0]!;
    socket.onmessage?.({ data: '{"type":"alert","data":{"id":"a"}}' });
    socket.onmessage?.({ data: "not json" });
    socket.onmessage?.({ data: '{"type":"other"}' });
    expect(messages).toEqual([{ type: "alert", data: { id: "a" } }]);
  });

  it("reconnects after a drop and resumes from the newer position", () => {
    vi.useFakeTimers();
    let since = 100;
    const { statuses } = start(() => since);
    FakeSocket.made[0]?.onopen?.();
    since = 200;
    FakeSocket.made[0]?.onclose?.();
    expect(statuses.at(-1)).toBe("offline");
    vi.advanceTimersByTime(reconnectDelay(0));
    FakeSocket.made[1]?.onopen?.();
    expect(FakeSocket.made[1]?.sent).toEqual(['{"since":200}']);
    expect(statuses.at(-1)).toBe("live");
  });

  it("stays closed once stopped", () => {
    vi.useFakeTimers();
    const { stop } = start(() => 0);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.made).toHaveLength(1);
  });
});

describe("helpers", () => {
  it("backs off exponentially up to ten seconds", () => {
    expect([0, 1, 2, 10].map(reconnectDelay)).toEqual([500, 1000, 2000, 10_000]);
  });

  it("uses wss behind https", () => {
    expect(liveUrl({ protocol: "https:", host: "x:1" })).toBe("wss://x:1/ws");
    expect(liveUrl({ protocol: "http:", host: "x:1" })).toBe("ws://x:1/ws");
  });

  it("refuses a message without a known type", () => {
    expect(parseMessage('{"data":1}')).toBeNull();
  });
});
