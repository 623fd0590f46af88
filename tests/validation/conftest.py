from tests.loadtests.conftest import http_server  # noqa: F401 - a local HTTP target for load tests
