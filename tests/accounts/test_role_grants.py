"""user_role_grant / user_role_revoke: administrators only, rights they hold, their tenant."""

import pytest

from apps.accounts import services
from apps.accounts.exceptions import RoleGrantRefused
from apps.accounts.models import UserRole
from apps.core.exceptions import DomainError
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_an_administrator_grants_renews_and_revokes(make_user, system_roles):
    administrator = make_user("Admin")
    user = UserFactory(tenant=administrator.tenant)
    grant = services.user_role_grant(user=user, role=system_roles["TA"], granted_by=administrator)
    assert grant.granted_by == administrator
    renewed = services.user_role_grant(
        user=user, role=system_roles["TA"], granted_by=administrator, expires_at=None
    )
    assert renewed.pk == grant.pk and UserRole.objects.filter(user=user).count() == 1
    services.user_role_revoke(user_role=renewed, revoked_by=administrator)
    assert not UserRole.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("granter_roles", "role", "error"),
    [
        (("TA",), "SE", RoleGrantRefused),  # not an administrator
        (("Admin",), "SA", RoleGrantRefused),  # SA holds rights the Administrator lacks
    ],
)
def test_grants_beyond_the_granter_are_refused(make_user, system_roles, granter_roles, role, error):
    granter = make_user(*granter_roles)
    user = UserFactory(tenant=granter.tenant)
    with pytest.raises(error):
        services.user_role_grant(user=user, role=system_roles[role], granted_by=granter)
    assert not UserRole.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_no_grant_to_oneself_or_across_tenants(make_user, system_roles):
    administrator = make_user("Admin")
    with pytest.raises(RoleGrantRefused):
        services.user_role_grant(
            user=administrator, role=system_roles["EA"], granted_by=administrator
        )
    with pytest.raises(DomainError):
        services.user_role_grant(
            user=UserFactory(), role=system_roles["SE"], granted_by=administrator
        )
    assert UserRole.objects.count() == 1  # the administrator's own
