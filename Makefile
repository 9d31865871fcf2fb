# Thin front for CMake: the build logic lives in CMakeLists.txt.
BUILD      ?= build
TEST_BUILD ?= build-test
DB         ?= trailbrake.db
PORT       ?= 20777
HTTP_PORT  ?= 8080
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run demo test bench fuzz lint format clean

all: build

deps:
	@sh tools/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target trailbrake

# Serve on the embedded default (SQLite) and show how to feed it.
run: build
	@$(BUILD)/trailbrake sim driver --track club --class F1 --laps 3 \
		--noise --emit f1-2025 --out demo.pcap --driver 1.0 \
		--driver 0.97/brake-early:5:20 \
		--driver 0.95/over-drive:2:8,steer-corrections:3:2 \
		--driver 0.92/late-throttle:5:15,no-trail-brake:7:10,poor-exit:2:0.6 \
		>demo-truth.txt 2>/dev/null
	@echo "trailbrake: serving UDP :$(PORT), HTTP :$(HTTP_PORT), database $(DB)"
	@echo "  point F1 22-25 telemetry (UDP format 2022-2025) at this machine, port $(PORT)"
	@echo "  or replay the demo stream from another terminal:"
	@echo "    $(BUILD)/trailbrake replay demo.pcap --to 127.0.0.1:$(PORT) --rate 4"
	@echo "  then: $(BUILD)/trailbrake sessions --db $(DB)"
	@exec $(BUILD)/trailbrake serve --db $(DB) --udp $(PORT) --http $(HTTP_PORT)

test: deps lint
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTB_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-10} sh tools/fuzz.sh

# Longer fuzzing: make fuzz FUZZ_SECONDS=600
fuzz: deps
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} sh tools/fuzz.sh

bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target benches
	@sh bench/run.sh $(BUILD)

lint:
	@sh tools/lint.sh

format:
	@clang-format -i src/*/*.[ch] tests/*.[ch] bench/*.c

clean:
	@rm -rf $(BUILD) $(TEST_BUILD) build-fuzz
