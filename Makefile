# raft-core: the documented entry points are `make demo` and `make test`; `make help` lists all.
# Pieces for the C ABI and the Python package live in mk/*.mk and add their own targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
# etcd's scenario tests, kept beside the checkout (see shared/conformance/README.md).
ETCD_RAFT_TESTDATA ?= $(abspath $(CURDIR)/../shared/conformance/etcd-raft)
export ETCD_RAFT_TESTDATA
# Property tests draw from a fixed seed in `make test`, so CI is reproducible; `make explore`
# runs them with fresh random seeds and many more cases to hunt for new failures.
PROPTEST_RNG_SEED ?= 20261204
export PROPTEST_RNG_SEED

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

-include mk/*.mk

# Every piece of `make test`; fragments in mk/ add theirs when present.
TEST_PIECES := fmt-check lint rust-test doc \
  $(if $(wildcard mk/ffi.mk),ffi-test) $(if $(wildcard mk/python.mk),python-test) \
  $(if $(wildcard mk/sim.mk),sim-test) $(if $(wildcard mk/bench.mk),bench-smoke)
DEMO_PIECES := rust-demo $(if $(wildcard mk/sim.mk),sim-demo) $(if $(wildcard mk/ffi.mk),ffi-demo) $(if $(wildcard mk/python.mk),python-demo)

.PHONY: test
test: $(TEST_PIECES) ## Everything CI runs: fmt, clippy, Rust tests, etcd conformance, C/C++ (sanitizers, valgrind), Python + notebook, sim sweep, bench smoke
	@echo "make test: all pieces passed ($(TEST_PIECES))"

.PHONY: demo
demo: $(DEMO_PIECES) ## A 3-node cluster in Rust, a simulated 5-node cluster under faults, then the C and Python examples

.PHONY: fmt
fmt: ## Format the Rust code
	$(CARGO) fmt --all

.PHONY: fmt-check
fmt-check: ## Fail if the Rust code is not formatted
	$(CARGO) fmt --all -- --check

.PHONY: lint
lint: ## Clippy with warnings as errors
	$(CARGO) clippy --workspace --all-targets -- -D warnings

.PHONY: rust-test
rust-test: ## Unit, property, integration and doc tests, and the etcd conformance runner
	$(CARGO) test --workspace

.PHONY: conformance
conformance: ## Run etcd's own scenario tests against raft-core (ETCD_RAFT_TESTDATA=dir to point elsewhere)
	$(CARGO) test -p raft-core --test etcd_conformance

.PHONY: explore
explore: ## Property tests with random seeds and 20x the cases (prints the seed of any failure)
	PROPTEST_RNG_SEED= PROPTEST_CASES=20000 CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
	  $(CARGO) test -p raft-core --release \
	  --test no_panic --test quorum_props --test confchange_props --test wire_schema --test storage

.PHONY: doc
doc: ## Build the API docs with warnings as errors
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p raft-core --no-deps

.PHONY: rust-demo
rust-demo: ## The Rust demo alone
	$(CARGO) run -q -p raft-core --example three_node_cluster

.PHONY: clean
clean: ## Remove build output
	$(CARGO) clean
	rm -rf build
