"""Run `manage.py` in a subprocess under resource limits, for tests of inputs that exhaust the
machine: an address-space limit (a memory bomb that gets through fails with MemoryError instead of
eating the machine), an optional open-file limit, and a timeout."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024**3


def run_manage(
    *args: str,
    address_space: int = GIB,
    open_files: tuple[int, int] | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` with the test settings, RLIMIT_AS set to `address_space` and, when
    given, RLIMIT_NOFILE to `open_files` (soft, hard); its exit code, stdout and stderr."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, open_files)

    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dharma.settings.test",
            **(env or {}),
        },
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
