"""IaC generations and Terraform imports. Keyword-only; refusals are domain errors.

Generating is gated by the guardrails: the version's latest evaluation (one is made first when
the version has none) must pass. It passes when no finding of it stands unwaived that blocks
(soft-fail or hard-fail) or is critical or high; waivers are read as they stand now, so a waiver
granted after the evaluation lets the generation through, and one that expired or was revoked
stops it again. Hard-fail findings cannot be waived (only a false positive recorded through the
guardrails service stops one blocking). Whether a finding is waived now is decided in one place,
`apps.guardrails.engine.waivers`, read through `apps.guardrails.selectors.standing_findings`.
A refusal is a 409 naming the evaluation and the findings that refused.

A format the graph's provider cannot take (Bicep is Azure only, CloudFormation AWS only; a graph
of several providers only renders to Terraform) is refused (400) before anything is stored.
Otherwise the generation is stored `pending` and the Celery task `iac.generate` is queued once
the transaction commits; without a broker (first run) it runs in-process at that moment.

`generation_execute` renders, validates and stores the outcome: pending → running → completed,
or failed with the error (a component the renderer cannot take) or the validation problems. A
redelivered task finds the generation finished and does nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Project, User
from apps.blueprints import services as blueprint_services
from apps.blueprints.models import Blueprint, BlueprintVersion
from apps.core.exceptions import Conflict, DomainError
from apps.guardrails import services as guardrail_services
from apps.guardrails.models import GuardrailEvaluation
from apps.guardrails.selectors import standing_findings
from apps.iac import engine
from apps.iac.choices import GenerationStatus, IacFormat
from apps.iac.models import IacGeneration

logger = logging.getLogger(__name__)

PROVIDERS = ("aws", "azure", "gcp")
# The providers each format can take; Terraform takes any mix of them.
FORMAT_PROVIDERS = {
    IacFormat.TERRAFORM: frozenset(PROVIDERS),
    IacFormat.BICEP: frozenset({"azure"}),
    IacFormat.CLOUDFORMATION: frozenset({"aws"}),
}


class GuardrailRefused(Conflict):
    code = "guardrails_refused"


class UnsupportedFormat(DomainError):
    code = "unsupported_format"


class NotFinished(Conflict):
    code = "generation_not_completed"


class InvalidTerraform(DomainError):
    code = "invalid_terraform"


# --- Format and provider ------------------------------------------------------------------------


def providers_of(graph: Mapping) -> list[str]:
    """The distinct providers of a graph's components, sorted."""
    return sorted(
        {
            str(component.get("provider") or "")
            for component in graph.get("components", [])
            if isinstance(component, Mapping)
        }
    )


def check_format(*, graph: Mapping, format: str) -> str:
    """The provider (comma-separated when several) a graph is rendered for in `format`, or an
    UnsupportedFormat naming what cannot be rendered."""
    if format not in FORMAT_PROVIDERS:
        raise UnsupportedFormat(
            f"Unknown format {format!r}; use one of {', '.join(FORMAT_PROVIDERS)}.",
            fields={"format": [f"Not one of {', '.join(FORMAT_PROVIDERS)}."]},
        )
    providers = providers_of(graph)
    if not providers:
        raise UnsupportedFormat(
            "The version has no components: there is nothing to generate.",
            fields={"blueprint_version": ["No components."]},
        )
    allowed = FORMAT_PROVIDERS[IacFormat(format)]
    refused = [provider for provider in providers if provider not in allowed]
    if refused:
        components = [
            component.get("name", "?")
            for component in graph.get("components", [])
            if str(component.get("provider") or "") in refused
        ]
        shown = ", ".join(components[:5]) + (" …" if len(components) > 5 else "")
        label = IacFormat(format).label
        if format == IacFormat.TERRAFORM:
            why = f"Terraform renders only {', '.join(PROVIDERS)} components"
        else:
            why = f"{label} renders only {', '.join(sorted(allowed))} components"
        raise UnsupportedFormat(
            f"{why}; this version has {', '.join(refused) or 'no'} provider components ({shown}).",
            fields={"format": [f"{label} cannot render {', '.join(refused)} components."]},
        )
    return ",".join(providers)


# --- The guardrail gate ------------------------------------------------------------------------


def latest_evaluation(version: BlueprintVersion) -> GuardrailEvaluation | None:
    return (
        GuardrailEvaluation.objects.filter(blueprint_version=version)
        .order_by("-created_at")
        .first()
    )


def guardrail_gate(*, user: User, version: BlueprintVersion) -> GuardrailEvaluation:
    """The evaluation that allows generating `version` (made now when it has none), or
    GuardrailRefused (409) with the evaluation and the findings that stand."""
    evaluation = latest_evaluation(version)
    if evaluation is None:
        evaluation = guardrail_services.evaluation_create(user=user, version=version)
    standing = standing_findings(evaluation)
    if standing:
        blocking = [finding for finding in standing if finding["blocking"]]
        why = (
            f"{len(blocking)} blocking finding(s)"
            if blocking
            else f"{len(standing)} unwaived critical or high finding(s)"
        )
        raise GuardrailRefused(
            f"The guardrail evaluation {evaluation.pk} of this version refuses generation: {why}"
            " (waive soft-fail findings or fix the blueprint, then evaluate again).",
            fields={"blueprint_version": [f"Refused by guardrails: {why}."]},
            details={
                "evaluation": str(evaluation.pk),
                "evaluated_at": evaluation.created_at.isoformat(),
                "passed": evaluation.passed,
                "blocked": evaluation.blocked,
                "score": evaluation.score,
                "findings": standing,
            },
        )
    return evaluation


# --- Generations -------------------------------------------------------------------------------


def _enqueue(generation_id, task_id: str) -> None:
    """Queue `iac.generate` (after commit). A broker that cannot be reached fails the
    generation with the reason instead of leaving it pending for ever."""
    from apps.iac.tasks import generate

    try:
        generate.apply_async(args=[str(generation_id)], task_id=task_id)
    except Exception as exc:
        logger.exception("could not queue IaC generation %s", generation_id)
        IacGeneration.objects.filter(pk=generation_id, status=GenerationStatus.PENDING).update(
            status=GenerationStatus.FAILED,
            error=f"The generation could not be queued: {type(exc).__name__}: {exc}",
            completed_at=timezone.now(),
            updated_at=timezone.now(),
        )


def generation_create(
    *,
    user: User,
    version: BlueprintVersion,
    format: str,
    environment: str = "",
    enqueue: bool = True,
) -> IacGeneration:
    """A pending generation of `version` in `format`, queued on commit (`enqueue=False`: the
    caller runs `generation_execute` itself). Refuses a format the provider cannot take (400)
    and a version the guardrails refuse (409) before storing anything."""
    provider = check_format(graph=version.graph_json or {}, format=format)
    # The gate may store an evaluation (kept even when it refuses: the 409 names it).
    evaluation = guardrail_gate(user=user, version=version)
    blueprint = Blueprint.objects.select_related("project").get(pk=version.blueprint_id)
    task_id = str(uuid.uuid4()) if enqueue else ""
    with transaction.atomic():
        generation = IacGeneration.objects.create(
            tenant_id=blueprint.project.tenant_id,
            project=blueprint.project,
            blueprint=blueprint,
            blueprint_version=version,
            format=format,
            provider=provider,
            environment=environment,
            guardrail_evaluation=evaluation,
            requested_by=user,
            task_id=task_id,
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(generation.pk, task_id))
    return generation


def _claim(generation_id) -> None:
    """pending → running (visible while the files are rendered)."""
    now = timezone.now()
    IacGeneration.objects.filter(pk=generation_id, status=GenerationStatus.PENDING).update(
        status=GenerationStatus.RUNNING, started_at=now, updated_at=now
    )


def generation_execute(generation_id) -> IacGeneration | None:
    """Render, validate and store a generation; returns it (None when it does not exist).

    The row is locked while it is rendered, so two deliveries of the task never both render it:
    the second waits, finds it finished and returns it untouched.
    """
    _claim(generation_id)
    with transaction.atomic():
        generation = (
            IacGeneration.objects.select_for_update(of=("self",))
            .select_related("blueprint_version", "blueprint")
            .filter(pk=generation_id)
            .first()
        )
        if generation is None or generation.finished:
            return generation
        now = timezone.now()
        if generation.status == GenerationStatus.PENDING or generation.started_at is None:
            generation.started_at = now  # claimed inside the caller's own transaction
        generation.status = GenerationStatus.RUNNING
        version = generation.blueprint_version
        graph = version.graph_json or {}
        try:
            rendered = engine.render(
                graph,
                format=generation.format,
                blueprint=generation.blueprint.name,
                environment=generation.environment,
                version=str(version.version_number),
            )
            problems = engine.validate(generation.format, rendered.files, graph)
        except engine.RenderError as exc:
            _fail(generation, str(exc))
            return generation
        except Exception as exc:  # an engine defect: recorded, never a generation stuck running
            logger.exception("IaC generation %s failed", generation.pk)
            _fail(generation, f"The renderer failed unexpectedly: {type(exc).__name__}: {exc}")
            return generation
        generation.files = dict(rendered.files)
        generation.content_hash = engine.content_hash(rendered.files)
        generation.warnings = list(rendered.warnings)
        generation.validation = [asdict(problem) for problem in problems]
        errors = [problem for problem in problems if problem.level == "error"]
        generation.completed_at = timezone.now()
        if errors:
            generation.status = GenerationStatus.FAILED
            generation.error = (
                f"Validation found {len(errors)} error(s) in the generated files: "
                + "; ".join(f"{problem.file}: {problem.message}" for problem in errors[:5])
            )
        else:
            generation.status = GenerationStatus.COMPLETED
            generation.error = ""
        generation.metadata = {
            **generation.metadata,
            "files": len(rendered.files),
            "components": len(graph.get("components", [])),
            "duration_ms": round(
                (generation.completed_at - generation.started_at).total_seconds() * 1000
            ),
        }
        generation.save()
    return generation


def _fail(generation: IacGeneration, message: str) -> None:
    generation.status = GenerationStatus.FAILED
    generation.error = message
    generation.completed_at = timezone.now()
    generation.save()


# --- Terraform import --------------------------------------------------------------------------


def terraform_import(
    *,
    user: User,
    files: Mapping[str, str],
    blueprint: Blueprint | None = None,
    project: Project | None = None,
    name: str = "",
    description: str = "",
    tag: str | None = None,
) -> tuple[BlueprintVersion, bool, list[str]]:
    """Existing Terraform as a blueprint version: of `blueprint`, or of a new blueprint `name`
    in `project`. Returns (version, created, warnings). Invalid HCL, an empty import, or a
    graph the blueprint validation refuses writes nothing."""
    if (blueprint is None) == (project is None):
        raise DomainError(
            "Name either an existing blueprint, or a project and a name for a new one.",
            fields={"blueprint": ["Give a blueprint, or a project and a name."]},
        )
    tf_files = {name_: content for name_, content in files.items() if name_.endswith(".tf")}
    if not tf_files:
        raise InvalidTerraform(
            "No Terraform files (*.tf) were given.", fields={"files": ["No *.tf file."]}
        )
    try:
        graph, warnings = engine.import_terraform(tf_files)
    except engine.TerraformImportError as exc:
        raise InvalidTerraform(str(exc), fields={"files": [str(exc)]}) from exc
    if not graph.get("components"):
        raise InvalidTerraform(
            "The Terraform declares no resource Dharma can import; nothing was saved.",
            fields={"files": ["No importable resource."]},
            details={"warnings": list(warnings)},
        )
    with transaction.atomic():
        if blueprint is None:
            assert project is not None
            providers = providers_of(graph)
            blueprint = blueprint_services.blueprint_create(
                user=user,
                project=project,
                name=name,
                description=description,
                primary_provider=(
                    providers[0]
                    if len(providers) == 1
                    else "multi-cloud"
                    if len(providers) > 1
                    else ""
                ),
            )
        version, created = blueprint_services.blueprint_version_create(
            user=user, blueprint=blueprint, graph=graph, tag=tag
        )
    return version, created, list(warnings)


def stale_after() -> timedelta:
    """How long a generation may stay running before the reaper fails it
    (DHARMA_IAC_STALE_SECONDS). A render takes milliseconds to seconds: one still running
    after this lost its worker, and the task was not redelivered (the window is longer than
    the broker's visibility timeout) or found no worker."""
    return timedelta(seconds=settings.DHARMA_IAC_STALE_SECONDS)


def _span(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} minutes" if seconds >= 120 and not seconds % 60 else f"{seconds} s"


def reap_stale_generations(*, now: datetime | None = None) -> int:
    """Fail the generations left running by a worker that died, with the reason (a render in
    progress holds its row lock, so a live one is never touched: it is no longer running by the
    time the update can see it)."""
    now = now or timezone.now()
    window = stale_after()
    reason = (
        f"Still running after {_span(window.total_seconds())}: the worker rendering it stopped "
        "(killed or lost). Ask for a new generation."
    )
    return IacGeneration.objects.filter(
        status=GenerationStatus.RUNNING, updated_at__lt=now - window
    ).update(status=GenerationStatus.FAILED, error=reason, completed_at=now, updated_at=now)
