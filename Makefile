# greenshield — the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The make targets are a developer's: development mode, unless the environment says otherwise. Without it the
# service is in production mode (DEBUG off, refuses to start without its secrets).
GREENSHIELD_ENV ?= development
export GREENSHIELD_ENV

# The charting library of the supervision dashboard, vendored as a static file (no CDN, no build step at run time).
CHARTJS_VERSION := 4.6.1
CHARTJS_DIR := apps/supervision/static/supervision/vendor/chartjs

.PHONY: run test install migrate demo demo-history worker beat bench loadtest lint db-roles vendor-chartjs vendor-axe clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py rollup --changed

# A month of back-dated traffic (simulate --days), for the statistics and the supervision dashboard.
HISTORY_DAYS ?= 30
demo-history: demo
	$(BIN)/python manage.py simulate --days $(HISTORY_DAYS) --seed 1
	$(BIN)/python manage.py rollup --changed

run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

bench: install
	$(BIN)/python bench/ingest_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/log_bench.py $(LOG_BENCH_ARGS)
	$(BIN)/python bench/epcis_bench.py $(EPCIS_BENCH_ARGS)
	$(BIN)/python bench/crypto_bench.py $(CRYPTO_BENCH_ARGS)
	$(BIN)/python bench/supervision_bench.py $(SUPERVISION_BENCH_ARGS)
	$(BIN)/python bench/size_bench.py $(SIZE_BENCH_ARGS)

# The region's traffic mix through gunicorn + a Celery worker on PostgreSQL and Redis, bounded (LOADTEST_ARGS, e.g.
# --users 18 --minutes 2), then a count of rows: nothing accepted may be lost (loadtest/run.py).
loadtest: install
	$(BIN)/python loadtest/run.py $(LOADTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r apps greenshield config -lll
	$(BIN)/python scripts/audit_dependencies.py

vendor-chartjs:
	rm -rf .vendor-chartjs && mkdir -p .vendor-chartjs $(CHARTJS_DIR)
	cd .vendor-chartjs && npm pack --silent chart.js@$(CHARTJS_VERSION) && tar xzf chart.js-$(CHARTJS_VERSION).tgz
	cp .vendor-chartjs/package/dist/chart.umd.min.js .vendor-chartjs/package/LICENSE.md $(CHARTJS_DIR)/
	rm -rf .vendor-chartjs
	@head -c 40 $(CHARTJS_DIR)/chart.umd.min.js | grep -q "Chart.js v$(CHARTJS_VERSION)" && echo "Chart.js $(CHARTJS_VERSION) vendored"
# Refresh the axe-core the browser tests inject (tests/browser/vendor/); AXE_VERSION=4.x.y for a given release.
AXE_VERSION ?= 4
vendor-axe:
	AXE_VERSION=$(AXE_VERSION) scripts/vendor_axe.sh

clean:
	rm -rf $(VENV) .pytest_cache

# The two PostgreSQL roles (run as a superuser; DATABASE_URL points at the database): owner runs migrations,
# app serves. Passwords from GREENSHIELD_DB_OWNER_PASSWORD / GREENSHIELD_DB_APP_PASSWORD. See README "Database roles".
db-roles: install
	$(BIN)/python manage.py db_roles $(DB_ROLES_ARGS)
