"""The Celery broker's visibility timeout and the reapers' windows and intervals come from the
environment, with defaults that keep a killed worker's tasks from waiting an hour."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = (
    "DHARMA_CELERY_VISIBILITY_TIMEOUT",
    "DHARMA_DEPLOYMENT_STALE_SECONDS",
    "DHARMA_IAC_STALE_SECONDS",
    "DHARMA_REAP_INTERVAL_SECONDS",
)
SHOW = """
import json
from dharma.settings import base as s
print(json.dumps({
    "transport": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "deployments": s.DHARMA_DEPLOYMENT_STALE_SECONDS,
    "iac": s.DHARMA_IAC_STALE_SECONDS,
    "beat": {name: entry["schedule"] for name, entry in s.CELERY_BEAT_SCHEDULE.items()},
}))
"""


def settings_with(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env={**env, **variables},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_the_defaults():
    shown = settings_with()
    assert shown.returncode == 0, shown.stderr
    values = json.loads(shown.stdout)
    # Longer than the longest built-in job, far shorter than kombu's hour.
    assert values["transport"]["visibility_timeout"] == 900
    assert values["deployments"] == 600
    # A generation left running is redelivered (and rendered) before the reaper fails it.
    assert values["iac"] > values["transport"]["visibility_timeout"]
    assert values["beat"]["deployments-reap"] == values["beat"]["iac-reap"] == 60.0


def test_the_environment_sets_them():
    shown = settings_with(
        DHARMA_CELERY_VISIBILITY_TIMEOUT="7200", DHARMA_DEPLOYMENT_STALE_SECONDS="120",
        DHARMA_REAP_INTERVAL_SECONDS="15",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    values = json.loads(shown.stdout)
    assert values["transport"]["visibility_timeout"] == 7200
    assert values["deployments"] == 120
    assert values["iac"] == 7200 + 300  # follows the visibility timeout unless set
    assert values["beat"]["deployments-reap"] == values["beat"]["iac-reap"] == 15.0
    assert json.loads(settings_with(DHARMA_IAC_STALE_SECONDS="30").stdout)["iac"] == 30


def test_a_bad_value_stops_the_start_naming_the_variable():
    for value in ("an hour", "0", "-5"):
        shown = settings_with(DHARMA_CELERY_VISIBILITY_TIMEOUT=value)
        assert shown.returncode != 0
        assert "DHARMA_CELERY_VISIBILITY_TIMEOUT" in shown.stderr.splitlines()[-1]
