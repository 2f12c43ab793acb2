# Thin wrapper so the README's two commands stay two commands.
#   make demo   install missing Debian packages, build, run the demo scenario
#   make test   install missing Debian packages, build, run the whole test suite
#   make install PREFIX=DIR   install libsculpt (.so and .a), headers, sculpt, sculpt.pc
#                             and the CMake package under DIR (default /usr/local)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: all deps build demo test install bench clean

all: build

deps:
	@bash .ci/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@mkdir -p out
	@rm -rf out/demo-report
	./$(BUILD)/sculpt run scenarios/demo.json -o out/demo.h5 --report out/demo-report

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	@echo "see bench/README.md for each benchmark's command"

clean:
	rm -rf $(BUILD) out
