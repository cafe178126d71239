# ringscope — build, test, run.  `make help` lists the targets.
#
# Host code: C17, -Wall -Wextra -Werror.  Outputs go to build/ (ASan+UBSan
# build: build/asan/).  Every target first makes sure the Debian packages
# the project needs are installed (`make deps`).

CC       ?= gcc
BUILD    ?= build
SAN      ?=
OPT      ?= -O2
PKGS     := capstone check sdl2 libpng
# pkg-config is asked on first use inside a recipe, not while make reads this
# file: on a fresh machine the packages are installed by `ensure-deps` (an
# order-only prerequisite of every build step), so flags read at parse time
# would be empty.  `$(call lazy,NAME,COMMAND)` runs COMMAND once per make
# invocation, when first needed, and remembers its output.
lazy      = $(if $(filter undefined,$(origin lazy_$1)),$(eval lazy_$1 := $$(shell $2)))$(lazy_$1)
CFLAGS    = -std=gnu17 $(OPT) -g -Wall -Wextra -Werror -MMD -MP $(SAN) -I. \
            $(call lazy,cflags,pkg-config --cflags $(PKGS))
LIBS      = $(call lazy,libs,pkg-config --libs capstone sdl2 libpng) -lm
CHECKLIBS = $(call lazy,checklibs,pkg-config --libs check)
LDFLAGS  := $(SAN)

# Library sources: every .c in the host folders except the entry point.
LIB_SRCS := $(wildcard cpu/*.c mmu/*.c machine/*.c trace/*.c debugger/*.c gdbstub/*.c app/*.c)
LIB_SRCS := $(filter-out app/main.c app/window_loader.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libringscope.a

# build/ringscope holds everything but the debugger's window: `ringscope
# debug` loads the files that use SDL2 or libpng (every debugger/*.c and
# app/debug_*.c that mentions them: the window, its screenshots, its command
# and the terminal mode, which shares the window's key handling) from the
# module ringscope-debug.so next to it (app/window_loader.c), so `run` starts
# with libc alone: no SDL2, libpng, zlib or libm to map and relocate.  The
# module resolves the rest of ringscope against the executable (-rdynamic)
# and links LIBS; the executable links the other packages of PKGS (none).
WINDOW_SRCS := $(shell grep -lE 'SDL|<png\.h>' debugger/*.c app/debug_*.c 2>/dev/null)
CORE_OBJS   := $(filter-out $(WINDOW_SRCS:%.c=$(BUILD)/%.o),$(LIB_OBJS)) $(BUILD)/app/window_loader.o
WINDOW_OBJS := $(WINDOW_SRCS:%.c=$(BUILD)/pic/%.o)
CORE_PKGS   := $(filter-out sdl2 capstone check libpng,$(PKGS))
CORE_LIBS    = $(if $(CORE_PKGS),$(call lazy,corelibs,pkg-config --libs $(CORE_PKGS))) -lm -ldl
# The executable is not position-independent: a PIE's ~6000 relative
# relocations (the opcode and handler tables are arrays of function
# pointers) are applied by ld.so at every start, writing (and so copying)
# each page of .data.rel.ro they touch; linked at a fixed address the
# tables are read straight from the file.  (The cost: the executable's own
# code is not at a random address; its libraries, heap and stack still are.)
CORE_LDFLAGS := -no-pie
# Capstone is loaded by trace/disasm.c when a trace or the debugger first
# disassembles (dlopen of the library's soname, read here), not linked.
$(BUILD)/trace/disasm.o: CFLAGS += -DCAPSTONE_SONAME='"$(call lazy,cs_soname,objdump -p \
    `pkg-config --variable=libdir capstone`/libcapstone.so | sed -n "s/.*SONAME *//p")"'

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
# Programs in tests/ that are not Check suites (benchmarks) have their own main.
TOOL_SRCS := tests/bench_loop.c tests/bench_trace.c
TEST_SUPPORT_SRCS := $(filter-out $(TEST_SRCS) $(TOOL_SRCS),$(wildcard tests/*.c))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(BUILD)/%.o)

# Bare-metal test guests: tests/guests/*.S -> flat binaries (see tests/guests/README.md).
GUEST_SRCS := $(wildcard tests/guests/*.S)
GUEST_BINS := $(GUEST_SRCS:tests/guests/%.S=build/guests/%.bin)

DEPS_OK := $(shell pkg-config --exists $(PKGS) 2>/dev/null && command -v musl-gcc >/dev/null && \
             command -v xvfb-run >/dev/null && command -v qemu-x86_64 >/dev/null && \
             command -v gdb >/dev/null && command -v tmux >/dev/null && command -v strace >/dev/null && \
             command -v file >/dev/null && command -v git >/dev/null && command -v python3 >/dev/null && \
             test -x /bin/busybox && test -f /usr/include/sqlite3.h && echo yes)

.PHONY: all deps ensure-deps test asan-test bench run clean help guests install uninstall
all: $(BUILD)/ringscope guests kernel programs

help:
	@echo "make            build everything (build/ringscope)"
	@echo "make run        build and run the main demo"
	@echo "make test       build and run every test"
	@echo "make asan-test  the same tests under ASan + UBSan (build/asan)"
	@echo "make bench      guest MIPS untraced and traced, against native and qemu-user"
	@echo "make deps       install the Debian packages the project needs"
	@echo "make install    install to PREFIX (default /usr/local; DESTDIR for staging)"
	@echo "make uninstall  remove what make install put there"

# ---- dependencies -------------------------------------------------------
DEB_PKGS := gcc make pkg-config libcapstone-dev libsdl2-dev libpng-dev check musl-tools xvfb xauth qemu-user \
            busybox-static gdb tmux libsqlite3-dev strace file git python3
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "installing: $(DEB_PKGS)"; \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEB_PKGS) >/dev/null
# Every build step waits for this (order-only, so it never makes anything
# out of date): when a package is missing it is installed here, before the
# first compiler runs, in the same make invocation.
ensure-deps:
ifneq ($(DEPS_OK),yes)
	@$(MAKE) --no-print-directory deps
endif

# ---- host build ---------------------------------------------------------
# `make V=1` shows the full commands.
Q := $(if $(V),,@)
$(BUILD)/%.o: %.c | ensure-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  AR      $@")
	$(Q)rm -f $@; ar rcs $@ $^

$(BUILD)/ringscope: $(BUILD)/app/main.o $(CORE_OBJS) | $(BUILD)/ringscope-debug.so
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(CORE_LDFLAGS) -rdynamic -o $@ $^ $(CORE_LIBS)

$(BUILD)/pic/%.o: %.c | ensure-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $< (module)")
	$(Q)$(CC) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/ringscope-debug.so: $(WINDOW_OBJS)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -shared -o $@ $^ $(LIBS)

# ---- the guest kernel (os/): freestanding, ring 0, linked at the top of
# the address space; never built with the host flags. --------------------
KCC      := gcc
KCFLAGS  := -std=gnu17 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib \
            -mno-red-zone -mcmodel=kernel -mgeneral-regs-only -fno-pic -fno-pie \
            -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
            -mno-sse -mno-mmx -mno-80387 -Ios -Ios/include -MMD -MP
OS_SRCS  := $(wildcard os/*.c os/*.S)
OS_OBJS  := $(patsubst %,build/os/%.o,$(basename $(notdir $(OS_SRCS))))
KERNEL   := build/os/kernel.elf
build/os/%.o: os/%.c | ensure-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  KCC     $<")
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@
build/os/%.o: os/%.S | ensure-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  KAS     $<")
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@
$(KERNEL): $(OS_OBJS) os/kernel.ld
	ld -nostdlib -z max-page-size=4096 -T os/kernel.ld -o $@ $(OS_OBJS)
kernel: $(if $(OS_SRCS),$(KERNEL))
.PHONY: kernel

# ---- bundled programs (ring 3): musl-gcc -static ------------------------
PROG_SRCS := $(wildcard programs/*.c)
PROGS     := $(PROG_SRCS:programs/%.c=build/programs/%)
build/programs/%: programs/%.c | ensure-deps
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<
programs: $(PROGS)
.PHONY: programs

# Guest programs of the debugger and gdb tests (tests/gdb/): with -O0 -g,
# so gdb has lines and variables.
GDB_GUEST_SRCS := $(wildcard tests/gdb/*.c)
GDB_GUESTS     := $(GDB_GUEST_SRCS:tests/gdb/%.c=build/tests/gdb/%)
build/tests/gdb/%: tests/gdb/%.c | ensure-deps
	@mkdir -p $(dir $@)
	musl-gcc -static -O0 -g -Wall -Wextra -Werror -o $@ $<
gdb-guests: $(GDB_GUESTS)
.PHONY: gdb-guests

# ---- guests -------------------------------------------------------------
guests: $(GUEST_BINS)
build/guests/%.bin: tests/guests/%.S tests/guests/guest.ld | ensure-deps
	@mkdir -p $(dir $@)
	gcc -c -nostdlib -ffreestanding -o build/guests/$*.o $<
	ld -T tests/guests/guest.ld -o build/guests/$*.elf build/guests/$*.o
	objcopy -O binary build/guests/$*.elf $@

# ---- tests --------------------------------------------------------------
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT_OBJS) $(LIB)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CHECKLIBS)

# Script tests (tests/sh/) check the build and the CLI as a user meets them;
# the sanitizer build skips them (they test no extra code under ASan).
test: $(BUILD)/ringscope $(TEST_BINS) guests kernel programs gdb-guests
	@tests/run-all $(BUILD) $(if $(SAN),,tests/sh)

# The sanitized binaries find the (unsanitized) guest kernel and programs
# next to them, like build/ringscope does.
asan-test: kernel programs gdb-guests
	@mkdir -p build/asan && ln -sfn ../os build/asan/os && ln -sfn ../programs build/asan/programs
	$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

$(BUILD)/tests/bench_loop: $(BUILD)/tests/bench_loop.o $(BUILD)/tests/harness.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/bench_trace: $(BUILD)/tests/bench_trace.o $(BUILD)/tests/harness.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Native vs ringscope vs qemu-user on compute-bound programs, traced MIPS,
# and the bare-metal loop; the table is saved to build/bench.txt.
bench: $(BUILD)/ringscope guests kernel programs $(BUILD)/tests/bench_loop $(BUILD)/tests/bench_trace
	@bench/run.sh $(BUILD)

# The main demo: the tour of every idea, then where to go next.
run: all
	@$(BUILD)/ringscope run --ram 24M tour
	@echo
	@echo "Next:"
	@echo "  build/ringscope run --trace=syscall,sysret,exception,os hello     # see the ring crossings"
	@echo "  build/ringscope run --trace --trace-file /tmp/hello.trace hello   # every instruction, access and walk"
	@echo "  build/ringscope run --ram 16M --stats pagefile                     # RAM too small: the pagefile at work"
	@echo "  build/ringscope check tests/traces/hello.expect                   # assert a trace"
	@echo "  build/ringscope run --help                                        # every option"

# ---- installing ----------------------------------------------------------
# PREFIX/bin/ringscope finds its kernel and programs in PREFIX/lib/ringscope
# (app/cli.c: data_dir), so the installed tree can also be copied elsewhere.
PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  := $(DESTDIR)$(PREFIX)/lib/ringscope
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(LIBDIR)/os $(LIBDIR)/programs $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/ringscope $(DESTDIR)$(PREFIX)/bin/ringscope
	install -m 644 $(BUILD)/ringscope-debug.so $(LIBDIR)/ringscope-debug.so
	install -m 644 $(KERNEL) $(LIBDIR)/os/kernel.elf
	install -m 755 $(PROGS) $(LIBDIR)/programs/
	install -m 644 app/ringscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/ringscope.1
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ringscope $(DESTDIR)$(PREFIX)/share/man/man1/ringscope.1
	rm -rf $(LIBDIR)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Keep the object files of test binaries (make would delete them as
# intermediates and rebuild them every time).
.SECONDARY: $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%.o) $(TEST_SUPPORT_OBJS)
