# The two set-up commands of the README. Both install missing Debian
# packages (scripts/deps.sh), configure and build a release build.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: demo test deps configure compile clean

demo: compile
	./$(BUILD)/cairn bench primitives

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
