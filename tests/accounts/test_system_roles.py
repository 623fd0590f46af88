"""The system roles are the code's: `migrate` creates them and brings their rights up to date on
installs made before a role gained a right."""

import pytest

from apps.accounts.models import Role
from apps.accounts.permissions import SYSTEM_ROLES
from apps.accounts.services import system_roles_sync

pytestmark = pytest.mark.django_db


def test_migrate_made_every_system_role_with_the_codes_rights():
    roles = {role.code: role for role in Role.objects.filter(tenant=None, is_system=True)}
    assert set(roles) == {str(code) for code in SYSTEM_ROLES}
    for code, spec in SYSTEM_ROLES.items():
        assert roles[str(code)].permissions == spec["permissions"]


def test_a_role_of_an_older_release_gets_its_new_rights_and_a_missing_one_comes_back():
    admin = Role.objects.get(tenant=None, code="Admin")
    admin.permissions = [p for p in admin.permissions if not p.startswith("audit:")]
    admin.save()
    Role.objects.filter(tenant=None, code="PM").delete()
    assert system_roles_sync() == 2
    admin.refresh_from_db()
    assert "audit:read:tenant" in admin.permissions
    assert Role.objects.filter(tenant=None, code="PM", is_system=True).exists()
    assert system_roles_sync() == 0  # nothing left to change
