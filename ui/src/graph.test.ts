import { describe, expect, it } from "vitest";

import { circleLayout, edgeWidth, graphOrNodes, incidentMap } from "./graph";
import { alert } from "./testdata";

describe("service graph", () => {
  it("places nodes on a circle inside the drawing, in name order", () => {
    const nodes = circleLayout(["b", "a", "c"], 400);
    expect(nodes.map((n) => n.name)).toEqual(["a", "b", "c"]);
    for (const n of nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.x).toBeLessThanOrEqual(400);
    }
    expect(nodes[0]?.y).toBeLessThan(200);
  });

  it("puts a lone service in the middle", () => {
    expect(circleLayout(["only"], 400)).toEqual([{ name: "only", x: 200, y: 200 }]);
  });

  it("draws services as unconnected nodes when the backend has no graph", () => {
    expect(graphOrNodes(null, ["a", "b"])).toEqual({ nodes: ["a", "b"], edges: [] });
  });

  it("adds edge ends the backend named to the nodes", () => {
    const graph = graphOrNodes({ nodes: [], edges: [{ source: "a", target: "b", count: 3 }] }, [
      "c",
    ]);
    expect(graph.nodes.sort()).toEqual(["a", "b", "c"]);
  });

  it("makes busier edges thicker, within 1 to 6 px", () => {
    expect(edgeWidth(1, 1000)).toBeLessThan(edgeWidth(500, 1000));
    expect(edgeWidth(1000, 1000)).toBeCloseTo(6);
  });
});

describe("open incidents on the graph", () => {
  const graph = {
    nodes: ["web", "checkout", "payments", "users"],
    edges: [
      { source: "web", target: "checkout", count: 9 },
      { source: "checkout", target: "payments", count: 5 },
      { source: "web", target: "users", count: 7 },
    ],
  };

  it("colours the origin and the impacted services and draws the path between them", () => {
    const opened = alert("a1", 1000, {
      target: "payments",
      impacted: ["checkout", "web"],
      severity: "critical",
    });
    const map = incidentMap([opened], graph);
    expect(map.nodes.get("payments")).toBe("origin");
    expect(map.nodes.get("checkout")).toBe("impacted");
    expect(map.nodes.has("users")).toBe(false);
    expect(map.severity.get("payments")).toBe("critical");
    expect([...map.path].sort()).toEqual(["checkout->payments", "web->checkout"]);
  });

  it("forgets an incident whose latest alert resolved it", () => {
    const opened = alert("a1", 1000, { target: "payments", incident_id: "i1" });
    const resolved = alert("a2", 2000, {
      target: "payments",
      incident_id: "i1",
      status: "resolved",
    });
    expect(incidentMap([resolved, opened], graph).nodes.size).toBe(0);
  });
});
