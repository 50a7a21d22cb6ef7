"""When an OTLP event counts: its own time, unless its window has closed by the time the
export arrives.

Exporters batch: spans leave every 5 s by default, metrics every 60 s, longer than a
window plus its grace (5 s + 2 s by default). An event of a window already closed would
only be counted as late (in the sketches and streams, not in any fingerprint), so it is
counted at the export's arrival instead, in the window still open.
"""

from __future__ import annotations

from dataclasses import dataclass

from seismo.ingest.normalize import EARLIEST_MS

MARGIN_MS = 500
"""A window is taken as closed this long before its grace ends (the aggregator's tick)."""


@dataclass(frozen=True)
class Arrival:
    """The moment an export arrived, and the windows' length and grace (ms)."""

    now_ms: int
    window_ms: int
    grace_ms: int

    def event_ms(self, unix_nano: int) -> int:
        """The event time to store for an OTLP time in nanoseconds."""
        return self.at(unix_nano // 1_000_000)

    def at(self, event_ms: int) -> int:
        """``event_ms``, or the arrival when its window has closed (a time before 2000 is
        kept, so that validation refuses it)."""
        closes = (event_ms // self.window_ms + 1) * self.window_ms + self.grace_ms
        if event_ms < EARLIEST_MS or self.now_ms < closes - MARGIN_MS:
            return event_ms
        return self.now_ms
