# mk/ffi.mk: the C ABI (raft-ffi), its header, the C and C++ tests and examples.
# Included by the top-level Makefile; every target runs from the repository root.
#
#   make ffi-build         libraft.so (soname libraft.so.0), libraft.a, raft-core.pc in build/ffi/lib
#   make ffi-header        regenerate include/raft.h with the pinned cbindgen
#   make ffi-header-check  fail if include/raft.h differs from what the sources generate
#   make ffi-test          everything below: header checks, Rust unit tests, symbol check,
#                          C tests under ASan+UBSan and under valgrind, C++ tests, examples
#   make ffi-demo          build and run the C example (a 3-node cluster in one process)

FFI_CARGO        ?= cargo
FFI_TARGET_DIR   := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
FFI_PROFILE      ?= debug
FFI_PROFILE_FLAG := $(if $(filter release,$(FFI_PROFILE)),--release,)
FFI_OUT          := $(CURDIR)/build/ffi
FFI_LIB          := $(FFI_OUT)/lib
FFI_HOOKS_LIB    := $(FFI_OUT)/lib-hooks
FFI_TOOLS        := $(CURDIR)/build/tools
# The one cbindgen version that generates include/raft.h. Changing it changes the header.
CBINDGEN_VERSION := 0.29.4
CBINDGEN         := $(FFI_TOOLS)/bin/cbindgen
RAFT_SONAME      := libraft.so.0
FFI_PREFIX       ?= /usr/local
FFI_VERSION      := $(shell sed -n 's/^\#define RAFT_VERSION_STRING "\(.*\)"/\1/p' include/raft.h)
# In-tree builds find libraft through build/ffi/lib/pkgconfig/raft-core-uninstalled.pc.
FFI_PKG          := PKG_CONFIG_PATH=$(FFI_LIB)/pkgconfig pkg-config

FFI_CC       ?= cc
FFI_CXX      ?= c++
FFI_WARN     := -Wall -Wextra -Werror
FFI_CFLAGS   := -std=c11 -pedantic $(FFI_WARN) -g -I$(CURDIR)/include
FFI_CXXFLAGS := -std=c++17 -pedantic $(FFI_WARN) -g -I$(CURDIR)/include -I$(CURDIR)/bindings/cpp
FFI_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FFI_LINK     := -L$(FFI_LIB) -Wl,-rpath,$(FFI_LIB) -lraft
FFI_HOOKS_LINK := -L$(FFI_HOOKS_LIB) -Wl,-rpath,$(FFI_HOOKS_LIB) -lraft
# Leaks fail the run; "still reachable" memory of the Rust runtime (thread-locals) does not.
FFI_VALGRIND := valgrind --error-exitcode=1 --leak-check=full \
                --errors-for-leak-kinds=definite,indirect --track-origins=yes
FFI_ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

FFI_CTEST_DIR := raft-ffi/tests/c
FFI_CTESTS    := test_api test_cluster
FFI_CPP_DIR   := bindings/cpp

.PHONY: ffi-gtest-dep ffi-build ffi-header ffi-header-check ffi-test ffi-demo ffi-tools ffi-clean \
        ffi-header-compile ffi-rust-test ffi-symbols ffi-c-asan ffi-c-valgrind ffi-cpp-test \
        ffi-examples ffi-hooks-build ffi-canonical-symbols

ffi-tools: $(CBINDGEN)

$(CBINDGEN):
	$(FFI_CARGO) install --locked --root $(FFI_TOOLS) cbindgen@$(CBINDGEN_VERSION)

ffi-build: ## Build libraft.so (soname libraft.so.0), libraft.a and raft-core.pc into build/ffi/lib
	$(FFI_CARGO) build -p raft-ffi $(FFI_PROFILE_FLAG)
	@mkdir -p $(FFI_LIB)/pkgconfig
	cp -f $(FFI_TARGET_DIR)/$(FFI_PROFILE)/libraft.so $(FFI_LIB)/$(RAFT_SONAME)
	ln -sf $(RAFT_SONAME) $(FFI_LIB)/libraft.so
	cp -f $(FFI_TARGET_DIR)/$(FFI_PROFILE)/libraft.a $(FFI_LIB)/libraft.a
	sed -e 's|@LIBDIR@|$(FFI_PREFIX)/lib|g' -e 's|@INCLUDEDIR@|$(FFI_PREFIX)/include|g' \
	    -e 's|@VERSION@|$(FFI_VERSION)|g' raft-ffi/raft.pc.in > $(FFI_LIB)/pkgconfig/raft-core.pc
	sed -e 's|@LIBDIR@|$(FFI_LIB)|g' -e 's|@INCLUDEDIR@|$(CURDIR)/include|g' \
	    -e 's|@VERSION@|$(FFI_VERSION)|g' raft-ffi/raft.pc.in > $(FFI_LIB)/pkgconfig/raft-core-uninstalled.pc

# A second build with the `test-hooks` feature, only for the poisoning test: it exports one
# extra function that panics on purpose. Separate target dir, so it never replaces the real
# library; the shipped libraft.so is the one the symbol check inspects.
ffi-hooks-build:
	$(FFI_CARGO) build -p raft-ffi --features test-hooks --target-dir $(FFI_TARGET_DIR)/ffi-hooks
	@mkdir -p $(FFI_HOOKS_LIB)
	cp -f $(FFI_TARGET_DIR)/ffi-hooks/debug/libraft.so $(FFI_HOOKS_LIB)/$(RAFT_SONAME)
	ln -sf $(RAFT_SONAME) $(FFI_HOOKS_LIB)/libraft.so

# cbindgen expands ffi_fn! through rustc's -Zunpretty=expanded, which needs RUSTC_BOOTSTRAP on
# a stable toolchain. It only affects this header-generation invocation.
define ffi_gen_header
	RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(FFI_TARGET_DIR)/cbindgen $(CBINDGEN) --quiet \
	    --config raft-ffi/cbindgen.toml --crate raft-ffi --output $(1) raft-ffi
endef

ffi-header: $(CBINDGEN) ## Regenerate include/raft.h
	$(call ffi_gen_header,include/raft.h)

ffi-header-check: $(CBINDGEN) ## Fail if include/raft.h is out of date
	@mkdir -p $(FFI_OUT)
	$(call ffi_gen_header,$(FFI_OUT)/raft.generated.h)
	@diff -u include/raft.h $(FFI_OUT)/raft.generated.h || \
	    { echo "include/raft.h is stale: run 'make ffi-header' and commit it"; exit 1; }
	@echo "include/raft.h is up to date"

# raft.h on its own as C11 and C++17, and in two translation units of one program.
ffi-header-compile:
	@mkdir -p $(FFI_OUT)/hdr
	printf '#include "raft.h"\n' > $(FFI_OUT)/hdr/only.c
	printf '#include "raft.h"\n' > $(FFI_OUT)/hdr/only.cpp
	$(FFI_CC) $(FFI_CFLAGS) -c $(FFI_OUT)/hdr/only.c -o $(FFI_OUT)/hdr/only.o
	$(FFI_CXX) $(FFI_CXXFLAGS) -c $(FFI_OUT)/hdr/only.cpp -o $(FFI_OUT)/hdr/only_cpp.o
	$(FFI_CXX) $(FFI_CXXFLAGS) -fsyntax-only -x c++ $(FFI_CPP_DIR)/raft.hpp
	$(FFI_CC) $(FFI_CFLAGS) $(FFI_CTEST_DIR)/header_tu1.c $(FFI_CTEST_DIR)/header_tu2.c \
	    -o $(FFI_OUT)/hdr/two_tu $(FFI_LINK)
	$(FFI_OUT)/hdr/two_tu
	$(FFI_CXX) $(FFI_CXXFLAGS) $(FFI_CPP_DIR)/tests/two_tu_a.cpp $(FFI_CPP_DIR)/tests/two_tu_b.cpp \
	    -o $(FFI_OUT)/hdr/two_tu_cpp $(FFI_LINK)
	$(FFI_OUT)/hdr/two_tu_cpp

ffi-rust-test:
	$(FFI_CARGO) test -p raft-ffi

ffi-symbols: ffi-build ## Exported symbols: only raft_*, none of canonical/raft's
	raft-ffi/tests/check-symbols.sh $(FFI_LIB)/$(RAFT_SONAME) raft-ffi/tests/canonical-raft-exports.txt

# Refresh the list of names Debian's canonical/raft exports (needs apt; the list is committed
# so that the check itself needs no network).
ffi-canonical-symbols:
	raft-ffi/tests/canonical-symbols.sh > raft-ffi/tests/canonical-raft-exports.txt

$(FFI_OUT)/asan/%: $(FFI_CTEST_DIR)/%.c $(FFI_CTEST_DIR)/*.h include/raft.h | ffi-build
	@mkdir -p $(dir $@)
	$(FFI_CC) $(FFI_CFLAGS) $(FFI_SAN) $< -o $@ $(FFI_LINK)

$(FFI_OUT)/plain/%: $(FFI_CTEST_DIR)/%.c $(FFI_CTEST_DIR)/*.h include/raft.h | ffi-build
	@mkdir -p $(dir $@)
	$(FFI_CC) $(FFI_CFLAGS) $< -o $@ $(FFI_LINK)

$(FFI_OUT)/hooks/test_poison: $(FFI_CTEST_DIR)/test_poison.c $(FFI_CTEST_DIR)/*.h include/raft.h | ffi-hooks-build
	@mkdir -p $(dir $@)
	$(FFI_CC) $(FFI_CFLAGS) $(FFI_SAN) $< -o $@ $(FFI_HOOKS_LINK)

$(FFI_OUT)/hooks/test_poison_plain: $(FFI_CTEST_DIR)/test_poison.c $(FFI_CTEST_DIR)/*.h include/raft.h | ffi-hooks-build
	@mkdir -p $(dir $@)
	$(FFI_CC) $(FFI_CFLAGS) $< -o $@ $(FFI_HOOKS_LINK)

ffi-c-asan: ffi-build ffi-hooks-build $(addprefix $(FFI_OUT)/asan/,$(FFI_CTESTS)) $(FFI_OUT)/hooks/test_poison
	@set -e; for t in $(FFI_CTESTS); do \
	    echo "== $$t (ASan+UBSan)"; $(FFI_ASAN_ENV) $(FFI_OUT)/asan/$$t; done
	@echo "== test_poison (ASan+UBSan)"; $(FFI_ASAN_ENV) $(FFI_OUT)/hooks/test_poison

ffi-c-valgrind: ffi-build ffi-hooks-build $(addprefix $(FFI_OUT)/plain/,$(FFI_CTESTS)) $(FFI_OUT)/hooks/test_poison_plain
	@set -e; for t in $(FFI_CTESTS); do \
	    echo "== $$t (valgrind)"; $(FFI_VALGRIND) $(FFI_OUT)/plain/$$t; done
	@echo "== test_poison (valgrind)"; $(FFI_VALGRIND) $(FFI_OUT)/hooks/test_poison_plain

ffi-gtest-dep:
	@pkg-config --exists gtest_main || { \
	    echo "GoogleTest not found: installing libgtest-dev"; \
	    apt-get install -y libgtest-dev >/dev/null || { apt-get update -qq && apt-get install -y libgtest-dev; }; }

ffi-cpp-test: ffi-build ffi-gtest-dep ## C++ wrapper tests (GoogleTest) under ASan+UBSan
	@mkdir -p $(FFI_OUT)/cpp
	$(FFI_CXX) $(FFI_CXXFLAGS) $(FFI_SAN) $(FFI_CPP_DIR)/tests/raft_hpp_test.cpp \
	    -o $(FFI_OUT)/cpp/raft_hpp_test $(FFI_LINK) $$(pkg-config --cflags --libs gtest_main)
	$(FFI_ASAN_ENV) $(FFI_OUT)/cpp/raft_hpp_test

ffi-examples: ffi-build ## Build and run the C and C++ examples (shared and static linking)
	@mkdir -p $(FFI_OUT)/examples
	$(FFI_CC) $(FFI_CFLAGS) examples/c/cluster.c -o $(FFI_OUT)/examples/c_cluster \
	    $$($(FFI_PKG) --cflags --libs raft-core) -Wl,-rpath,$(FFI_LIB)
	$(FFI_OUT)/examples/c_cluster
	$(FFI_CC) $(FFI_CFLAGS) examples/c/cluster.c -o $(FFI_OUT)/examples/c_cluster_static \
	    $(FFI_LIB)/libraft.a -lpthread -ldl -lm
	$(FFI_OUT)/examples/c_cluster_static > /dev/null
	$(FFI_CXX) $(FFI_CXXFLAGS) -fno-exceptions -fno-rtti examples/cpp/cluster.cpp \
	    -o $(FFI_OUT)/examples/cpp_cluster $(FFI_LINK)
	$(FFI_OUT)/examples/cpp_cluster

ffi-test: ffi-header-check ffi-build ffi-header-compile ffi-rust-test ffi-symbols ffi-c-asan ffi-c-valgrind ffi-cpp-test ffi-examples ## All C ABI checks
	@echo "ffi-test: all C ABI checks passed"

ffi-demo: ffi-build ## Run the C example: a 3-node cluster in one process
	@mkdir -p $(FFI_OUT)/examples
	$(FFI_CC) $(FFI_CFLAGS) examples/c/cluster.c -o $(FFI_OUT)/examples/c_cluster $(FFI_LINK)
	$(FFI_OUT)/examples/c_cluster

ffi-clean:
	rm -rf $(FFI_OUT)
