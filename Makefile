# Two commands on a fresh clone: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app assessment
RUFF_FLAGS := --line-length 120 --target-version py311 --select E,F,W,I,B,BLE --ignore B905 \
	--per-file-ignores "assessment/domain/grant_dimensions.py:E501"

.PHONY: run test install install-dev translations db demo bench lint clean

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

test: install-dev
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check $(RUFF_FLAGS) assessment tests bench
	$(BIN)/bandit -q -ll -r assessment

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
