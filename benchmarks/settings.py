"""Settings for benchmarks: the project's own settings, plus the bare baseline views' URLs."""

from dharma.settings.base import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
