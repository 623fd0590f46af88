"""Reads of IaC generations for views, tasks and other apps."""

from django.db.models import QuerySet

from apps.iac.choices import GenerationStatus
from apps.iac.models import IacGeneration


def generation_list() -> QuerySet[IacGeneration]:
    """Generations with what a listing shows, newest first (their files are not loaded)."""
    return (
        IacGeneration.objects.select_related("blueprint", "blueprint_version")
        .defer("files", "blueprint_version__graph_json")
        .order_by("-created_at")
    )


def generation_detail() -> QuerySet[IacGeneration]:
    return IacGeneration.objects.select_related("blueprint", "blueprint_version").defer(
        "blueprint_version__graph_json"
    )


def generation_latest_completed(*, version_id, format: str) -> IacGeneration | None:
    """The newest completed generation of a version in a format (for reuse)."""
    return (
        IacGeneration.objects.filter(
            blueprint_version_id=version_id, format=format, status=GenerationStatus.COMPLETED
        )
        .order_by("-completed_at")
        .first()
    )
