# tapir — build, test and demo. `make help` lists the targets.
#
# Layout (ARCHITECTURE.md): stack/ is libtapir.a, apps/ the programs,
# tests/{unit,sim,tap,fuzz} the test tiers. Everything is built under
# $(BUILD) (build/ by default; build/sanitize and build/coverage for the
# instrumented variants), so variants never mix objects.

CC      ?= cc
BUILD   ?= build
CSTD     = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla
OPT     ?= -O2 -g
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS   = $(CSTD) $(WARN) $(OPT) -Istack/include -Istack $(EXTRA_CFLAGS)
LDLIBS   = -lpcap -lcrypto -lm
LDFLAGS  = $(EXTRA_LDFLAGS)

STACK_SRC := $(sort $(wildcard stack/*/*.c))
STACK_OBJ := $(STACK_SRC:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/libtapir.a

APP_COMMON_SRC := apps/common.c
APP_COMMON_OBJ := $(BUILD)/obj/apps/common.o
APP_SRC   := $(filter-out $(APP_COMMON_SRC),$(sort $(wildcard apps/*.c)))
APPS      := $(APP_SRC:apps/%.c=$(BUILD)/%)

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
SIM_SRC   := $(sort $(wildcard tests/sim/test_*.c))
TEST_HELPER_SRC := $(sort $(wildcard tests/lib/*.c))
TEST_HELPER_OBJ := $(TEST_HELPER_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
SIM_BIN   := $(SIM_SRC:tests/sim/%.c=$(BUILD)/tests/sim/%)

FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all deps lib apps tests test fuzz-bins test-unit test-sim test-tap test-fuzz-short fuzz \
        sanitize coverage lint format demo bench clean help handout grade

all: lib apps

help:
	@echo "make            build libtapir.a and the apps into $(BUILD)/"
	@echo "make test       all tiers: lint, unit, sim, fuzz (short), tap (root)"
	@echo "make demo       DNS, HTTP, WebSocket against tapir; pictures in out/demo/index.html"
	@echo "make sanitize   unit and sim tests under ASan+UBSan"
	@echo "make coverage   line coverage of stack/ from the unit and sim tests"
	@echo "make fuzz       every fuzz harness for FUZZ_SECONDS=60 each"
	@echo "make lint       clang-tidy, cppcheck and clang-format checks"
	@echo "make handout LAB=NAME DEST=DIR   a student tree of labs/impl/NAME; make grade there"
	@echo "make clean"

deps:
	@scripts/deps.sh

lib: $(LIB)
apps: $(APPS)
tests: $(UNIT_BIN) $(SIM_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(STACK_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tapir-%: $(BUILD)/obj/apps/tapir-%.o $(APP_COMMON_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(TEST_HELPER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/sim/%: $(BUILD)/obj/tests/sim/%.o $(TEST_HELPER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# ---- tests -------------------------------------------------------------------

# Everything, in the order that fails fastest. scripts/run-tests.sh keeps the
# tally and prints the closing "N passed, N failed" line.
test: deps
	@scripts/run-tests.sh all

fuzz-bins: $(FUZZ_BIN)

test-unit: tests
	@scripts/run-tests.sh unit

test-sim: tests
	@scripts/run-tests.sh sim

test-tap: apps
	@scripts/run-tests.sh tap

test-fuzz-short: $(FUZZ_BIN)
	@scripts/run-tests.sh fuzz

# ---- implementation labs (labs/impl/README.md) --------------------------------

# A handout's .lab names its lab, so `make grade` there needs no LAB=.
LAB ?= $(shell cat .lab 2>/dev/null)

handout:
	@scripts/handout.sh "$(LAB)" "$(DEST)"

grade:
	@TAPIR_BUILD=$(BUILD) labs/impl/grade.sh "$(LAB)"

# ---- instrumented builds -----------------------------------------------------

sanitize:
	$(MAKE) BUILD=build/sanitize OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all tests
	TAPIR_BUILD=build/sanitize scripts/run-tests.sh unit sim

coverage:
	$(MAKE) BUILD=build/coverage OPT="-O0 -g" EXTRA_CFLAGS="--coverage" \
	  EXTRA_LDFLAGS="--coverage" all tests
	TAPIR_BUILD=build/coverage scripts/run-tests.sh unit sim
	@scripts/coverage.sh build/coverage

# libFuzzer needs clang. The stack is compiled once with the sanitizers and
# coverage instrumentation (fuzzer-no-link) and linked into every harness.
FUZZ_FLAGS := $(CSTD) -Wall -Wextra -Werror -g -O1 -Istack/include -Istack \
              -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ  := $(STACK_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) $(LDLIBS) -o $@

fuzz: $(FUZZ_BIN)
	FUZZ_SECONDS=60 scripts/run-tests.sh fuzz

# ---- lint --------------------------------------------------------------------

LINT_SRC := $(STACK_SRC) $(APP_SRC) $(APP_COMMON_SRC)

lint:
	@scripts/lint.sh $(LINT_SRC)

format:
	clang-format -i $(LINT_SRC) $(wildcard stack/*/*.h stack/include/tapir/*.h apps/*.h)

# ---- demo --------------------------------------------------------------------

demo: deps all
	@scripts/demo.sh

# ---- benchmarks (numbers go to bench/RESULTS.md) --------------------------------

BENCH_BIN := $(BUILD)/bench/udp_pingpong $(BUILD)/bench/tap_raw

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 $< -o $@

bench: all $(BENCH_BIN)
	bench/udp.sh
	bench/tcp.sh

clean:
	rm -rf build out

# Keep objects that pattern rules made on the way to a program.
.SECONDARY:

-include $(STACK_OBJ:.o=.d) $(BUILD)/obj/apps/*.d $(BUILD)/obj/tests/*/*.d \
         $(wildcard build/fuzz/obj/stack/*/*.d)
