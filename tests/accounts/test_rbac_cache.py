"""Cached role grants on real Redis, with real commits: a role change applies at once."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Role, UserRole
from tests.ports import closed_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reader(architect):
    return architect


def warm(client, url, times=3):
    for _ in range(times):
        assert client.get(url).status_code == 200


def test_a_cached_read_costs_one_query(api, reader, blueprint_url, django_assert_max_num_queries):
    client = api(reader)
    warm(client, blueprint_url)
    with django_assert_max_num_queries(1):  # the user with its tenant; grants and body from Redis
        assert client.get(blueprint_url)["X-Cache"] == "HIT"


def test_revoking_a_role_applies_at_once(api, reader, blueprint_url):
    client = api(reader)
    warm(client, blueprint_url)
    UserRole.objects.get(user=reader).delete()
    assert client.get(blueprint_url).status_code == 403


def test_changing_a_roles_permissions_applies_at_once(api, reader, blueprint_url):
    client = api(reader)
    warm(client, blueprint_url)
    role = Role.objects.get(tenant=None, code="SA")
    role.permissions = [grant for grant in role.permissions if not grant.startswith("blueprint:")]
    role.save()
    assert client.get(blueprint_url).status_code == 403


def test_a_grant_stops_when_it_expires(api, make_user, system_roles, blueprint_url, reader):
    visitor = make_user(tenant=reader.tenant)
    UserRole.objects.create(
        user=visitor, role=system_roles["EA"], expires_at=timezone.now() + timedelta(seconds=2)
    )
    client = api(visitor)
    warm(client, blueprint_url)
    time.sleep(2.1)
    assert client.get(blueprint_url).status_code == 403


def test_a_revocation_while_redis_is_down_is_not_forgotten(api, reader, blueprint_url, settings):
    client = api(reader)
    warm(client, blueprint_url)
    working = settings.CACHES
    dead = dict(working["responses"], LOCATION=f"redis://127.0.0.1:{closed_port()}/0")
    settings.CACHES = {**working, "responses": dead}
    UserRole.objects.get(user=reader).delete()
    assert client.get(blueprint_url).status_code == 403  # answered from the database
    settings.CACHES = working  # Redis is back, still holding the old grants
    assert client.get(blueprint_url).status_code == 403
