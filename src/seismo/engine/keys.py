"""Every Redis name Seismo uses, declared once.

The SPEC's names (section 2) are the public contract: with no namespace they are used as
written, so ``redis-cli CF.EXISTS service-calls checkout:GET:/cart`` works. A namespace
prefixes every key with a hash tag (``{ns}:service-calls``) so that one Redis can hold
several Seismo installations and, in a cluster, all keys of one installation share a slot
(the Lua Functions touch keys they derive from the prefix).

Per-window keys are ``<prefix>w:<window id>:<part>`` where the window id is
``floor(timestamp_ms / window_ms)``; they are written by the ingest Function and read,
then expired, by the window-closing Function.

Shards (``SEISMO_SHARDS`` > 1, the default on a Redis Cluster): the ingest state (sketches,
event streams, engine state, batch markers, per-window keys) is split into logical shards,
each named under its own hash tag ``{<ns>.s<i>}:`` so the shards spread over the cluster's
primaries while one shard's keys share a slot (one atomic FCALL each). A service's events
always go to shard ``crc32(service) % shards``. ``for_shard(i)`` gives a shard's names; the
system-wide names (fingerprints, detector, alerts, delivery) stay under the installation's
prefix, where the merge step (``MERGE_PARTS``) joins the shards' partial windows. With one
shard every name is exactly the unsharded one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

from seismo.config import Settings

WINDOW_PARTS = {
    "counts": "hash of counters: system fields, 's:<service>:<field>', 'm:<metric>:<field>'",
    "latency": "t-digest of every response time in the window (ms)",
    "latency:<service>": "t-digest of one service's response times",
    "endpoints": "TopK of 'service endpoint' items, for the heaviest endpoint's share",
    "distinct": "HyperLogLog of 'service endpoint' items",
    "distinct:<service>": "HyperLogLog of one service's endpoints",
    "services": "set of services that reported in the window",
    "metrics": "set of business and custom metric names seen in the window",
}

MERGE_PARTS = {
    "": "hash: shard index -> JSON partial window of that shard (counts, services, ...)",
    "latency:<shard>": "copy of a shard's system t-digest (RESTOREd from its DUMP)",
    "distinct:<shard>": "copy of a shard's system HyperLogLog",
    "latency": "the shards' t-digests merged (TDIGEST.MERGE): the system quantiles",
    "distinct": "the shards' HyperLogLogs merged (PFMERGE): the system distinct endpoints",
}
"""Keys ``<prefix>merge:<window id>[:<part>]`` of the merge step (installation prefix)."""


@dataclass(frozen=True)
class Keys:
    """The key, stream and channel names of one Seismo installation."""

    namespace: str = ""
    shards: int = 1
    """How many logical ingest shards the installation has."""
    shard: int | None = None
    """Which shard these names are of; None: the installation's own (system-wide) names."""

    @property
    def prefix(self) -> str:
        """``""`` or ``"{ns}:"`` (a shard's: ``"{ns.s<i>}:"``): prepended to every name."""
        if self.shard is not None and self.shards > 1:
            tag = f"{self.namespace}.s{self.shard}" if self.namespace else f"s{self.shard}"
            return f"{{{tag}}}:"
        return f"{{{self.namespace}}}:" if self.namespace else ""

    @property
    def sharded(self) -> bool:
        """True when ingest state is split over several shards (and windows are merged)."""
        return self.shards > 1

    def for_shard(self, index: int) -> Keys:
        """The names of shard ``index`` (with one shard: the installation's own names)."""
        return replace(self, shard=index)

    def shard_of(self, service: str) -> int:
        """The shard of ``service``'s events: a stable hash, the same in every process."""
        return zlib.crc32(service.encode()) % self.shards

    def for_service(self, service: str) -> Keys:
        """The names of the shard holding ``service``'s events."""
        return self.for_shard(self.shard_of(service))

    @property
    def all_shards(self) -> list[Keys]:
        """Every shard's names, in shard order."""
        return [self.for_shard(index) for index in range(self.shards)]

    def merge(self, window_id: int, part: str = "") -> str:
        """A key of the merge step for window ``window_id`` (see ``MERGE_PARTS``)."""
        return f"{self.prefix}merge:{window_id}" + (f":{part}" if part else "")

    @property
    def partials(self) -> str:
        """A shard's hash: window id -> JSON partial window, kept until merged."""
        return self._name("partials")

    def partial(self, window_id: int, part: str) -> str:
        """A shard's kept system ``latency`` t-digest or ``distinct`` HyperLogLog of a
        closed window, until the merge step has copied it."""
        return self._name(f"partial:{window_id}:{part}")

    def _name(self, base: str) -> str:
        return self.prefix + base

    @property
    def service_calls(self) -> str:
        """Cuckoo filter of every ``caller:callee`` and ``service:endpoint`` pair ever seen."""
        return self._name("service-calls")

    @property
    def endpoint_frequency(self) -> str:
        """Count-Min sketch: requests per ``service:endpoint``."""
        return self._name("endpoint-frequency")

    @property
    def status_codes(self) -> str:
        """Count-Min sketch: responses per HTTP status code."""
        return self._name("status-codes")

    @property
    def business_metrics(self) -> str:
        """Count-Min sketch: observations per business metric name."""
        return self._name("business-metrics")

    @property
    def detailed_metrics(self) -> str:
        """Stream of application metric events at full fidelity (capped)."""
        return self._name("detailed-metrics")

    @property
    def business_stream(self) -> str:
        """Stream of business metric events (capped)."""
        return self._name("business-metrics-stream")

    @property
    def log_stream(self) -> str:
        """Stream of log events (capped)."""
        return self._name("log-metrics-stream")

    @property
    def fingerprints(self) -> str:
        """Stream with one entry per closed window: names, system vector, per-service map."""
        return self._name("system-fingerprints")

    @property
    def detector_group(self) -> str:
        """Consumer group of the detectors on ``system-fingerprints`` and on
        ``feedback-stream`` (a group name, not a key)."""
        return "detectors"

    @property
    def detector_state(self) -> str:
        """Hash the dashboard shows: ``status`` (training|ready), ``trained``, ``needed``,
        ``model_version``, ``model_windows``, ``services``, ``trained_at``, ``processed``,
        ``last_window``, ``last_score``, ``since_training`` (windows scored by this model)."""
        return self._name("detector-state")

    @property
    def detector_model(self) -> str:
        """String: JSON ``{version, trained_at, config, windows}``; the fingerprint model is
        refitted from these training windows on load (no pickle)."""
        return self._name("detector-model")

    @property
    def detector_normal(self) -> str:
        """Sorted set of recent windows that were not flagged (score = window start ms,
        member = the window's training JSON): the training and retraining data."""
        return self._name("detector-normal")

    @property
    def detector_lock(self) -> str:
        """String set with NX PX by the one detector that trains or retrains at a time."""
        return self._name("detector-lock")

    @property
    def detector_incident(self) -> str:
        """String: JSON incident state (``seismo.alert.incident``), shared by all detectors."""
        return self._name("detector-incident")

    @property
    def metric_detectors(self) -> str:
        """Hash: metric name -> JSON state of its streaming detector and normal value."""
        return self._name("metric-detectors")

    def alert_marker(self, alert_id: str) -> str:
        """``<prefix>alert-id:<id>``: set NX when an alert is published (deduplication)."""
        return self._name(f"alert-id:{alert_id}")

    @property
    def anomalies(self) -> str:
        """Stream: the durable alert history."""
        return self._name("anomalies")

    @property
    def alerts(self) -> str:
        """Pub/Sub channel: live alerts."""
        return self._name("alerts")

    # --- alert delivery (seismo notifier) ---
    @property
    def notifier_group(self) -> str:
        """Consumer group of the notifiers on ``anomalies`` and ``feedback-stream`` (a group
        name, not a key)."""
        return "notifiers"

    @property
    def deliveries(self) -> str:
        """Stream (capped): one entry per delivery attempt's end, silence or escalation stop:
        ``alert_id, incident_id, receiver, channel, action, reason, outcome, attempts,
        latency_ms, status, error, silence_id, time``."""
        return self._name("deliveries")

    @property
    def dead_letters(self) -> str:
        """Stream (capped): ``receiver, alert, error`` of each delivery that failed its last
        try, so an operator can see and resend it."""
        return self._name("delivery-dead-letters")

    def delivery_marker(self, delivery_id: str) -> str:
        """``<prefix>delivered:<alert id>:<receiver>[:<occasion>]``: set NX in the same
        transaction as the attempt's ``deliveries`` entry; a delivery whose marker exists is
        never sent again (expires after a week)."""
        return self._name(f"delivered:{delivery_id}")

    @property
    def notify_due(self) -> str:
        """Sorted set: job id -> due time ms (group waits, repeats, escalation steps). A
        notifier leases a due job by moving its score forward, and removes it when done."""
        return self._name("notify-due")

    @property
    def notify_jobs(self) -> str:
        """Hash: job id -> JSON ``{receiver, alert, reason, step}`` of ``notify-due``."""
        return self._name("notify-jobs")

    @property
    def notify_groups(self) -> str:
        """Hash: ``<route>:<incident>:<receiver>`` -> time ms of the group's last notice (for
        ``group_interval``)."""
        return self._name("notify-groups")

    def notified(self, incident_id: str) -> str:
        """Set: receivers an incident's alerts were sent to (to acknowledge or resolve them
        there); expires after a week."""
        return self._name(f"notified:{incident_id}")

    @property
    def silences(self) -> str:
        """Hash: silence id -> JSON ``{id, matchers, starts_at, ends_at, comment, created_by}``
        (``seismo.alert.silence``)."""
        return self._name("silences")

    @property
    def incident_vectors(self) -> str:
        """Vector set of past alerts: element = alert id, vector = the alert's pattern of
        moved features, attributes = JSON ``{incident_id, time}`` (see ``alert.memory``)."""
        return self._name("incident-vectors")

    @property
    def alert_feedback(self) -> str:
        """Hash: incident id (or alert id) -> operator mark ``acknowledged`` | ``false_alarm``."""
        return self._name("alert-feedback")

    @property
    def feedback_stream(self) -> str:
        """Stream of operator marks (``alert_id, incident_id, outcome, time, window_start,
        window_end, scope, target``): the detector reads false alarms from it, the
        dashboard's WebSocket pushes it live."""
        return self._name("feedback-stream")

    # --- the business view (seismo.dashboard: incidents, costs, objectives) ---
    @property
    def incident_costs(self) -> str:
        """Hash: incident id -> JSON cost estimate of a resolved incident (``null`` when no
        KPI measurably moved), computed once (``seismo.dashboard.cost``)."""
        return self._name("incident-costs")

    @property
    def objectives(self) -> str:
        """Hash: service -> JSON availability/latency objective set from the UI (overrides
        the objectives file's; ``seismo.dashboard.objectives``)."""
        return self._name("objectives")

    @property
    def objective_cursor(self) -> str:
        """String: id of the last ``system-fingerprints`` entry counted into the hours."""
        return self._name("objective-cursor")

    def objective_hour(self, hour: int) -> str:
        """Hash ``objective-hour:<epoch ms // 1 h>``: ``<service>|<counter>`` -> count
        (requests, errors, windows, ``slow:<ms>``) of that hour's windows; expires after 31
        days."""
        return self._name(f"objective-hour:{hour}")

    @property
    def alert_doc_prefix(self) -> str:
        """``<prefix>alert:<id>``: a searchable hash copy of one alert of ``anomalies``."""
        return self._name("alert:")

    @property
    def log_doc_prefix(self) -> str:
        """``<prefix>log:<stream id>``: an expiring hash copy of one log event, for search."""
        return self._name("log:")

    def log_docs_of(self, shard: Keys) -> str:
        """The start of the names of the search copies of shard ``shard``'s log events:
        ``log_doc_prefix``, sharded ``<prefix>log:s<i>:`` (two shards' streams can hand out
        the same entry id). The copies stay under the installation's prefix, where the log
        index is."""
        if not self.sharded or shard.shard is None:
            return self.log_doc_prefix
        return f"{self.log_doc_prefix}s{shard.shard}:"

    def log_doc(self, shard: Keys, stream_id: str) -> str:
        """The search copy of entry ``stream_id`` of shard ``shard``'s log stream."""
        return self.log_docs_of(shard) + stream_id

    @property
    def alert_index(self) -> str:
        """RediSearch index over the ``alert:`` hashes (summary, explanation, filters)."""
        return self._name("idx:alerts")

    @property
    def log_index(self) -> str:
        """RediSearch index over the ``log:`` hashes (message, level, service, time)."""
        return self._name("idx:logs")

    @property
    def search_cursors(self) -> str:
        """Hash: stream -> id of the last entry copied into its search hashes."""
        return self._name("search-cursors")

    @property
    def state(self) -> str:
        """Hash of engine bookkeeping: ``last_closed`` window id, ``late_events`` counter
        (since the last fingerprint), ``skipped_windows`` (backlog too old to close)."""
        return self._name("seismo:state")

    @property
    def demo_faults(self) -> str:
        """Hash of the demo's injected faults: field ``<kind>:<service>`` -> JSON ``{kind,
        service, start_ms, end_ms}``; a fault is over at ``end_ms`` and the hash expires with
        its last fault (``seismo.demo.fault_store``)."""
        return self._name("demo-faults")

    @property
    def known_services(self) -> str:
        """Hash: service -> id of the last window it reported in; a service silent for a
        few windows still gets a (zero) per-service fingerprint, then is forgotten."""
        return self._name("seismo:known-services")

    @property
    def close_keys(self) -> list[str]:
        """``KEYS`` of the ``seismo_close_windows`` Function, in its header's order."""
        return [self.state, self.fingerprints, self.known_services]

    @property
    def batch_prefix(self) -> str:
        """The start of every batch marker's name (``batch_marker``)."""
        return self._name("batch:")

    # OpenTelemetry ingest (seismo.ingest.otlp) ---------------------------------------

    @property
    def otlp_baselines(self) -> str:
        """Hash: the last counted point of each cumulative OTLP series (msgspec JSON), each
        field expiring a day after its last update, so an export adds only what is new."""
        return self._name("otlp-baselines")

    @property
    def otlp_spans(self) -> str:
        """Hash: hex span id -> service of recently exported spans (fields expire after
        minutes), so a server span exported after its parent finds its caller."""
        return self._name("otlp-spans")

    @property
    def otlp_waiting(self) -> str:
        """Sorted set: parent span ids that server spans wait for, scored by the epoch ms
        after which they are stored without a caller."""
        return self._name("otlp-waiting")

    def otlp_waiting_spans(self, parent_id: str) -> str:
        """Hash ``otlp-waiting:<parent span id>``: span id -> the request (JSON) of each
        server span waiting for that parent (expires after 10 minutes)."""
        return self._name(f"otlp-waiting:{parent_id}")

    # Access: API keys, rate limits, audit (seismo.access) -----------------------------

    @property
    def api_keys(self) -> str:
        """Hash: SHA-256 hex digest of an API key -> JSON ``{id, name, scope, created_ms,
        expires_ms}``; the key itself is never stored (``seismo.access.tokens``)."""
        return self._name("api-keys")

    @property
    def api_key_uses(self) -> str:
        """Hash: API key digest -> epoch ms it was last seen (written at most every few
        seconds per process)."""
        return self._name("api-key-uses")

    def rate_bucket(self, key_id: str) -> str:
        """Hash ``ratelimit:<key id>``: ``tokens``, ``ts`` of one API key's token bucket
        (``seismo_take_token``); one key per bucket, so it lives on any cluster slot."""
        return self._name(f"ratelimit:{key_id}")

    @property
    def audit(self) -> str:
        """Stream (capped): one entry per admin action and per refused request: ``time, who,
        scope, action, address, outcome, status``."""
        return self._name("audit")

    def batch_marker(self, batch_id: str) -> str:
        """``<prefix>batch:<batch_id>``: set NX by the ingest Function when it applies a batch,
        so a client's retry of the same batch counts once (expires after a day)."""
        return self.batch_prefix + batch_id

    def window(self, window_id: int, part: str) -> str:
        """The per-window key ``part`` (see ``WINDOW_PARTS``) of window ``window_id``."""
        return f"{self.prefix}w:{window_id}:{part}"

    def service_latency(self, window_id: int, service: str) -> str:
        """The t-digest of ``service``'s response times in window ``window_id``."""
        return self.window(window_id, f"latency:{service}")

    @property
    def sketches(self) -> tuple[str, str, str]:
        """The three Count-Min sketches."""
        return (self.endpoint_frequency, self.status_codes, self.business_metrics)

    @property
    def streams(self) -> tuple[str, str, str]:
        """The three event streams written by ingestion."""
        return (self.detailed_metrics, self.business_stream, self.log_stream)

    @property
    def ingest_keys(self) -> list[str]:
        """``KEYS`` of the ``seismo_ingest`` Function, in its header's order (a batch with an
        id adds its ``batch_marker`` as ``KEYS[9]``)."""
        return [
            self.service_calls,
            self.endpoint_frequency,
            self.status_codes,
            self.business_metrics,
            self.detailed_metrics,
            self.business_stream,
            self.log_stream,
            self.state,
        ]


def installation_keys(settings: Settings) -> Keys:
    """The names of the installation ``settings`` describe (namespace, shards)."""
    return Keys(settings.namespace, settings.shards)


def service_counter(field: str) -> tuple[str, str] | None:
    """``(service, counter)`` of a per-service field ``s:<service>:<counter>`` of a window's
    ``counts`` hash (``requests``, ``status_5xx``, ...); None for any other field."""
    if not field.startswith("s:"):
        return None
    service, _, counter = field[2:].rpartition(":")
    return (service, counter) if service else None
