"""The chaos benchmark's bookkeeping, pure: what the client saw against what Redis holds.

Each function takes plain records (answers, markers found in the streams, fingerprint
windows, detector counters, alert ids) and says what a phase did to Seismo's promises
(SPEC section 11): nothing acknowledged lost or counted twice, each window closed once,
each fingerprint scored once, each alert sent once, no 5xx but a 503 with Retry-After.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any


@dataclass(frozen=True)
class Answer:
    """One HTTP request and its answer; ``status`` 0 when none came (refused, reset,
    timed out)."""

    kind: str
    sent_ms: int
    done_ms: int
    status: int
    retry_after: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def bad_5xx(self) -> bool:
        """A 5xx the promises forbid: anything but a 503 that says when to retry."""
        return self.status >= 500 and not (self.status == 503 and self.retry_after)


@dataclass(frozen=True)
class EventCount:
    """Events of one phase: acknowledged (2xx) against found in Redis."""

    sent: int
    acked: int
    lost: int
    """Acknowledged but not in Redis: a broken promise."""
    duplicated: int
    """Found more than once (a retried batch counted twice): a broken promise."""
    unacked_stored: int
    """Sent without a 2xx, stored anyway (the answer was lost or came too late)."""
    unacked_missing: int
    """Sent without a 2xx and not stored: the client knew it had to retry."""


def count_events(sent: set[str], acked: set[str], found: Mapping[str, int]) -> EventCount:
    """Compare the markers the client sent and saw acknowledged with those in Redis
    (``found``: marker -> how many stream entries carry it)."""
    unacked = sent - acked
    return EventCount(
        sent=len(sent),
        acked=len(acked),
        lost=sum(1 for marker in acked if marker not in found),
        duplicated=sum(1 for n in found.values() if n > 1),
        unacked_stored=sum(1 for marker in unacked if marker in found),
        unacked_missing=sum(1 for marker in unacked if marker not in found),
    )


@dataclass(frozen=True)
class WindowCount:
    """Fingerprint windows closed in one phase, in stream order."""

    closed: int
    expected: int
    twice: int
    """Windows closed again, or out of order: a broken promise."""
    gaps: int
    """Windows never closed."""
    skipped: int
    """Windows the aggregator says it skipped (their structures had expired)."""

    @property
    def unexplained_gaps(self) -> int:
        """Gaps the aggregator does not account for: a broken promise."""
        return max(0, self.gaps - self.skipped)


def count_windows(
    starts: Sequence[int], window_ms: int, before: int | None, skipped: int
) -> WindowCount:
    """``starts``: window starts of the fingerprints appended during the phase, in stream
    order; ``before``: the last one before it (None on an empty stream)."""
    twice = gaps = 0
    previous = before
    for start in starts:
        if previous is not None:
            if start <= previous:
                twice += 1
                continue
            gaps += (start - previous) // window_ms - 1
        previous = start
    first = before if before is not None else (starts[0] - window_ms if starts else None)
    expected = 0 if first is None or previous is None else (previous - first) // window_ms
    return WindowCount(len(starts), expected, twice, gaps, skipped)


@dataclass(frozen=True)
class ScoreCount:
    """Fingerprints appended against windows the detectors applied (``processed``)."""

    fingerprints: int
    scored: int
    pending: int

    @property
    def twice(self) -> int:
        """Applied more often than there were windows: a broken promise."""
        return max(0, self.scored - self.fingerprints)

    @property
    def unscored(self) -> int:
        return max(0, self.fingerprints - self.scored)


@dataclass(frozen=True)
class AlertCount:
    """Alerts stored in ``anomalies`` and heard on the ``alerts`` channel, by id."""

    stored: int
    stored_twice: int
    heard: int
    heard_twice: int


def count_alerts(stored_ids: Sequence[str], heard_ids: Sequence[str]) -> AlertCount:
    """Ids appended to ``anomalies`` and ids heard on Pub/Sub (which may miss some while
    Redis restarts, but must never deliver one twice)."""
    return AlertCount(
        stored=len(set(stored_ids)),
        stored_twice=len(stored_ids) - len(set(stored_ids)),
        heard=len(set(heard_ids)),
        heard_twice=len(heard_ids) - len(set(heard_ids)),
    )


@dataclass(frozen=True)
class AnswerCount:
    """The answers of one phase by class, and how long the service took to recover."""

    requests: int
    ok: int
    status_503: int
    bad_5xx: int
    no_answer: int
    other: int
    recovery_ms: int | None
    """From the fault to the first 2xx after the last failed answer."""
    longest_gap_ms: int
    """The longest stretch after the fault without a 2xx answer."""
    failed_from_ms: int | None
    """First and last failed answer, relative to the fault (negative: before it)."""
    failed_to_ms: int | None
    failures_by_s: dict[int, int]
    """Failed answers (non-2xx or none) by whole second since the fault."""


def count_answers(answers: Sequence[Answer], fault_ms: int) -> AnswerCount:
    """Classify every answer; recovery and gap are measured from ``fault_ms``."""
    ok = sum(1 for a in answers if a.ok)
    bad = sum(1 for a in answers if a.bad_5xx)
    unavailable = sum(1 for a in answers if a.status == 503 and not a.bad_5xx)
    none = sum(1 for a in answers if a.status == 0)
    failed = [a.done_ms for a in answers if not a.ok]
    return AnswerCount(
        requests=len(answers),
        ok=ok,
        status_503=unavailable,
        bad_5xx=bad,
        no_answer=none,
        other=len(answers) - ok - bad - unavailable - none,
        recovery_ms=recovery_ms(answers, fault_ms),
        longest_gap_ms=longest_gap_ms(answers, fault_ms),
        failed_from_ms=min(failed) - fault_ms if failed else None,
        failed_to_ms=max(failed) - fault_ms if failed else None,
        failures_by_s=dict(sorted(Counter((t - fault_ms) // 1000 for t in failed).items())),
    )


def recovery_ms(answers: Sequence[Answer], fault_ms: int) -> int | None:
    """From ``fault_ms`` to the first 2xx answered after the last failed answer (after the
    first 2xx at all when nothing failed); None when no 2xx came."""
    after = sorted((a for a in answers if a.done_ms >= fault_ms), key=lambda a: a.done_ms)
    failed = [a.done_ms for a in after if not a.ok]
    since = failed[-1] if failed else fault_ms
    first = next((a.done_ms for a in after if a.ok and a.done_ms >= since), None)
    return None if first is None else first - fault_ms


def longest_gap_ms(answers: Sequence[Answer], fault_ms: int) -> int:
    """The longest time after ``fault_ms`` between two 2xx answers."""
    times = sorted(a.done_ms for a in answers if a.ok and a.done_ms >= fault_ms)
    edges = [fault_ms, *times]
    return max((b - a for a, b in pairwise(edges)), default=0)


@dataclass(frozen=True)
class PhaseResult:
    """Everything measured in one phase."""

    fault: str
    events: EventCount
    windows: WindowCount
    scores: ScoreCount
    alerts: AlertCount
    collector: AnswerCount
    dashboard: AnswerCount
    fingerprint_recovery_ms: int | None
    """From the fault to the first fingerprint appended after it."""
    restarts: list[str]
    """Role restarts the bench made (the fault's own and any crash after it)."""
    aof_delayed_fsync: int = 0
    """Redis's count of AOF writes it postponed behind a slow fsync (``INFO persistence``,
    since its last start): while one is postponed, acknowledged writes are not yet in the
    file, and a ``kill -9`` would lose them."""

    def broken(self) -> list[str]:
        """The promises this phase broke, in words; empty when it kept them all."""
        checks = [
            (self.events.lost, "acknowledged events lost"),
            (self.events.duplicated, "events stored twice"),
            (self.windows.twice, "windows closed twice or out of order"),
            (self.windows.unexplained_gaps, "windows never closed (not counted as skipped)"),
            (self.scores.twice, "fingerprints scored twice"),
            (self.alerts.stored_twice, "alerts stored twice"),
            (self.alerts.heard_twice, "alerts published twice"),
            (self.collector.bad_5xx, "collector 5xx other than 503 + Retry-After"),
            (self.dashboard.bad_5xx, "dashboard 5xx other than 503 + Retry-After"),
        ]
        return [f"{count} {what}" for count, what in checks if count > 0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["windows"]["unexplained_gaps"] = self.windows.unexplained_gaps
        data["scores"]["twice"] = self.scores.twice
        data["broken"] = self.broken()
        return data


def table_row(result: PhaseResult) -> list[str]:
    """One line of the printed table (columns ``TABLE_COLUMNS``)."""
    w, s, c = result.windows, result.scores, result.collector
    alerts = result.alerts
    return [
        result.fault,
        f"{result.events.acked:,}",
        str(result.events.lost),
        str(result.events.duplicated),
        str(result.events.unacked_stored),
        f"{w.closed}/{w.expected}",
        str(w.twice),
        f"{w.unexplained_gaps} ({w.skipped})",
        f"{s.scored}/{s.fingerprints}",
        f"{alerts.stored} ({alerts.stored_twice + alerts.heard_twice})",
        str(c.status_503),
        str(c.no_answer),
        str(c.bad_5xx + result.dashboard.bad_5xx),
        _ms(c.longest_gap_ms),
        _ms(c.recovery_ms),
        _ms(result.fingerprint_recovery_ms),
        str(len(result.restarts)),
        "kept" if not result.broken() else "BROKEN",
    ]


TABLE_COLUMNS = [
    "fault",
    "acked",
    "lost",
    "dup",
    "unacked stored",
    "windows",
    "twice",
    "gaps (skipped)",
    "scored",
    "alerts (dup)",
    "503",
    "no answer",
    "bad 5xx",
    "no 2xx for ms",
    "2xx after ms",
    "fp after ms",
    "restarts",
    "promises",
]


def phase_line(result: PhaseResult) -> str:
    """The phase in one line, for the progress output."""
    e, w, s, c = result.events, result.windows, result.scores, result.collector
    verdict = "; ".join(result.broken()) or "promises kept"
    return (
        f"{result.fault}: acked {e.acked:,} lost {e.lost} dup {e.duplicated} "
        f"(unacked {e.sent - e.acked:,}, stored anyway {e.unacked_stored}); windows "
        f"{w.closed}/{w.expected}; scored {s.scored}/{s.fingerprints}; 503 {c.status_503}, "
        f"no answer {c.no_answer}, bad 5xx {c.bad_5xx + result.dashboard.bad_5xx}; no 2xx for "
        f"{_ms(c.longest_gap_ms)} ms, 2xx after {_ms(c.recovery_ms)} ms, fingerprint after "
        f"{_ms(result.fingerprint_recovery_ms)} ms: {verdict}"
    )


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
