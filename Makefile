# Each target works on a fresh clone with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench lint

# -qq: pip and the build backend print only real problems (errors), so the first
# `make run` is quiet; a failed install still says why.
$(STAMP): pyproject.toml
	@echo "Installing ivs-chat-tui and its dependencies into $(VENV) (first run only)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --upgrade pip
	@$(BIN)/python -m pip install -qq -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ivs-chat-tui $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
