"""docker/docker-compose.yml cannot run here (no Docker engine), so it is checked statically:
every healthcheck, command and mounted file it uses exists in the project."""

import re
import shlex
from pathlib import Path

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
