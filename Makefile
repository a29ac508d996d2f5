# cajal — build the library, the command-line tool, the tests and benchmarks.
#   make              libcajal.a and ./cajal (optimised, portable: runs on any x86-64)
#   make NATIVE=1     the same for this machine's CPU only (-march=native), under build/native
#   make test         all tests; last line "N passed, N failed"
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan
#   make check        the tests, every fuzzer for CHECK_FUZZ_SECONDS, the tests under sanitizers (what CI runs)
#   make demo         train the default experiment and plot it
#   make bench        cajal vs PyTorch training-step timings (needs python3-torch)
#   make bench-kde    cajal vs scikit-learn KDE Naive Bayes (needs python3-sklearn)
#   make bench-cka    cajal vs NumPy linear CKA on 10,000 x 512 features (needs python3-numpy)
#   make bench-recurrent   rate RNN / GRU / LSTM forward+backward vs PyTorch (needs python3-torch)
#   make bench-rsa    RDM + Kendall tau_a + 1,000 bootstraps vs NumPy/SciPy (needs python3-scipy)
#   make bench-sparsecode   sparse-coding dictionary learning vs scikit-learn MiniBatchDictionaryLearning (needs python3-sklearn)
#   make bench-ica    ICA (FastICA, extended infomax; classic and Picard) vs scikit-learn FastICA and a NumPy MNE infomax (needs python3-sklearn)
#   make bench-rbm    RBM training (PCD-1, 500 hidden) vs scikit-learn BernoulliRBM (needs python3-sklearn)
#   make bench-gabor BENCH_BASIS=runs/sc/basis.npy   the Gabor fit vs SciPy least_squares (needs python3-scipy)
#   make bench-prune  the cost of pruning masks per training step, and magnitude selection vs NumPy (needs python3-numpy)
#   make fuzz [FUZZ_SECONDS=N]   run every libFuzzer harness in fuzz/ for N s (needs clang)

CC      ?= cc
VERSION := 0.1.0
WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Werror=implicit-function-declaration
LIBS    := -lopenblas -lmatio -lz -lcjson -lcairo -lm -lpthread

ifeq ($(SANITIZE),1)
  BUILD  := build/san
  OPT    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDOPT  := -fsanitize=address,undefined
else ifeq ($(NATIVE),1)
  # Only for the CPU it was built on: the binary may die with SIGILL elsewhere.
  BUILD  := build/native
  OPT    := -O3 -march=native -g
  LDOPT  :=
else
  # Portable: the compiler's baseline target (x86-64: SSE2), so the binary
  # runs on any x86-64. The matrix products are OpenBLAS's, which picks its
  # kernels for the CPU at run time, and the few loops that gain from wider
  # vectors pick theirs when the program starts (src/core/clones.h;
  # docs/benchmarks.md, "Portable and native builds").
  BUILD  := build/release
  OPT    := -O3 -g
  LDOPT  :=
endif

# -fno-trapping-math: cajal never unmasks floating-point traps, and without
# it GCC keeps every clamp (x < lo ? lo : x) in an elementwise loop as a
# branch, so exp_fast, tanh and softplus over arrays stay scalar. It allows
# no reassociation: results are bit for bit the same (a run's model file is
# byte-identical with and without it).
CFLAGS  += -std=c11 -D_GNU_SOURCE -fno-trapping-math $(OPT) $(WARN) -Iinclude -I/usr/include/cairo -DCJ_VERSION=\"$(VERSION)\" -MMD -MP
LDFLAGS += $(LDOPT)

LIB_SRC  := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC  := $(sort $(filter-out src/cli/main.c,$(wildcard src/cli/*.c)))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIB      := $(BUILD)/libcajal.a
# The subcommands, as a library too, so tests can call them in-process.
CLI_LIB  := $(BUILD)/libcajal_cli.a

.PHONY: all test check demo bench bench-kde bench-rsa bench-cka bench-recurrent bench-contextdm bench-sparsecode bench-ica bench-rbm bench-gabor bench-prune fuzz fuzz-build clean FORCE
all: cajal

# Replace by rename, so a running ./cajal keeps its old binary. Compared
# rather than dated: `make` after `make NATIVE=1` must bring back the
# portable binary even though the native one is newer.
cajal: $(BUILD)/cajal FORCE
	@cmp -s $< $@ || { echo "cp $< $@"; cp $< $@.tmp && mv -f $@.tmp $@; }

FORCE:

$(BUILD)/cajal: $(BUILD)/src/cli/main.o $(CLI_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(CLI_LIB) $(LIB) $(LIBS)

$(CLI_LIB): $(CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(CLI_LIB) $(LIB) tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(CLI_LIB) $(LIB) $(LDFLAGS) $(LIBS)

# The benchmarks are built too (not run), so an interface change cannot
# leave them broken unnoticed.
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

test: $(TEST_BIN) $(BUILD)/cajal $(BENCH_BIN)
	@CAJAL=$(BUILD)/cajal sh tests/run.sh $(TEST_BIN)

CHECK_FUZZ_SECONDS ?= 20
# The sanitizer run goes last so that the last line is the tests' own
# "N passed, N failed".
check:
	$(MAKE) --no-print-directory test
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
	$(MAKE) --no-print-directory test SANITIZE=1

demo: cajal
	./cajal train examples/fmnist_mlp.ini --out runs/mlp --force
	./cajal plot runs/mlp --out runs/mlp/curves.png

bench: cajal $(BUILD)/bench/bench_train
	sh bench/run.sh $(BUILD)/bench/bench_train

bench-kde: $(BUILD)/bench/bench_kde
	sh bench/run_kde.sh $(BUILD)/bench/bench_kde

bench-cka: cajal $(BUILD)/bench/bench_cka
	sh bench/run_cka.sh $(BUILD)/bench/bench_cka

bench-recurrent: cajal $(BUILD)/bench/bench_recurrent
	sh bench/run_recurrent.sh $(BUILD)/bench/bench_recurrent

bench-rsa: $(BUILD)/bench/bench_rsa
	sh bench/run_rsa.sh $(BUILD)/bench/bench_rsa

bench-contextdm: cajal
	sh bench/run_contextdm.sh

bench-sparsecode: cajal
	sh bench/run_sparsecode.sh

bench-ica: cajal
	sh bench/run_ica.sh

bench-rbm: cajal
	sh bench/run_rbm.sh

bench-gabor: $(BUILD)/bench/bench_gabor
	sh bench/run_gabor.sh $(BENCH_BASIS) $(BENCH_N)

bench-prune: $(BUILD)/bench/bench_prune
	sh bench/run_prune.sh $(BENCH_STEPS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LIBS)

# ---- fuzzing: clang's libFuzzer with ASan + UBSan --------------------------
# The library is rebuilt with clang under build/fuzz; each fuzz/fuzz_*.c is
# one harness, run by fuzz/run.sh over its committed corpus fuzz/corpus/NAME.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_BUILD   := build/fuzz
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -fno-trapping-math -O1 -g -fno-omit-frame-pointer $(WARN) -Iinclude -I/usr/include/cairo \
                -DCJ_VERSION=\"$(VERSION)\" -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libcajal.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(FUZZ_BUILD)/libcajal.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libcajal.a $(LIBS)

clean:
	rm -rf build cajal

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUILD)/src/cli/main.d $(FUZZ_LIB_OBJ:.o=.d) $(TEST_BIN:=.d)
