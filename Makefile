# The two set-up commands of the README. Both install missing Debian
# packages (scripts/deps.sh), configure and build a release build.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: demo test test-sanitize deps configure compile clean

# The main job: measure the primitives, then run an example guest (SHA-256
# of a message) cut into segments, store its job file and describe it; then
# prove the same run segment by segment (2^12 cycles each, preset
# proven-100: about 15 s on 2 cores) and verify the proofs from the job file;
# then fold a small Fibonacci run (preset test) into one final proof,
# export it and verify the exported file.
demo: compile
	./$(BUILD)/cairn bench primitives
	printf 'cairn demo: the quick brown fox jumps over the lazy dog' > $(BUILD)/demo-input.txt
	./$(BUILD)/cairn exec $(BUILD)/guest/sha256.elf --input $(BUILD)/demo-input.txt \
	    --segment-po2 12 -o $(BUILD)/demo.h5 --trace
	./$(BUILD)/cairn inspect $(BUILD)/demo.h5
	./$(BUILD)/cairn prove $(BUILD)/guest/sha256.elf --input $(BUILD)/demo-input.txt \
	    --segment-po2 12 --preset proven-100 --no-fold -o $(BUILD)/demo-proof.h5 > $(BUILD)/demo-journal.bin
	./$(BUILD)/cairn verify $(BUILD)/demo-proof.h5
	printf 12 > $(BUILD)/demo-fib.txt
	./$(BUILD)/cairn prove $(BUILD)/guest/fibonacci.elf --input $(BUILD)/demo-fib.txt \
	    --segment-po2 12 --preset test -o $(BUILD)/demo-fold.h5
	./$(BUILD)/cairn export $(BUILD)/demo-fold.h5 -o $(BUILD)/demo-fold.proof
	./$(BUILD)/cairn verify --proof $(BUILD)/demo-fold.proof

# Tests run two at a time on 2 cores, each with its own OpenMP threads:
# with libgomp's default (spin before sleeping) the idle threads of one
# test burn the core the other test needs; passive waiting measured
# 55 s -> 31 s for one cairn prove under such load.
TEST_ENV = OMP_WAIT_POLICY=passive
# The key cache (README "The key cache") of the tests stays in their build
# folder, not in the user's ~/.cache.
KEY_CACHE = CAIRN_KEY_CACHE=$(abspath $(1))/key-cache

test: compile
	cd $(BUILD) && $(TEST_ENV) $(call KEY_CACHE,$(BUILD)) ctest --output-on-failure -j$(JOBS)

# Every CTest test again in an ASan + UBSan build of its own
# ($(SANITIZE_BUILD), RelWithDebInfo for readable stacks). The fuzz
# harnesses are left out: they already run under both sanitizers in
# `make test`. UBSan stops at the first report (-fno-sanitize-recover, see
# CMakeLists.txt); leaks fail a test too (LeakSanitizer). A test too slow
# under ASan reads CAIRN_SANITIZE_RUN=1 and picks smaller sizes or fewer
# cases (rv_budget, rv_air_cpu_verify, cli_prove_mpi, the slurm tests...);
# build and run take about 23 minutes on 2 cores. The binary ships only the
# test preset's fold roots there (computing those of proven-100 under the
# sanitizers would take minutes of the build).
SANITIZE_BUILD ?= build-sanitize
SANITIZE_ENV = $(TEST_ENV) CAIRN_SANITIZE_RUN=1 \
	ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCAIRN_SANITIZE=address,undefined -DCAIRN_FUZZ=OFF -DCAIRN_SHIP_FOLD_ROOTS=test:11
	cmake --build $(SANITIZE_BUILD) -j$(JOBS) -- --no-print-directory
	cd $(SANITIZE_BUILD) && $(SANITIZE_ENV) $(call KEY_CACHE,$(SANITIZE_BUILD)) ctest --output-on-failure \
	    -j$(JOBS) -E '^fuzz_'

deps:
	bash scripts/deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

compile: configure
	cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)
