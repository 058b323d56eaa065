# pprofd: the two commands a newcomer needs are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
FUZZ_BUILD ?= build-fuzz
# make fuzz: each target this long (s), or FUZZ_RUNS inputs if sooner (0 = no cap).
FUZZ_SECONDS ?= 300
FUZZ_RUNS  ?= 0
FUZZ_TARGETS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG     ?= pprofd.yaml

.PHONY: all deps build release run test test-asan fuzz bench format clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPPROFD_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The build a packager makes (-O3), with our warnings as errors: CI keeps it
# clean.
release: deps
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DPPROFD_WERROR=ON >/dev/null
	@cmake --build $(RELEASE_BUILD) -j $(JOBS)

# Also starts a demo Go service on 127.0.0.1:6060 (the test target), which
# pprofd.yaml scrapes, so profiles arrive within a minute; it stops with pprofd.
run: build
	@mkdir -p data
	@$(BUILD)/pprofd-testtarget -listen 127.0.0.1:6060 -load 0.3 -duration 24h >data/demo-target.log 2>&1 & \
	  demo=$$!; trap 'kill $$demo 2>/dev/null' EXIT INT TERM; \
	  echo "demo Go service on 127.0.0.1:6060 (pid $$demo); pprofd on 127.0.0.1:7070"; \
	  $(BUILD)/pprofd run -c $(CONFIG)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPPROFD_SANITIZE=ON -DPPROFD_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer targets under ASan+UBSan, built with clang; see tests/fuzz/README.md.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPPROFD_FUZZ=ON -DPPROFD_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target pd_fuzz_all
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_RUNS) $(FUZZ_TARGETS)

bench: build
	bash bench/merge_bench.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD) $(FUZZ_BUILD)
