# Two commands do everything on a fresh Debian machine (as root):
#   make demo   - install what is missing, then run the sample campaign end to end
#   make test   - install what is missing (test services included), then lint and test
# Both are idempotent and quick the second time.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the product needs at run time, and those only the tests need.
RUN_DEBS := tesseract-ocr tesseract-ocr-fra poppler-utils
TEST_DEBS := $(RUN_DEBS) postgresql dovecot-imapd chromium
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: demo test lint deps-run deps-test venv clean

demo: deps-run venv
	$(BIN)/intake demo $(DEMO_ARGS)

test: deps-test venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Install the Debian packages of a list that are not installed yet (apt only when needed).
define ensure_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "Run as root to install:$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-run:
	$(call ensure_debs,$(RUN_DEBS))

deps-test:
	$(call ensure_debs,$(TEST_DEBS))

venv: $(VENV)/.installed

# Rebuilt when the project's metadata changes; otherwise a no-op.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
