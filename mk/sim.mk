# The cluster simulator (raft_core::sim): seed sweep, bug-injection proof, soak, demo.
#
# The long sim tests are #[ignore]d in plain `cargo test` and run here optimized. The test-only
# `bug-injection` feature refuses to compile without debug assertions, so the optimized build keeps
# them on (which also keeps the core's debug_assert! invariants checked during the sweep).

SIM_CARGO_ENV := CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true
SIM_SEEDS ?= 2000
SOAK_SEEDS ?= 100000

.PHONY: sim-test
sim-test: ## Simulator: 2,000-seed sweep (SIM_SEEDS=n) with zero violations, and each injected bug caught within 1,000 seeds
	SIM_SEEDS=$(SIM_SEEDS) $(SIM_CARGO_ENV) $(CARGO) test --release -p raft-core --test sim_sweep --test sim_bugs -- --ignored --nocapture --test-threads 2

.PHONY: soak
soak: ## Simulator soak: 100,000 seeds (SOAK_SEEDS=n) (SIM_SEED_START=n to start elsewhere)
	SIM_SEEDS=$(SOAK_SEEDS) $(SIM_CARGO_ENV) $(CARGO) test --release -p raft-core --test sim_sweep -- --ignored --nocapture

.PHONY: sim-demo
sim-demo: ## A simulated 5-node cluster under loss, a partition and a crash, with a safety summary
	$(CARGO) run -q -p raft-core --example sim_demo
