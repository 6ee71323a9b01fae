"""Per-key rate limits (moving window) on top of the `limits` library, kept in the storage that
`TFP_RATE_LIMIT_STORAGE` names (memory by default; a Redis URI shares the counts between web processes)."""

import math
import time
from dataclasses import dataclass

from limits import parse, storage, strategies

from app.settings import Settings


class RateLimiter:
    def __init__(self, rule: str, *, store: storage.Storage | None = None, prefix: str = "") -> None:
        self.item = parse(rule)
        self.prefix = prefix
        self.limiter = strategies.MovingWindowRateLimiter(store or storage.MemoryStorage())

    def retry_after(self, key: str) -> int | None:
        """Count a hit for `key`; None if allowed, else the seconds to wait."""
        if self.limiter.hit(self.item, self.prefix, key):
            return None
        return self.wait(key)

    def blocked_for(self, key: str) -> int | None:
        """Without counting a hit: None if `key` may go on, else the seconds to wait."""
        if self.limiter.test(self.item, self.prefix, key):
            return None
        return self.wait(key)

    def hit(self, key: str) -> None:
        self.limiter.hit(self.item, self.prefix, key)

    def wait(self, key: str) -> int:
        stats = self.limiter.get_window_stats(self.item, self.prefix, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


@dataclass(frozen=True)
class Limits:
    """Every rate limit of the web app, sharing one storage."""

    runs: RateLimiter
    # Failed logins, counted per address and per (account, address): a wrong password from one place never
    # locks the account for anyone else, and a classroom behind one address may all log in at once.
    login_address: RateLimiter
    login_pair: RateLimiter
    # Failed logins for an account from anywhere: past this, every attempt on it is slowed, never refused,
    # so guessing from many addresses is slow and the owner's correct password still works.
    login_account: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        store = storage.storage_from_string(settings.rate_limit_storage)
        return cls(
            runs=RateLimiter(f"{settings.runner_rate_per_minute}/minute", store=store, prefix="runs"),
            login_address=RateLimiter(settings.login_address_rate, store=store, prefix="login-address"),
            login_pair=RateLimiter(settings.login_rate, store=store, prefix="login-pair"),
            login_account=RateLimiter(settings.login_account_rate, store=store, prefix="login-account"),
        )
