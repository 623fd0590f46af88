"""Domain errors of load testing, each with a stable code."""


class LoadTestError(Exception):
    """Base class; `code` is stable and machine-readable, the message is for people."""

    code = "loadtest_error"


class ConfigError(LoadTestError, ValueError):
    """Bad input: a duration, stage, threshold expression, scenario file or URL that cannot be
    used. Interfaces turn it into a usage error (the command's exit code 2, an API's 400)."""

    code = "invalid_config"


class TargetNotAllowedError(ConfigError):
    """The target host is not in DHARMA_LOADTEST_ALLOWED_HOSTS: nothing may be sent to it."""

    code = "target_not_allowed"
