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


class ResultNotStoredError(LoadTestError):
    """A finished run's result could not be stored: the database stayed unreachable. The
    result waits on this machine's disk (the spool) for `store_spooled_results`."""

    code = "result_not_stored"

    def __init__(self, run_id, path, result, *, waited_s: float) -> None:
        self.run_id = run_id
        self.path = path
        self.result = result
        kept = (
            f"it is kept in {path} and stored by the reaper on this machine or by "
            "`manage.py reaploadtests` once the database is back"
            if path is not None
            else "it could not be kept on disk either (see the log)"
        )
        super().__init__(
            f"the result of load-test run {run_id} is not stored: the database stayed "
            f"unreachable for {waited_s:g} s; {kept}"
        )
