import pytest

from tests.core.api.world import build_world
from tests.deployments.fixtures import catalog  # noqa: F401 - fixture


@pytest.fixture
def admin(make_user, catalog):  # noqa: F811
    """A tenant Administrator who is also a Solution Architect: every API resource is open."""
    return make_user("Admin", "SA")


@pytest.fixture
def world(admin, api, django_capture_on_commit_callbacks):
    return build_world(admin, api(admin), django_capture_on_commit_callbacks)


@pytest.fixture
def other_world(make_user, api, django_capture_on_commit_callbacks, catalog):  # noqa: F811
    """The same objects in another tenant."""
    user = make_user("Admin", "SA")
    return build_world(user, api(user), django_capture_on_commit_callbacks)
