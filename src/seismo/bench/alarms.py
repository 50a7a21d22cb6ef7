"""Shared parts of the benches that feed a streaming test simulated windows
(``seismo bench creep``, ``seismo bench surge``): alerting episodes over a long run, the
window of a fault's first alert, and the median of those delays."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence


def alarm_episodes(alerted: Callable[[], bool], windows: int, advance: Callable[[], None]) -> int:
    """Alerting episodes (a run of alerting windows counts once) in ``windows`` windows, each
    judged by ``alerted``; ``advance`` is called every 10,000 windows (progress)."""
    episodes, before = 0, False
    for i in range(windows):
        now = alerted()
        episodes += now and not before
        before = now
        if i % 10_000 == 0:
            advance()
    return episodes


def first_alert(alerted: Callable[[int], bool], max_delay: int) -> int | None:
    """The first of ``max_delay`` windows after a fault's onset (0: the onset's own) that
    ``alerted`` says alerted; None when none did."""
    return next((i for i in range(max_delay) if alerted(i)), None)


def median_delay(found: Sequence[int | None], max_delay: int) -> float | None:
    """The median of the delays ``found`` over the runs, a miss counted as ``max_delay``;
    None when more than half of them missed."""
    caught = sorted(d for d in found if d is not None)
    if len(caught) * 2 <= len(found):
        return None
    return float(statistics.median([*caught, *[max_delay] * (len(found) - len(caught))]))


def delay_cells(delays: Iterable[float | None]) -> list[str]:
    """Table cells of median delays (``-``: mostly not caught)."""
    return ["-" if d is None else f"{d:g}" for d in delays]
