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

.PHONY: run test install migrate demo worker beat bench lint clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r apps greenshield config -lll
	$(BIN)/python scripts/audit_dependencies.py

clean:
	rm -rf $(VENV) .pytest_cache
