"""Helpers shared by the benchmark scripts in this folder (not a benchmark itself).

- `Client`: one browser-like client -- a raw keep-alive `http.client.HTTPConnection` and a tiny cookie
  jar -- chosen for its low client CPU cost (see bench/pages.py);
- process and /proc helpers: free port, RSS/PSS, CPU seconds, machine busy time, the process tree;
- server life cycle: wait for a healthy `/healthz`, show the log tail, stop the server (or its whole
  process group).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
REQUEST_TIMEOUT_S = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


class SetupError(Exception):
    """The benchmark cannot run (no lesson, server does not come up, ...)."""


# --------------------------------------------------------------------------------------------- client


class Client:
    """One browser-like client: one keep-alive connection and one cookie jar."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        for header in response.headers.get_all("set-cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0].strip()
        if response.will_close:
            self.close()
        return response.status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path, headers={"Accept": "text/html,application/json;q=0.9,*/*;q=0.8"})

    def post_json(self, path: str, body: bytes) -> tuple[int, bytes]:
        return self.request("POST", path, body=body,
                            headers={"Content-Type": "application/json", "Accept": "application/json"})


# ------------------------------------------------------------------------------------------ numbers


def p95(sorted_values: list[float]) -> float:
    if not sorted_values:
        return float("nan")
    index = max(0, -(-95 * len(sorted_values) // 100) - 1)  # nearest-rank
    return sorted_values[index]


# ------------------------------------------------------------------------------------------- process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def smaps_rollup_kib(pid: int) -> dict[str, int] | None:
    """Rss, Pss, Private_Clean, Private_Dirty, ... (KiB) from /proc/<pid>/smaps_rollup; None if unreadable
    (gone, a zombie, or no permission)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    values: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key.strip()] = int(parts[0])
    return values if "Pss" in values else None


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name: [0] = state, [1] = ppid, [2] = pgrp, ..."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_seconds_with_children(pid: int) -> float | None:
    """utime + stime + cutime + cstime: the process and every child it has waited for; None if gone."""
    try:
        fields = _stat_fields(pid)
    except (OSError, ValueError, IndexError):
        return None
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK


def process_table() -> dict[int, tuple[int, str]]:
    """{pid: (ppid, state)} for every process visible in /proc (processes that vanish are skipped)."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def children_of(table: dict[int, tuple[int, str]]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _state) in table.items():
        children.setdefault(ppid, []).append(pid)
    return children


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def machine_busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# -------------------------------------------------------------------------------------------- server


def _default_ready(status: int, body: bytes) -> bool:
    return status == 200 and b'"ok"' in body


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log_path: Path, *, timeout_s: float = 30.0,
                 ready: Callable[[int, bytes], bool] = _default_ready) -> None:
    """Poll GET /healthz until `ready(status, body)`; SetupError if the server exits or times out."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"server exited with status {proc.returncode} before answering /healthz\n"
                             + tail(log_path))
        conn = http.client.HTTPConnection(HOST, port, timeout=1.0)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            if ready(response.status, body):
                return
            last = f"HTTP {response.status}: {body[:200]!r}"
        except OSError as error:
            last = repr(error)
        finally:
            conn.close()
        time.sleep(0.02)
    raise SetupError(f"server not healthy after {timeout_s:.0f} s ({last})\n" + tail(log_path))


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "--- server log (tail) ---\n" + "\n".join(text[-lines:])


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def stop_group(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """Stop a server started with start_new_session=True and everything in its process group.

    SIGTERM goes to the server alone first, so that it shuts down as in production (its lifespan
    closes the runner pool, whose workers clean up after themselves); then SIGKILL goes to the whole
    process group, which ends whatever is still there (all of it, if the graceful stop took too long)."""
    pgid = proc.pid  # a session leader's process group id is its own pid
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
