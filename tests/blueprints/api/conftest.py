import pytest

from tests.accounts.factories import ProjectFactory


@pytest.fixture
def architect(make_user):
    """A Solution Architect: creates blueprints, updates and deletes its own."""
    return make_user("SA")


@pytest.fixture
def blueprint_url(api, architect):
    """The URL of a new blueprint of the architect's tenant."""
    project = ProjectFactory(tenant=architect.tenant)
    response = api(architect).post(
        "/api/v1/blueprints/", {"project": str(project.pk), "name": "shop"}, format="json"
    )
    return f"/api/v1/blueprints/{response.json()['id']}/"
