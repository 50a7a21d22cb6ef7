import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { alert } from "../testdata";
import { Anomalies } from "./Anomalies";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** fetch answering the search endpoints; records the URLs asked. */
function searchBackend() {
  const found = alert("old", 1000, { summary: "upstream timeouts on search" });
  const fetch = vi.fn(async (url: string) => {
    const body = url.startsWith("/api/logs")
      ? {
          items: [
            { timestamp: 1, level: "error", message: "timeout calling db", service: "search" },
          ],
        }
      : { items: [found] };
    return new Response(JSON.stringify(body));
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("Anomalies", () => {
  it("shows the live feed until a search is made", () => {
    render(<Anomalies alerts={[alert("live", 2000)]} services={["search"]} onFeedback={vi.fn()} />);
    expect(screen.getByTestId("feed-caption").textContent).toBe("Live feed · 1 alert(s)");
  });

  it("searches alerts and logs with the words and filters given, then goes back", async () => {
    const fetch = searchBackend();
    render(<Anomalies alerts={[alert("live", 2000)]} services={["search"]} onFeedback={vi.fn()} />);
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: " timeouts " } });
    fireEvent.change(screen.getByLabelText("Severity"), { target: { value: "critical" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() =>
      expect(screen.getByTestId("feed-caption").textContent).toBe("1 alert(s) match"),
    );
    expect(screen.getByText("upstream timeouts on search")).toBeTruthy();
    expect(screen.getByText("timeout calling db")).toBeTruthy();
    const asked = fetch.mock.calls.map(([url]) => url);
    expect(asked).toContain("/api/anomalies?q=timeouts&severity=critical&limit=100");
    fireEvent.click(screen.getByRole("button", { name: "Back to live feed" }));
    expect(screen.getByTestId("feed-caption").textContent).toBe("Live feed · 1 alert(s)");
  });

  it("marks a found alert in the results once the backend took the mark", async () => {
    searchBackend();
    const onFeedback = vi.fn().mockResolvedValue(undefined);
    render(<Anomalies alerts={[]} services={[]} onFeedback={onFeedback} />);
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "timeouts" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    fireEvent.click(await screen.findByRole("button", { name: "Acknowledge" }));
    await waitFor(() => expect(screen.getByTestId("feedback").textContent).toBe("acknowledged"));
  });
});
