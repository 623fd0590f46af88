from tests.guardrails.test_api import lead, new_version, project  # noqa: F401 - fixtures
