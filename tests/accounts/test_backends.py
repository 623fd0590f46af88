import pytest
from django.contrib.auth import authenticate

from tests.accounts.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def test_logs_in_with_email_and_password():
    user = UserFactory(email="ops@example.com")
    assert authenticate(username="OPS@example.com", password=PASSWORD) == user


def test_refuses_a_wrong_password():
    UserFactory(email="ops@example.com")
    assert authenticate(username="ops@example.com", password="wrong") is None


def test_same_email_in_two_tenants_needs_the_tenant_when_passwords_match():
    first = UserFactory(email="ops@example.com", tenant=TenantFactory(slug="first"))
    second = UserFactory(email="ops@example.com", tenant=TenantFactory(slug="second"))
    assert authenticate(username="ops@example.com", password=PASSWORD) is None
    assert authenticate(username="ops@example.com", password=PASSWORD, tenant="first") == first
    assert authenticate(username="ops@example.com", password=PASSWORD, tenant="second") == second


def test_inactive_or_deleted_users_cannot_log_in():
    UserFactory(email="gone@example.com", status="suspended")
    assert authenticate(username="gone@example.com", password=PASSWORD) is None


def _lock(tenant, how: str) -> None:
    from django.utils import timezone

    from apps.accounts.models import Tenant

    if how == "suspended":
        Tenant.objects.filter(pk=tenant.pk).update(status="suspended")
    else:
        Tenant.objects.filter(pk=tenant.pk).update(deleted_at=timezone.now())


@pytest.mark.parametrize("how", ["suspended", "removed"])
def test_users_of_a_suspended_or_removed_tenant_cannot_log_in(how):
    user = UserFactory(email="ops@example.com")
    _lock(user.tenant, how)
    assert authenticate(username="ops@example.com", password=PASSWORD) is None


@pytest.mark.parametrize("how", ["suspended", "removed"])
def test_the_admin_login_refuses_users_of_a_locked_tenant(client, how):
    user = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    _lock(user.tenant, how)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("how", ["suspended", "removed"])
def test_an_open_admin_session_ends_when_the_tenant_is_locked(client, how):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    _lock(user.tenant, how)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_open_session_is_refused_by_the_api_when_the_tenant_is_locked(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/projects/").status_code == 200
    _lock(user.tenant, "suspended")
    assert client.get("/api/v1/projects/").status_code == 401


def test_loading_the_session_user_checks_the_tenant_in_the_same_query(
    client, django_assert_num_queries
):
    from apps.accounts.backends import TenantEmailBackend

    user = UserFactory()
    with django_assert_num_queries(1):
        loaded = TenantEmailBackend().get_user(user.pk)
        assert loaded is not None and loaded.tenant.slug == user.tenant.slug
