from tests.core.api.world import admin, catalog, other_world, world  # noqa: F401 - fixtures
