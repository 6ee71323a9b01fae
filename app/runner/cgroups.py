"""The kernel's limits on a worker slot's runs: a memory and a pids cgroup (v1 or v2), made once per zygote."""

import contextlib
import logging
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)


class SlotCgroups:
    """A memory and a pids cgroup for one worker slot, reused by each of its runs (one at a time).

    A run is charged only for the pages it touches, not for the TensorFlow pages it shares with
    the zygote, and the kernel kills it (SIGKILL) past the limit: that is the `memory_limit` status.
    Works with cgroup v2 (unified) and v1 (separate memory and pids hierarchies).
    """

    ROOT = Path("/sys/fs/cgroup")

    def __init__(self, memory: Path, pids: Path, v2: bool) -> None:
        self.memory = memory
        self.pids = pids
        self.v2 = v2

    @classmethod
    def sweep(cls) -> None:
        """Remove the cgroups of zygotes that died without cleaning up."""
        for parent in (cls.ROOT, cls.ROOT / "memory", cls.ROOT / "pids"):
            for path in parent.glob("tfpatterns-slot-*-*") if parent.is_dir() else ():
                if not Path(f"/proc/{path.name.rsplit('-', 1)[1]}").exists():
                    with contextlib.suppress(OSError):
                        path.rmdir()

    @classmethod
    def create(cls, slot: int, memory_mb: int, processes: int) -> "SlotCgroups | None":
        cls.sweep()
        name = f"tfpatterns-slot-{slot}-{os.getpid()}"
        v2 = (cls.ROOT / "cgroup.controllers").exists()
        try:
            if v2:
                memory = pids = cls.ROOT / name
                memory.mkdir(exist_ok=True)
                (memory / "memory.max").write_text(str(memory_mb * 1024 * 1024))
                (memory / "memory.swap.max").write_text("0") if (memory / "memory.swap.max").exists() else None
                (pids / "pids.max").write_text(str(processes))
            else:
                memory, pids = cls.ROOT / "memory" / name, cls.ROOT / "pids" / name
                memory.mkdir(exist_ok=True)
                pids.mkdir(exist_ok=True)
                (memory / "memory.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
                (pids / "pids.max").write_text(str(processes))
        except OSError as error:
            logger.warning("cgroups are off for worker %d: %s", slot, error)
            return None
        return cls(memory, pids, v2)

    def attach(self, pid: int) -> None:
        """Move `pid` (before it forks the run) into this slot's cgroups."""
        (self.memory / "cgroup.procs").write_text(str(pid))
        if self.pids != self.memory:
            (self.pids / "cgroup.procs").write_text(str(pid))

    def _counter(self, file: str, key: str | None) -> int:
        try:
            text = (self.memory / file).read_text()
        except OSError:
            return 0
        if key is None:
            return int(text.strip() or 0)
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
        return 0

    def memory_events(self) -> tuple[int, int]:
        """(processes the kernel killed for exceeding the memory limit, times the limit was hit)."""
        if self.v2:
            return self._counter("memory.events", "oom_kill"), self._counter("memory.events", "max")
        return self._counter("memory.oom_control", "oom_kill"), self._counter("memory.failcnt", None)

    def remove(self) -> None:
        """Remove the cgroups once the last process has left them (the processes of a killed run die a
        moment after its first process is reaped, through their parent-death signals)."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                if not (self.memory / "cgroup.procs").read_text().strip():
                    break
            except OSError:
                break
            time.sleep(0.01)
        for path in {self.memory, self.pids}:
            with contextlib.suppress(OSError):
                path.rmdir()
