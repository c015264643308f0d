# Everyday verbs. A fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := dangjian.settings

.PHONY: run test setup lint format migrations-check bench demo-city clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed
	mkdir -p var static_root

run: setup
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py demo_city --scale demo --seed 1 --if-empty
	DJANGO_DEBUG=1 $(PY) manage.py demo_accounts
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: setup
	DJANGO_SECURE_SSL_REDIRECT=0 $(PY) -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: setup
	$(PY) manage.py makemigrations --check --dry-run

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules var static_root
