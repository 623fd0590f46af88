"""Reads of blueprint versions for views and other apps."""

from django.shortcuts import get_object_or_404

from apps.blueprints.models import Blueprint, BlueprintVersion
from apps.core.exceptions import DomainError


def blueprint_version_list(*, blueprint: Blueprint):
    return (
        BlueprintVersion.objects.filter(blueprint=blueprint)
        .select_related("parent_version")
        .defer("graph_json")
        .order_by("-version_number")
    )


def blueprint_version_get(*, blueprint: Blueprint, number: int) -> BlueprintVersion:
    version = get_object_or_404(
        BlueprintVersion.objects.select_related("parent_version"),
        blueprint=blueprint,
        version_number=number,
    )
    version.blueprint = blueprint  # already loaded: no query to reach its project
    return version


def blueprint_version_for_admin(*, user, pk) -> BlueprintVersion:
    """A live blueprint's version that `user` may see in the admin (a superuser: any tenant's),
    for actions that take a version by id; DomainError when there is none."""
    versions = BlueprintVersion.objects.select_related("blueprint__project").filter(
        blueprint__deleted_at__isnull=True
    )
    if not user.is_superuser:
        versions = versions.filter(blueprint__project__tenant_id=user.tenant_id)
    version = versions.filter(pk=pk).first()
    if version is None:
        raise DomainError(
            "No such blueprint version.", fields={"blueprint_version": ["Not found."]}
        )
    return version
