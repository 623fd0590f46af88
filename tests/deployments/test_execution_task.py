"""The execution task end to end on PostgreSQL: ordered steps, logs, the plan between two
versions, the apply step recorded as not executed, failures and idempotence."""

import pytest

from apps.costing.models import CostEstimate
from apps.deployments import services
from apps.deployments.models import DeploymentExecution, DeploymentLog, DeploymentStep
from apps.deployments.tasks import execute
from apps.iac.models import IacGeneration
from tests.deployments.fixtures import BASE, BUCKET, DB, EXECUTIONS, WEB, changed

pytestmark = pytest.mark.django_db

STEP_NAMES = [
    "Generate IaC",
    "Validate generated code",
    "Guardrail re-check",
    "Cost and approval check",
    "Plan",
    "Apply",
]


def test_a_first_deployment_runs_every_step_and_plans_everything_as_added(
    api, team, dev, make_version, deploy
):
    version = make_version()
    response = deploy(team["se"], version, dev)
    assert response.status_code == 202, response.json()
    body = api(team["se"]).get(f"{EXECUTIONS}{response.json()['id']}/").json()
    assert body["status"] == "completed", body["error_message"]
    assert body["applied"] is False and body["outcome"] == "planned"
    assert [step["step_name"] for step in body["steps"]] == STEP_NAMES
    assert [step["step_order"] for step in body["steps"]] == [1, 2, 3, 4, 5, 6]
    assert [step["status"] for step in body["steps"]] == ["completed"] * 5 + ["skipped"]
    apply = body["steps"][5]
    assert "Not executed" in apply["output"] and apply["metadata"]["applied"] is False
    assert body["plan"]["first_deployment"] is True
    assert sorted(r["address"] for r in body["plan"]["add"]) == sorted(
        f"{c['type']}.{c['name']}" for c in BASE
    )
    assert body["plan_summary"] == {
        "add": 4, "change": 0, "destroy": 0, "replace": 0, "unchanged": 0
    }  # fmt: skip
    assert body["progress"] == 100 and body["completed_at"] and body["started_at"]
    assert body["source_version"] == "" and body["target_version"] == "1"
    # The generation was made, rendered and linked; the estimate stored.
    generation = IacGeneration.objects.get(pk=body["generation"])
    assert generation.status == "completed" and generation.files
    assert body["steps"][0]["metadata"]["content_hash"] == generation.content_hash
    estimate = CostEstimate.objects.get(pk=body["steps"][3]["metadata"]["estimate"])
    assert estimate.blueprint_version_id == version.pk
    # Logs: one per step start and end at least, the apply warning among them.
    levels = [log["log_level"] for log in body["logs"]]
    assert levels.count("info") >= 13 and "warn" in levels and "error" not in levels
    assert any("Not executed" in log["message"] for log in body["logs"] if log["step"])


def test_the_plan_of_a_second_version_adds_changes_and_destroys(
    api, team, dev, make_version, deploy
):
    first = make_version()
    deployed = deploy(team["se"], first, dev).json()["id"]
    assert DeploymentExecution.objects.get(pk=deployed).status == "completed"
    # v2: the web server grows (change), the database goes (destroy), a bucket comes (add),
    # and the subnet moves region (replace).
    subnet = changed(BASE[1])
    subnet["region"] = "us-west-2"
    second = make_version([BASE[0], subnet, changed(WEB, instance_type="t3.small"), BUCKET])
    response = deploy(team["se"], second, dev)
    body = api(team["se"]).get(f"{EXECUTIONS}{response.json()['id']}/").json()
    assert body["status"] == "completed", body["error_message"]
    plan = body["plan"]
    assert plan["first_deployment"] is False
    assert plan["from_version"] == 1 and plan["to_version"] == 2
    assert [r["address"] for r in plan["add"]] == [f"s3.{BUCKET['name']}"]
    assert [r["address"] for r in plan["destroy"]] == [f"rds.{DB['name']}"]
    assert [r["address"] for r in plan["change"]] == [f"ec2.{WEB['name']}"]
    assert plan["change"][0]["changes"] == [
        {"path": "properties.instance_type", "kind": "changed", "old": "t3.micro",
         "new": "t3.small"}
    ]  # fmt: skip
    assert [(r["address"], r["forced_by"]) for r in plan["replace"]] == [
        (f"subnet.{subnet['name']}", ["region"])
    ]
    assert plan["summary"] == {"add": 2, "change": 1, "destroy": 2, "replace": 1, "unchanged": 1}
    assert plan["headline"] == "Plan: 2 to add, 1 to change, 2 to destroy."
    assert body["source_version"] == "1" and body["target_version"] == "2"
    step = next(s for s in body["steps"] if s["step_name"] == "Plan")
    assert step["metadata"]["plan"] == plan
    assert "+ s3." in step["output"] and "- rds." in step["output"]


def test_a_failing_step_fails_the_execution_and_skips_the_rest(api, team, failed_execution):
    body = api(team["se"]).get(f"{EXECUTIONS}{failed_execution.pk}/").json()
    assert body["status"] == "failed"
    assert body["error_count"] == 1
    assert body["error_message"].startswith("Step 3 (Guardrail re-check) failed:")
    assert [step["status"] for step in body["steps"]] == [
        "completed", "completed", "failed", "skipped", "skipped", "skipped"
    ]  # fmt: skip
    failed = body["steps"][2]
    assert failed["error_message"]
    standing = failed["metadata"]["guardrails"]["standing_findings"]
    assert {f["rule_id"] for f in standing} == {"change-ticket"}
    errors = [log for log in body["logs"] if log["log_level"] == "error"]
    assert len(errors) == 1 and errors[0]["step"] == failed["id"]
    assert body["applied"] is False and body["plan"] is None
    assert body["outcome"] == "failed"


def test_the_task_runs_an_execution_once(team, dev, make_version, deploy):
    response = deploy(team["se"], make_version(), dev)
    execution_id = response.json()["id"]
    steps = DeploymentStep.objects.filter(execution_id=execution_id).count()
    logs = DeploymentLog.objects.filter(execution_id=execution_id).count()
    assert execute.apply(args=[execution_id]).get() is None  # redelivered: nothing to do
    assert DeploymentStep.objects.filter(execution_id=execution_id).count() == steps == 6
    assert DeploymentLog.objects.filter(execution_id=execution_id).count() == logs


def test_a_cancelled_pending_execution_never_runs(team, dev, make_version, deploy):
    response = deploy(team["se"], make_version(), dev, run=False)
    execution = DeploymentExecution.objects.get(pk=response.json()["id"])
    services.execution_cancel(user=team["se"], execution=execution, reason="wrong window")
    assert services.execution_run(execution.pk) is None
    execution.refresh_from_db()
    assert execution.status == "cancelled" and not execution.steps.exists()
    assert execution.error_message == f"Cancelled by {team['se'].email}: wrong window"


def test_an_execution_cancelled_while_running_stops_before_its_next_step(
    team, dev, make_version, deploy
):
    response = deploy(team["se"], make_version(), dev, run=False)
    execution = services._claim(response.json()["id"])
    assert execution is not None and execution.status == "in-progress"
    services.execution_cancel(user=team["se"], execution=execution)
    services._run_claimed(execution)
    execution.refresh_from_db()
    assert execution.status == "cancelled"
    assert set(execution.steps.values_list("status", flat=True)) == {"skipped"}
    assert execution.logs.filter(message__contains="remaining steps skipped").exists()


def test_a_generation_given_is_reused(api, team, dev, make_version, deploy):
    version = make_version()
    generated = api(team["ta"]).post(
        "/api/v1/iac/generations/",
        {"blueprint_version": str(version.pk), "format": "terraform"},
        format="json",
    )
    assert generated.status_code == 202, generated.json()
    generation_id = generated.json()["id"]
    IacGeneration.objects.filter(pk=generation_id).update(status="completed")
    response = deploy(team["se"], version, dev, generation=generation_id)
    body = api(team["se"]).get(f"{EXECUTIONS}{response.json()['id']}/").json()
    assert body["generation"] == generation_id
    assert body["steps"][0]["metadata"]["reused"] is True
    assert IacGeneration.objects.filter(blueprint_version=version).count() == 1
