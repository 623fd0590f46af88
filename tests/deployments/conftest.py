from tests.deployments.fixtures import (  # noqa: F401 - fixtures
    api,
    approved,
    catalog,
    deploy,
    dev,
    failed_execution,
    hard_fail_policy,
    make_version,
    prod,
    project,
    team,
)
