"""`manage.py reaploadtests`: what the `loadtests.reap` task does, now.

    manage.py reaploadtests

Stores the results waiting in this machine's spool (DHARMA_SPOOL_DIR: runs that finished while
the database was unreachable, or whose worker died before it could store them), then marks
errored the running runs whose heartbeat has been silent for longer than
DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS. Run it on a worker's machine when the worker starts, so
nothing it measured before a crash stays on its disk. Exit code 1 when the database cannot be
reached (the spooled results wait for the next try).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from apps.loadtests import services


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


class Command(BaseCommand):
    help = (
        "Store the load-test results spooled on this machine, then mark errored the running "
        "runs whose heartbeat is silent (what the loadtests.reap task does)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stored = services.store_spooled_results()
            reaped = services.reap_stale_runs()
        except (OperationalError, InterfaceError) as exc:
            raise CommandError(
                f"the database cannot be reached: {str(exc).strip()}", returncode=1
            ) from None
        self.stdout.write(
            f"stored {_plural(stored, 'spooled result')}; marked {_plural(reaped, 'run')} errored"
        )
