import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { alert } from "../testdata";
import { AlertCard } from "./AlertCard";

afterEach(cleanup);

describe("AlertCard", () => {
  it("shows the summary, the explanation and the similar incidents", () => {
    const shown = alert("a", 1000, {
      similar: [{ incident_id: "inc-7", similarity: 0.97, outcome: "false_alarm" }],
      suppressed_by: "like false alarm inc-7, similarity 0.97",
    });
    render(<AlertCard alert={shown} now={2000} onFeedback={vi.fn()} />);
    expect(screen.getByText("checkout 5xx errors jumped")).toBeTruthy();
    expect(screen.getByText("error rate 5xx")).toBeTruthy();
    expect(screen.getByText("12.5σ")).toBeTruthy();
    expect(screen.getByText(/inc-7 · 97.0% · false alarm/)).toBeTruthy();
    expect(screen.getByText(/suppressed: like false alarm inc-7/)).toBeTruthy();
  });

  it("sends a false-alarm mark when the button is pressed", async () => {
    const onFeedback = vi.fn().mockResolvedValue(undefined);
    const shown = alert("a", 1000);
    render(<AlertCard alert={shown} now={2000} onFeedback={onFeedback} />);
    fireEvent.click(screen.getByText("False alarm"));
    await waitFor(() => expect(onFeedback).toHaveBeenCalledWith(shown, "false_alarm"));
  });

  it("shows the mark and disables its button once given", () => {
    render(
      <AlertCard
        alert={alert("a", 1000, { feedback: "false_alarm" })}
        now={2000}
        onFeedback={vi.fn()}
      />,
    );
    expect(screen.getByTestId("feedback").textContent).toBe("false alarm");
    expect((screen.getByText("False alarm") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows why feedback failed instead of swallowing it", async () => {
    const onFeedback = vi.fn().mockRejectedValue(new Error("404 not found"));
    render(<AlertCard alert={alert("a", 1000)} now={2000} onFeedback={onFeedback} />);
    fireEvent.click(screen.getByText("Acknowledge"));
    await waitFor(() => expect(screen.getByText(/404 not found/)).toBeTruthy());
  });
});
