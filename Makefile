# GCM Implementation Monitor. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install system messages run test test-suite test-postgres lint format bench clean

help:
	@echo "make run            set up (venv, redis, SQLite, migrations, fixtures) and start web + worker + beat"
	@echo "make test           set up and run the whole suite (SQLite, or PostgreSQL when DATABASE_URL says so)"
	@echo "make test-postgres  start a local PostgreSQL (installing it if missing) and run the suite on it"
	@echo "make lint           ruff, formatting, makemigrations --check, fixtures --check, translations"
	@echo "make bench          benchmark figures (dashboards, API, reports)"

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c "import sys; assert sys.version_info[:2] == (3, 11)" 2>/dev/null || { echo "Python 3.11 is needed (found: $(PYTHON)). Install python3.11 or set PYTHON=/path/to/python3.11."; exit 1; }
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || scripts/ensure-system.sh venv
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

system:
	scripts/ensure-system.sh redis fonts

# The compiled catalogues (locale/*/LC_MESSAGES/django.mo) are built here, never committed;
# compilemessages skips a catalogue whose .mo is newer than its .po. It needs only LOCALE_PATHS, so
# the test settings serve (a fresh clone has no SECRET_KEY yet: `make run` writes .env later).
messages: install
	scripts/ensure-system.sh gettext
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules -v 0

run: install system messages
	scripts/run.sh

test: install
	scripts/ensure-system.sh redis test gettext
	$(MAKE) test-suite

# axe-core for the browser accessibility test, pinned by package-lock.json; installed, never fetched at test time.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

test-suite: messages node_modules/.package-lock.json
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(PY) manage.py makemigrations --check --dry-run >/dev/null
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install
	scripts/ensure-system.sh redis test postgres
	DATABASE_URL=$$(scripts/postgres-url.sh) $(MAKE) test-suite

lint: install
	scripts/ensure-system.sh gettext
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(PY) manage.py build_fixtures --check
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(PY) manage.py check_translations

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install system
	DJANGO_SETTINGS_MODULE=monitor.settings_test $(PY) -m reporting.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache
