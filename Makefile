# samc: Segment Anything in C.  `make` builds libsamc.a and the samc CLI into build/.
#   make test        unit, parity and CLI tests; then the same under ASan+UBSan; then a fuzz smoke run
#   make demo        the main job on the embedded default model (sam-demo)
#   make bench       benchmarks (bench/)
#   make fuzz        each libFuzzer harness (fuzz/fuzz_*.c) for FUZZ_SECONDS (default 60) seconds, e.g.
#                    make fuzz FUZZ_SECONDS=3600 (needs clang; output in build-fuzz/ or FUZZ_OUT;
#                    FUZZ_ONLY="png pth" runs only those harnesses)
#   make install     PREFIX=/usr/local
#   make SAN=1       sanitizer build into build-san/
#   make GEMM=dnnl   fast mode's products through oneDNN (libdnnl-dev) into build-dnnl/ (README: Performance)

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?= 0
BUILD   ?= $(if $(filter 1,$(SAN)),build-san,build)

CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -I. -Wall -Wextra -Werror -ffp-contract=off -fopenmp -pthread
OPT     ?= -O2 -g
CFLAGS  ?=
ifeq ($(SAN),1)
OPT     = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(CFLAGS_BASE) $(OPT) $(CFLAGS)
# GEMM=dnnl: fast mode's products through oneDNN (nn/gemm_library.h); its own build folder
GEMM    ?= openblas
ifeq ($(GEMM),dnnl)
BUILD   := $(BUILD)-dnnl
GEMM_LIBS = -ldnnl
else ifneq ($(GEMM),openblas)
$(error GEMM must be openblas or dnnl)
endif
LDLIBS  = $(GEMM_LIBS) -lopenblas -ljpeg -lz -lm
SANFLAGS = -fsanitize=address,undefined
LDFLAGS_ALL = -fopenmp -pthread $(if $(filter 1,$(SAN)),$(SANFLAGS)) $(LDFLAGS)

LIB_DIRS = util nn io weights sam iseg ritm focalclick simpleclick prompts metrics eval audit
LIB_SRC  = $(filter-out $(filter-out nn/gemm_$(GEMM).c,$(wildcard nn/gemm_*.c)),$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_SRC  = $(wildcard cli/*.c)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC = $(wildcard test/test_*.c)
TEST_BIN = $(TEST_SRC:test/%.c=$(BUILD)/test/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test test-fast demo bench fuzz install clean
all: $(BUILD)/libsamc.a $(BUILD)/samc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libsamc.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/samc: $(CLI_OBJ) $(BUILD)/libsamc.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS)

$(BUILD)/test/%: test/%.c $(wildcard test/*.h) $(BUILD)/libsamc.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libsamc.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(wildcard test/*.h) $(BUILD)/libsamc.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libsamc.a $(LDLIBS)

# The tests in the normal build, then under ASan+UBSan, then a short fuzz run (clang).
test:
	@bash test/all.sh

test-fast: $(BUILD)/samc $(TEST_BIN)
	@bash test/run.sh $(BUILD)

demo: $(BUILD)/samc
	@bash cli/demo.sh $(BUILD)/samc

bench: $(BUILD)/samc $(BENCH_BIN)
	@bash bench/run.sh $(BUILD)

# Every fuzz harness for FUZZ_SECONDS seconds each (`make test` runs them for 20).
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/smoke.sh

install: $(BUILD)/libsamc.a $(BUILD)/samc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/samc $(DESTDIR)$(PREFIX)/bin/samc
	install -m 644 $(BUILD)/libsamc.a $(DESTDIR)$(PREFIX)/lib/libsamc.a
	install -m 644 samc.h $(DESTDIR)$(PREFIX)/include/samc.h

clean:
	rm -rf build build-san build-fuzz build-ref-*

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
