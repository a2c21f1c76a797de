# Convenience entry points; the build itself is CMake.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build demo check unit e2e bench sanitize tsan format clean

all: build

deps:
	scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/swapemu demo

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

e2e: build
	cd $(BUILD) && ctest --output-on-failure -L e2e

bench: build
	cd $(BUILD) && ctest --output-on-failure -L bench

sanitize: deps
	cmake -S . -B $(BUILD)-asan -DSWAPEMU_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) -L unit

tsan: deps
	cmake -S . -B $(BUILD)-tsan -DSWAPEMU_TSAN=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(BUILD)-tsan -j $(JOBS)
	cd $(BUILD)-tsan && ctest --output-on-failure -j $(JOBS) -L unit

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan
