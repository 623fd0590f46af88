"""Project-scoped grants reach the projects their holder is a member of (`project_members`),
and their own rows; tenant ⊇ project ⊇ own. Checked through the cache too: a response stored for
one reader is never served to one whose projects do not reach it."""

import pytest

from apps.accounts.models import ProjectMember
from apps.blueprints.models import Blueprint
from tests.accounts.factories import ProjectFactory
from tests.blueprints.api.test_versions import GRAPH

# Memberships change the cached grants when they commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setting(api, make_user):
    """An EA (tenant scope) with a blueprint (with version 1) in each of two projects, and a
    Consultant (project-scoped read) who is a member of the first only."""
    architect = make_user("EA", "SA")
    consultant = make_user("Consultant", tenant=architect.tenant)
    mine = ProjectFactory(tenant=architect.tenant, members=[architect, consultant])
    other = ProjectFactory(tenant=architect.tenant, members=[architect])
    client = api(architect)
    urls = {}
    for project in (mine, other):
        created = client.post(
            "/api/v1/blueprints/", {"project": str(project.pk), "name": project.code}, format="json"
        ).json()
        urls[project.pk] = f"/api/v1/blueprints/{created['id']}/"
        client.post(f"{urls[project.pk]}versions/", {"graph": GRAPH}, format="json")
    return {
        "architect": client,
        "consultant": consultant,
        "mine": mine,
        "other": other,
        "in_mine": urls[mine.pk],
        "in_other": urls[other.pk],
    }


def test_a_project_scoped_reader_sees_only_their_projects(api, setting):
    client = api(setting["consultant"])
    listed = client.get("/api/v1/blueprints/").json()
    assert [item["project"] for item in listed["results"]] == [str(setting["mine"].pk)]
    assert client.get(setting["in_mine"]).status_code == 200
    assert client.get(f"{setting['in_mine']}versions/1/").status_code == 200
    # Same tenant, not their project: found but not allowed.
    assert client.get(setting["in_other"]).status_code == 403
    assert client.get(f"{setting['in_other']}versions/1/").status_code == 403
    assert client.get(f"{setting['in_other']}versions/").status_code == 403


def test_responses_cached_for_the_tenant_are_not_served_outside_the_reach(api, setting):
    architect, client = setting["architect"], api(setting["consultant"])
    for url in (setting["in_other"], f"{setting['in_other']}versions/1/"):
        architect.get(url)
        assert architect.get(url)["X-Cache"] == "HIT"
        assert client.get(url).status_code == 403
    for url in (setting["in_mine"], f"{setting['in_mine']}versions/1/"):
        architect.get(url)
        assert client.get(url)["X-Cache"] == "HIT"  # in their project: shared response


def test_joining_and_leaving_a_project_take_effect_at_once(api, setting):
    client = api(setting["consultant"])
    assert client.get(setting["in_other"]).status_code == 403
    assert client.get("/api/v1/blueprints/").json()["count"] == 1
    membership = ProjectMember.objects.create(project=setting["other"], user=setting["consultant"])
    assert client.get(setting["in_other"]).status_code == 200
    assert client.get("/api/v1/blueprints/").json()["count"] == 2
    assert client.get("/api/v1/blueprints/")["X-Cache"] == "HIT"
    membership.delete()
    assert client.get(setting["in_other"]).status_code == 403
    assert client.get("/api/v1/blueprints/").json()["count"] == 1


def test_creating_needs_membership_of_the_target_project(api, make_user):
    architect = make_user("SA")
    member_of = ProjectFactory(tenant=architect.tenant, members=[architect])
    outside = ProjectFactory(tenant=architect.tenant)
    client = api(architect)
    refused = client.post(
        "/api/v1/blueprints/", {"project": str(outside.pk), "name": "x"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "You are not a member of this project."
    assert not Blueprint.objects.filter(project=outside).exists()
    created = client.post(
        "/api/v1/blueprints/", {"project": str(member_of.pk), "name": "x"}, format="json"
    )
    assert created.status_code == 201
    moved = client.patch(
        f"/api/v1/blueprints/{created.json()['id']}/", {"project": str(outside.pk)}, format="json"
    )
    assert moved.status_code == 403
    assert Blueprint.objects.get(pk=created.json()["id"]).project == member_of


def test_own_rows_stay_reachable_outside_the_callers_projects(api, make_user):
    """project ⊇ own: an SA who left a project still reads and edits its own blueprint."""
    architect = make_user("SA")
    project = ProjectFactory(tenant=architect.tenant, members=[architect])
    client = api(architect)
    url = "/api/v1/blueprints/{}/".format(
        client.post(
            "/api/v1/blueprints/", {"project": str(project.pk), "name": "x"}, format="json"
        ).json()["id"]
    )
    ProjectMember.objects.filter(project=project, user=architect).get().delete()
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/blueprints/").json()["count"] == 1
    assert client.patch(url, {"description": "still mine"}, format="json").status_code == 200


def test_moving_a_blueprint_makes_its_cached_versions_follow(api, setting):
    architect, client = setting["architect"], api(setting["consultant"])
    version = f"{setting['in_mine']}versions/1/"
    assert client.get(version).status_code == 200
    assert client.get(version)["X-Cache"] == "HIT"
    moved = architect.patch(
        setting["in_mine"], {"project": str(setting["other"].pk)}, format="json"
    )
    assert moved.status_code == 200
    assert client.get(version).status_code == 403
    assert architect.get(version).json()["project"] == str(setting["other"].pk)
