# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: deps build build-asan build-tsan demo test test-fast test-tsan clean

deps:
	@bash .ci/install-deps

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Second tree with AddressSanitizer + UndefinedBehaviorSanitizer: a memory error fails CI.
build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DLEADRULES_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# Third tree with ThreadSanitizer, only for the C API and hot-reload tests (reloads racing readers).
# TSan needs a fixed memory layout: setarch -R turns off ASLR for the run (kernels with 32-bit
# mmap randomisation otherwise abort gcc 12's TSan at start-up). TSAN_OPTIONS (halt on a report) are
# set by tests/CMakeLists.txt.
build-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEADRULES_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target hot_reload_test capi_test

test-tsan: build-tsan
	@cd $(TSAN_BUILD) && setarch $$(uname -m) -R ctest --output-on-failure -R '^(capi|hot_reload)$$'

demo: build
	@bash examples/demo.sh $(BUILD)/leadrules

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test: build build-asan build-fuzz
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS) -L fuzz
	@$(MAKE) --no-print-directory test-tsan

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)

# clang-tidy with .clang-tidy over the project's sources, on the compile database of $(BUILD). Slow
# (about a quarter of an hour on 2 cores), so not part of `make test`. Left out: tests/layers/
# (include probes meant to fail).
.PHONY: tidy
TIDY_FILES := ^$(CURDIR)/(?!tests/layers/)(api|bench|cli|compiler|grammar|runtime|stdlib|tests)/
tidy: build
	@run-clang-tidy -quiet -p $(BUILD) -j $(JOBS) '$(TIDY_FILES)'

# Fourth tree: the libFuzzer targets (tests/fuzz/, docs/testing.md), clang 14 with the whole
# project under ASan + UBSan; only the fuzz targets are built. `make test` runs each for 20 s
# (ctest -L fuzz); `make fuzz` for FUZZ_SECONDS each, one after the other, with executions and
# coverage per target. Seeds come from the tree, and from the differential generator when
# $(BUILD) has built it.
.PHONY: build-fuzz fuzz
FUZZ_TARGETS := policy_check policy_format jsonl csv template capi repl
build-fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DLEADRULES_FUZZ=ON \
	  -DLEADRULES_FUZZ_DIFFTEST=$(abspath $(BUILD))/tests/leadrules_difftest >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: build-fuzz
	@status=0; rm -f $(FUZZ_BUILD)/fuzz/summary.txt; for t in $(FUZZ_TARGETS); do \
	  bash tests/fuzz/run_fuzzer.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t $$t $(FUZZ_SECONDS) $(abspath $(FUZZ_BUILD))/fuzz \
	    || status=1; \
	done; \
	awk '{ n += $$4 } END { printf "fuzz total: %d executions\n", n }' $(FUZZ_BUILD)/fuzz/summary.txt; \
	exit $$status

# Long differential run (not in `make test`): DIFFTEST_CASES generated policies and data
# (default 100,000, hours on 2 cores) from DIFFTEST_SEED, interpreter vs JIT vs the C++ and C
# APIs, split over $(JOBS) processes; failing cases are minimised and kept in
# $(BUILD)/difftest-failures/.
.PHONY: difftest-long
DIFFTEST_CASES ?= 100000
DIFFTEST_SEED  ?= 1
difftest-long: build
	@bash tests/differential/long_run.sh $(BUILD)/tests/leadrules_difftest $(DIFFTEST_CASES) $(DIFFTEST_SEED) \
	      $(JOBS) $(BUILD)/difftest-failures
