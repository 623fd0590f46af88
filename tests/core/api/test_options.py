"""OPTIONS answers every route of the API (DRF's metadata: the route's name, description,
renderers, parsers and, for writes, the fields it takes)."""

import pytest

from tests.core.api.routes import api_routes, complete_ids

pytestmark = pytest.mark.django_db


def test_options_answers_200_on_every_route_for_an_administrator(world):
    routes = api_routes()
    ids = complete_ids(routes, world.ids, world.client)
    world.client.raise_request_exception = False  # a 500 is reported, not raised
    answers = {route.name: world.client.options(route.path(ids)) for route in routes}
    failing = {name: (r.status_code, r.content[:200]) for name, r in answers.items()
               if r.status_code != 200}  # fmt: skip
    assert not failing
    assert len(answers) >= 50  # the walk reached the whole API


def test_options_of_the_terraform_import_describes_its_fields(world):
    response = world.client.options("/api/v1/iac/imports/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "multipart/form-data" in body["parses"]
    assert {"files", "blueprint", "project", "name", "tag"} <= set(body["actions"]["POST"])
