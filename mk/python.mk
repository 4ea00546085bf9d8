# Python package (python/): build the wheel and test it in a fresh virtual environment.
# Included by the top-level Makefile (`include mk/*.mk`). Targets: python-test, python-demo,
# notebook-test.
#
# Everything the targets need comes from PyPI into the new environment: maturin (the build
# backend, fetched by pip's build isolation) and the pinned test tools in
# python/tests/requirements.txt, plus the optional extras (pandas, matplotlib) and the notebook
# runner (nbclient, ipykernel) pinned in python/tests/requirements-notebook.txt. Only python3
# (with venv) and a Rust toolchain are assumed.
# CARGO_TARGET_DIR is honoured if set, so repeated runs reuse the Rust build.

PYTHON ?= python3
PY_BUILD := build/python
PY_VENV := $(PY_BUILD)/venv
PY_BIN := $(abspath $(PY_VENV))/bin
PY_ROOT := $(abspath .)
# An empty working directory: neither the checkout's package nor the venv is importable from it.
PY_RUN := $(PY_BUILD)/run

.PHONY: python-venv python-test python-demo notebook-test

python-venv: ## Build the raft_core wheel and install it into a fresh venv under build/python
	rm -rf $(PY_VENV) $(PY_BUILD)/dist
	mkdir -p $(PY_BUILD) $(PY_RUN)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_BIN)/python -m pip wheel --quiet --no-deps --wheel-dir $(PY_BUILD)/dist ./python
	$(PY_BIN)/python -m pip install --quiet $(PY_BUILD)/dist/raft_core-*.whl \
		-r python/tests/requirements.txt -r python/tests/requirements-notebook.txt

# Executes examples/notebooks/*.ipynb top to bottom in a kernel of the venv; any error fails.
PY_NOTEBOOKS = cd $(PY_RUN) && for nb in $(PY_ROOT)/examples/notebooks/*.ipynb; do \
		$(PY_BIN)/python $(PY_ROOT)/python/tests/run_notebook.py "$$nb" 300 || exit 1; done

python-test: python-venv ## Run the Python suite (pytest, mypy.stubtest, mypy on the examples, the notebooks)
	# Run from an empty directory so the checkout's python/raft_core can never shadow the wheel.
	cd $(PY_RUN) && $(PY_BIN)/pytest -c $(PY_ROOT)/python/pyproject.toml \
		--rootdir $(PY_ROOT)/python $(PY_ROOT)/python/tests
	cd $(PY_RUN) && $(PY_BIN)/python -m mypy.stubtest raft_core \
		--allowlist $(PY_ROOT)/python/tests/stubtest-allowlist.txt
	cd $(PY_RUN) && $(PY_BIN)/python -m mypy --strict --config-file= \
		$(PY_ROOT)/examples/python
	# The installed package's own Python (the plotting and table helpers) against its stubs.
	cd $(PY_RUN) && $(PY_BIN)/python -m mypy --strict --config-file= -p raft_core
	$(PY_NOTEBOOKS)

notebook-test: python-venv ## Execute the example notebooks (examples/notebooks) in a fresh venv
	$(PY_NOTEBOOKS)

python-demo: python-venv ## Run the Python host-loop example (a 3-node cluster in one process)
	cd $(PY_RUN) && $(PY_BIN)/python $(PY_ROOT)/examples/python/host_loop.py
