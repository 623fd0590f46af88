"""Writes to blueprints. Keyword-only, atomic; refusals are domain errors."""

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Project, User
from apps.blueprints.models import Blueprint
from apps.core.exceptions import Conflict


def _name_taken(project: Project, name: str, exclude_pk=None) -> bool:
    return Blueprint.objects.filter(project=project, name=name).exclude(pk=exclude_pk).exists()


@transaction.atomic
def blueprint_create(*, user: User, project: Project, **fields) -> Blueprint:
    if _name_taken(project, fields["name"]):
        raise Conflict(
            "The project has a blueprint with this name.", fields={"name": ["Already used."]}
        )
    return Blueprint.objects.create(project=project, created_by=user, **fields)


@transaction.atomic
def blueprint_update(*, blueprint: Blueprint, **fields) -> Blueprint:
    project = fields.get("project", blueprint.project)
    name = fields.get("name", blueprint.name)
    if (project, name) != (blueprint.project, blueprint.name) and _name_taken(
        project, name, exclude_pk=blueprint.pk
    ):
        raise Conflict(
            "The project has a blueprint with this name.", fields={"name": ["Already used."]}
        )
    for key, value in fields.items():
        setattr(blueprint, key, value)
    blueprint.save()
    return blueprint


@transaction.atomic
def blueprint_delete(*, blueprint: Blueprint) -> None:
    """Soft delete: the blueprint disappears from the API; its versions stay for audit."""
    blueprint.deleted_at = timezone.now()
    blueprint.save(update_fields=["deleted_at", "updated_at"])
