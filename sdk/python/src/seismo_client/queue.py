"""A bounded queue that drops its oldest events instead of blocking the application.

When the collector is slow or down, the application keeps producing events. Blocking it or
growing without bound would let Seismo hurt the service it watches, so the oldest events
(the least useful for real-time detection) make room and are counted as dropped.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class DropOldestQueue:
    """Thread-safe FIFO of at most ``capacity`` events; ``put`` never blocks."""

    def __init__(self, capacity: int) -> None:
        self._items: deque[dict[str, Any]] = deque()
        self._capacity = max(1, capacity)
        self._lock = threading.Lock()
        self.dropped = 0

    def put(self, item: dict[str, Any]) -> int:
        """Append ``item``, dropping the oldest when full; return the length after."""
        with self._lock:
            if len(self._items) >= self._capacity:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            return len(self._items)

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Remove and return up to ``limit`` events, oldest first."""
        with self._lock:
            count = min(limit, len(self._items))
            return [self._items.popleft() for _ in range(count)]

    def __len__(self) -> int:
        return len(self._items)
