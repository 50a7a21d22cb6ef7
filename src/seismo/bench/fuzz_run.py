"""The fuzzing machinery of ``seismo bench fuzz``: Schemathesis cases, sent and checked.

Imported only when the benchmark runs: Schemathesis and Hypothesis are development
dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import HypothesisException
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from seismo.bench.fuzz import OperationTally

CHECKS: list[CheckFunction] = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_ROUND = 25
REQUEST_TIMEOUT_S = 10.0
Case = schemathesis.Case[Any]


@dataclass
class Fuzzer:
    """Sends generated cases for every operation of one server, keeping the tallies."""

    name: str
    base_url: str
    session: requests.Session
    tallies: dict[str, OperationTally] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self.tallies.values())

    def operations(self) -> list[Any]:
        schema = schemathesis.openapi.from_url(f"{self.base_url}/openapi.json")
        return [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]

    def round(self, operation: Any, mode: GenerationMode, round_seed: int, budget: int) -> None:
        """Up to ``budget`` generated cases of ``operation`` in ``mode``."""
        tally = self.tallies.setdefault(f"{self.name} {operation.label}", OperationTally())

        @seed(round_seed)
        @settings(
            max_examples=budget,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def send(case: Case) -> None:
            self.check(case, tally)

        try:
            send()
        except HypothesisException as exc:
            # A negative case of an operation without inputs cannot exist: not a finding.
            tally.generation_errors += 1
            tally.last_generation_error = f"{mode.value}: {str(exc)[:200]}"

    def check(self, case: Case, tally: OperationTally) -> None:
        """Send ``case``; count its status and every check it breaks."""
        try:
            response = case.call(
                base_url=self.base_url, session=self.session, timeout=REQUEST_TIMEOUT_S
            )
        except requests.RequestException as exc:
            tally.requests += 1
            tally.statuses[0] += 1
            tally.note(f"no answer: {exc}: {case.as_curl_command()}")
            return
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.note(f"{response.status_code} {response.text[:200]}: {case.as_curl_command()}")
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                self._broken(failure, response, case, tally)
        except Failure as failure:
            self._broken(failure, response, case, tally)

    def _broken(self, failure: Exception, response: Any, case: Case, tally: OperationTally) -> None:
        title = getattr(failure, "title", type(failure).__name__)
        tally.failures[title] += 1
        tally.note(f"{title}: {response.status_code}: {case.as_curl_command()}")


def fuzz(fuzzers: list[Fuzzer], total: int, log: Callable[[str], None]) -> None:
    """Rounds over every operation of every server, positive then negative, until
    ``total`` requests have been sent."""
    plans = [(fuzzer, op) for fuzzer in fuzzers for op in fuzzer.operations()]
    log(f"{len(plans)} operations: " + ", ".join(op.label for _, op in plans))
    number = 0
    while sum(f.requests for f in fuzzers) < total:
        mode = GenerationMode.POSITIVE if number % 2 == 0 else GenerationMode.NEGATIVE
        for fuzzer, operation in plans:
            fuzzer.round(operation, mode, number, EXAMPLES_PER_ROUND)
        number += 1
        log(f"round {number} ({mode.value}): {sum(f.requests for f in fuzzers):,} requests")


def fuzz_servers(
    servers: dict[str, str], total: int, log: Callable[[str], None]
) -> dict[str, OperationTally]:
    """Fuzz every server (name -> base URL) for ``total`` requests; tallies by operation."""
    with requests.Session() as session:
        fuzzers = [Fuzzer(name, url, session) for name, url in servers.items()]
        fuzz(fuzzers, total, log)
    return {name: t for f in fuzzers for name, t in f.tallies.items()}
