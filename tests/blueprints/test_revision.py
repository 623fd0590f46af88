"""`blueprints.revision`: raised in the database by every save, so each committed state has its
own number (the response cache's generation for a blueprint's detail)."""

import pytest

from apps.blueprints import services
from apps.blueprints.models import Blueprint
from tests.accounts.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def blueprint(make_user):
    user = make_user("SA")
    project = ProjectFactory(tenant=user.tenant, members=[user])
    return services.blueprint_create(user=user, project=project, name="shop")


def test_a_new_blueprint_is_revision_one_and_each_save_raises_it(blueprint):
    assert blueprint.revision == 1
    services.blueprint_update(blueprint=blueprint, description="a")
    assert blueprint.revision == 2
    services.blueprint_delete(blueprint=blueprint)
    assert Blueprint.objects.get(pk=blueprint.pk).revision == 3


def test_saves_from_stale_copies_still_get_distinct_revisions(blueprint):
    first = Blueprint.objects.get(pk=blueprint.pk)
    second = Blueprint.objects.get(pk=blueprint.pk)
    first.save()
    second.save()  # loaded at revision 1, but raised in the database: 3, not 2 again
    assert (first.revision, second.revision) == (2, 3)
    assert Blueprint.objects.get(pk=blueprint.pk).revision == 3


def test_updates_of_different_fields_from_stale_copies_keep_both(blueprint):
    stale = Blueprint.objects.get(pk=blueprint.pk)
    services.blueprint_update(blueprint=blueprint, description="kept")
    services.blueprint_update(blueprint=stale, lifecycle_state="review")
    stored = Blueprint.objects.get(pk=blueprint.pk)
    assert (stored.description, stored.lifecycle_state) == ("kept", "review")
