"""Finished runs' results kept on the worker's disk until the database has them.

A worker writes a run's whole result here before it stores it, and removes the file once the
database holds it: a database that is unreachable when the run ends, or a worker that dies while
it waits for it, leaves the file, which `store_spooled_results` (the `loadtests.reap` task, the
start of each queued run, `manage.py reaploadtests`) stores later on the same machine.

One JSON file per run, `<DHARMA_SPOOL_DIR>/loadtests/run-<id>.json`, written whole (a temporary
file renamed into place), so a reader never sees half a result.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def directory() -> Path:
    return Path(settings.DHARMA_SPOOL_DIR) / "loadtests"


def write(run_id: Any, result: dict[str, Any]) -> Path | None:
    """Keep `result` for run `run_id`; the file, or None when it could not be written (logged:
    the run is then stored straight away, as it would be without a spool)."""
    folder = directory()
    path = folder / f"run-{run_id}.json"
    partial = folder / f".run-{run_id}.json.partial"
    body = json.dumps(
        {"run_id": str(run_id), "spooled_at": timezone.now().isoformat(), "result": result},
        separators=(",", ":"),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with partial.open("w") as stream:
            stream.write(body)
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(path)
        with contextlib.suppress(OSError):  # the rename itself on disk (not on every system)
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    except OSError as exc:
        logger.error("cannot keep the result of load-test run %s in %s: %s", run_id, folder, exc)
        with contextlib.suppress(OSError):
            partial.unlink()
        return None
    return path


def pending() -> list[Path]:
    """The results waiting to be stored."""
    folder = directory()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("run-*.json"))


def read(path: Path) -> tuple[str, dict[str, Any]]:
    """(run id, result) of a spooled file; ValueError when it cannot be used."""
    try:
        data = json.loads(path.read_text())
        return str(data["run_id"]), dict(data["result"])
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def set_aside(path: Path) -> Path:
    """An unreadable file is renamed out of the way (`.unreadable`), kept for a person."""
    target = path.with_suffix(".unreadable")
    with contextlib.suppress(OSError):
        path.replace(target)
    return target
