# ringscope — build, test, run.  `make help` lists the targets.
#
# Host code: C17, -Wall -Wextra -Werror.  Outputs go to build/ (ASan+UBSan
# build: build/asan/).  Every target first makes sure the Debian packages
# the project needs are installed (`make deps`).

CC       ?= gcc
BUILD    ?= build
SAN      ?=
OPT      ?= -O2
PKGS     := capstone check sdl2
CFLAGS   := -std=gnu17 $(OPT) -g -Wall -Wextra -Werror -MMD -MP $(SAN) -I. \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  := $(SAN)
LIBS     := $(shell pkg-config --libs capstone 2>/dev/null) -lm
CHECKLIBS:= $(shell pkg-config --libs check 2>/dev/null)

# Library sources: every .c in the host folders except program entry points.
LIB_SRCS := $(wildcard cpu/*.c mmu/*.c machine/*.c trace/*.c)
LIB_SRCS := $(filter-out machine/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libringscope.a

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT_SRCS := $(filter-out $(TEST_SRCS),$(wildcard tests/*.c))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(BUILD)/%.o)

# Bare-metal test guests: tests/guests/*.S -> flat binaries (see tests/guests/README.md).
GUEST_SRCS := $(wildcard tests/guests/*.S)
GUEST_BINS := $(GUEST_SRCS:tests/guests/%.S=build/guests/%.bin)

DEPS_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && command -v musl-gcc >/dev/null && echo yes)

.PHONY: all deps test asan-test bench run clean help guests
all: $(BUILD)/ringscope guests

help:
	@echo "make            build everything (build/ringscope)"
	@echo "make run        build and run the main demo"
	@echo "make test       build and run every test"
	@echo "make asan-test  the same tests under ASan + UBSan (build/asan)"
	@echo "make bench      guest MIPS on a compute-heavy bare-metal loop"
	@echo "make deps       install the Debian packages the project needs"

# ---- dependencies -------------------------------------------------------
DEB_PKGS := gcc make pkg-config libcapstone-dev libsdl2-dev check musl-tools
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "installing: $(DEB_PKGS)"; \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEB_PKGS) >/dev/null
# When something is missing, install it first: this included makefile is
# phony, so make runs its recipe, then restarts and re-reads pkg-config.
ifneq ($(DEPS_OK),yes)
ifeq ($(filter deps clean help,$(MAKECMDGOALS)),)
-include $(BUILD)/.install-deps
.PHONY: $(BUILD)/.install-deps
$(BUILD)/.install-deps:
	@$(MAKE) --no-print-directory deps
endif
endif

# ---- host build ---------------------------------------------------------
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@; ar rcs $@ $^

$(BUILD)/ringscope: $(BUILD)/machine/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- guests -------------------------------------------------------------
guests: $(GUEST_BINS)
build/guests/%.bin: tests/guests/%.S tests/guests/guest.ld
	@mkdir -p $(dir $@)
	gcc -c -nostdlib -ffreestanding -o build/guests/$*.o $<
	ld -T tests/guests/guest.ld -o build/guests/$*.elf build/guests/$*.o
	objcopy -O binary build/guests/$*.elf $@

# ---- tests --------------------------------------------------------------
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CHECKLIBS)

test: $(BUILD)/ringscope $(TEST_BINS) guests
	@tests/run-all $(BUILD)

asan-test:
	$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

bench: $(BUILD)/ringscope guests $(BUILD)/tests/bench_loop
	@$(BUILD)/tests/bench_loop

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
