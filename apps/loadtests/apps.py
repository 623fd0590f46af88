from django.apps import AppConfig


class LoadtestsConfig(AppConfig):
    """Load tests: a k6-style engine (apps.loadtests.engine) and the `runloadtest` command."""

    name = "apps.loadtests"
    label = "loadtests"
    verbose_name = "Load tests"
