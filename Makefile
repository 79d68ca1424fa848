# The two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
# The newest Python 3.11+ that actually runs (pyenv shims may exist without one behind them).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format setup python-check deps frontend migrate demo bench clean

run: setup demo ## Set up, load demo data and start web, worker and beat
	@$(PY) manage.py demo_logins --url http://127.0.0.1:$(PORT)/
	PORT=$(PORT) $(BIN)/honcho start

test: setup lint ## Set up, lint and run the whole suite
	$(BIN)/pytest

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint

format: deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint templates --reformat

setup: deps frontend migrate

python-check:
	@test -n "$(PYTHON)" || { echo "This portal needs Python 3.11 or newer, and none was found (python3 is $$(python3 -V 2>&1)). Install Python 3.11+ or run: make PYTHON=/path/to/python3.11 …" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "This portal needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)." >&2; exit 1; }

$(PY): | python-check
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu run 'apt-get install python3-venv'." >&2; exit 1; }

$(VENV)/.deps: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

deps: python-check $(VENV)/.deps

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

static/dist/council.css: node_modules/.package-lock.json static/scss/council.scss
	npm run --silent build

frontend: static/dist/council.css

migrate: deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py load_demo

bench: setup ## Benchmarks on generated data; writes var/bench/results.json
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null 2>&1; } \
		|| echo "wrk is not installed (apt-get install wrk): the public page load figures will be skipped"
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules static/dist var
