# Dharma: `make run` for a first run (embedded defaults), `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_PASSWORD_FILE := .dharma/demo-admin-password
DEMO_EMAIL := admin@demo.dharma.local
# Tests run against the real services of the development and CI machines.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dharma
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help install install-dev run serve worker beat migrate seed test lint format \
	migrations-check sqlite-migrations-check check-services pytest bench clean checkov

help:
	@echo "make run    - first run: venv, install, migrate, seed demo, serve on http://127.0.0.1:8000"
	@echo "make test   - lint, migrations check, whole test suite on PostgreSQL + Redis"
	@echo "make serve  - gunicorn with dharma/gunicorn.conf.py (production-style)"
	@echo "make worker / make beat - Celery worker / beat"
	@echo "make bench  - benchmarks/health_wrk.py (wrk against gunicorn)"

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Checkov in its own venv (its pins clash with ours); the IaC engine's tests run its CLI.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev checkov
checkov: $(CHECKOV_VENV)/.installed

migrate: install
	$(PY) manage.py migrate --no-input

$(DEMO_PASSWORD_FILE):
	@mkdir -p $(dir $@)
	@$(PY) -c "import secrets; print(secrets.token_urlsafe(12))" > $@
	@chmod 600 $@

seed: migrate $(DEMO_PASSWORD_FILE)
	$(PY) manage.py seed_demo --password "$$(cat $(DEMO_PASSWORD_FILE))"

run: seed
	@echo ""
	@echo "  Dharma admin:  http://127.0.0.1:8000/admin/"
	@echo "  e-mail:        $(DEMO_EMAIL)"
	@echo "  password:      $$(cat $(DEMO_PASSWORD_FILE))"
	@echo "  health:        http://127.0.0.1:8000/health   API docs: http://127.0.0.1:8000/api/docs/"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:8000

serve: migrate
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(VENV)/bin/gunicorn -c dharma/gunicorn.conf.py

worker: install
	$(VENV)/bin/celery -A dharma worker --loglevel INFO -Q celery,loadtests

beat: install
	$(VENV)/bin/celery -A dharma beat --loglevel INFO

check-services: install-dev
	$(PY) -m tests.services --database "$(TEST_DATABASE_URL)" --redis "$(TEST_REDIS_URL)"

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy apps dharma

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install-dev
	DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run

sqlite-migrations-check: install-dev
	@rm -f .dharma/migrations-check.sqlite3 && mkdir -p .dharma
	DATABASE_URL=sqlite:///$(CURDIR)/.dharma/migrations-check.sqlite3 $(PY) manage.py migrate --no-input --verbosity 0
	@echo "migrations apply on a fresh SQLite database"
	@rm -f .dharma/migrations-check.sqlite3

pytest: install-dev
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -n auto $(PYTEST_ARGS)

# The API, job and validation tests again, through PgBouncer in transaction pooling mode
# (.ci/pgbouncer.sh starts it on 127.0.0.1:6432); without a PgBouncer there, the pass says so.
PGBOUNCER_DATABASE_URL ?= postgres://postgres@127.0.0.1:6432/dharma_pgbouncer
PGBOUNCER_TESTS ?= tests/accounts tests/blueprints tests/guardrails tests/costing tests/loadtests/test_runs.py tests/validation \
    tests/iac/test_generations_api.py tests/iac/test_gate.py tests/iac/test_import.py tests/iac/test_tasks.py

# PgBouncer keeps min_pool_size server connections to each test database, so pytest-django
# cannot drop them: they are dropped directly (WITH (FORCE)) before and after the pass.
DROP_PGBOUNCER_TEST_DBS = psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc \
	"SELECT datname FROM pg_database WHERE datname LIKE 'test_dharma_pgbouncer%'" \
	| xargs -r -I{} psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -c 'DROP DATABASE "{}" WITH (FORCE)'

pytest-pgbouncer: install-dev
	@if pg_isready -q -h 127.0.0.1 -p 6432; then \
		$(DROP_PGBOUNCER_TEST_DBS); \
		DATABASE_URL=$(PGBOUNCER_DATABASE_URL) DATABASE_PGBOUNCER=true REDIS_URL=$(TEST_REDIS_URL) \
		DHARMA_PGBOUNCER_ADMIN_URL=postgresql://postgres@127.0.0.1:6432/pgbouncer \
		$(PY) -m pytest -n auto -p no:cacheprovider -W "ignore::pytest.PytestWarning" $(PGBOUNCER_TESTS) \
		&& $(DROP_PGBOUNCER_TEST_DBS); \
	else \
		echo "No PgBouncer on 127.0.0.1:6432: the pass through it was NOT run (.ci/pgbouncer.sh starts one)"; \
		test -z "$(DHARMA_REQUIRE_PGBOUNCER)"; \
	fi

test: lint check-services migrations-check sqlite-migrations-check pytest pytest-pgbouncer

bench: install-dev
	$(PY) benchmarks/health_wrk.py
	$(PY) benchmarks/blueprint_cache_wrk.py

clean:
	rm -rf $(VENV) .dharma db.sqlite3 staticfiles .pytest_cache .ruff_cache
