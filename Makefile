# Developer entry points. `make test` is what CI runs (through .ci/run).

SWIFT ?= swift
PYTHON ?= python3

.PHONY: build test bench run demo protocol clean

build:
	$(SWIFT) build

# Builds everything, runs every Swift test, validates the protocol document, then runs the
# Python client's tests against the built daemon and simulator.
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(PYTHON) scripts/validate-openrpc.py
	ADDIGYSYNC_BIN_DIR=$(CURDIR)/.build/debug $(PYTHON) -m pytest -q clients/python/tests

# Measures RPC speed and memory (beside a minimal Python asyncio server as the anchor), Quick Match
# speed, and device sync and import on a release build, and rewrites docs/benchmarks.md. Installs
# RapidFuzz from PyPI for the Quick Match anchor if it is missing.
bench:
	$(SWIFT) build -c release --product addigysyncd
	$(SWIFT) build -c release --product addigysync-bench
	$(SWIFT) build -c release --product addigysync-quickmatch
	$(SWIFT) build -c release --product addigy-sim
	.build/release/addigysync-bench --output docs/benchmarks.md
	scripts/bench-quickmatch.sh
	$(PYTHON) scripts/bench-devices.py --bin-dir .build/release --page docs/benchmarks.md
	# The fuzz and soak scripts run apart (they take minutes) and keep their last results here.
	for section in docs/fuzz.md docs/soak.md; do \
	    if [ -f "$$section" ]; then printf '\n' >> docs/benchmarks.md; cat "$$section" >> docs/benchmarks.md; fi; \
	done

# Starts the daemon in the foreground with its state and socket in ./.run (Ctrl-C stops it).
run: build
	mkdir -p .run && chmod 700 .run
	.build/debug/addigysyncd --socket .run/addigysync.sock --state-dir .run/state --log-level debug

# Builds the daemon, the simulator and the CLI (debug), then runs the whole workflow through the
# CLI against a simulated fleet in a temporary folder, and stops both processes at the end.
demo:
	scripts/demo.sh

# Re-embeds protocol/openrpc.json into the daemon after it was edited.
protocol:
	$(PYTHON) scripts/embed-openrpc.py
	$(PYTHON) scripts/validate-openrpc.py

clean:
	rm -rf .build .run
