"""`iac.generate`: idempotent on redelivery, and run by a real Celery worker on Redis."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.iac import services, tasks
from apps.iac.choices import GenerationStatus
from apps.iac.models import IacGeneration
from tests.celery_worker import real_worker, wait_for


@pytest.mark.django_db
def test_a_redelivered_task_does_not_render_a_finished_generation_again(ta, new_version):
    version = new_version("aws")
    generation = services.generation_create(
        user=ta, version=version, format="terraform", enqueue=False
    )
    assert generation.status == GenerationStatus.PENDING and generation.task_id == ""
    assert tasks.generate.apply(args=[str(generation.pk)]).get() == "completed"
    generation.refresh_from_db()
    finished = (generation.updated_at, generation.completed_at, generation.content_hash)
    assert generation.files and generation.started_at <= generation.completed_at
    # Delivered again (acks_late after a lost ack): found finished, left untouched.
    assert tasks.generate.apply(args=[str(generation.pk)]).get() == "completed"
    assert services.generation_execute(generation.pk).status == "completed"
    generation.refresh_from_db()
    assert (generation.updated_at, generation.completed_at, generation.content_hash) == finished


@pytest.mark.django_db
def test_a_generation_left_running_by_a_dead_worker_is_rendered_on_redelivery(ta, new_version):
    version = new_version("azure")
    generation = services.generation_create(user=ta, version=version, format="bicep", enqueue=False)
    IacGeneration.objects.filter(pk=generation.pk).update(status=GenerationStatus.RUNNING)
    done = services.generation_execute(generation.pk)
    assert done.status == GenerationStatus.COMPLETED and "main.bicep" in done.files
    assert done.started_at is not None


@pytest.mark.django_db
def test_a_failed_generation_is_not_retried_by_redelivery(ta, new_version):
    odd = [{"name": "prod-x-y-useast1", "type": "quantum-annealer", "provider": "aws",
            "region": "us-east-1", "properties": {}, "tags": {}}]  # fmt: skip
    generation = services.generation_create(
        user=ta, version=new_version(odd), format="terraform", enqueue=False
    )
    failed = services.generation_execute(generation.pk)
    assert failed.status == GenerationStatus.FAILED and "prod-x-y-useast1" in failed.error
    stamp = failed.updated_at
    assert services.generation_execute(generation.pk).updated_at == stamp


@pytest.mark.django_db
def test_an_unknown_generation_is_ignored():
    assert tasks.generate.apply(args=["00000000-0000-0000-0000-000000000000"]).get() is None


@pytest.fixture
def iac_worker():
    with real_worker("iac.generate", label="iac") as (worker, _):
        yield worker


@pytest.mark.django_db(transaction=True)
def test_a_generation_through_a_real_celery_worker(ta, new_version, api, iac_worker):
    version = new_version("aws")
    response = api(ta).post(
        "/api/v1/iac/generations/",
        {"blueprint_version": str(version.pk), "format": "cloudformation"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] in {"pending", "running", "completed"} and body["task_id"]
    assert wait_for(lambda: IacGeneration.objects.get(pk=body["id"]).finished, timeout=90), Path(
        "/tmp/celery-iac-worker-test.log"
    ).read_text()[-2000:]
    generation = IacGeneration.objects.get(pk=body["id"])
    assert generation.status == GenerationStatus.COMPLETED, generation.error
    assert generation.task_id == body["task_id"]
    assert "template.yaml" in generation.files


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_task_runs_in_the_request(ta, new_version, api):
    """The first run (no CELERY_BROKER_URL): the task runs in-process once the row commits, so
    the 202 already carries the finished generation."""
    from dharma.celery import app

    assert app.conf.task_always_eager
    version = new_version("gcp")
    response = api(ta).post(
        "/api/v1/iac/generations/",
        {"blueprint_version": str(version.pk), "format": "terraform"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "completed", body["error"]
    assert {"main.tf", "variables.tf", "outputs.tf"} <= set(body["files"])
    assert body["task_id"]


@pytest.mark.django_db
def test_validation_errors_fail_the_generation_and_are_stored(ta, new_version, monkeypatch):
    """The renderer's output always validates, so the validator is made to find an error here:
    what is under test is how the service records one."""
    from apps.iac import engine

    real_validate = engine.validate

    def strict(format, files, graph=None):
        return [
            *real_validate(format, files, graph),
            engine.Problem("error", "main.tf", "resource aws_vpc.x: not in the blueprint"),
            engine.Problem("warning", "main.tf", "no provider block"),
        ]

    monkeypatch.setattr(services.engine, "validate", strict)
    generation = services.generation_create(
        user=ta, version=new_version("aws"), format="terraform", enqueue=False
    )
    failed = services.generation_execute(generation.pk)
    assert failed.status == GenerationStatus.FAILED
    assert "1 error(s)" in failed.error and "main.tf: resource aws_vpc.x" in failed.error
    assert {"level": "warning", "file": "main.tf", "message": "no provider block"} in (
        failed.validation
    )
    assert failed.files and failed.content_hash  # kept, to be looked at; never downloadable


@pytest.mark.django_db
def test_a_generation_left_running_by_a_dead_worker_is_failed_by_the_reaper(ta, new_version):
    stuck = services.generation_create(
        user=ta, version=new_version("aws"), format="terraform", enqueue=False
    )
    services._claim(stuck.pk)  # the worker took it, then died before rendering
    assert services.reap_stale_generations() == 0  # running for a moment only: alive
    later = timezone.now() + services.stale_after() + timedelta(seconds=1)
    assert services.reap_stale_generations(now=later) == 1
    stuck.refresh_from_db()
    assert stuck.status == GenerationStatus.FAILED and "worker" in stuck.error
    assert tasks.reap.apply().get() == 0


@pytest.mark.django_db
def test_the_reaper_window_follows_the_setting(ta, new_version, settings):
    settings.DHARMA_IAC_STALE_SECONDS = 1800
    assert services.stale_after() == timedelta(minutes=30)
    stuck = services.generation_create(
        user=ta, version=new_version("aws"), format="terraform", enqueue=False
    )
    services._claim(stuck.pk)
    claimed = IacGeneration.objects.get(pk=stuck.pk).updated_at
    assert services.reap_stale_generations(now=claimed + timedelta(minutes=29)) == 0
    assert services.reap_stale_generations(now=claimed + timedelta(minutes=31)) == 1
    stuck.refresh_from_db()
    assert stuck.status == GenerationStatus.FAILED and "after 30 minutes" in stuck.error
