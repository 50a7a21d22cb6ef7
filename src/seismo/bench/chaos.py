"""``seismo bench chaos``: Seismo's promises under load and faults (SPEC section 11).

One embedded Redis (append-only file, ``appendfsync everysec``) owned by the bench, and the
real roles as processes pointed at it. A load generator sends marked events (batches with a
``batch_id``, retried until a 2xx, and single events) at a steady rate while, phase by
phase, one fault is injected: ``kill -9`` of Redis (its supervisor restarts it), of each
collector worker (granian respawns it), of the aggregator, the detector and the dashboard
(the bench restarts them, as systemd or Kubernetes would), a 5 s pause of Redis (SIGSTOP,
SIGCONT) and a restart of everything at once. After each phase the load stops, the
pipeline settles, and ``chaos_count`` compares what the client was told with what Redis
holds. ``--soak`` holds the load without faults and watches memory instead
(``chaos_soak``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from seismo.bench.chaos_count import (
    TABLE_COLUMNS,
    PhaseResult,
    ScoreCount,
    count_alerts,
    count_answers,
    count_events,
    count_windows,
    phase_line,
    table_row,
)
from seismo.bench.chaos_load import LoadRun, LoadShape
from seismo.bench.chaos_stack import Stack, StackConfig, running_stack
from seismo.bench.chaos_watch import (
    Watchers,
    alert_ids,
    now_ms,
    settled,
    stored_markers,
    window_starts,
)
from seismo.bench.report import write_json

PAUSE_S = 5.0
DRAIN_S = 30.0
SETTLE_MARGIN_S = 30.0
FAULTS = (
    "baseline",
    "redis-kill",
    "collector-worker-1",
    "collector-worker-2",
    "aggregator-kill",
    "detector-kill",
    "dashboard-kill",
    "redis-pause",
    "restart-all",
    "cold-start",
)
Log = Callable[[str], None]


def inject(stack: Stack, fault: str, log: Log) -> None:
    """Do ``fault`` to the running stack (returns once it is done, not recovered)."""
    if fault == "redis-kill":
        stack.server.kill()
    elif fault.startswith("collector-worker-"):
        # The oldest worker: after worker 1 was killed and respawned, that is worker 2.
        workers = stack.collector_workers()
        log(f"kill -9 of the oldest collector worker (pid {workers[0]}) of {len(workers)}")
        os.kill(workers[0], signal.SIGKILL)
    elif fault.endswith("-kill"):
        stack.kill_role(fault.removesuffix("-kill"))
    elif fault == "redis-pause":
        pid = stack.redis_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(PAUSE_S)
        finally:
            os.kill(pid, signal.SIGCONT)
    elif fault == "restart-all":
        stack.restart_all(log)
    elif fault == "cold-start":
        stack.cold_start(log)
    elif fault != "baseline":
        raise ValueError(f"unknown fault {fault!r}")


@dataclass(frozen=True)
class Plan:
    """One run: the faults in turn, each phase's length, the load."""

    faults: tuple[str, ...] = FAULTS
    seconds: float = 25.0
    shape: LoadShape = field(default_factory=LoadShape)
    stack: StackConfig = field(default_factory=StackConfig)


@dataclass
class Run:
    """The run in progress: the stack, its watchers, where to print."""

    plan: Plan
    stack: Stack
    watchers: Watchers
    console: Console
    tag: str

    def log(self, text: str) -> None:
        self.console.print(text)

    @property
    def settle_s(self) -> float:
        """How long to wait for the pipeline to catch up: a claim of a dead detector's
        entries included."""
        return self.plan.stack.claim_idle_ms / 1000 + SETTLE_MARGIN_S

    def phase(self, number: int, fault: str) -> PhaseResult:
        """Load for ``seconds``, the fault a third of the way in; then settle and count."""
        stack, plan = self.stack, self.plan
        window_ms = plan.stack.window_s * 1000
        before = settled(stack.client, now_ms(), window_ms, self.settle_s)
        self.watchers.new_phase()
        restarts_before = len(stack.restarts)
        prefix = f"{self.tag}p{number}"
        started = now_ms()
        load = LoadRun("127.0.0.1", stack.collector_port, plan.shape, prefix, seed=number)
        load.start()
        time.sleep(plan.seconds / 3)
        fault_ms = now_ms()
        self.watchers.fault_at(fault_ms)
        self.log(f"[{number}/{len(plan.faults)}] {fault}: injected")
        inject(stack, fault, self.log)
        time.sleep(max(0.0, started / 1000 + plan.seconds - time.time()))
        record = load.stop(DRAIN_S)
        after = settled(stack.client, now_ms(), window_ms, self.settle_s)
        found = stored_markers(stack.client, started - 1000, prefix + "-")
        starts = window_starts(stack.client, before.last_fingerprint_id, after.last_fingerprint_id)
        return PhaseResult(
            fault=fault,
            events=count_events(record.sent, record.acked, found),
            windows=count_windows(
                starts, window_ms, before.last_window, after.skipped - before.skipped
            ),
            scores=ScoreCount(
                after.fingerprints - before.fingerprints,
                after.processed - before.processed,
                after.pending,
            ),
            alerts=count_alerts(
                alert_ids(stack.client, before.last_alert_id),
                self.watchers.heard_between(started, now_ms()),
            ),
            collector=count_answers(record.answers, fault_ms),
            dashboard=count_answers(self.watchers.dashboard, fault_ms),
            fingerprint_recovery_ms=self.watchers.first_fingerprint_ms,
            restarts=stack.restarts[restarts_before:],
            aof_delayed_fsync=int(stack.client.info("persistence")["aof_delayed_fsync"]),
        )


def run_chaos(plan: Plan, work_dir: Path, console: Console) -> list[PhaseResult]:
    """Every phase of ``plan`` on a fresh stack in ``work_dir``."""
    results = []
    with running_stack(plan.stack, work_dir, console.print) as stack:
        watchers = Watchers(stack, console.print)
        watchers.start()
        try:
            run = Run(plan, stack, watchers, console, secrets.token_hex(3))
            warm_up(run)
            for number, fault in enumerate(plan.faults, 1):
                result = run.phase(number, fault)
                results.append(result)
                console.print(f"[{number}/{len(plan.faults)}] {phase_line(result)}")
        finally:
            watchers.close()
    return results


def warm_up(run: Run) -> None:
    """A few windows of load before the first phase, so the roles are past start-up."""
    load = LoadRun("127.0.0.1", run.stack.collector_port, run.plan.shape, f"{run.tag}w", seed=0)
    load.start()
    time.sleep(3.0)
    load.stop(DRAIN_S)


def print_wide(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """A table too wide for 80 columns: printed whole when the output is not a terminal."""
    table = Table(title=title)
    for number, column in enumerate(columns):
        table.add_column(column, justify="left" if number == 0 else "right")
    for row in rows:
        table.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 220).print(table)


def report(results: list[PhaseResult], plan: Plan) -> None:
    shape = plan.shape
    print_wide(
        f"seismo bench chaos ({shape.rate:,.0f} events/s: {shape.batches_per_s:g} batches of "
        f"{shape.batch_size} + {shape.singles_per_s:,.0f} single POSTs per s; "
        f"{plan.seconds:g} s per phase, {plan.stack.collector_workers} collector workers, "
        f"{os.cpu_count()} CPUs)",
        TABLE_COLUMNS,
        [table_row(result) for result in results],
    )
    broken = [f"{r.fault}: {'; '.join(r.broken())}" for r in results if r.broken()]
    print("\n".join(["broken promises:", *broken]) if broken else "every promise kept")


def run(args: argparse.Namespace) -> int:
    if args.soak:
        from seismo.bench.chaos_soak import run_soak

        return run_soak(args)
    plan = Plan(
        faults=tuple(args.faults),
        seconds=args.seconds,
        shape=LoadShape(rate=args.rate),
    )
    console = Console()
    console.print(
        f"seismo bench chaos: {plan.shape.rate:,.0f} events/s, faults {', '.join(plan.faults)}"
    )
    with tempfile.TemporaryDirectory(prefix="seismo-chaos-") as tmp:
        work_dir = Path(args.log_dir or tmp)
        console.print(f"role logs in {work_dir / 'logs'}")
        results = run_chaos(plan, work_dir, console)
    report(results, plan)
    write_json(args.json, payload(results, plan))
    return 1 if any(r.broken() for r in results) else 0


def payload(results: list[PhaseResult], plan: Plan) -> dict[str, Any]:
    return {
        "phases": [r.to_dict() for r in results],
        "plan": {
            "faults": list(plan.faults),
            "seconds_per_phase": plan.seconds,
            "rate_events_per_s": plan.shape.rate,
            "batches_per_s": plan.shape.batches_per_s,
            "singles_per_s": plan.shape.singles_per_s,
            "batch_size": plan.shape.batch_size,
            "window_seconds": plan.stack.window_s,
            "grace_seconds": plan.stack.grace_s,
            "collector_workers": plan.stack.collector_workers,
            "appendfsync": "everysec",
        },
        "promises_kept": not any(r.broken() for r in results),
    }


def fault_list(text: str) -> list[str]:
    faults = [fault.strip() for fault in text.split(",") if fault.strip()]
    unknown = [fault for fault in faults if fault not in FAULTS]
    if unknown or not faults:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(FAULTS)} (comma-separated)")
    return faults


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "chaos", help="kill -9 Redis and every role under load; what was lost or doubled"
    )
    parser.add_argument("--seconds", type=float, default=25.0, help="length of each phase")
    parser.add_argument(
        "--faults", type=fault_list, default=list(FAULTS), help="comma-separated faults, in turn"
    )
    parser.add_argument("--rate", type=float, default=2000.0, help="events per second")
    parser.add_argument(
        "--soak", type=float, default=0.0, metavar="SECONDS",
        help="hold the load this long without faults and watch memory instead",
    )  # fmt: skip
    parser.add_argument("--log-dir", type=Path, default=None, help="keep the role logs here")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.set_defaults(handler=run)
