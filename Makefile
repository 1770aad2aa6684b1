# Two commands on a fresh clone: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM_PATH ?= /usr/bin/chromium
FLASK := $(BIN)/flask --app assessment
RUFF_FLAGS := --line-length 120 --target-version py311 --select E,F,W,I,B,BLE --ignore B905 \
	--per-file-ignores "assessment/domain/grant_dimensions.py:E501"

.PHONY: run test install install-dev translations db demo bench lint clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-run the install only when the dependency list changes.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d assessment/translations -D messages >/dev/null

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load

run: demo
	HOST=$(HOST) PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium: installed here when missing and the machine allows it (root, apt).
# Where it cannot be, those tests skip with a message, except in CI (CI=true), where they fail.
chromium:
	@if [ ! -x "$(CHROMIUM_PATH)" ] && ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the browser tests will say so"; \
	  else echo "no Chromium at $(CHROMIUM_PATH) and no root to install it: the browser tests will say so"; fi; \
	fi

test: install-dev chromium
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check $(RUFF_FLAGS) assessment tests bench
	$(BIN)/bandit -q -ll -r assessment

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
