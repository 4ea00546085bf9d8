# Benchmarks side by side with raft-rs and etcd/raft (bench/README.md). `make bench` is the full
# run; `make bench-smoke` (part of `make test`) runs every workload and peer once at a tiny size,
# so the harness keeps building and its correctness checks keep passing. Never a timed test.

BENCH_TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
# Extra harness arguments, e.g. BENCH_ARGS="--workload w1.v3.b64 --impl raft-core,etcd --runs 7".
BENCH_ARGS ?=

# W4 front doors. The C row (bench/c) links libraft.so: `bench` builds a release library with
# mk/ffi.mk's ffi-build into build/ffi/release (same layout as build/ffi, so the debug library the
# C tests use is never replaced); `bench-smoke` reuses the debug build/ffi one. The Python row
# (bench/python) runs with the venv of mk/python.mk, which has the raft_core wheel installed.
BENCH_OUT         := $(CURDIR)/build/bench
BENCH_FFI_RELEASE := $(CURDIR)/build/ffi/release
BENCH_C_SRC       := bench/c/raft_bench_c.c
BENCH_CFLAGS      := -O2 -std=c11 -Wall -Wextra -Werror -I$(CURDIR)/include
BENCH_PY          := $(CURDIR)/bench/python/raft_bench_py.py

.PHONY: bench-c bench-c-smoke
bench-c: ## The C ABI bench program against a release libraft.so (build/bench/raft-bench-c)
	$(MAKE) --no-print-directory ffi-build FFI_PROFILE=release FFI_OUT=$(BENCH_FFI_RELEASE)
	@mkdir -p $(BENCH_OUT)
	$(FFI_CC) $(BENCH_CFLAGS) $(BENCH_C_SRC) -o $(BENCH_OUT)/raft-bench-c \
	    -L$(BENCH_FFI_RELEASE)/lib -Wl,-rpath,$(BENCH_FFI_RELEASE)/lib -lraft

bench-c-smoke: ffi-build
	@mkdir -p $(BENCH_OUT)
	$(FFI_CC) $(BENCH_CFLAGS) $(BENCH_C_SRC) -o $(BENCH_OUT)/raft-bench-c-smoke $(FFI_LINK)

.PHONY: bench
bench: bench-c python-venv ## Full side-by-side benchmark (>= 5 alternating runs per figure); writes bench/results/
	$(CARGO) build --release -p raft-bench
	cd bench/etcd && go build -buildvcs=false -o $(BENCH_TARGET_DIR)/release/etcd-bench .
	RAFT_BENCH_BIN=$(BENCH_TARGET_DIR)/release/raft-bench \
	ETCD_BENCH_BIN=$(BENCH_TARGET_DIR)/release/etcd-bench \
	RAFT_BENCH_C_BIN=$(BENCH_OUT)/raft-bench-c \
	RAFT_BENCH_PY=$(BENCH_PY) RAFT_BENCH_PYTHON=$(PY_BIN)/python \
	  python3 bench/harness.py $(BENCH_ARGS)

.PHONY: bench-smoke
bench-smoke: bench-c-smoke python-venv ## Every benchmark workload and peer once at a tiny size, correctness checks only
	$(CARGO) build -p raft-bench
	cd bench/etcd && go vet . && go build -buildvcs=false -o $(BENCH_TARGET_DIR)/debug/etcd-bench .
	RAFT_BENCH_BIN=$(BENCH_TARGET_DIR)/debug/raft-bench \
	ETCD_BENCH_BIN=$(BENCH_TARGET_DIR)/debug/etcd-bench \
	RAFT_BENCH_C_BIN=$(BENCH_OUT)/raft-bench-c-smoke \
	RAFT_BENCH_PY=$(BENCH_PY) RAFT_BENCH_PYTHON=$(PY_BIN)/python \
	  python3 bench/harness.py --smoke
	# The W4 checks must be able to fail: a run whose proposal n/2 is corrupted must say FAILED.
	@for prog in "$(BENCH_OUT)/raft-bench-c-smoke" "$(PY_BIN)/python $(BENCH_PY)"; do \
	  for w in w1 w2; do \
	    if out=$$($$prog --workload $$w --n 200 --inject-fault); then \
	      echo "bench-smoke: $$prog $$w passed its check on a corrupted run"; exit 1; fi; \
	    grep -q ' status=FAILED reason=' <<<"$$out" || { echo "bench-smoke: no FAILED line: $$out"; exit 1; }; \
	  done; \
	done; echo "bench-smoke: W4 checks catch a corrupted proposal (C and Python, w1 and w2)"
