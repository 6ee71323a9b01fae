"""Isolation of one run, applied in the forked child before any learner code exists.

Layers, each detected on the host rather than assumed (see README.md in this folder):
- process: a fresh fork per run, its own session, killed with its parent, rlimits (CPU, data,
  file size, open files, processes), no core dumps, no_new_privs, scrubbed environment;
- namespaces: private mount, network (no interface up, not even loopback), PID, IPC and UTS
  namespaces; a private noexec /tmp and /dev/shm; the application's data folders hidden;
- user: an unprivileged uid/gid per worker slot, which also drops every capability;
- cgroups (cgroups.py): per worker slot, memory and process-count limits enforced by the kernel.
"""

import contextlib
import ctypes
import ctypes.util
import os
import resource
import signal
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
RUN_PROCESS_NAME = b"tfp-run"
PR_SET_NO_NEW_PRIVS = 38
SANDBOX_UID_BASE = 61000
WORKDIR = "/tmp/run"

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


_own_pid_namespace: int | None = None


def new_pid_namespace_for_next_child() -> None:
    """Make this process's next child PID 1 of a fresh PID namespace; callable once per run.

    A second unshare(CLONE_NEWPID) is refused while the namespace for children differs from the caller's
    own, so first point it back at our own namespace (setns to a file opened once)."""
    global _own_pid_namespace
    if _own_pid_namespace is None:
        _own_pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    _check(_libc.setns(_own_pid_namespace, CLONE_NEWPID), "setns")
    unshare(CLONE_NEWPID)


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                    data.encode() if data else None),
        f"mount {target}",
    )


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, value, 0, 0, 0), "prctl")


@dataclass(frozen=True)
class Layers:
    """Which isolation layers this host allows; decided once when a zygote starts."""

    namespaces: bool
    unprivileged_user: bool
    hidden_paths: tuple[str, ...] = field(default=())
    kept_paths: tuple[str, ...] = field(default=())
    cgroups: bool = False

    def describe(self) -> dict[str, str]:
        return {
            "process": "on: fork per run, own session, rlimits (CPU, memory, files, processes), no_new_privs",
            "namespaces": "on: mount, pid, ipc per run; network (no interface up), uts per worker; private noexec /tmp"
            if self.namespaces else "OFF: the host does not allow unshare(2) (needs root or user namespaces)",
            "user": f"on: runs as uid {SANDBOX_UID_BASE}+slot, no capabilities"
            if self.unprivileged_user else "OFF: the runner is not root, so runs keep the runner's own uid",
            "cgroups": "on: a memory and a pids cgroup per worker (a run over its memory is killed: memory_limit)"
            if self.cgroups else "OFF: cgroups are not writable here; memory is limited by RLIMIT_DATA only",
            "hidden paths": ", ".join(self.hidden_paths) or "none",
            "kept inside them": ", ".join(k for k in self.kept_paths if self._inside_hidden(k)) or "nothing",
        }


    def _inside_hidden(self, path: str) -> bool:
        return any(Path(path).is_relative_to(hidden) for hidden in self.hidden_paths)


def _probe_namespaces() -> bool:
    """Can a child unshare the namespaces we use and mount a tmpfs? Tried in a throwaway fork."""
    pid = os.fork()
    if pid == 0:
        try:
            unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID)
            mount("none", "/", None, MS_REC | MS_PRIVATE)
            mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m")
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def detect_layers(hidden_paths: list[str], kept_paths: list[str], *, cgroups: bool = False) -> Layers:
    def existing(paths: list[str]) -> tuple[str, ...]:
        return tuple(sorted({str(Path(p).resolve()) for p in paths if p and Path(p).exists()}))

    return Layers(namespaces=_probe_namespaces(), unprivileged_user=os.geteuid() == 0,
                  hidden_paths=existing(hidden_paths), kept_paths=existing(kept_paths), cgroups=cgroups)


def enter_worker_namespaces(layers: Layers) -> None:
    """In the zygote, once: a network namespace with no interface up (not even loopback) and a neutral
    hostname, shared by its runs one after another. Nothing in them outlives a run: sockets close with
    their processes, and a run's unprivileged user can change neither. (Made once, not per run: creating
    and tearing down a network namespace costs the kernel more than the rest of a run's sandbox.)"""
    if layers.namespaces:
        unshare(CLONE_NEWNET | CLONE_NEWUTS)
        _libc.sethostname(b"sandbox", 7)


def enter_namespaces(layers: Layers) -> None:
    """In the run's child (already in its own PID namespace): new mount and IPC namespaces (System V IPC
    objects outlive processes, so they must not be shared between runs), private mounts, app data hidden."""
    if not layers.namespaces:
        return
    unshare(CLONE_NEWNS | CLONE_NEWIPC)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    # A read-only root: nothing a run writes outside its private tmpfs folders can persist.
    with contextlib.suppress(OSError):
        mount("none", "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    for target, size in (("/tmp", "64m"), ("/dev/shm", "16m"), ("/var/tmp", "1m"), ("/run/lock", "1m")):
        if os.path.isdir(target):
            # A private, writable tmpfs; Python itself stays readable when it lives below (a checkout in /tmp)
            _cover(target, kept_below(layers, target), flags=MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   options=f"size={size},mode=1777", read_only=False)
    for path in layers.hidden_paths:
        if os.path.isdir(path):
            _cover(path, kept_below(layers, path), flags=MS_NOSUID | MS_NODEV, options="size=64k,mode=755",
                   read_only=True)


def kept_below(layers: Layers, path: str) -> list[str]:
    """The kept folders inside `path`, outermost only (a virtualenv, not also its site-packages)."""
    below = [kept for kept in layers.kept_paths if Path(kept).is_relative_to(path) and kept != path]
    return [kept for kept in below if not any(Path(kept).is_relative_to(o) and o != kept for o in below)]


def _cover(path: str, keep: list[str], *, flags: int, options: str, read_only: bool) -> None:
    """Cover `path` with an empty tmpfs, then bring back `keep` (e.g. a Python installation under /root or
    a virtualenv under /tmp) read-only at the same place. The kept folders are opened before the tmpfs
    covers them. A read-only cover is remounted read-only and noexec once the kept folders are back."""
    handles = [os.open(k, os.O_RDONLY | os.O_DIRECTORY) for k in keep]
    try:
        mount("tmpfs", path, "tmpfs", flags, options)
        for kept, handle in zip(keep, handles, strict=True):
            os.makedirs(kept, mode=0o755, exist_ok=True)
            mount(f"/proc/self/fd/{handle}", kept, None, MS_BIND | MS_REC)
            mount("none", kept, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        if read_only:
            mount("none", path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    finally:
        for handle in handles:
            os.close(handle)


def enter_pid_namespace(layers: Layers) -> None:
    """In the run's child, inside its PID and mount namespaces: a /proc that shows only this run."""
    if layers.namespaces:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def enter_run_process(layers: Layers, slot: int) -> None:
    """In the process that runs learner code: its own folder, then the unprivileged user."""
    os.makedirs(WORKDIR, mode=0o700, exist_ok=True)
    if layers.unprivileged_user:
        uid = SANDBOX_UID_BASE + slot
        os.chown(WORKDIR, uid, uid)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        die_with_parent()  # changing uid clears the parent-death signal
    os.chdir(WORKDIR)


def _data_size() -> int:
    """Bytes of private data this process already maps (inherited from the zygote)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_limits(*, cpu_s: int, memory_mb: int, file_bytes: int, processes: int, in_cgroups: bool) -> None:
    """rlimits for the run. RLIMIT_DATA (not RLIMIT_AS, under which TensorFlow aborts) allows `memory_mb`
    beyond what the zygote already maps: a single absurd allocation fails at once with an error the
    learner can read, while the memory cgroup, where there is one, limits the memory really touched."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    headroom = 2 if in_cgroups else 1
    memory = _data_size() + headroom * memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # RLIMIT_NPROC counts every process and thread of the uid on the whole host: another runner or pool
    # using the same sandbox uid would make TensorFlow's thread creation fail (an abort) in this run.
    # With cgroups, the slot's pids cgroup counts exactly this worker's processes, so it is used alone.
    if not in_cgroups:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def name_run_process() -> None:
    """Name the process that runs learner code (and, by inheritance, anything it forks) in `ps`, so a run's
    processes can be told from the idle child prepared for the next run."""
    name = ctypes.create_string_buffer(RUN_PROCESS_NAME)
    _check(_libc.prctl(PR_SET_NAME, name, 0, 0, 0), "prctl")


def die_with_parent() -> None:
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
