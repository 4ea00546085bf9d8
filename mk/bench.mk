# Benchmarks side by side with raft-rs and etcd/raft (bench/README.md). `make bench` is the full
# run; `make bench-smoke` (part of `make test`) runs every workload and peer once at a tiny size,
# so the harness keeps building and its correctness checks keep passing. Never a timed test.

BENCH_TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
# Extra harness arguments, e.g. BENCH_ARGS="--workload w1.v3.b64 --impl raft-core,etcd --runs 7".
BENCH_ARGS ?=

.PHONY: bench
bench: ## Full side-by-side benchmark (>= 5 alternating runs per figure); writes bench/results/
	$(CARGO) build --release -p raft-bench
	cd bench/etcd && go build -buildvcs=false -o $(BENCH_TARGET_DIR)/release/etcd-bench .
	RAFT_BENCH_BIN=$(BENCH_TARGET_DIR)/release/raft-bench \
	ETCD_BENCH_BIN=$(BENCH_TARGET_DIR)/release/etcd-bench \
	  python3 bench/harness.py $(BENCH_ARGS)

.PHONY: bench-smoke
bench-smoke: ## Every benchmark workload and peer once at a tiny size, correctness checks only
	$(CARGO) build -p raft-bench
	cd bench/etcd && go vet . && go build -buildvcs=false -o $(BENCH_TARGET_DIR)/debug/etcd-bench .
	RAFT_BENCH_BIN=$(BENCH_TARGET_DIR)/debug/raft-bench \
	ETCD_BENCH_BIN=$(BENCH_TARGET_DIR)/debug/etcd-bench \
	  python3 bench/harness.py --smoke
