# TensorOpt — build, test, run.  `make help` lists the targets.
SWIFT     ?= swift
BIN       := .build/release/tensoropt
DEBS      := libopenblas-dev pkg-config

.PHONY: help deps build test python-test tsan run bench validate validate-profile format clean fuzz-build fuzz fuzz-merge

help:
	@echo "make deps   install system packages (libopenblas-dev) when missing"
	@echo "make build  release build; binary at $(BIN)"
	@echo "make test   run the test suite (debug build), then the Python tests"
	@echo "make python-test  the Python package's tests (python/tests) only"
	@echo "make tsan   the executor's and the search's tests under ThreadSanitizer (.build-tsan)"
	@echo "make run    the main job on the embedded default model"
	@echo "make bench  benchmarks (release build)"
	@echo "make validate  run every frontier point of cpu plans on the executor; writes docs/validation.md"
	@echo "make validate-profile  measure the machine profile make validate plans with (again)"
	@echo "make fuzz   build the libFuzzer targets and run each for FUZZ_TIME seconds (docs/fuzzing.md)"

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

# ThreadSanitizer: the tests of the code that runs threads (the executor's workers and
# collectives, the search and the planner's parallel outer search), in a build directory of its own.
TSAN_BUILD  := .build-tsan
TSAN_FILTER ?= ExecutorTests|SearchTests|PlanTests
tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --build-path $(TSAN_BUILD)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(SWIFT) test --skip-build \
	  --sanitize=thread --build-path $(TSAN_BUILD) --filter '$(TSAN_FILTER)'

run: build
	$(BIN) plan gpt2 --devices 8 --top 12

# The benchmark suite (Benchmarks/, its own package on ordo-one/benchmark; release
# build): one table on stdout, the result file $(BENCH_RESULTS)/latest.json. Compare two
# runs with `python3 scripts/bench_table.py --compare OLD.json NEW.json`; the figures of
# docs/performance.md are in $(BENCH_RESULTS)/baseline.json. BENCH_FLAGS=--filter REGEX
# runs a subset.
BENCH_RESULTS := Benchmarks/results
BENCH_FLAGS   ?=
bench: deps
	rm -rf $(BENCH_RESULTS)/samples && mkdir -p $(BENCH_RESULTS)/samples
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory \
	  benchmark --format histogramSamples --path $(CURDIR)/$(BENCH_RESULTS)/samples --no-progress $(BENCH_FLAGS)
	python3 scripts/bench_table.py $(BENCH_RESULTS)/samples $(BENCH_RESULTS)/latest.json

# Cost-model accuracy: every frontier point of a `--gpu cpu` plan for mlp on 8 devices and
# gpt-mini on 4 runs on the executor (validate --plan --all); scripts/validation-table.py
# writes the error and rank-correlation table. The plans use this machine's profile from
# `tensoropt profile` (not the cpu preset's defaults), measured once into VALIDATE_PROFILE and
# reused (`make validate-profile` measures it again: do that on a quiet machine; thread-CPU
# time and best-of-trials figures resist other load, but shared caches and memory bandwidth
# do not);
# each point reports the fastest of VALIDATE_STEPS timed steps; the whole set of points runs
# VALIDATE_ROUNDS times, round after round, and the table takes each point's median over the
# rounds (each round's summary is listed below it: single runs on 2 cores vary by tens of
# percent). VALIDATE_BIN=.build/debug/tensoropt skips the release build (the note in the
# table says which build measured, and the load average during the run).
VALIDATE_BIN     ?= $(BIN)
VALIDATE_DIR     := .build/validation
VALIDATE_STEPS   ?= 5
VALIDATE_PROFILE ?= $(VALIDATE_DIR)/cpu-profile.json
VALIDATE_ROUNDS  ?= 3
VALIDATE_ROUND_LIST := $(shell seq 1 $(VALIDATE_ROUNDS))
empty :=
space := $(empty) $(empty)
comma := ,
# The run files of plan $(1), one per round, comma-separated (validation-table.py's form).
validate_runs = $(subst $(space),$(comma),$(foreach r,$(VALIDATE_ROUND_LIST),$(VALIDATE_DIR)/$(1).runs.$(r).json))
$(VALIDATE_PROFILE):
	@mkdir -p $(dir $(VALIDATE_PROFILE))
	$(VALIDATE_BIN) profile --devices 8 --output $(VALIDATE_PROFILE)

validate-profile: $(if $(filter $(BIN),$(VALIDATE_BIN)),build,)
	rm -f $(VALIDATE_PROFILE)
	$(MAKE) $(VALIDATE_PROFILE)

validate: $(if $(filter $(BIN),$(VALIDATE_BIN)),build,)
	@mkdir -p $(VALIDATE_DIR)
	@test -f $(VALIDATE_PROFILE) || $(MAKE) $(VALIDATE_PROFILE)
	@cut -d' ' -f1-3 /proc/loadavg > $(VALIDATE_DIR)/load-before
	TENSOROPT_CPU_PROFILE=$(VALIDATE_PROFILE) $(VALIDATE_BIN) plan mlp --devices 8 --gpu cpu --output $(VALIDATE_DIR)/mlp-8.json > /dev/null
	TENSOROPT_CPU_PROFILE=$(VALIDATE_PROFILE) $(VALIDATE_BIN) plan gpt-mini --devices 4 --gpu cpu --output $(VALIDATE_DIR)/gpt-mini-4.json > /dev/null
	for round in $(VALIDATE_ROUND_LIST); do \
	  $(VALIDATE_BIN) validate --plan $(VALIDATE_DIR)/mlp-8.json --all --steps $(VALIDATE_STEPS) --format json > $(VALIDATE_DIR)/mlp-8.runs.$$round.json && \
	  $(VALIDATE_BIN) validate --plan $(VALIDATE_DIR)/gpt-mini-4.json --all --steps $(VALIDATE_STEPS) --format json > $(VALIDATE_DIR)/gpt-mini-4.runs.$$round.json || exit 1; \
	done
	python3 scripts/validation-table.py docs/validation.md \
	  "$(notdir $(patsubst %/tensoropt,%,$(VALIDATE_BIN))) build, $$(nproc) cores, fastest of $(VALIDATE_STEPS) steps, each point the median of $(VALIDATE_ROUNDS) rounds, load average $$(cat $(VALIDATE_DIR)/load-before) before and $$(cut -d' ' -f1-3 /proc/loadavg) after" \
	  --profile $(VALIDATE_PROFILE) \
	  "mlp, 8 devices=$(call validate_runs,mlp-8)" \
	  "gpt-mini, 4 devices=$(call validate_runs,gpt-mini-4)"

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .build-fuzz .build-tsan Benchmarks/.build

# --- Fuzzing (docs/fuzzing.md); not part of `make test`, which only replays Tests/FuzzCorpus. ---
# A target NAME is Fuzz/NAME.swift (defining LLVMFuzzerTestOneInput); its corpus is
# Tests/FuzzCorpus/NAME/, its optional dictionary Fuzz/Dictionaries/NAME.dict.
FUZZ_TARGETS := model-json hf-config cluster-file plan-file
FUZZ_BUILD   := .build-fuzz
FUZZ_TIME    ?= 300
FUZZ_FLAGS   ?= -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=8192
FUZZ_SEEDS_model-json := Models
# Plan files are larger than the importers' inputs (the seeds, trimmed plans, are 8-37 KB):
# a larger input limit for running and merging, so that no plan is cut short.
FUZZ_FLAGS_plan-file := -max_len=131072
FUZZ_MERGE_LEN_plan-file := 65536
FUZZ_SANITIZE := -sanitize=fuzzer,address
SWIFTC       ?= swiftc
# Every library module's objects (the executable and test bundles are left out).
FUZZ_OBJECTS  = $$(ls $(FUZZ_BUILD)/release/TensorOpt*.build/*.o | grep -v 'Tests\.build/')

fuzz-build:
	$(SWIFT) build -c release --build-path $(FUZZ_BUILD) --target TensorOpt -Xswiftc $(FUZZ_SANITIZE)
	@$(MAKE) --no-print-directory $(addprefix fuzz-link-,$(FUZZ_TARGETS))

fuzz-link-%:
	$(SWIFTC) -O $(FUZZ_SANITIZE) -parse-as-library -enable-experimental-feature Extern -use-ld=lld -I $(FUZZ_BUILD)/release/Modules \
	  -I Sources/COpenBLAS $$(pkg-config --cflags-only-I openblas | sed "s/-I/-Xcc -I/g") \
	  Fuzz/Support/*.swift Fuzz/$*.swift $(FUZZ_OBJECTS) $$(pkg-config --libs openblas) \
	  -o $(FUZZ_BUILD)/fuzz-$*

# Runs every target (or T=NAME) for FUZZ_TIME seconds on one core. New inputs go to
# $(FUZZ_BUILD)/corpus/NAME, crashes to $(FUZZ_BUILD)/artifacts/NAME/, the log to
# $(FUZZ_BUILD)/logs/NAME/fuzz-0.log (libFuzzer's -jobs mode writes it in the working directory).
fuzz: fuzz-build
	@$(MAKE) --no-print-directory $(addprefix fuzz-run-,$(or $(T),$(FUZZ_TARGETS)))

fuzz-run-%:
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/artifacts/$* $(FUZZ_BUILD)/logs/$* Tests/FuzzCorpus/$*
	cd $(FUZZ_BUILD)/logs/$* && SWIFT_BACKTRACE=enable=no $(CURDIR)/$(FUZZ_BUILD)/fuzz-$* \
	  $(FUZZ_FLAGS) $(FUZZ_FLAGS_$*) -max_total_time=$(FUZZ_TIME) \
	  $(if $(wildcard Fuzz/Dictionaries/$*.dict),-dict=$(CURDIR)/Fuzz/Dictionaries/$*.dict) \
	  -artifact_prefix=$(CURDIR)/$(FUZZ_BUILD)/artifacts/$*/ \
	  $(addprefix $(CURDIR)/,$(FUZZ_BUILD)/corpus/$* Tests/FuzzCorpus/$* $(FUZZ_SEEDS_$*))
	@tail -n 3 $(FUZZ_BUILD)/logs/$*/fuzz-0.log

# Adds the inputs of $(FUZZ_BUILD)/corpus/NAME that reach new coverage to
# Tests/FuzzCorpus/NAME (existing files are kept).
fuzz-merge:
	@$(MAKE) --no-print-directory $(addprefix fuzz-merge-,$(or $(T),$(FUZZ_TARGETS)))
	@du -sh Tests/FuzzCorpus

fuzz-merge-%:
	SWIFT_BACKTRACE=enable=no $(FUZZ_BUILD)/fuzz-$* -merge=1 -max_len=$(or $(FUZZ_MERGE_LEN_$*),2048) \
	  -timeout=10 -rss_limit_mb=2048 \
	  Tests/FuzzCorpus/$* $(FUZZ_BUILD)/corpus/$*
