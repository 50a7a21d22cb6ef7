import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import type { Health } from "../api";
import { HealthCards, trainingShare } from "./Health";

afterEach(cleanup);

const health: Health = {
  status: "degraded",
  uptime_s: 125,
  redis: { connected: true, url_host: "127.0.0.1:6379", version: "8.2.3" },
  anomaly_count: 3,
  training: { trained: 15, needed: 60, status: "training" },
  notes: ["RediSearch missing: search is off"],
};

describe("HealthCards", () => {
  it("shows training progress while the detector learns", () => {
    render(<HealthCards health={health} error={null} latestRate={12} />);
    expect(screen.getByText("learning 25%")).toBeTruthy();
    expect(screen.getByText("15 / 60 windows · training")).toBeTruthy();
  });

  it("says the detector scores once training is done", () => {
    render(
      <HealthCards
        health={{ ...health, training: { trained: 60, needed: 60, status: "ready" } }}
        error={null}
        latestRate={12}
      />,
    );
    expect(screen.getByText("scoring")).toBeTruthy();
  });

  it("tells what the server lacks and what is off", () => {
    render(<HealthCards health={health} error={null} latestRate={null} />);
    expect(screen.getByText("RediSearch missing: search is off")).toBeTruthy();
  });

  it("copes with a health document from before any detector ran", () => {
    render(
      <HealthCards
        health={{ ...health, training: null, anomaly_count: null }}
        error={null}
        latestRate={null}
      />,
    );
    expect(screen.getByText("no detector has reported yet")).toBeTruthy();
  });

  it("says the backend is unreachable when there is no answer", () => {
    render(<HealthCards health={null} error="fetch failed" latestRate={null} />);
    expect(screen.getByText(/Backend unreachable: fetch failed/)).toBeTruthy();
  });
});

it("trainingShare caps at one and treats nothing needed as done", () => {
  expect(trainingShare({ trained: 90, needed: 60, status: null })).toBe(1);
  expect(trainingShare({ trained: null, needed: null, status: null })).toBe(1);
  expect(trainingShare({ trained: 30, needed: 60, status: null })).toBe(0.5);
});
