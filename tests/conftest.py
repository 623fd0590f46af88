import copy
import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts.models import Role, UserRole
from apps.accounts.permissions import SYSTEM_ROLES
from tests.accounts.factories import ProjectFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session", autouse=True)
def _cache_prefix_per_worker():
    """xdist workers share one Redis database: each gets its own key prefix. (The settings
    module is imported before xdist names the worker, so this cannot be set there.)"""
    caches = copy.deepcopy(settings.CACHES)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    for alias, config in caches.items():
        config["KEY_PREFIX"] = f"dharma-test-{worker}:{alias}"
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached responses live in Redis; tests must not see each other's.
    # Only this worker's keys (its KEY_PREFIX): cache.clear() would flush the other workers' too.
    for alias in ("default", "responses"):
        caches[alias].delete_pattern("*")
    yield


@pytest.fixture
def system_roles(db) -> dict[str, Role]:
    return {
        str(code): Role.objects.update_or_create(
            tenant=None,
            code=code,
            defaults={"name": spec["name"], "is_system": True, "permissions": spec["permissions"]},
        )[0]
        for code, spec in SYSTEM_ROLES.items()
    }


@pytest.fixture
def make_user(system_roles):
    """A user of `tenant` (a new tenant by default) holding the given system roles."""

    def make(*roles: str, **fields):
        user = UserFactory(**fields)
        for code in roles:
            UserRole.objects.create(user=user, role=system_roles[code])
        return user

    return make


@pytest.fixture
def api():
    """An API client logged in through the real token endpoint: `api(user)`."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            response = client.post(
                "/api/v1/auth/token/",
                {"email": user.email, "password": PASSWORD, "tenant": user.tenant.slug},
                format="json",
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        return client

    return client_for


@pytest.fixture
def architect(make_user):
    """A Solution Architect: creates blueprints, updates and deletes its own."""
    return make_user("SA")


@pytest.fixture
def blueprint_url(api, architect):
    """The URL of a new blueprint of the architect's tenant."""
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    response = api(architect).post(
        "/api/v1/blueprints/", {"project": str(project.pk), "name": "shop"}, format="json"
    )
    return f"/api/v1/blueprints/{response.json()['id']}/"
