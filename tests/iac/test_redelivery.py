"""A task whose worker is killed comes back to another worker once the broker's visibility
timeout has passed (DHARMA_CELERY_VISIBILITY_TIMEOUT, 5 s here), not after kombu's hour; the
redelivered `iac.generate` finishes the generation its killed worker left running, and a
delivery of a finished generation changes nothing.

The broker is a Redis database of this module's own: a worker with a 5 s visibility timeout
hands back every task left unacknowledged that long in its database, other tests' too.
"""

import contextlib
import os
import signal

import psycopg
import pytest
import redis
from django.db import connection

from apps.iac import services, tasks
from apps.iac.choices import GenerationStatus
from apps.iac.models import IacGeneration
from tests.celery_worker import broker_url, log_path, real_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

BROKER_DB = 13
LABEL = "iac-redelivery"
VISIBILITY = {"DHARMA_CELERY_VISIBILITY_TIMEOUT": "5"}


@pytest.fixture
def broker():
    client = redis.Redis.from_url(broker_url(BROKER_DB))
    client.flushdb()  # what an earlier, interrupted run left in this module's own database
    yield client
    client.flushdb()
    client.close()


def worker():
    return real_worker("iac.generate", label=LABEL, broker_db=BROKER_DB, env=VISIBILITY)


def worker_log() -> str:
    return log_path(LABEL).read_text()[-3000:]


@contextlib.contextmanager
def row_key_share_lock(generation_id):
    """FOR KEY SHARE on the generation's row from a connection of the test's own: the worker's
    claim (an UPDATE of non-key columns) goes through, its FOR UPDATE before rendering waits."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"], autocommit=False,
    ) as holder:  # fmt: skip
        holder.execute(
            f"SELECT 1 FROM {IacGeneration._meta.db_table} WHERE id = %s FOR KEY SHARE",
            [generation_id],
        )
        yield
        holder.rollback()


def waiting_for_the_row() -> bool:
    """Whether a session waits for a lock of the generation's table (the SELECT FOR UPDATE; its
    text is longer than the part pg_stat_activity keeps)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"SELECT %{IacGeneration._meta.db_table}%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_killed_workers_generation_comes_back_and_is_rendered_once(ta, new_version, broker):
    generation = services.generation_create(
        user=ta, version=new_version("aws"), format="terraform", enqueue=False
    )
    with worker() as (first, _), row_key_share_lock(generation.pk):
        tasks.generate.apply_async(args=[str(generation.pk)], task_id=str(generation.pk))

        # The first worker claimed it and is rendering it (held at the row lock)...
        def mid_render() -> bool:
            status = IacGeneration.objects.values_list("status", flat=True).get(pk=generation.pk)
            return status == GenerationStatus.RUNNING and waiting_for_the_row()

        assert wait_for(mid_render, timeout=60), worker_log()
        # ...when it is killed: it never acknowledges the task.
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert broker.hlen("unacked") == 1
    generation.refresh_from_db()
    assert generation.status == GenerationStatus.RUNNING and not generation.files

    with worker() as (second, _):
        # Back once the 5 s have passed (today's code: after an hour).
        finished = lambda: IacGeneration.objects.get(pk=generation.pk).finished  # noqa: E731
        assert wait_for(finished, timeout=60), worker_log()
        generation.refresh_from_db()
        assert generation.status == GenerationStatus.COMPLETED, generation.error
        assert {"main.tf", "variables.tf", "outputs.tf"} <= set(generation.files)
        assert generation.started_at <= generation.completed_at
        rendered = {
            field: getattr(generation, field)
            for field in ("updated_at", "completed_at", "content_hash", "files", "metadata")
        }

        # Delivered again once finished (the same message, as the broker would hand it back
        # after a lost acknowledgement): nothing is rendered or stored again. A second
        # generation queued behind it on the same worker shows the delivery was handled.
        tasks.generate.apply_async(args=[str(generation.pk)], task_id=str(generation.pk))
        after = services.generation_create(user=ta, version=new_version("gcp"), format="terraform")
        done = lambda: IacGeneration.objects.get(pk=after.pk).finished  # noqa: E731
        assert wait_for(done, timeout=60), worker_log()
        assert second.poll() is None
    generation.refresh_from_db()
    assert {field: getattr(generation, field) for field in rendered} == rendered
    assert generation.status == GenerationStatus.COMPLETED
    assert IacGeneration.objects.count() == 2
    assert broker.hlen("unacked") == 0
