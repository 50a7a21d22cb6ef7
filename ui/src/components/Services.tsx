// Per-service view: a table of every service's last window, the call graph, and the charts
// of the selected service.

import { useCallback, useMemo, useState } from "react";

import { type Alert, api, type Fingerprint } from "../api";
import { graphOrNodes, incidentMap } from "../graph";
import { usePoll } from "../hooks";
import { alertMarkers, CHARTS, chartColumns } from "../series";
import { Chart } from "./Chart";
import { ServiceGraph } from "./ServiceGraph";
import { ServiceTable } from "./ServiceTable";

interface Props {
  fingerprints: Fingerprint[];
  alerts: Alert[];
  services: string[];
}

export function Services({ fingerprints, alerts, services }: Props) {
  const [picked, setPicked] = useState<string | null>(null);
  const selected = picked ?? services[0] ?? null;
  const loadGraph = useCallback(() => api.graph(), []);
  const graph = usePoll(loadGraph, 10_000);
  const drawn = useMemo(() => graphOrNodes(graph.data, services), [graph.data, services]);
  const incidents = useMemo(() => incidentMap(alerts, drawn), [alerts, drawn]);

  return (
    <section className="view">
      <div className="split">
        <div className="panel">
          <h3>Services</h3>
          <ServiceTable
            services={services}
            latest={fingerprints.at(-1)}
            selected={selected}
            onSelect={setPicked}
          />
        </div>
        <div className="panel">
          <h3>
            Call graph{graph.data ? "" : " (services seen; call pairs not offered by this backend)"}
          </h3>
          <ServiceGraph
            graph={drawn}
            incidents={incidents}
            selected={selected}
            onSelect={setPicked}
          />
        </div>
      </div>
      {selected && <ServiceCharts name={selected} fingerprints={fingerprints} alerts={alerts} />}
    </section>
  );
}

function ServiceCharts({
  name,
  fingerprints,
  alerts,
}: {
  name: string;
  fingerprints: Fingerprint[];
  alerts: Alert[];
}) {
  const from = (fingerprints[0]?.window_start ?? 0) / 1000;
  const to = (fingerprints.at(-1)?.window_end ?? 0) / 1000;
  const markers = useMemo(() => alertMarkers(alerts, from, to, name), [alerts, from, to, name]);
  return (
    <div className="panel">
      <h3>{name}</h3>
      <div className="charts">
        {CHARTS.map((spec) => (
          <Chart
            key={spec.title}
            spec={spec}
            columns={chartColumns(fingerprints, spec, name)}
            markers={markers}
            height={150}
          />
        ))}
      </div>
    </div>
  );
}
