# The two set-up commands of the README. Both install missing Debian
# packages (scripts/deps.sh), configure and build a release build.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: demo test deps configure compile clean

# The main job: measure the primitives, then run an example guest (SHA-256
# of a message) cut into segments, store its job file and describe it.
demo: compile
	./$(BUILD)/cairn bench primitives
	printf 'cairn demo: the quick brown fox jumps over the lazy dog' > $(BUILD)/demo-input.txt
	./$(BUILD)/cairn exec $(BUILD)/guest/sha256.elf --input $(BUILD)/demo-input.txt \
	    --segment-po2 12 -o $(BUILD)/demo.h5 --trace
	./$(BUILD)/cairn inspect $(BUILD)/demo.h5

test: compile
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

deps:
	bash scripts/deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

compile: configure
	cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

clean:
	rm -rf $(BUILD)
