import pytest

# Shared fixtures with assertions, imported by conftest.py and by the incident tests' plugin list.
pytest.register_assert_rewrite("tests.deployments.fixtures")
