"""`--record` for the benchmarks: store what one measured in `validation_measurements`, where the
validation report reads it (`manage.py validation_report`).

The measurement goes to the database of the environment the benchmark is started from
(DATABASE_URL, as for every Dharma process: unset means the first-run SQLite file), never to the
scratch database a benchmark serves from. `prepare()` is called before measuring, so that a
database that cannot take the measurement fails the run at once rather than after it.
"""

import os
import shlex
import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def prepare() -> str:
    """Set Django up with the environment's settings; returns the database's description."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dharma.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.db import DatabaseError

    from apps.validation.models import ValidationMeasurement

    database = settings.DATABASES["default"]
    where = f"{database['ENGINE'].rsplit('.', 1)[-1]} database {database['NAME']}"
    try:
        ValidationMeasurement.objects.exists()
    except DatabaseError as exc:
        raise SystemExit(
            f"--record: {where} cannot store measurements ({exc}); run manage.py migrate"
        ) from None
    return where


def command_line() -> str:
    return shlex.join([str(Path(sys.argv[0]).resolve().relative_to(ROOT)), *sys.argv[1:]])


def store(
    *,
    kind: str,
    figures: dict[str, Any],
    started_at: datetime,
    finished_at: datetime,
    notes: str = "",
) -> str:
    """Store the measurement; returns its id."""
    from apps.validation.services import measurement_record

    measurement = measurement_record(
        kind=kind,
        figures=figures,
        command=command_line(),
        host=socket.gethostname(),
        started_at=started_at,
        finished_at=finished_at,
        notes=notes,
    )
    return str(measurement.pk)
