"""The chaos benchmark's bookkeeping: what counts as lost, doubled, skipped or a bad 5xx."""

from __future__ import annotations

from seismo.bench.chaos_count import (
    TABLE_COLUMNS,
    AlertCount,
    Answer,
    PhaseResult,
    ScoreCount,
    count_alerts,
    count_answers,
    count_events,
    count_windows,
    longest_gap_ms,
    recovery_ms,
    table_row,
)


def test_events_acknowledged_but_missing_are_lost_and_repeats_are_duplicates() -> None:
    sent = {"a", "b", "c", "d", "e"}
    acked = {"a", "b", "c"}
    found = {"a": 1, "b": 2, "d": 1}
    count = count_events(sent, acked, found)
    assert (count.sent, count.acked) == (5, 3)
    assert count.lost == 1  # c
    assert count.duplicated == 1  # b
    assert count.unacked_stored == 1  # d: its answer was lost, the event was not
    assert count.unacked_missing == 1  # e: the client knew


def test_windows_in_step_are_neither_twice_nor_missing() -> None:
    count = count_windows([2000, 3000, 4000], 1000, before=1000, skipped=0)
    assert (count.closed, count.expected, count.twice, count.gaps) == (3, 3, 0, 0)


def test_a_window_closed_again_or_out_of_order_counts_twice() -> None:
    count = count_windows([2000, 2000, 3000, 1000], 1000, before=1000, skipped=0)
    assert count.twice == 2
    assert count.expected == 2


def test_gaps_are_broken_unless_the_aggregator_counted_them_as_skipped() -> None:
    gap = count_windows([2000, 5000], 1000, before=1000, skipped=0)
    assert (gap.gaps, gap.unexplained_gaps, gap.expected) == (2, 2, 4)
    explained = count_windows([2000, 5000], 1000, before=1000, skipped=2)
    assert explained.unexplained_gaps == 0


def test_the_first_windows_of_an_empty_stream_are_expected() -> None:
    assert count_windows([5000, 6000], 1000, before=None, skipped=0).expected == 2
    assert count_windows([], 1000, before=None, skipped=0).expected == 0


def test_scoring_more_windows_than_were_written_is_scoring_twice() -> None:
    assert ScoreCount(10, 12, 0).twice == 2
    assert ScoreCount(10, 8, 2).unscored == 2
    assert ScoreCount(10, 10, 0).twice == 0


def test_alert_ids_seen_twice_are_counted() -> None:
    assert count_alerts(["a", "b", "b"], ["a", "a"]) == AlertCount(2, 1, 1, 1)


def test_only_a_503_with_retry_after_is_an_allowed_5xx() -> None:
    assert not Answer("single", 0, 1, 503, retry_after=True).bad_5xx
    assert Answer("single", 0, 1, 503, retry_after=False).bad_5xx
    assert Answer("single", 0, 1, 500, retry_after=True).bad_5xx
    assert not Answer("single", 0, 1, 0).bad_5xx  # no answer: the client retries


def test_recovery_is_the_first_2xx_after_the_last_failure() -> None:
    answers = [
        Answer("batch", 990, 1000, 200),
        Answer("batch", 1000, 1100, 503, True),
        Answer("batch", 1100, 1500, 200),
        Answer("batch", 1500, 1800, 0),
        Answer("batch", 1800, 2300, 200),
    ]
    assert recovery_ms(answers, 1000) == 1300
    assert longest_gap_ms(answers, 1000) == 800
    count = count_answers(answers, 1000)
    assert (count.ok, count.status_503, count.no_answer, count.bad_5xx) == (3, 1, 1, 0)
    assert (count.failed_from_ms, count.failed_to_ms) == (100, 800)
    assert count.failures_by_s == {0: 2}


def test_recovery_without_failures_is_the_next_2xx_and_none_without_any() -> None:
    assert recovery_ms([Answer("single", 1000, 1040, 200)], 1000) == 40
    assert recovery_ms([Answer("single", 1000, 1040, 0)], 1000) is None


def result(**changes: object) -> PhaseResult:
    base = PhaseResult(
        fault="redis-kill",
        events=count_events({"a", "b"}, {"a", "b"}, {"a": 1, "b": 1}),
        windows=count_windows([2000, 3000], 1000, 1000, 0),
        scores=ScoreCount(2, 2, 0),
        alerts=count_alerts(["x"], ["x"]),
        collector=count_answers([Answer("batch", 0, 10, 200)], 0),
        dashboard=count_answers([Answer("dashboard", 0, 10, 503, True)], 0),
        fingerprint_recovery_ms=800,
        restarts=[],
    )
    return PhaseResult(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_a_phase_that_kept_every_promise_says_so() -> None:
    kept = result()
    assert kept.broken() == []
    row = table_row(kept)
    assert len(row) == len(TABLE_COLUMNS) and row[-1] == "kept"
    assert kept.to_dict()["broken"] == []


def test_each_broken_promise_is_named() -> None:
    broken = result(
        events=count_events({"a", "b"}, {"a", "b"}, {"b": 2}),
        windows=count_windows([2000, 2000], 1000, 1000, 0),
        collector=count_answers([Answer("batch", 0, 10, 500)], 0),
    )
    assert broken.broken() == [
        "1 acknowledged events lost",
        "1 events stored twice",
        "1 windows closed twice or out of order",
        "1 collector 5xx other than 503 + Retry-After",
    ]
    assert table_row(broken)[-1] == "BROKEN"
