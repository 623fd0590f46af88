"""docker/docker-compose.yml cannot run here (no Docker engine), so it is checked statically:
every healthcheck, command and mounted file it uses exists in the project."""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def words(command) -> list[str]:
    if isinstance(command, list):
        if command and command[0] in ("CMD", "CMD-SHELL"):
            command = command[1:] if command[0] == "CMD" else shlex.split(command[1])
        return [str(word) for word in command]
    return shlex.split(command)


def test_the_healthcheck_script_has_every_mode_the_compose_file_uses():
    script = (DOCKER / "healthcheck.py").read_text()
    modes = [
        args[args.index("docker/healthcheck.py") + 1]
        for service in SERVICES.values()
        if "test" in service.get("healthcheck", {})
        for args in [words(service["healthcheck"]["test"])]
        if "docker/healthcheck.py" in args
    ]
    assert set(modes) == {"web", "worker", "beat"}
    for mode in modes:
        assert f"def check_{mode}(" in script


def test_the_urls_the_stack_probes_exist_in_dharma():
    script = (DOCKER / "healthcheck.py").read_text()
    for path in re.findall(r"/health/[a-z]+", script):
        assert resolve(path)
    prometheus = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    web = next(job for job in prometheus["scrape_configs"] if "web:8000" in str(job))
    assert resolve(web.get("metrics_path", "/metrics"))


def test_commands_and_mounted_files_exist():
    for name, service in SERVICES.items():
        command = words(service.get("command", []))
        if command[:2] == ["python", "manage.py"]:
            assert command[2] in get_commands(), f"{name}: manage.py {command[2]}"
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (DOCKER / source).exists(), f"{name}: {source}"
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "dharma/gunicorn.conf.py" in dockerfile
    assert (ROOT / "dharma" / "gunicorn.conf.py").exists()


def test_the_worker_consumes_every_routed_queue():
    command = words(SERVICES["worker"]["command"])
    queues = set(command[command.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {"celery"} <= queues


# --- Prometheus and Grafana ------------------------------------------------------------------

PROMETHEUS = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
GRAFANA = DOCKER / "grafana" / "provisioning"
DASHBOARDS = {
    path.name: json.loads(path.read_text()) for path in sorted(GRAFANA.glob("dashboards/*.json"))
}
# PromQL words that are not metric names (keywords; functions are recognised by their "(").
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                   "group_left", "group_right", "inf", "nan", "atan2"}  # fmt: skip
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
}


def panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found += panel.get("panels", [])  # panels of a collapsed row
    return found


def expressions() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, PromQL) of every query of every provisioned dashboard."""
    return [
        (name, panel["title"], target["expr"])
        for name, dashboard in DASHBOARDS.items()
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values)
    expr = re.sub(r"\{[^}]*\}", " ", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)  # range selectors, $__rate_interval
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if expr[match.end() :].lstrip().startswith("(") or match.group() in PROMQL_KEYWORDS:
            continue  # a function or an aggregation, or a keyword
        names.add(match.group())
    return names


def web_jobs() -> list[dict]:
    return [job for job in PROMETHEUS["scrape_configs"] if "web:8000" in str(job)]


def exposed_by_dharma(client) -> set[str]:
    """Every name the web's scrape paths can serve, read with prometheus_client's parser: a
    family with no sample yet (labels not seen since start) still declares its name. A label of
    the samples must not be one the scrape job sets on its target (Prometheus would rename it)."""
    from prometheus_client.parser import text_string_to_metric_families

    names: set[str] = set()
    for job in web_jobs():
        response = client.get(job.get("metrics_path", "/metrics"))
        assert response.status_code == 200, job["job_name"]
        target_labels = {
            key for config in job["static_configs"] for key in config.get("labels", {})
        }
        for family in text_string_to_metric_families(response.content.decode()):
            names.add(family.name)
            names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
            for sample in family.samples:
                names.add(sample.name)
                clash = target_labels & set(sample.labels)
                assert not clash, f"{job['job_name']}: {sample.name} has target label(s) {clash}"
    return names


def test_the_panels_query_the_provisioned_datasource():
    datasources = yaml.safe_load((GRAFANA / "datasources" / "prometheus.yml").read_text())
    (datasource,) = datasources["datasources"]
    assert datasource["url"] == "http://prometheus:9090" and "prometheus" in SERVICES
    uids = [dashboard["uid"] for dashboard in DASHBOARDS.values()]
    assert len(uids) == len(set(uids)) >= 2
    for name, dashboard in DASHBOARDS.items():
        ids = [panel["id"] for panel in panels(dashboard)]
        assert len(ids) == len(set(ids)), name
        for panel in panels(dashboard):
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, (name, panel["title"])
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == datasource["uid"], (name, panel["title"])
                assert panel["targets"], (name, panel["title"])
    provider = yaml.safe_load((GRAFANA / "dashboards" / "dharma.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/etc/grafana/provisioning/dashboards"
    home = SERVICES["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).name in DASHBOARDS


def test_the_dashboards_show_what_operators_watch():
    queries = [expr for _, _, expr in expressions()]

    def shown(metric: str, *within: str) -> bool:
        return any(metric in q and all(part in q for part in within) for q in queries)

    assert shown("django_http_requests_total_by_view_transport_method_total", "by (view")
    assert shown("django_http_requests_latency_seconds_by_view_method_bucket", "le, view")
    assert shown("django_cache_get_hits_total") and shown("dharma_api_cache_requests_total", "hit")
    assert shown("dharma_pgbouncer_pool_clients") and shown("dharma_pgbouncer_pool_servers")
    assert shown("dharma_loadtest_p95_seconds")


@pytest.mark.django_db
def test_every_dashboard_metric_is_exposed_by_dharma_or_a_declared_exporter(client):
    from apps.validation import services

    services.run_validation(checks=["postgresql"])  # so that the check metrics have samples
    exposed = exposed_by_dharma(client)
    # Other scrape jobs: each target is a service of the compose file (or Prometheus itself),
    # and its metrics carry the job's name as their prefix (prometheus_…).
    exporters = {}
    for job in PROMETHEUS["scrape_configs"]:
        if job in web_jobs():
            continue
        for config in job["static_configs"]:
            for target in config["targets"]:
                host = target.split(":")[0]
                assert host in SERVICES or host == "localhost", f"{job['job_name']}: {target}"
        exporters[job["job_name"]] = f"{job['job_name'].replace('-', '_')}_"
    missing = sorted(
        (dashboard, title, name)
        for dashboard, title, expr in expressions()
        for name in metric_names(expr)
        if name not in exposed
        and name != "up"
        and not any(name.startswith(prefix) for prefix in exporters.values())
    )
    assert not missing, missing


def test_metric_names_are_read_from_promql():
    expr = (
        'histogram_quantile(0.95, sum by (le, view) (rate(a_bucket{view=~"x|y"}[5m])))'
        " / on (view) group_left b_total or vector(0) * 1e3 + c:recorded"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c:recorded"}


def test_the_dashboard_queries_are_valid_promql(tmp_path):
    import os
    import shutil
    import subprocess

    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("DHARMA_REQUIRE_PROMETHEUS"):
            pytest.fail("DHARMA_REQUIRE_PROMETHEUS is set but promtool is not installed")
        pytest.skip("promtool is not installed (bash .ci/prometheus.sh installs Prometheus)")
    rules = {
        "groups": [
            {
                "name": "dashboards",
                "rules": [
                    {"record": f"dashboard:query_{n}",
                     "expr": expr.replace("$__rate_interval", "5m")}
                    for n, (_, _, expr) in enumerate(expressions())
                ],
            }
        ]
    }  # fmt: skip
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    checked = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules['groups'][0]['rules'])} rules found" in checked.stdout


def test_the_stack_points_the_validation_at_its_services():
    environment = COMPOSE["x-app-environment"]
    pgbouncer = environment["DHARMA_PGBOUNCER_ADMIN_URL"]
    assert "@pgbouncer:6432/pgbouncer" in pgbouncer and "pgbouncer" in SERVICES
    ini = (DOCKER / "pgbouncer" / "pgbouncer.ini").read_text()
    user = pgbouncer.split("//", 1)[1].split(":", 1)[0]
    assert re.search(rf"^admin_users = {user}$", ini, re.M)
    assert environment["DHARMA_VALIDATION_PROMETHEUS_URL"] == "http://prometheus:9090"
    _name, url = environment["DHARMA_VALIDATION_SERVICES"].split("=", 1)
    assert url == "http://web:8000/health" and resolve("/health")
