"""Deciding from calibrated scores: a threshold, then "k hits in the last n windows".

Kept apart from scoring (STYLE principle 2): the detector says how unusual a window is, this
rule says whether that is an alarm. Plain values, stored with the incident state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seismo.config import DEFAULTS


@dataclass(frozen=True)
class AlarmRule:
    """A window is a *hit* at ``threshold``; an alarm needs ``hits`` of the last ``of``."""

    threshold: float = DEFAULTS.alert_threshold
    hits: int = 1
    of: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if not 1 <= self.hits <= self.of:
            raise ValueError("need 1 <= hits <= of")

    def hit(self, score: float) -> bool:
        return score >= self.threshold

    def recent(self, history: Sequence[bool], hit: bool) -> list[bool]:
        """``history`` with ``hit`` appended, keeping only the windows the rule looks at."""
        return [*history, hit][-self.of :]

    def firing(self, recent: Sequence[bool]) -> bool:
        return sum(recent) >= self.hits
