"""Writes to projects, their members and environments, and role grants. Keyword-only, atomic;
refusals are domain errors."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts import rbac
from apps.accounts.choices import SystemRole, UserStatus
from apps.accounts.exceptions import RoleGrantRefused
from apps.accounts.models import Environment, Project, ProjectMember, Role, Tenant, User, UserRole
from apps.accounts.permissions import ACTIONS, SCOPES, SYSTEM_ROLES
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


# --- Role grants -------------------------------------------------------------------------------
# Roles are administered by the platform's superusers and by a tenant's administrators: holders
# of every right of the Administrator system role. An administrator grants, revokes and defines
# only roles whose rights they hold themselves, never to themselves, and only within their tenant.


def _grant_parts(grant) -> tuple[str, str, int] | None:
    try:
        resource, action, scope = grant.split(":")
    except (AttributeError, ValueError):
        return None
    if not resource or action not in ACTIONS or scope not in SCOPES:
        return None
    rank = rbac.SCOPE_RANK[scope]
    return resource, action, rbac.OWN if rank == rbac.SCOPE_RANK["team"] else rank


def grants_beyond(*, user: User, permissions) -> list[str]:
    """The grants of `permissions` that `user` does not hold (all of them are held by a
    superuser). A malformed grant counts as not held."""
    if user.is_superuser:
        return []
    beyond = []
    for grant in permissions or []:
        parts = _grant_parts(grant)
        held = None if parts is None else rbac.scope_for(user, parts[0], parts[1])
        if parts is None or held is None or held < parts[2]:
            beyond.append(str(grant))
    return beyond


def may_administer_roles(user: User) -> bool:
    if user.is_superuser:
        return True
    return not grants_beyond(user=user, permissions=SYSTEM_ROLES[SystemRole.ADMIN]["permissions"])


def role_grant_check(*, user: User, role: Role, granted_by: User) -> None:
    """Raises the reason `granted_by` may not grant (or revoke) `role` to `user`."""
    if role.tenant_id is not None and role.tenant_id != user.tenant_id:
        raise DomainError(
            "The role belongs to another tenant.", fields={"role": ["Not a role of this tenant."]}
        )
    if granted_by.is_superuser:
        return
    if user.tenant_id != granted_by.tenant_id:
        raise DomainError("No user of your tenant has this id.", fields={"user": ["Unknown user."]})
    if user.pk == granted_by.pk:
        raise RoleGrantRefused(
            "Nobody grants or revokes their own roles.", fields={"user": ["This is you."]}
        )
    if not may_administer_roles(granted_by):
        raise RoleGrantRefused(
            "Only the tenant's administrators grant roles.", fields={"role": ["Not allowed."]}
        )
    beyond = grants_beyond(user=granted_by, permissions=role.permissions)
    if beyond:
        raise RoleGrantRefused(
            "The role holds rights you do not hold.",
            fields={"role": ["It holds rights you do not hold."]},
            details={"not_held": beyond},
        )


@transaction.atomic
def user_role_grant(*, user: User, role: Role, granted_by: User, expires_at=None) -> UserRole:
    """Grants `role` to `user` (or renews the grant with the new expiry), by `granted_by`."""
    role_grant_check(user=user, role=role, granted_by=granted_by)
    user_role = UserRole.objects.select_for_update().filter(user=user, role=role).first()
    if user_role is None:
        user_role = UserRole(user=user, role=role)
    user_role.granted_by = granted_by
    user_role.granted_at = timezone.now()
    user_role.expires_at = expires_at
    user_role.save()  # signals: the user's cached grants go stale on commit
    return user_role


@transaction.atomic
def user_role_revoke(*, user_role: UserRole, revoked_by: User) -> None:
    role_grant_check(user=user_role.user, role=user_role.role, granted_by=revoked_by)
    user_role.delete()


def role_permissions_check(*, role: Role, permissions, user: User) -> None:
    """Raises the reason `user` may not give `role` these permissions."""
    if user.is_superuser:
        return
    if role.tenant_id is None or role.tenant_id != user.tenant_id:
        raise RoleGrantRefused("Only a role of your tenant can be defined here.")
    if not may_administer_roles(user):
        raise RoleGrantRefused("Only the tenant's administrators define roles.")
    malformed = [str(grant) for grant in permissions or [] if _grant_parts(grant) is None]
    if malformed or not isinstance(permissions, list):
        raise DomainError(
            "A permission is written resource:action:scope.",
            fields={"permissions": [f"Not a permission: {', '.join(malformed)}."]},
        )
    beyond = grants_beyond(user=user, permissions=permissions)
    if beyond:
        raise RoleGrantRefused(
            "The role would hold rights you do not hold.",
            fields={"permissions": [f"Rights you do not hold: {', '.join(beyond)}."]},
        )


@transaction.atomic
def system_roles_sync(*, using: str = "default") -> int:
    """Make the platform's system roles (tenant NULL) what `permissions.SYSTEM_ROLES` says:
    created when missing, their names and rights brought up to date (a release that gives a
    role a new right, such as the Administrator's `audit:read`, reaches existing installs on
    `migrate`). Returns how many were created or changed."""
    changed = 0
    for code, spec in SYSTEM_ROLES.items():
        role = Role.objects.using(using).filter(tenant=None, code=code).first()
        wanted = {"name": spec["name"], "is_system": True, "permissions": spec["permissions"]}
        if role is None:
            Role.objects.using(using).create(tenant=None, code=code, **wanted)
        elif any(getattr(role, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(role, name, value)
            role.save(using=using)
        else:
            continue
        changed += 1
    return changed
