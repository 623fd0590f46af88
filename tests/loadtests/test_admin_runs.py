"""The admin's load-test pages: list, run page with charts, thresholds and the baseline
comparison; actions; starting a run from the admin."""

import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.loadtests import compare
from apps.loadtests.models import LoadTestRun, RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    from tests.accounts.factories import UserFactory

    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def stored_run(url, *extra):
    call_command(
        "runloadtest", "--url", url, "--path", "/", "--vus", "2", "--duration", "1s",
        "--no-progress", "--threshold", "http_req_failed:rate<0.01", *extra,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )  # fmt: skip
    return LoadTestRun.objects.order_by("-created_at").first()


def test_the_list_and_the_run_page_render_with_charts_and_thresholds(staff, http_server):
    run = stored_run(http_server.url, "--name", "smoke")
    listing = staff.get(reverse("admin:loadtests_loadtestrun_changelist"))
    assert listing.status_code == 200
    assert b"smoke" in listing.content and b"Passed" in listing.content
    page = staff.get(reverse("admin:loadtests_loadtestrun_change", args=[run.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('role="img"') == 4  # req/s, latency, VUs and the histogram
    assert "http_req_failed" in body and "✓ pass" in body
    assert "No baseline for this target" in body


def test_baseline_comparison_and_actions(staff, http_server):
    first = stored_run(http_server.url)
    changelist = reverse("admin:loadtests_loadtestrun_changelist")
    staff.post(changelist, {"action": "mark_as_baseline", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.is_baseline
    staff.post(changelist, {"action": "run_again", "_selected_action": [first.pk]})
    again = LoadTestRun.objects.exclude(pk=first.pk).get()  # queued; eager here: it ran
    assert again.status == RunStatus.PASSED and again.baseline == first
    assert again.options == first.options
    page = staff.get(reverse("admin:loadtests_loadtestrun_change", args=[again.pk])).content
    assert b"Compared with the baseline" in page and b"requests per second" in page


def test_starting_a_run_from_the_admin_queues_it(staff, http_server):
    add = reverse("admin:loadtests_loadtestrun_add")
    assert staff.get(add).status_code == 200
    refused = staff.post(
        add, {"url": "http://example.com", "paths": "/", "vus": 1, "duration": "1s"}
    )
    assert refused.status_code == 200 and b"not allowed" in refused.content
    assert not LoadTestRun.objects.exists()
    response = staff.post(
        add,
        {"name": "from admin", "url": http_server.url, "paths": "/\n/json:2", "vus": 2,
         "duration": "500ms", "thresholds": "http_req_failed:rate<0.01"},
    )  # fmt: skip
    assert response.status_code == 302
    run = LoadTestRun.objects.get()
    assert run.name == "from admin" and run.status == RunStatus.PASSED
    assert run.options["path"] == ["/", "/json:2"]


def summary(rate, p95, failed=0.0, method="exact"):
    return {
        "http_reqs": {"values": {"rate": rate}, "method": "exact"},
        "http_req_duration": {
            "values": {"avg": p95 / 2, "med": p95 / 2, "p(95)": p95, "p(99)": p95 * 1.2},
            "method": method,
        },
        "http_req_failed": {"values": {"rate": failed}, "method": "exact"},
        "iterations": {"values": {"rate": rate}, "method": "exact"},
    }


def test_comparison_verdicts():
    same = compare.compare(summary(1000, 10), summary(1050, 10.5))
    assert compare.overall(same) == "no significant change"
    slower = compare.compare(summary(1000, 15), summary(1000, 10))
    verdicts = {delta.label: delta.verdict for delta in slower}
    assert verdicts["http_req_duration p(95)"] == "regression"
    assert compare.overall(slower) == "regression"
    faster = compare.compare(summary(1500, 10), summary(1000, 10))
    assert {d.label: d.verdict for d in faster}["requests per second"] == "improvement"
    failing = compare.compare(summary(1000, 10, failed=0.02), summary(1000, 10, failed=0.0))
    assert {d.label: d.verdict for d in failing}["http_req_failed rate"] == "regression"
    mixed = compare.compare(summary(1000, 10, method="hdr"), summary(1000, 10))
    assert {d.label: d.method for d in mixed}["http_req_duration p(95)"] == "hdr"
