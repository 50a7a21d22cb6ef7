"""``seismo bench fuzz``: generated requests against both OpenAPI documents, real servers.

The collector and the dashboard run as processes on an embedded Redis (with the aggregator
and detector, and a few seconds of load first, so the read API has fingerprints, alerts and
logs to serve). Schemathesis turns each server's own ``/openapi.json`` into request
generators, valid (positive) and invalid (negative) in turn, round after round, until the
requested number has been sent (``fuzz_run``). Every answer is checked: a 5xx is a broken
promise (bad input never reaches a 5xx), and an answer that breaks its own document (an
undocumented status, a body or content type the document does not allow) is counted per
check. Schemathesis is a development dependency, imported only when this runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from seismo.bench.chaos_load import LoadRun, LoadShape
from seismo.bench.chaos_stack import StackConfig, running_stack
from seismo.bench.report import print_table, write_json

SEED_LOAD_S = 4.0
KEEP_EXAMPLES = 5


@dataclass
class OperationTally:
    """What one operation answered over the run."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    """Check title -> answers that broke the document that way."""
    examples: list[str] = field(default_factory=list)
    generation_errors: int = 0
    last_generation_error: str = ""

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def note(self, text: str) -> None:
        if len(self.examples) < KEEP_EXAMPLES:
            self.examples.append(text[:400])


def run(args: argparse.Namespace) -> int:
    try:
        from seismo.bench.fuzz_run import fuzz_servers
    except ImportError as exc:
        print(f"seismo bench fuzz needs the development dependencies ({exc}): run `make install`")
        return 2
    console = Console()
    started = time.monotonic()
    config = StackConfig(training_windows=10)
    with (
        tempfile.TemporaryDirectory(prefix="seismo-fuzz-") as tmp,
        running_stack(config, Path(tmp), console.print) as stack,
    ):
        load = LoadRun("127.0.0.1", stack.collector_port, LoadShape(rate=500), "fuzz", 0)
        load.start()
        time.sleep(SEED_LOAD_S)
        load.stop(10.0)
        servers = {
            "collector": f"http://127.0.0.1:{stack.collector_port}",
            "dashboard": stack.dashboard_url,
        }
        tallies = fuzz_servers(servers, args.requests, console.print)
        restarts = list(stack.restarts)
    report(tallies, time.monotonic() - started)
    write_json(args.json, payload(tallies, restarts))
    return 1 if any(t.server_errors for t in tallies.values()) or restarts else 0


def report(tallies: dict[str, OperationTally], seconds: float) -> None:
    rows = [
        (
            name,
            f"{t.requests:,}",
            " ".join(f"{s}:{n}" for s, n in sorted(t.statuses.items())),
            str(t.server_errors),
            ", ".join(f"{title}: {n}" for title, n in t.failures.items()) or "-",
        )
        for name, t in tallies.items()
    ]
    total = sum(t.requests for t in tallies.values())
    errors = sum(t.server_errors for t in tallies.values())
    broken = sum(sum(t.failures.values()) for t in tallies.values())
    rows.append(("total", f"{total:,}", "", str(errors), str(broken)))
    print_table(
        f"seismo bench fuzz ({total:,} generated requests in {seconds:.0f} s)",
        ["operation", "requests", "statuses", "5xx", "answers breaking the document"],
        rows,
    )
    for name, tally in tallies.items():
        for example in tally.examples:
            print(f"{name}: {example}")


def payload(tallies: dict[str, OperationTally], restarts: list[str]) -> dict[str, Any]:
    return {
        "requests": sum(t.requests for t in tallies.values()),
        "server_errors": sum(t.server_errors for t in tallies.values()),
        "schema_failures": sum(sum(t.failures.values()) for t in tallies.values()),
        "operations": {
            name: {
                "requests": t.requests,
                "statuses": {str(s): n for s, n in sorted(t.statuses.items())},
                "server_errors": t.server_errors,
                "failures": dict(t.failures),
                "generation_errors": t.generation_errors,
                "last_generation_error": t.last_generation_error,
                "examples": t.examples,
            }
            for name, t in tallies.items()
        },
        "role_restarts": restarts,
    }


def register(benches: Any) -> None:
    parser: argparse.ArgumentParser = benches.add_parser(
        "fuzz", help="generated requests from both OpenAPI documents: 5xx and schema breaks"
    )
    parser.add_argument("--requests", type=int, default=10_000, help="requests to send")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.set_defaults(handler=run)
