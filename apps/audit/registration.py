"""Which models and fields the audit log records: every Dharma model by default.

`register_models()` (called once, from the app's `ready()`) registers every model under `apps.`
with django-auditlog, so a new model is audited without anyone remembering to. The exclusions
below are the only exceptions, each with its reason.
"""

from auditlog import receivers
from auditlog.registry import auditlog
from django.apps import apps
from django.db.models import Model
from django.db.models.signals import pre_save

# High-volume measurements and logs: one row per sample, line or check, written by machines.
# What produced them (the run, the execution, the validation run) is itself audited.
EXCLUDED_MODELS: dict[str, str] = {
    "deployments.DeploymentLog": "log lines of an execution (the execution and steps are audited)",
    "operations.InfrastructureMetric": "metric samples (time series)",
    "operations.KpiMetric": "measured KPI values (time series); KPI targets are audited",
    "operations.ServiceHealthCheck": "one row per check of every validation run (every 5 minutes); "
    "the validation run is audited",
    "validation.ServiceAvailability": "a view of service_health_checks (above)",
    "validation.ValidationMeasurement": "benchmark figures recorded by benchmark scripts",
}

# Fields never recorded. Secrets, bookkeeping, and large derived content that stays on the
# (immutable or machine-written) row itself while its headline fields are recorded.
EXCLUDED_FIELDS: dict[str, tuple[str, ...]] = {
    # A login is not a change to the user; the cache epoch is cache bookkeeping.
    "accounts.User": ("last_login",),
    "accounts.Tenant": ("cache_epoch",),
    # The graph of an immutable version (its `graph_hash` is recorded).
    "blueprints.BlueprintVersion": ("graph_json",),
    "blueprints.BlueprintDiff": ("diff_json",),
    "blueprints.Template": ("graph_json",),
    # Results computed from a version: the score, summary and totals are recorded.
    "guardrails.GuardrailEvaluation": ("findings", "rules"),
    "costing.CostEstimate": ("lines", "unpriced", "breakdown"),
    # Generated files (`content_hash` is recorded).
    "iac.IacGeneration": ("files",),
    # Measured series and the engine's whole result (the headline figures are recorded).
    "loadtests.LoadTestRun": ("series", "result", "summary", "path_stats", "status_counts"),
    "validation.ValidationRun": ("results",),
}
# Recorded as changed, never with their value.
MASKED_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts.User": ("password",),
}
# Never recorded on any model: `updated_at` moves on every write (the entry has its timestamp).
ALWAYS_EXCLUDED = ("updated_at",)
MASK_CALLABLE = "apps.audit.registration.mask"


def mask(value: str) -> str:
    """The whole value hidden (django-auditlog's default keeps half of it)."""
    return "********" if value not in ("", "None") else value


def audited_models() -> list[type[Model]]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
        and model._meta.app_label != "audit"
        and model._meta.managed
        and model._meta.label not in EXCLUDED_MODELS
    ]


_TRACKED: dict[type[Model], frozenset[str]] = {}


def log_update(sender, instance, update_fields=None, **kwargs) -> None:
    """django-auditlog's update receiver, except for saves of untracked fields only (a login's
    `last_login`): those record nothing, so the old row is not read either."""
    if update_fields is not None and not _TRACKED.get(sender, frozenset()) & set(update_fields):
        return
    receivers.log_update(sender, instance, update_fields=update_fields, **kwargs)


def register_models() -> None:
    # Replaces django-auditlog's receiver before any model is connected to it.
    auditlog._signals[pre_save] = log_update
    for model in audited_models():
        label = model._meta.label
        excluded = set(EXCLUDED_FIELDS.get(label, ())) | set(ALWAYS_EXCLUDED)
        tracked = [f for f in model._meta.concrete_fields if f.name not in excluded]
        _TRACKED[model] = frozenset(name for f in tracked for name in (f.name, f.attname))
        auditlog.register(
            model,
            # Concrete fields only: reverse relations are not part of the row.
            include_fields=[field.name for field in tracked],
            mask_fields=list(MASKED_FIELDS.get(label, ())),
            mask_callable=MASK_CALLABLE,
        )
