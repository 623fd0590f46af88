"""Load-test runs are not stored yet: the engine returns a plain `RunResult` (engine/results.py)
that a model will persist once runs are kept, queued on Celery and reviewed in the admin."""
