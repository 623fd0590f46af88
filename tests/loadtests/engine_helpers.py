"""Building run configurations for tests in one line."""

from apps.loadtests.engine import runner
from apps.loadtests.engine.config import ConstantVUs, RunConfig, parse_target
from apps.loadtests.engine.scenario import scenario_from_paths


def run(url, *, paths=("/",), executor=None, scenario=None, thresholds=(), **options):
    config = RunConfig(
        target=parse_target(url),
        scenario=scenario or scenario_from_paths(list(paths)),
        executor=executor or ConstantVUs(vus=1, duration_s=0.2, graceful_stop_s=1.0),
        thresholds=tuple(thresholds),
        **options,
    )
    return runner.run(config, seed=1)
