"""List filters that name an id answer the same for another tenant's id as for an id that
exists nowhere: the API is no oracle for what other tenants hold."""

import uuid

import django_filters
import pytest
from django_filters.rest_framework import DjangoFilterBackend

from tests.core.api.routes import api_routes

pytestmark = pytest.mark.django_db

# The world's id a filter names, by filter name (findings keep their blueprint in resource_id).
FILTER_IDS = {
    "project": "project",
    "environment": "environment",
    "blueprint": "blueprint",
    "blueprint_version": "blueprint_version",
    "policy": "policy",
    "execution": "execution",
    "step": "step",
    "resource_id": "blueprint",
    "user": "user",
    "object_id": "blueprint",
}
ID_FILTERS = (
    django_filters.UUIDFilter,
    django_filters.ModelChoiceFilter,
    django_filters.ModelMultipleChoiceFilter,
)


def id_filters(route) -> list[str]:
    view_class = route.callback.cls
    filterset = DjangoFilterBackend().get_filterset_class(view_class(), view_class.queryset)
    if filterset is None:
        return []
    return [
        name
        for name, filter_ in filterset.base_filters.items()
        if isinstance(filter_, ID_FILTERS) or name in FILTER_IDS
    ]


def list_routes():
    return [r for r in api_routes() if r.name.endswith("-list") and "GET" in r.methods]


def test_every_id_filter_is_known_to_this_test():
    unknown = {
        (route.name, name)
        for route in list_routes()
        for name in id_filters(route)
        if name not in FILTER_IDS
    }
    assert not unknown, f"Add these filters to FILTER_IDS: {sorted(unknown)}"


def test_another_tenants_id_answers_like_an_id_that_does_not_exist(world, other_world):
    checked = []
    for route in list_routes():
        path = route.path(world.ids)
        for name in id_filters(route):
            foreign = world.client.get(path, {name: other_world.ids[FILTER_IDS[name]]})
            missing = world.client.get(path, {name: str(uuid.uuid4())})
            assert (foreign.status_code, foreign.json()) == (
                missing.status_code,
                missing.json(),
            ), (route.name, name)
            assert foreign.status_code == 200, (route.name, name, foreign.json())
            checked.append(f"{route.name}?{name}")
    # The endpoints this walk reaches (a sanity check that it walked something).
    assert "blueprint-list?project" in checked
    assert "guardrail-finding-list?policy" in checked
    assert "iac-generation-list?blueprint_version" in checked


def test_a_filter_naming_an_id_of_ones_own_tenant_still_filters(world):
    own = world.client.get("/api/v1/blueprints/", {"project": world.ids["project"]}).json()
    assert own["count"] == 2
    assert world.client.get("/api/v1/blueprints/", {"project": "not-a-uuid"}).status_code == 400
