"""The Redis response cache on real Redis: never stale after a write, never a failure."""

import pytest
from prometheus_client import REGISTRY

from tests.blueprints.api.test_versions import GRAPH
from tests.ports import closed_port

# Real commits: cache tokens are replaced when the write commits (transaction.on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


def cache_count(view: str, result: str) -> float:
    value = REGISTRY.get_sample_value(
        "dharma_api_cache_requests_total", {"view": view, "result": result}
    )
    return value or 0.0


def test_settings_use_redis_for_responses(settings):
    assert "redis" in settings.CACHES["responses"]["BACKEND"].lower()


def test_detail_is_served_from_cache_and_a_write_is_seen_at_once(
    api, architect, blueprint_url, django_assert_max_num_queries
):
    client = api(architect)
    assert client.get(blueprint_url)["X-Cache"] == "MISS"
    with django_assert_max_num_queries(2):  # the user with its tenant, and the role grants
        hit = client.get(blueprint_url)
    assert hit["X-Cache"] == "HIT"
    assert hit.json()["description"] == ""
    patched = client.patch(blueprint_url, {"description": "new"}, format="json").json()
    # Write-through: the PATCH stored its own result, at the blueprint's new revision.
    fresh = client.get(blueprint_url)
    assert fresh["X-Cache"] == "HIT"
    assert fresh.json() == patched
    assert patched["description"] == "new"
    assert patched["revision"] == hit.json()["revision"] + 1


def test_a_write_outside_the_api_makes_the_cached_detail_stale(api, architect, blueprint_url):
    """The admin, commands and services all save through Blueprint.save()."""
    from apps.blueprints.models import Blueprint

    client = api(architect)
    client.get(blueprint_url)
    assert client.get(blueprint_url)["X-Cache"] == "HIT"
    blueprint = Blueprint.objects.get(pk=blueprint_url.rstrip("/").rsplit("/", 1)[1])
    blueprint.description = "edited in the admin"
    blueprint.save()
    response = client.get(blueprint_url)
    assert response["X-Cache"] == "MISS"
    assert response.json()["description"] == "edited in the admin"
    assert client.get(blueprint_url)["X-Cache"] == "HIT"


def test_a_response_older_than_the_token_is_refused(api, architect, blueprint_url):
    """A late writer or a slow reader cannot store (or bring back) an older revision."""
    from django.contrib.auth import get_user_model

    from apps.blueprints.caching import detail_key
    from apps.core.api.caching import store_at_revision

    client = api(architect)
    current = client.get(blueprint_url).json()
    tenant = get_user_model().objects.get(pk=architect.pk).tenant
    key = detail_key(tenant, current["id"])
    stale = {**current, "description": "old", "revision": current["revision"] - 1}
    assert store_at_revision(key, current["revision"] - 1, stale) is False
    assert client.get(blueprint_url).json() == current
    assert store_at_revision(key, current["revision"], current) is True


def test_a_process_local_cache_keeps_the_same_rule(settings):
    """First run without Redis: the response cache is LocMem, with the same refusal."""
    from apps.core.api.caching import VersionedKey, store_at_revision

    settings.CACHES = {
        **settings.CACHES,
        "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    key = VersionedKey(value="v", token="t")
    assert store_at_revision(key, 5, {"revision": 5}) is True
    assert store_at_revision(key, 4, {"revision": 4}) is False
    from django.core.cache import caches

    assert caches["responses"].get_many(["v", "t"]) == {"v": (5, {"revision": 5}), "t": 5}


def test_list_pages_follow_writes(api, architect, blueprint_url):
    client = api(architect)
    assert client.get("/api/v1/blueprints/").json()["count"] == 1
    assert client.get("/api/v1/blueprints/")["X-Cache"] == "HIT"
    project_id = client.get(blueprint_url).json()["project"]
    client.post("/api/v1/blueprints/", {"project": project_id, "name": "second"}, format="json")
    assert client.get("/api/v1/blueprints/").json()["count"] == 2
    client.delete(blueprint_url)
    assert client.get("/api/v1/blueprints/").json()["count"] == 1
    assert client.get(blueprint_url).status_code == 404


def test_a_new_version_shows_in_the_cached_blueprint(api, architect, blueprint_url):
    client = api(architect)
    assert client.get(blueprint_url).json()["current_version"] is None
    client.get(blueprint_url)
    client.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    after = client.get(blueprint_url)
    assert after.json()["current_version"] == 1
    assert after["X-Cache"] == "HIT"  # written through by the version's creation
    first = client.get(f"{blueprint_url}versions/1/")
    second = client.get(f"{blueprint_url}versions/1/")
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert second.json() == first.json()


def test_another_tenant_never_gets_a_cached_response(api, architect, make_user, blueprint_url):
    client = api(architect)
    client.get(blueprint_url)
    assert client.get(blueprint_url)["X-Cache"] == "HIT"
    assert api(make_user("SA")).get(blueprint_url).status_code == 404


def test_reads_succeed_and_count_errors_when_redis_is_down(api, architect, blueprint_url, settings):
    client = api(architect)
    responses = dict(settings.CACHES["responses"])
    responses["LOCATION"] = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {**settings.CACHES, "responses": responses}
    before = cache_count("blueprint-detail", "error")
    response = client.get(blueprint_url)
    assert response.status_code == 200
    assert response.json()["name"] == "shop"
    assert client.get("/api/v1/blueprints/").status_code == 200
    assert cache_count("blueprint-detail", "error") == before + 1


def test_cache_counters_are_exported_in_metrics(api, architect, blueprint_url, client):
    api(architect).get(blueprint_url)
    body = client.get("/metrics").content.decode()
    assert 'dharma_api_cache_requests_total{result="miss",view="blueprint-detail"}' in body


def test_a_write_while_redis_is_down_still_makes_cached_responses_stale(
    api, architect, blueprint_url, settings
):
    client = api(architect)
    client.get(blueprint_url)
    assert client.get(blueprint_url)["X-Cache"] == "HIT"
    working = settings.CACHES
    dead = dict(working["responses"], LOCATION=f"redis://127.0.0.1:{closed_port()}/0")
    settings.CACHES = {**working, "responses": dead}
    assert (
        client.patch(blueprint_url, {"description": "during outage"}, format="json").status_code
        == 200
    )
    settings.CACHES = working  # Redis is back, still holding the old response
    response = client.get(blueprint_url)
    assert response["X-Cache"] == "MISS"
    assert response.json()["description"] == "during outage"


def test_an_evicted_token_is_a_miss_never_a_stale_hit(api, architect, blueprint_url):
    from django.core.cache import caches

    from apps.blueprints.caching import blueprint_token_key

    client = api(architect)
    client.get(blueprint_url)
    blueprint_id = blueprint_url.rstrip("/").rsplit("/", 1)[1]
    caches["responses"].delete(blueprint_token_key(blueprint_id))
    # The first read stores what it read at the revision it read; the next is served from it.
    assert [client.get(blueprint_url)["X-Cache"] for _ in range(3)] == ["MISS", "HIT", "HIT"]


def test_version_responses_survive_edits_but_not_deletion(api, architect, blueprint_url):
    client = api(architect)
    client.post(f"{blueprint_url}versions/", {"graph": GRAPH}, format="json")
    client.get(f"{blueprint_url}versions/1/")
    client.patch(blueprint_url, {"description": "edited"}, format="json")
    assert client.get(f"{blueprint_url}versions/1/")["X-Cache"] == "HIT"  # versions are immutable
    client.delete(blueprint_url)
    assert client.get(f"{blueprint_url}versions/1/").status_code == 404


def test_an_unfiltered_list_page_survives_edits_to_blueprints_not_on_it(
    api, architect, blueprint_url
):
    client = api(architect)
    project_id = client.get(blueprint_url).json()["project"]
    newest = client.post(
        "/api/v1/blueprints/", {"project": project_id, "name": "newest"}, format="json"
    )
    page = "/api/v1/blueprints/?page_size=1"
    assert [client.get(page)["X-Cache"] for _ in range(2)] == ["MISS", "HIT"]
    client.patch(blueprint_url, {"description": "not on page 1"}, format="json")  # the older one
    assert client.get(page)["X-Cache"] == "HIT"
    client.patch(
        f"/api/v1/blueprints/{newest.json()['id']}/", {"description": "on it"}, format="json"
    )
    response = client.get(page)
    assert response["X-Cache"] == "MISS"
    assert response.json()["results"][0]["description"] == "on it"


def test_a_searched_list_follows_every_edit(api, architect, blueprint_url):
    client = api(architect)
    search = "/api/v1/blueprints/?search=gateway"
    assert client.get(search).json()["count"] == 0
    assert client.get(search)["X-Cache"] == "HIT"
    client.patch(blueprint_url, {"description": "api gateway"}, format="json")
    assert client.get(search).json()["count"] == 1
