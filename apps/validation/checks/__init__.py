"""Readiness checks of the running stack. Each check measures, compares with its thresholds and
answers pass / warn / fail / not measured (with why); a check whose target is down or slow fails
with the error, and the run goes on."""

from apps.validation.checks.base import Check, CheckResult, Status
from apps.validation.checks.celery import CeleryCheck
from apps.validation.checks.pgbouncer import PgBouncerCheck
from apps.validation.checks.postgres import PostgresCheck
from apps.validation.checks.prometheus import PrometheusCheck
from apps.validation.checks.redis import RedisCheck
from apps.validation.checks.services import ServicesCheck

REGISTRY: dict[str, type[Check]] = {
    check.name: check
    for check in (
        PostgresCheck,
        PgBouncerCheck,
        RedisCheck,
        CeleryCheck,
        ServicesCheck,
        PrometheusCheck,
    )
}

__all__ = ["REGISTRY", "Check", "CheckResult", "Status"]
