"""Per-key rate limits (moving window, in memory) on top of the `limits` library."""

import math
import time

from limits import parse, storage, strategies


class RateLimiter:
    def __init__(self, rule: str) -> None:
        self.item = parse(rule)
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def retry_after(self, key: str) -> int | None:
        """Count a hit for `key`; None if allowed, else the seconds to wait."""
        if self.limiter.hit(self.item, key):
            return None
        stats = self.limiter.get_window_stats(self.item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
