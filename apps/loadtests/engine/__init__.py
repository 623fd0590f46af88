"""The load engine: pure code without the ORM. Configuration in, a `RunResult` out.

config      durations, stages, profiles and the run configuration
scenario    what one iteration does: weighted or sequential requests, think time, checks
http        an HTTP/1.1 client on asyncio (uvloop, httptools) that times k6's request phases
metrics     k6's metrics, samples per tag set, exact and HDR percentiles, the per-second series
executors   constant-vus, ramping-vus, constant-arrival-rate
runner      runs a configuration on its own event loop and returns the result
results     the serialisable, mergeable result of a run
thresholds  k6's threshold expressions, parsed and evaluated
summary     the end-of-test summary, the JSON export, CSV samples, JUnit
"""
