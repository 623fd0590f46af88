"""Whether this machine can hold a run's VUs: checked before anything is started.

Every VU keeps one connection open, so a run needs an open file per VU on top of what the
process already has open; past the limit the connections fail half-way through the run. The
soft limit (RLIMIT_NOFILE) is raised towards the hard limit when a run needs it, as a process may
do. Each VU also takes memory (its task, HTTP client and buffers in the process, its socket's
buffers in the kernel): a run whose VUs would not fit in the memory available is refused too.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
from pathlib import Path

from apps.loadtests.engine.config import ConstantArrivalRate, ConstantVUs, Executor, RampingVUs
from apps.loadtests.exceptions import ConfigError

# Files kept free for everything else the process opens while the VUs run (the database,
# logs, the --out csv file, DNS, TLS certificates).
RESERVED_FILES = 64
# Memory a VU takes, estimated (about 23 KiB measured in the process for a one-request
# scenario, plus its socket's buffers in the kernel).
MEMORY_PER_VU = 64 * 1024


class CapacityError(ConfigError):
    """The run's VUs do not fit within this process's open-file limit or the memory available."""

    code = "over_capacity"


def describe(executor: Executor) -> str:
    """How the user asked for the executor's largest number of VUs, for messages."""
    if isinstance(executor, ConstantVUs):
        return f"--vus {executor.vus}"
    if isinstance(executor, ConstantArrivalRate):
        return f"--max-vus {executor.max_vus}"
    if isinstance(executor, RampingVUs) and executor.max_vus > executor.start_vus:
        return f"a stage target of {executor.max_vus} VUs"
    return f"--vus {executor.max_vus}"


def open_files() -> int:
    """Files this process has open now (Linux's /proc; RESERVED_FILES elsewhere)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return RESERVED_FILES


def raise_open_files_limit(needed: int) -> tuple[int, int]:
    """Raise the soft open-file limit to `needed` (at most the hard limit) when it is lower;
    returns the (soft, hard) limits in force afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        # Past the kernel's own ceiling (fs.nr_open) the limit stays as it was.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft, hard


def available_memory() -> int | None:
    """Bytes this process can still take: the system's available memory, its cgroup's free
    share and its address-space limit, whichever is smallest; None when none is known."""
    limits = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        maximum = (cgroup / "memory.max").read_text().strip()
        if maximum != "max":
            limits.append(int(maximum) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    address_space, _ = resource.getrlimit(resource.RLIMIT_AS)
    if address_space != resource.RLIM_INFINITY:
        try:
            size = Path("/proc/self/statm").read_text().split()[0]
            limits.append(address_space - int(size) * resource.getpagesize())
        except (OSError, ValueError, IndexError):
            pass
    return max(min(limits), 0) if limits else None


def _figure(number: int) -> str:
    return "unlimited" if number == resource.RLIM_INFINITY else f"{number:,}"


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def check_vus(vus: int, what: str) -> None:
    """Refuse `vus` VUs in this process when they cannot all hold a connection or would not
    fit in memory; `what` says how they were asked for ("--vus 100000")."""
    needed = vus + open_files() + RESERVED_FILES
    soft, hard = raise_open_files_limit(needed)
    if soft != resource.RLIM_INFINITY and needed > soft:
        raise CapacityError(
            f"{what} needs ~{needed:,} open files (one connection per VU); this process may "
            f"open {_figure(soft)} (hard limit {_figure(hard)}): raise the limit (ulimit -n, "
            "LimitNOFILE= in a systemd unit), run fewer VUs, or spread them with --workers"
        )
    available = available_memory()
    memory = vus * MEMORY_PER_VU
    if available is not None and memory > available:
        raise CapacityError(
            f"{what} needs ~{_mib(memory)} of memory (~{MEMORY_PER_VU // 1024} KiB per VU); "
            f"{_mib(available)} is available: run fewer VUs, or spread them with --workers"
        )


def check_executor(executor: Executor, *, parts: int = 1) -> None:
    """The executor's largest number of VUs, or each part's share when the run is split over
    `parts` workers (remainders go to the first part, the largest)."""
    if parts <= 1:
        check_vus(executor.max_vus, describe(executor))
        return
    share = math.ceil(executor.max_vus / parts)
    check_vus(share, f"{describe(executor)} over --workers {parts} ({share} VUs in each part)")
