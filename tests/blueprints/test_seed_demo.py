import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.blueprints.graph import graph_hash
from apps.blueprints.models import Blueprint

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
    }


def test_seed_demo_twice_gives_the_same_rows():
    call_command("seed_demo", password="first-password-1", verbosity=0)
    first = row_counts()
    call_command("seed_demo", password="first-password-1", verbosity=0)
    assert row_counts() == first
    assert first["roles"] == 7
    assert first["environments"] == 3
    assert first["components"] == 4
    assert first["relations"] == 4


def test_seed_demo_sets_the_admin_password_and_keeps_it_without_one(capsys):
    call_command("seed_demo", password="first-password-1")
    call_command("seed_demo")
    assert "existing password unchanged" in capsys.readouterr().out
    assert authenticate(username="admin@demo.dharma.local", password="first-password-1")


def test_seed_demo_prints_a_generated_password_for_a_new_admin(capsys):
    call_command("seed_demo")
    line = next(line for line in capsys.readouterr().out.splitlines() if "password:" in line)
    password = line.rsplit("password: ", 1)[1]
    admin = authenticate(username="admin@demo.dharma.local", password=password)
    assert admin is not None and admin.is_superuser


def test_the_demo_version_hash_is_the_hash_of_its_graph():
    call_command("seed_demo", password="first-password-1", verbosity=0)
    version = Blueprint.objects.get(name="web-platform").current_version
    assert version.graph_hash == graph_hash(version.graph_json)
