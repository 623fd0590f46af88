"""Role-based access: which scope a user holds for (resource, action).

Grants come from the user's roles (system roles and their own tenant's), skipping expired
assignments. `manage` implies every action. Scopes nest: tenant ⊇ project ⊇ team ⊇ own, so the
widest grant wins. A project-scoped grant covers the projects the user is a member of
(`project_members`); a team-scoped one is treated as own (teams are not modelled).

A user's grants and projects are kept in Redis beside two tokens: the user's (replaced when one
of their role assignments or project memberships changes) and the roles' (replaced when any
role's permissions change), plus their tenant's cache epoch (bumped in the database when Redis
could not be told). An entry is used only while all three match and no assignment in it has
expired, so a revoked role or membership stops working at once. These changes must go through
`save()`/`delete()` (the admin, services), which signal them. Like cached responses, an entry is
trusted only in the Redis life it was stored in (apps/core/api/caching.py): a Redis restarted
from an older snapshot brings back older tokens with the entries stored under them, which would
otherwise hand back a revoked role.
"""

import logging
import uuid

from django.core.cache import caches
from django.db.models import F, Min, Q
from django.utils import timezone

from apps.accounts.models import ProjectMember, Role, Tenant, UserRole
from apps.core.api.caching import cache_lookup, cache_store

logger = logging.getLogger(__name__)
ROLES_TOKEN_KEY = "rbac:roles-token"  # noqa: S105 - a cache key, not a secret

SCOPE_RANK = {"own": 0, "team": 1, "project": 2, "tenant": 3}
TENANT = SCOPE_RANK["tenant"]
PROJECT = SCOPE_RANK["project"]
OWN = SCOPE_RANK["own"]


def user_token_key(user_id) -> str:
    return f"rbac:user-token:{user_id}"


def _grants_key(user_id) -> str:
    return f"rbac:grants:{user_id}"


def user_grants(user) -> dict[tuple[str, str], int]:
    """{(resource, action): widest scope rank}, kept for the request on the user object."""
    return _access(user)["grants"]


def member_projects(user) -> frozenset[str]:
    """The ids (as strings) of the projects `user` is a member of."""
    return _access(user)["projects"]


def _access(user) -> dict:
    cached = getattr(user, "_dharma_access", None)
    if cached is not None:
        return cached
    access = _access_from_cache(user)
    if access is None:
        access = _access_from_database(user)
    user._dharma_access = access
    return access


def _access_from_cache(user) -> dict | None:
    try:
        found = cache_lookup(
            caches["responses"], _grants_key(user.pk), [user_token_key(user.pk), ROLES_TOKEN_KEY]
        )
    except Exception:
        logger.warning("role grants cache unreachable", exc_info=True)
        user._dharma_grants_cacheable = False
        return None
    tokens = (found.tokens[0], found.tokens[1], user.tenant.cache_epoch)
    user._dharma_grants_tokens = tokens
    user._dharma_grants_life = found.life
    entry = found.value
    if entry is None or None in tokens[:2] or entry["tokens"] != tokens:
        return None
    if entry["valid_until"] is not None and timezone.now() >= entry["valid_until"]:
        return None
    return entry["access"]


def _access_from_database(user) -> dict:
    now = timezone.now()
    active = Q(user_roles__expires_at__isnull=True) | Q(user_roles__expires_at__gt=now)
    roles = Role.objects.filter(
        Q(tenant__isnull=True) | Q(tenant_id=user.tenant_id), active, user_roles__user=user
    )
    grants: dict[tuple[str, str], int] = {}
    for permissions in roles.values_list("permissions", flat=True):
        for grant in permissions or []:
            try:
                resource, action, scope = grant.split(":")
            except (AttributeError, ValueError):
                continue
            rank = SCOPE_RANK.get(scope)
            if rank == SCOPE_RANK["team"]:
                rank = OWN  # no teams: a team-scoped grant reaches the holder's own rows
            if rank is not None and rank > grants.get((resource, action), -1):
                grants[(resource, action)] = rank
    projects = frozenset(
        str(pk)
        for pk in ProjectMember.objects.filter(
            user=user, project__deleted_at__isnull=True
        ).values_list("project_id", flat=True)
    )
    access = {"grants": grants, "projects": projects}
    if getattr(user, "_dharma_grants_cacheable", True):
        _store(user, access, now)
    return access


def _store(user, access: dict, now) -> None:
    """Keep the grants under the tokens read *before* the database was: a role change in
    between replaces a token and so makes this entry unusable, never wrongly usable."""
    cache = caches["responses"]
    tokens = getattr(user, "_dharma_grants_tokens", None)
    try:
        if tokens is None or None in tokens[:2]:
            # First use (or evicted): start the tokens; the next request stores the grants.
            cache.add(user_token_key(user.pk), uuid.uuid4().hex, timeout=None)
            cache.add(ROLES_TOKEN_KEY, uuid.uuid4().hex, timeout=None)
            return
        valid_until = UserRole.objects.filter(user=user, expires_at__gt=now).aggregate(
            first=Min("expires_at")
        )["first"]
        entry = {"tokens": tokens, "access": access, "valid_until": valid_until}
        life = getattr(user, "_dharma_grants_life", None)
        cache_store(cache, _grants_key(user.pk), entry, life=life, seconds=3600)
    except Exception:
        logger.warning("role grants cache unreachable", exc_info=True)


def role_assignments_changed(*, user_id, tenant_id) -> None:
    """After a role or a project membership is granted to, changed for or taken from a user."""
    try:
        caches["responses"].set(user_token_key(user_id), uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Redis unreachable: bumping the cache epoch of %s", tenant_id, exc_info=True)
        Tenant.objects.filter(pk=tenant_id).update(cache_epoch=F("cache_epoch") + 1)


def roles_changed() -> None:
    """After any role's permissions change (or a role is deleted)."""
    try:
        caches["responses"].set(ROLES_TOKEN_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Redis unreachable: bumping every tenant's cache epoch", exc_info=True)
        Tenant.objects.update(cache_epoch=F("cache_epoch") + 1)


def scope_for(user, resource: str, action: str) -> int | None:
    """The widest scope rank `user` holds for the action, or None when it is not allowed."""
    if user.is_superuser:
        return TENANT
    grants = user_grants(user)
    ranks = [grants.get((resource, action), -1), grants.get((resource, "manage"), -1)]
    best = max(ranks)
    return best if best >= 0 else None


def scope_for_any(user, resources: str | tuple[str, ...], action: str) -> int | None:
    """The widest scope over several resources (a view that more than one grant opens)."""
    if isinstance(resources, str):
        return scope_for(user, resources, action)
    ranks = [scope_for(user, resource, action) for resource in resources]
    held = [rank for rank in ranks if rank is not None]
    return max(held) if held else None


ANY = object()  # `allows`: the row has no project (or no owner) for the grant to reach


def allows(user, resources: str | tuple[str, ...], action: str, *, project_id=ANY,
           owner_id=ANY) -> bool:  # fmt: skip
    """Whether `user` may take `action` on one row, as the API's RolePermission decides for an
    object (the admin's actions ask this too): a tenant-scoped grant reaches every row of the
    tenant; a project-scoped one the rows of the projects the user is a member of; an own-scoped
    one (and a project-scoped one too) the user's own rows. A row with no project counts as
    reached by a project-scoped grant, a row with no owner by an own-scoped one. The caller has
    already narrowed the row to the user's tenant. Superusers may do everything."""
    scope = scope_for_any(user, resources, action)
    if scope is None:
        return False
    if scope == TENANT:
        return True
    if scope == PROJECT and (project_id is ANY or str(project_id) in member_projects(user)):
        return True
    if owner_id is ANY:
        return scope < PROJECT  # an own-scoped grant on a row that has no owner
    return owner_id is not None and owner_id == user.pk
