"""Races on real PostgreSQL, each side on its own connection (a thread): of two changes of one
approval exactly one wins and the other is a 409 naming the state it met; two executions of
one environment cannot both start."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from apps.deployments import gates, services
from apps.deployments.exceptions import ExecutionActive, IllegalTransition
from apps.deployments.models import ApprovalHistory, DeploymentApproval, DeploymentExecution
from tests.deployments.fixtures import APPROVALS

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(target, *args):
    """Run `target` on a thread with its own database connection; returns (thread, result)."""
    result: dict = {}

    def run():
        try:
            result["value"] = target(*args)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def wait_for_a_lock_wait(timeout=10.0):
    """Until another backend waits on a row lock (the loser's UPDATE behind the winner's)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no backend waited for the lock")


def test_concurrent_approve_and_reject_through_the_api(api, team, dev, make_version):
    approval = services.approval_create(user=team["se"], version=make_version(), environment=dev)
    clients = {"approve": api(team["pm"]), "reject": api(team["admin"])}
    barrier = threading.Barrier(2)

    def act(verb):
        barrier.wait()
        return clients[verb].post(f"{APPROVALS}{approval.pk}/{verb}/", {}, format="json")

    runs = {verb: in_thread(act, verb) for verb in clients}
    for thread, _ in runs.values():
        thread.join(30)
    responses = {verb: result["value"] for verb, (_, result) in runs.items()}
    codes = sorted(response.status_code for response in responses.values())
    assert codes == [200, 409]
    [winner] = [verb for verb, response in responses.items() if response.status_code == 200]
    [loser] = [verb for verb in responses if verb != winner]
    final = {"approve": "approved", "reject": "rejected"}[winner]
    error = responses[loser].json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"]["current"]["status"] == final
    assert DeploymentApproval.objects.get(pk=approval.pk).status == final
    assert list(
        ApprovalHistory.objects.filter(approval=approval)
        .order_by("performed_at")
        .values_list("action", flat=True)
    ) == ["created", final]


def test_the_loser_waits_for_the_winners_commit_then_is_refused(team, dev, make_version):
    approval = services.approval_create(user=team["se"], version=make_version(), environment=dev)
    approved, release = threading.Event(), threading.Event()

    def approve_and_hold():
        with transaction.atomic():
            services.approval_approve(user=team["pm"], approval=approval, comment="first")
            approved.set()
            assert release.wait(10)

    winner, won = in_thread(approve_and_hold)
    assert approved.wait(10)
    # The rejecter reads "pending" (the approval is not committed) and its conditional
    # UPDATE waits for the approver's row lock ...
    loser, lost = in_thread(lambda: services.approval_reject(user=team["admin"], approval=approval))
    wait_for_a_lock_wait()
    release.set()
    winner.join(10)
    loser.join(10)
    assert "error" not in won
    # ... then matches no row: refused with the state the winner left.
    assert isinstance(lost["error"], IllegalTransition)
    assert lost["error"].details["current"]["status"] == "approved"
    assert DeploymentApproval.objects.get(pk=approval.pk).status == "approved"
    assert ApprovalHistory.objects.filter(approval=approval).count() == 2


def test_two_executions_of_one_environment_cannot_both_start(team, dev, make_version):
    version = make_version()
    # Evaluated beforehand: neither side evaluates (which would lock the blueprint row), so
    # the second waits on the unique index of active executions.
    gates.evaluation_for(user=team["se"], version=version, environment=dev)
    created, release = threading.Event(), threading.Event()

    def create_and_hold():
        with transaction.atomic():
            execution = services.execution_create(user=team["se"], version=version, environment=dev)
            created.set()
            assert release.wait(10)
        return execution

    first, made = in_thread(create_and_hold)
    assert created.wait(10)
    second, refused = in_thread(
        lambda: services.execution_create(user=team["admin"], version=version, environment=dev)
    )
    wait_for_a_lock_wait()  # the second insert waits on the unique index
    release.set()
    first.join(30)
    second.join(30)
    assert "error" not in made, made.get("error")
    assert isinstance(refused["error"], ExecutionActive)
    assert DeploymentExecution.objects.count() == 1
    assert DeploymentExecution.objects.get().started_by == team["se"]
