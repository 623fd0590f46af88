"""Writes to projects, their members and environments. Keyword-only, atomic; refusals are
domain errors."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.choices import UserStatus
from apps.accounts.models import Environment, Project, ProjectMember, Tenant, User
from apps.core.exceptions import Conflict, DomainError


@transaction.atomic
def project_create(*, user: User, **fields) -> Project:
    if Project.objects.filter(tenant_id=user.tenant_id, code=fields["code"]).exists():
        raise Conflict("A project with this code exists.", fields={"code": ["Already used."]})
    try:
        with transaction.atomic():
            project = Project.objects.create(tenant_id=user.tenant_id, owner=user, **fields)
            ProjectMember.objects.create(project=project, user=user, added_by=user)
            return project
    except IntegrityError as exc:
        raise Conflict(
            "A project with this code exists.", fields={"code": ["Already used."]}
        ) from exc


@transaction.atomic
def project_update(*, project: Project, **fields) -> Project:
    if "code" in fields and fields["code"] != project.code:
        taken = Project.objects.filter(tenant_id=project.tenant_id, code=fields["code"])
        if taken.exclude(pk=project.pk).exists():
            raise Conflict("A project with this code exists.", fields={"code": ["Already used."]})
    for name, value in fields.items():
        setattr(project, name, value)
    project.save()
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Soft delete: the project and its environments are hidden, nothing is removed."""
    now = timezone.now()
    project.environments.filter(deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    project.deleted_at = now
    project.save(update_fields=["deleted_at", "updated_at"])


@transaction.atomic
def environment_create(*, project: Project, **fields) -> Environment:
    if project.environments.filter(name=fields["name"]).exists():
        raise Conflict(
            "This project has an environment with this name.", fields={"name": ["Already used."]}
        )
    return Environment.objects.create(project=project, **fields)


@transaction.atomic
def environment_update(*, environment: Environment, **fields) -> Environment:
    renamed = "name" in fields and fields["name"] != environment.name
    if renamed and environment.project.environments.filter(name=fields["name"]).exists():
        raise Conflict(
            "This project has an environment with this name.", fields={"name": ["Already used."]}
        )
    for name, value in fields.items():
        setattr(environment, name, value)
    environment.save()
    return environment


@transaction.atomic
def environment_delete(*, environment: Environment) -> None:
    environment.deleted_at = timezone.now()
    environment.save(update_fields=["deleted_at", "updated_at"])


@transaction.atomic
def project_member_add(*, project: Project, user_id, added_by: User) -> ProjectMember:
    user = User.objects.filter(
        pk=user_id, tenant_id=project.tenant_id, status=UserStatus.ACTIVE, deleted_at__isnull=True
    ).first()
    if user is None:
        raise DomainError(
            "No active user of this tenant has this id.", fields={"user": ["Unknown user."]}
        )
    if ProjectMember.objects.filter(project=project, user=user).exists():
        raise Conflict("The user is already a member.", fields={"user": ["Already a member."]})
    return ProjectMember.objects.create(project=project, user=user, added_by=added_by)


@transaction.atomic
def project_member_remove(*, member: ProjectMember) -> None:
    member.delete()  # signals: the user's cached grants go stale on commit


def tenant_cache_epoch_bump(*, tenant_id) -> None:
    """Every cached API response of the tenant goes stale (its key holds the epoch)."""
    Tenant.objects.filter(pk=tenant_id).update(cache_epoch=F("cache_epoch") + 1)
