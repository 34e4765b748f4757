# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
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
	@cd $(TSAN_BUILD) && setarch $$(uname -m) -R ctest --output-on-failure -R 'capi|hot_reload'

demo: build
	@bash examples/demo.sh $(BUILD)/leadrules

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test: build build-asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow
	@$(MAKE) --no-print-directory test-tsan

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

# clang-tidy with .clang-tidy over the project's sources, on the compile database of $(BUILD). Slow
# (about a quarter of an hour on 2 cores), so not part of `make test`. Left out: tests/layers/
# (include probes meant to fail).
.PHONY: tidy
TIDY_FILES := ^$(CURDIR)/(?!tests/layers/)(api|bench|cli|compiler|grammar|runtime|stdlib|tests)/
tidy: build
	@run-clang-tidy -quiet -p $(BUILD) -j $(JOBS) '$(TIDY_FILES)'
