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
