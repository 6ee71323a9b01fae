"""Dashboard figures computed once and reused while the data under them stays the same.

Aggregating a million answers takes SQLite a few hundred milliseconds, too slow to repeat on every page
view. So each figure is kept with a fingerprint of the data (newest ids and a few row counts, which the
database reads from its indexes in about a millisecond): while the fingerprint is unchanged, the kept
figure is exact and is shown again. When learners have been active since, a kept figure younger than
`max_age_s` is still shown, marked with the time it was computed (the page offers to compute it again
now), so a busy site costs one aggregation per figure per `max_age_s`, not one per page view.
"""

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from app.timeutil import utcnow

T = TypeVar("T")
MAX_AGE_S = 60.0
FORGET_AFTER_S = 3600.0  # figures nobody asked for again (yesterday's days, other filters) are dropped


@dataclass(frozen=True)
class Kept:
    value: Any
    fingerprint: tuple[Any, ...]
    computed_at: datetime
    computed_clock: float


class Figures:
    def __init__(self, max_age_s: float = MAX_AGE_S) -> None:
        self.max_age_s = max_age_s
        self._kept: dict[Hashable, Kept] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], *, fingerprint: tuple[Any, ...],
            fresh: bool = False) -> tuple[T, datetime | None]:
        """The figure for `key`, and the time it was computed when newer data may exist (else None)."""
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and not fresh:
            if kept.fingerprint == fingerprint:
                return kept.value, None
            if time.monotonic() - kept.computed_clock < self.max_age_s:
                return kept.value, kept.computed_at
        value = compute()
        now = time.monotonic()
        with self._lock:
            for old in [k for k, v in self._kept.items() if now - v.computed_clock > FORGET_AFTER_S]:
                del self._kept[old]
            self._kept[key] = Kept(value, fingerprint, utcnow(), now)
        return value, None

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_create_lock = threading.Lock()


def figures_of(state: Any) -> Figures:
    """The app's figures store (one per app, made on first use)."""
    with _create_lock:
        figures: Figures | None = getattr(state, "admin_figures", None)
        if figures is None:
            figures = state.admin_figures = Figures()
        return figures
