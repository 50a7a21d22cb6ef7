"""``seismo bench scenarios``: the whole pipeline against each fault kind, in real time.

An embedded Redis on a free port and the real roles as processes (collector, aggregator,
detector, dashboard) with 1 s windows. A traffic driver sends the demo's seeded traffic
(``TrafficModel``: a compressed day, noise, bursts) through the collector's ``/api/batch``,
each event a quarter of a second at most after it happened. After the detector's training
phase comes a stretch of normal traffic (its alerts are false alarms), then each fault kind
in turn, stored in the fault store at a known window boundary (the driver applies it through
``effect_on``, as the demo does), with a recovery gap after it. Alerts are recorded as they
arrive on the ``alerts`` channel and on the dashboard's ``/ws``; ``scenario_score`` turns
the record into the report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import redis
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect as ws_connect

from seismo.bench import roles
from seismo.bench.report import print_table, write_json
from seismo.bench.scenario_replay import RUN_FILE, RunMeta, replay
from seismo.bench.scenario_score import (
    TARGET_DELAY_WINDOWS,
    Received,
    Record,
    not_pushed,
    summarise,
    worst_of,
)
from seismo.config import Settings
from seismo.demo import fault_store
from seismo.demo.faults import KINDS, Fault, FaultError, checked_size
from seismo.demo.orchestrator import training_progress, wait_ready
from seismo.demo.processes import Supervisor
from seismo.demo.simulator import send_items
from seismo.demo.system import SHOP, system_named
from seismo.demo.traffic import TrafficModel
from seismo.engine import running_engine
from seismo.engine.connection import connect, text
from seismo.engine.keys import Keys
from seismo.engine.server import free_port
from seismo.fingerprint.entry import Fingerprint

WINDOW_S = 1
GRACE_S = 1
SLICES_PER_S = 4
"""The driver sends each second's events in quarters, each just after it ends."""
SETTLE_S = 4.0
"""Wait after the traffic stops for its last windows to be closed, scored and pushed."""
PUSH_WAIT_S = 10.0
"""Longest further wait for the last alerts to reach ``/ws`` (a loaded machine is slow)."""
MAX_RESTARTS = 2
Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """Lengths and seeds of one run (the command line's options)."""

    training_windows: int = 120
    normal_s: float = 300.0
    fault_s: float = 20.0
    fault_size: float = 1.0
    """Each fault's strength, a share of its kind's full effect (``Fault.size``)."""
    gap_s: float = 30.0
    kinds: tuple[str, ...] = KINDS
    seed: int = 0
    rate: float | None = None
    """Mean entry requests per second; None: the system's own."""
    period_s: float | None = None
    """Length of the traffic's compressed day; None: the training phase, so that training
    sees one whole swing."""

    system: str = SHOP.name
    """``shop`` (the demo's) or ``generated`` (a system drawn from the seed)."""

    @property
    def system_name(self) -> str:
        """The system's full name: ``shop`` or ``generated-<seed>``."""
        return f"generated-{self.seed}" if self.system == "generated" else self.system

    @property
    def day_s(self) -> float:
        return self.period_s or float(self.training_windows * WINDOW_S)

    def planned_s(self) -> float:
        """About how long the run takes (start-up aside)."""
        faults = len(self.kinds) * (self.fault_s + self.gap_s)
        return self.training_windows * WINDOW_S + 5 + self.normal_s + faults + SETTLE_S


@dataclass(frozen=True)
class Pipeline:
    """The running roles: where to send traffic and where the dashboard listens."""

    redis_url: str
    collector_url: str
    dashboard_port: int
    supervisor: Supervisor


@contextmanager
def running_pipeline(redis_url: str, plan: Plan, work_dir: Path, log: Log) -> Iterator[Pipeline]:
    """The four roles as processes on ``redis_url``, ready; every one stopped on exit."""
    ports = roles.free_ports()
    env = roles.role_environment(
        redis_url,
        ports,
        work_dir / "data",
        window_seconds=WINDOW_S,
        grace_seconds=GRACE_S,
        training_windows=plan.training_windows,
        collector_workers=1,
    )
    supervisor = Supervisor(env, work_dir / "logs")
    try:
        roles.start_roles(supervisor, ports)
        wait_ready(supervisor.children, log)
        yield Pipeline(redis_url, roles.url(ports["collector"]), ports["dashboard"], supervisor)
    finally:
        supervisor.stop_all()


@dataclass
class AlertLog:
    """Alerts as they arrive, from several listener threads."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, alert: Mapping[str, Any], via: str) -> None:
        with self.lock:
            self.received.append(Received(alert, now_ms(), via))

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def unpushed(self) -> int:
        """Alerts heard on the channel whose incident has not yet been heard on ``/ws``."""
        return len(not_pushed(self.snapshot()))

    def count(self, via: str, status: str) -> int:
        return sum(1 for r in self.snapshot() if r.via == via and r.alert.get("status") == status)


def listen_pubsub(redis_url: str, keys: Keys, alerts: AlertLog, stop: threading.Event) -> None:
    """Record every alert published on the ``alerts`` channel until ``stop``."""
    client = connect(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.alerts)
    try:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.5)
            if message is not None and message.get("type") == "message":
                alerts.add(json.loads(message["data"]), "pubsub")
    finally:
        pubsub.close()
        client.close()


def listen_ws(port: int, alerts: AlertLog, stop: threading.Event, log: Log) -> None:
    """Record every alert the dashboard's ``/ws`` pushes until ``stop``; reconnect (asking
    for what was missed) if the connection drops."""
    since: int | None = None
    while not stop.is_set():
        try:
            with ws_connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as socket_:
                if since is not None:
                    socket_.send(json.dumps({"since": since}))
                while not stop.is_set():
                    since = now_ms()
                    with contextlib.suppress(TimeoutError):
                        _record_ws(socket_.recv(timeout=0.5), alerts)
        except (OSError, WebSocketException) as exc:
            log(f"dashboard WebSocket dropped ({exc}); reconnecting")
            stop.wait(1.0)


def _record_ws(text: str | bytes, alerts: AlertLog) -> None:
    message = json.loads(text)
    if isinstance(message, dict) and message.get("type") == "alert":
        alerts.add(message["data"], "ws")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class TrafficDriver:
    """Sends the model's traffic in real time, with the faults the store holds."""

    model: TrafficModel
    http: httpx.Client
    client: redis.Redis
    keys: Keys
    seed: int
    pending: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    errors: int = 0

    def run(self, stop: threading.Event) -> None:
        """Each second, generate its traffic; each quarter, send what has happened."""
        slice_ms = 1000 // SLICES_PER_S
        due_ms = (now_ms() // 1000 + 1) * 1000
        while not stop.wait(max(0.0, (due_ms - now_ms()) / 1000)):
            if due_ms % 1000 == 0:
                self._generate(due_ms)
            self._send(due_ms)
            due_ms += slice_ms

    def _generate(self, second_ms: int) -> None:
        try:
            faults = fault_store.active(self.client, self.keys, second_ms)
        except redis.RedisError:
            self.errors += 1
            faults = []
        self.pending += self.model.tick(second_ms, 1.0, faults).items

    def _send(self, upto_ms: int) -> None:
        due = [item for item in self.pending if item["timestamp"] < upto_ms]
        self.pending = [item for item in self.pending if item["timestamp"] >= upto_ms]
        if not due:
            return
        try:
            self.sent += send_items(self.http, due, f"scenario-{self.seed}-{upto_ms}")
        except httpx.HTTPError:
            self.errors += 1


@contextmanager
def background(*jobs: Callable[[threading.Event], None]) -> Iterator[threading.Event]:
    """Run each job in a thread until the block ends (then set their stop event)."""
    stop = threading.Event()
    threads = [threading.Thread(target=job, args=(stop,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


@dataclass
class Phases:
    """The timed phases of one run, with a progress line."""

    plan: Plan
    pipeline: Pipeline
    client: redis.Redis
    keys: Keys
    alerts: AlertLog
    progress: Progress
    task: Any
    started: float = field(default_factory=time.monotonic)

    def log(self, text: str) -> None:
        self.progress.console.print(text)

    def tick(self, phase: str) -> None:
        """Refresh the progress line; restart any role that died."""
        for line in self.pipeline.supervisor.revive(MAX_RESTARTS):
            self.log(line)
        opened = self.alerts.count("pubsub", "open")
        pushed = self.alerts.count("ws", "open")
        self.progress.update(
            self.task,
            completed=time.monotonic() - self.started,
            description=f"{phase:<34} alerts opened {opened} (ws {pushed})",
        )

    def wait_until(self, deadline_ms: int, phase: str) -> None:
        while now_ms() < deadline_ms:
            self.tick(phase)
            time.sleep(min(0.5, max(0.0, (deadline_ms - now_ms()) / 1000)))

    def wait_for_pushes(self, deadline_ms: int) -> None:
        """Give the dashboard until ``deadline_ms`` to push what the channel already carried
        (on a loaded machine ``/ws`` may trail the channel by seconds)."""
        while self.alerts.unpushed() and now_ms() < deadline_ms:
            self.tick("last alerts reaching /ws")
            time.sleep(0.2)

    def train(self) -> None:
        """Wait for the detector's model (bounded: three times the training length)."""
        limit = time.monotonic() + 3 * self.plan.training_windows * WINDOW_S + 60
        while time.monotonic() < limit:
            state = text_map(self.client.hgetall(self.keys.detector_state))
            windows = int(self.client.xlen(self.keys.fingerprints))
            done, goal, ready = training_progress(state, windows, self.plan.training_windows)
            if ready:
                return
            self.tick(f"training {done}/{goal} windows")
            time.sleep(0.5)
        raise RuntimeError("the detector did not finish training; see its log")

    def normal(self) -> tuple[int, int]:
        """The normal stretch: from the next window on, ``normal_s`` long."""
        start = (now_ms() // 1000 + 1) * 1000
        end = start + int(self.plan.normal_s * 1000)
        self.wait_until(end, "normal traffic")
        return start, end

    def inject(self, kind: str, number: int) -> Fault:
        """Store ``kind`` to start at the next window boundary; wait out it and its gap."""
        start = (now_ms() // 1000 + 1) * 1000
        target = system_named(self.plan.system_name).targets[kind]
        end = start + int(self.plan.fault_s * 1000)
        fault = Fault(kind, target, start, end, self.plan.fault_size)
        fault_store.store(self.client, self.keys, fault)
        label = f"fault {number}/{len(self.plan.kinds)} {kind}"
        self.wait_until(fault.end_ms, label)
        self.wait_until(fault.end_ms + int(self.plan.gap_s * 1000), f"recovery after {kind}")
        return fault


def text_map(fields: Mapping[Any, Any]) -> dict[str, str]:
    """A Redis hash or stream entry with its names and values as text."""
    return {text(k): text(v) for k, v in fields.items()}


def read_fingerprints(client: redis.Redis, keys: Keys, since_ms: int) -> list[dict[str, Any]]:
    """The fingerprint entries written since ``since_ms``, decoded for scoring."""
    rows = []
    for _, fields in client.xrange(keys.fingerprints, min=str(since_ms)) or []:
        fp = Fingerprint.from_entry(fields or {})
        rows.append(
            {
                "window_start": fp.window_start,
                "system": fp.system,
                "services": fp.services,
                "metrics": fp.metrics,
            }
        )
    return rows


def run_phases(pipeline: Pipeline, plan: Plan, progress: Progress) -> Record:
    """Drive traffic and listen while training, the normal stretch and each fault run."""
    keys = Keys()
    with closing(connect(pipeline.redis_url)) as client:
        alerts = AlertLog()
        task = progress.add_task("starting", total=plan.planned_s())
        phases = Phases(plan, pipeline, client, keys, alerts, progress, task)
        model = TrafficModel(plan.seed, plan.rate, plan.day_s, system_named(plan.system_name))
        with httpx.Client(base_url=pipeline.collector_url, timeout=5.0) as http:
            driver = TrafficDriver(model, http, client, keys, plan.seed)
            listeners = (
                lambda stop: listen_pubsub(pipeline.redis_url, keys, alerts, stop),
                lambda stop: listen_ws(pipeline.dashboard_port, alerts, stop, phases.log),
            )
            with background(*listeners):
                with background(driver.run):
                    phases.train()
                    normal_start, normal_end = phases.normal()
                    faults = [phases.inject(kind, i + 1) for i, kind in enumerate(plan.kinds)]
                end = now_ms()
                phases.wait_until(end + int(SETTLE_S * 1000), "last windows")
                phases.wait_for_pushes(end + int((SETTLE_S + PUSH_WAIT_S) * 1000))
        if driver.errors:
            phases.log(
                f"traffic driver: {driver.errors} failed deliveries ({driver.sent} events sent)"
            )
        return Record(
            faults,
            alerts.snapshot(),
            normal_start,
            normal_end,
            WINDOW_S * 1000,
            end,
            read_fingerprints(client, keys, normal_start),
            plan.system_name,
        )


def report(summary: Mapping[str, Any], plan: Plan) -> None:
    """The per-kind table, then the run's totals against the targets."""
    rows = [
        (
            k["kind"],
            k["service"],
            "yes" if k["detected"] else "NO",
            "-" if k["delay_windows"] is None else k["delay_windows"],
            "yes" if k["explanation_ok"] else "no",
            f"{k['scope']}:{k['target']}" if k["detected"] else "-",
            "-" if k["ws_latency_ms"] is None else f"{k['ws_latency_ms']:,}",
            "yes" if k.get("early") else "no",
            "-" if k.get("as_far") is None else f"{100 * k['as_far']:.1f} %",
            "-" if k.get("beyond_normal") is None else k["beyond_normal"],
        )
        for k in summary["kinds"]
    ]
    print_table(
        f"seismo bench scenarios (1 s windows, {plan.training_windows} training windows, "
        f"seed {plan.seed})",
        (
            "kind",
            "fault on",
            "detected",
            "delay",
            "explained",
            "named",
            "onset->ws ms",
            "early",
            "normal as far",
            "beyond normal",
        ),
        rows,
    )
    targets = summary["targets"]
    print_table(
        "totals",
        ("measure", "measured", "target"),
        [
            ("false alarms per hour", summary["false_alarms_per_hour"],
             f"<= {targets['false_alarms_per_hour']:g}"),
            ("false alarms / normal minutes", f"{summary['false_alarms']} / "
             f"{summary['normal_minutes']:g}", "-"),
            ("onset -> WebSocket ms (median / max)",
             f"{summary['ws_latency_ms']} / {summary['ws_latency_max_ms']}",
             f"< {targets['ws_latency_ms']}"),
            ("window end -> WebSocket ms (median)", summary["push_ms"], "-"),
            ("early alerts raised / withdrawn", f"{summary['early_alerts']['raised']} / "
             f"{summary['early_alerts']['withdrawn']}", "-"),
        ],
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    plan = Plan(
        training_windows=args.training_windows,
        normal_s=args.normal_minutes * 60,
        fault_s=args.fault_seconds,
        fault_size=args.fault_size,
        gap_s=args.gap_seconds,
        kinds=tuple(args.kinds),
        seed=args.seed,
        rate=args.rate,
        period_s=args.day_seconds,
        system=args.system,
    )
    if args.replay is not None:
        return run_replay(args.replay, args.json)
    seeds = args.seeds or [plan.seed]
    results: dict[int, dict[str, Any]] = {}
    for seed in seeds:
        seeded = replace(plan, seed=seed)
        log_dir = args.log_dir / f"seed-{seed}" if args.log_dir and len(seeds) > 1 else args.log_dir
        try:
            record = measure(seeded, log_dir)
        except RuntimeError as exc:
            print(f"seismo bench scenarios: {exc} (keep the role logs with --log-dir DIR)")
            return 1
        summary = summarise(record)
        report(summary, seeded)
        results[seed] = {**summary, "plan": plan_dict(seeded)}
    if len(seeds) == 1:
        write_json(args.json, results[seeds[0]])
        return 0
    worst = worst_of(results)
    report_worst(worst, seeds)
    write_json(args.json, {"seeds": {str(s): r for s, r in results.items()}, "worst": worst})
    return 0


def run_replay(run_dir: Path, json_path: Path | None) -> int:
    """Score today's detection code on a run kept with ``--log-dir`` (see
    ``seismo.bench.scenario_replay``)."""
    if not (run_dir / RUN_FILE).is_file():
        print(f"seismo bench scenarios: {run_dir / RUN_FILE} not found (keep a run with --log-dir)")
        return 1
    meta = json.loads((run_dir / RUN_FILE).read_text())
    with Progress(TextColumn("{task.description}"), TimeElapsedColumn()) as progress:
        progress.add_task(f"replaying {run_dir}", total=None)
        record = replay(run_dir)
    summary = summarise(record)
    plan = Plan(**{k: v for k, v in meta["plan"].items() if k in Plan.__dataclass_fields__})
    report(summary, plan)
    write_json(json_path, {**summary, "plan": meta["plan"], "replayed": str(run_dir)})
    return 0


def report_worst(worst: Mapping[str, Any], seeds: list[int]) -> None:
    """Per kind the worst of the seeds, and the most false alarms."""
    print_table(
        f"worst of seeds {', '.join(map(str, seeds))}",
        ("kind", "detected", "delay", "explained in every seed", "worst seed"),
        [
            (
                k["kind"],
                "yes" if k["detected"] else "NO",
                "-" if k["delay_windows"] is None else k["delay_windows"],
                "yes" if k["explained"] else "no",
                k["worst_seed"],
            )
            for k in worst["kinds"]
        ],
    )
    print(
        f"caught within {TARGET_DELAY_WINDOWS} windows and explained in every seed: "
        f"{worst['caught_in_time_and_explained']} of {len(worst['kinds'])}; "
        f"false alarms per hour, worst seed: {worst['false_alarms_per_hour']}"
    )


def measure(plan: Plan, log_dir: Path | None) -> Record:
    """One run on its own embedded Redis (free port, temporary directory). With ``log_dir``
    the Redis data is kept there beside the logs, so a run can be replayed offline."""
    with tempfile.TemporaryDirectory(prefix="seismo-scenarios-") as tmp:
        work_dir = Path(log_dir or tmp)
        data_dir = work_dir / "redis"
        settings = Settings(redis_port=free_port(), data_dir=data_dir, redis_url=None)
        columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with running_engine(settings) as engine, Progress(*columns) as progress:
            progress.console.print(f"role logs in {work_dir / 'logs'}")
            with running_pipeline(engine.url, plan, work_dir, progress.console.print) as pipeline:
                record = run_phases(pipeline, plan, progress)
    if log_dir is not None:
        meta = RunMeta(
            plan_dict(plan),
            record.faults,
            record.normal_start_ms,
            record.normal_end_ms,
            record.end_ms,
        )
        (log_dir / RUN_FILE).write_text(json.dumps(meta.to_dict(), indent=1))
    return record


def plan_dict(plan: Plan) -> dict[str, Any]:
    """The plan as stored with results, with the window timing it ran with."""
    timing = {"window_seconds": WINDOW_S, "grace_seconds": GRACE_S, "day_s": plan.day_s,
              "system_name": plan.system_name}  # fmt: skip
    return {**vars(plan), **timing}


def kind_list(text: str) -> list[str]:
    kinds = [kind.strip() for kind in text.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(KINDS)} (comma-separated)")
    return kinds


def fault_size(text: str) -> float:
    value: object
    try:
        value = float(text)
    except ValueError:
        value = text  # not a number: ``checked_size`` refuses it
    try:
        return checked_size(value)
    except FaultError as exc:
        raise argparse.ArgumentTypeError(exc.message) from exc


def seed_list(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("comma-separated integers, e.g. 0,1,2") from None
    if not seeds:
        raise argparse.ArgumentTypeError("at least one seed")
    return seeds


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "scenarios", help="inject each fault kind into the real pipeline; detection and delays"
    )
    parser.add_argument(
        "--training-windows", type=int, default=120, help="detector training (1 s windows)"
    )
    parser.add_argument(
        "--normal-minutes", type=float, default=5.0, help="normal stretch for false alarms"
    )
    parser.add_argument(
        "--fault-seconds", type=float, default=20.0, help="how long each fault lasts"
    )
    parser.add_argument(
        "--fault-size",
        type=fault_size,
        default=1.0,
        help="each fault's strength, a share of its full effect (default 1; 0.5: a 2x surge, "
        "an 18%% error share)",
    )
    parser.add_argument("--gap-seconds", type=float, default=30.0, help="recovery after each fault")
    parser.add_argument(
        "--kinds", type=kind_list, default=list(KINDS), help="comma-separated fault kinds"
    )
    parser.add_argument(
        "--day-seconds",
        type=float,
        default=None,
        help="length of the traffic's compressed day (default: the training phase)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the traffic model")
    parser.add_argument(
        "--seeds",
        type=seed_list,
        default=None,
        help="comma-separated seeds: one run each, then the worst of them (overrides --seed)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="mean user requests per second (default: the system's)",
    )
    parser.add_argument(
        "--system",
        choices=("shop", "generated"),
        default="shop",
        help="the demo's shop, or a system drawn from the seed (services, depth, rates, noise)",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        default=None,
        help="score the current detection code offline on a run kept with --log-dir",
    )
    parser.add_argument(
        "--log-dir", type=Path, default=None, help="keep the role logs and the Redis data here"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.set_defaults(handler=run)
