"""OTLP events keep their own time unless their window closed before the export arrived."""

from __future__ import annotations

from seismo.ingest.otlp.timing import Arrival

WINDOW_MS, GRACE_MS = 5_000, 2_000
NOW_MS = 1_796_170_001_000  # 1 s into a window: the previous one closes 1 s from now


def ns(ms: int) -> int:
    return ms * 1_000_000


def test_an_event_of_the_open_window_or_of_one_still_in_its_grace_keeps_its_time() -> None:
    arrival = Arrival(NOW_MS, WINDOW_MS, GRACE_MS)
    assert arrival.event_ms(ns(NOW_MS - 500)) == NOW_MS - 500
    assert arrival.event_ms(ns(NOW_MS - 1_500)) == NOW_MS - 1_500  # previous window, in grace


def test_an_event_of_a_closed_window_counts_at_arrival_in_the_open_one() -> None:
    arrival = Arrival(NOW_MS, WINDOW_MS, GRACE_MS)
    assert arrival.event_ms(ns(NOW_MS - 60_000)) == NOW_MS
    late = Arrival(NOW_MS + 600, WINDOW_MS, GRACE_MS)
    assert late.event_ms(ns(NOW_MS - 1_500)) == NOW_MS + 600  # its grace ends within the margin


def test_a_time_before_2000_is_kept_so_that_validation_refuses_it() -> None:
    assert Arrival(NOW_MS, WINDOW_MS, GRACE_MS).event_ms(0) == 0
