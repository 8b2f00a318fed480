# Two commands do everything on a fresh machine:
#   make demo   - create the environment, initialise the demo center, serve it on :8000
#   make test   - create the environment, lint, and run every test (SQLite and PostgreSQL)
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install system-deps demo serve test lint bench clean

# Debian packages (PostgreSQL, Chromium, npm, the SIP peers…): checked on every run, installed
# when root, otherwise named and the run stops (scripts/system-deps.sh says how to go on).
system-deps:
	bash scripts/system-deps.sh

$(BIN)/.installed: pyproject.toml src/hotline/web/ui/package.json | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,asr]'
	bash scripts/ui-assets.sh
	touch $@

install: system-deps $(BIN)/.installed

demo: install
	$(BIN)/hotline init --demo-logins
	$(BIN)/hotline serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: install lint
	bash scripts/ensure-services.sh
	$(BIN)/pytest -q -n 2

bench: install
	$(BIN)/pip install -q -e '.[dev,bench]'
	bash scripts/ensure-services.sh
	for b in route erlang schedule sim kb voice voice_commits soak reports federation qa twin_check softphone; do $(BIN)/python bench/$$b.py --quick || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
