# TensorOpt — build, test, run.  `make help` lists the targets.
SWIFT     ?= swift
BIN       := .build/release/tensoropt
DEBS      := libopenblas-dev pkg-config

.PHONY: help deps build test python-test run bench format clean

help:
	@echo "make deps   install system packages (libopenblas-dev) when missing"
	@echo "make build  release build; binary at $(BIN)"
	@echo "make test   run the test suite (debug build), then the Python tests"
	@echo "make python-test  the Python package's tests (python/tests) only"
	@echo "make run    the main job on the embedded default model"
	@echo "make bench  benchmarks (release build)"

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing   (then re-run make)"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release --product tensoropt

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2
	$(MAKE) python-test

# The Python package's tests against the debug binary (built by `swift build`
# above). pytest exits 5 when it collects nothing; that fails the target too.
python-test:
	@test -x .build/debug/tensoropt || $(SWIFT) build --product tensoropt
	TENSOROPT_BIN=$(CURDIR)/.build/debug/tensoropt python3 -m pytest -q -p no:cacheprovider python/tests

run: build
	$(BIN) inspect gpt2

bench: build
	@echo "benchmarks: not yet written (see issue 8)"

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
