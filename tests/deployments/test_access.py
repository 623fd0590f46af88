"""Who may do what: roles (403), tenants (404), project-scoped grants; the logs listing."""

import pytest

from apps.deployments.models import DeploymentApproval, DeploymentExecution
from tests.accounts.factories import EnvironmentFactory, ProjectFactory
from tests.deployments.fixtures import APPROVALS, EXECUTIONS

pytestmark = pytest.mark.django_db
LOGS = "/api/v1/deployments/logs/"


def body(version, environment):
    return {"blueprint_version": str(version.pk), "environment": str(environment.pk)}


@pytest.fixture
def request_(api, team, dev, make_version):
    """A pending approval request, by the software engineer."""
    response = api(team["se"]).post(APPROVALS, body(make_version(), dev), format="json")
    return response.json()


def test_who_may_request_approve_and_read(api, team, dev, make_version, request_):
    version = make_version()
    assert api(team["pm"]).post(APPROVALS, body(version, dev), format="json").status_code == 403
    assert (
        api(team["consultant"]).post(APPROVALS, body(version, dev), format="json").status_code
        == 403
    )
    url = f"{APPROVALS}{request_['id']}/"
    for role in ("se", "ta", "consultant"):
        denied = api(team[role]).post(f"{url}approve/", {}, format="json")
        assert denied.status_code == 403, role
        assert denied.json()["error"]["code"] == "permission_denied"
    for role in ("pm", "se", "ta", "consultant", "admin"):
        assert api(team[role]).get(url).status_code == 200, role
    assert api(team["sa"]).get(APPROVALS).status_code == 403  # no deployment grant
    assert api(team["sa"]).get(url).status_code == 403
    assert DeploymentApproval.objects.get(pk=request_["id"]).status == "pending"


def test_only_the_requester_or_an_approver_cancels(api, team, request_):
    url = f"{APPROVALS}{request_['id']}/cancel/"
    assert api(team["ta"]).post(url, {}, format="json").status_code == 403  # may request, not his
    assert api(team["pm"]).post(url, {}, format="json").status_code == 200


def test_who_may_run_executions(api, team, dev, make_version, deploy):
    version = make_version()
    for role in ("pm", "ta", "consultant", "sa"):
        assert deploy(team[role], version, dev).status_code == 403, role
    response = deploy(team["se"], version, dev)
    assert response.status_code == 202
    url = f"{EXECUTIONS}{response.json()['id']}/"
    for role in ("pm", "ta", "consultant", "admin"):
        assert api(team[role]).get(url).status_code == 200, role
        assert api(team[role]).get(EXECUTIONS).json()["count"] == 1, role
    assert api(team["pm"]).post(f"{url}rollback/", {}, format="json").status_code == 403
    assert api(team["pm"]).post(f"{url}cancel/", {}, format="json").status_code == 403
    assert api(team["sa"]).get(url).status_code == 403


def test_another_tenants_rows_are_404s(api, make_user, team, dev, make_version, deploy, request_):
    response = deploy(team["se"], make_version(), dev)
    execution = response.json()["id"]
    stranger = make_user("Admin")  # an administrator of another tenant
    client = api(stranger)
    assert client.get(f"{APPROVALS}{request_['id']}/").status_code == 404
    assert (
        client.post(f"{APPROVALS}{request_['id']}/approve/", {}, format="json").status_code == 404
    )
    assert client.get(f"{EXECUTIONS}{execution}/").status_code == 404
    assert client.post(f"{EXECUTIONS}{execution}/cancel/", {}, format="json").status_code == 404
    assert client.post(f"{EXECUTIONS}{execution}/rollback/", {}, format="json").status_code == 404
    assert client.get(APPROVALS).json()["count"] == 0
    assert client.get(EXECUTIONS).json()["count"] == 0
    assert client.get(f"{LOGS}?execution={execution}").json()["count"] == 0
    # Nor can their versions or environments be named in a request.
    version = make_version()
    assert client.post(APPROVALS, body(version, dev), format="json").status_code == 404
    assert deploy(stranger, version, dev).status_code == 404
    assert DeploymentApproval.objects.get(pk=request_["id"]).status == "pending"


def test_project_scoped_grants_reach_their_members_projects(
    api, make_user, team, dev, make_version, deploy, request_
):
    from apps.blueprints import services as blueprint_services

    tenant = team["pm"].tenant
    outsider = make_user("PM", tenant=tenant)  # a PM of the tenant, not a member
    engineer = make_user("SE", tenant=tenant)  # an engineer of another project only
    own = ProjectFactory(tenant=tenant, members=[engineer])
    own_dev = EnvironmentFactory(project=own, name="dev", type="dev")
    blueprint = blueprint_services.blueprint_create(user=team["admin"], project=own, name="app")
    own_version, _ = blueprint_services.blueprint_version_create(
        user=team["admin"], blueprint=blueprint, graph=make_version().graph_json
    )
    client = api(outsider)
    assert client.get(APPROVALS).json()["count"] == 0
    denied = client.post(f"{APPROVALS}{request_['id']}/approve/", {}, format="json")
    assert denied.status_code == 403
    assert deploy(engineer, make_version(), dev).status_code == 403
    assert not DeploymentExecution.objects.exists()
    # Their own project is theirs to deploy to, and to read.
    assert deploy(engineer, own_version, own_dev).status_code == 202
    assert api(engineer).get(EXECUTIONS).json()["count"] == 1
    assert api(team["pm"]).get(EXECUTIONS).json()["count"] == 0  # not a member of `own`


def test_logs_are_listed_by_level_execution_and_step(
    api, team, dev, make_version, deploy, django_assert_max_num_queries
):
    execution = deploy(team["se"], make_version(), dev).json()["id"]
    client = api(team["consultant"])
    every = client.get(f"{LOGS}?execution={execution}&page_size=200").json()
    assert every["count"] >= 14
    warnings = client.get(f"{LOGS}?execution={execution}&level=warn").json()
    assert warnings["count"] >= 1
    assert {log["log_level"] for log in warnings["results"]} == {"warn"}
    both = client.get(f"{LOGS}?execution={execution}&level=warn&level=info").json()
    assert both["count"] == every["count"]
    step = DeploymentExecution.objects.get(pk=execution).steps.get(step_order=6)
    by_step = client.get(f"{LOGS}?step={step.pk}").json()
    assert by_step["count"] >= 2 and {log["step"] for log in by_step["results"]} == {str(step.pk)}
    bad = client.get(f"{LOGS}?level=loud")
    assert bad.status_code == 400 and "level" in bad.json()["error"]["fields"]
    assert api(team["sa"]).get(LOGS).status_code == 403
    with django_assert_max_num_queries(8):
        assert client.get(LOGS).status_code == 200


def test_execution_lists_do_not_query_per_row(
    api, team, dev, make_version, deploy, django_assert_max_num_queries
):
    for number in range(3):
        version = make_version(name=f"app-{number}")
        assert deploy(team["se"], version, dev).status_code == 202
    client = api(team["consultant"])
    with django_assert_max_num_queries(8):
        response = client.get(EXECUTIONS)
    assert response.json()["count"] == 3
    assert client.get(f"{EXECUTIONS}?status=completed").json()["count"] == 3
    assert client.get(f"{EXECUTIONS}?status=exploded").status_code == 400
