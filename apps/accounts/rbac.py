"""Role-based access: which scope a user holds for (resource, action).

Grants come from the user's roles (system roles and their own tenant's), skipping expired
assignments. `manage` implies every action. Scopes nest: tenant ⊇ project ⊇ team ⊇ own, so the
widest grant wins. Project membership is not modelled yet: a project-scoped grant covers every
project of the user's tenant.
"""

from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Role

SCOPE_RANK = {"own": 0, "team": 1, "project": 2, "tenant": 3}
TENANT = SCOPE_RANK["tenant"]
OWN = SCOPE_RANK["own"]


def user_grants(user) -> dict[tuple[str, str], int]:
    """{(resource, action): widest scope rank}, cached on the user object for the request."""
    cached = getattr(user, "_dharma_grants", None)
    if cached is not None:
        return cached
    now = timezone.now()
    permission_lists = Role.objects.filter(
        Q(tenant__isnull=True) | Q(tenant_id=user.tenant_id),
        Q(user_roles__expires_at__isnull=True) | Q(user_roles__expires_at__gt=now),
        user_roles__user=user,
    ).values_list("permissions", flat=True)
    grants: dict[tuple[str, str], int] = {}
    for permissions in permission_lists:
        for grant in permissions or []:
            try:
                resource, action, scope = grant.split(":")
            except (AttributeError, ValueError):
                continue
            rank = SCOPE_RANK.get(scope)
            if rank is not None and rank > grants.get((resource, action), -1):
                grants[(resource, action)] = rank
    user._dharma_grants = grants
    return grants


def scope_for(user, resource: str, action: str) -> int | None:
    """The widest scope rank `user` holds for the action, or None when it is not allowed."""
    if user.is_superuser:
        return TENANT
    grants = user_grants(user)
    ranks = [grants.get((resource, action), -1), grants.get((resource, "manage"), -1)]
    best = max(ranks)
    return best if best >= 0 else None
