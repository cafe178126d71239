/* main.c — the `ringscope` command line: parses `ringscope run …`, builds
 * the machine, connects host stdin/stdout to the guest's console and turns
 * how the machine stopped into the process exit status.
 *
 * Exit status of `ringscope run`:
 *   0-255  the guest's own exit status (the value the kernel wrote to the
 *          exit port; the kernel reports 128+n for a program it killed)
 *   2      ringscope could not start the guest: bad option or bad input
 *          file (the reason is one line on stderr, prefixed "ringscope: ")
 *   124    --max-insns instructions ran and the guest had not exited
 *   125    the guest triple-faulted: the machine shut down
 *   126    the guest can never run again: HLT with interrupts disabled, or
 *          idle with interrupts enabled but nothing left that could interrupt
 *   1      a host failure (out of memory) */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debug_command.h"
#include "gdb_command.h"
#include "../trace/check.h"
#include "../trace/stats.h"
#include "../trace/convert.h"
#include "../mmu/mmu.h"
#include "cli.h"
#include "../machine/machine.h"
#include "hostterm.h"

#define RINGSCOPE_VERSION "0.1.0"
#define EXIT_USAGE 2
#define EXIT_BUDGET 124
#define EXIT_TRIPLE_FAULT 125
#define EXIT_STUCK 126

static const char main_help[] =
    "ringscope " RINGSCOPE_VERSION " — an x86-64 machine you can see through\n"
    "\n"
    "usage: ringscope run [OPTIONS] PROGRAM [ARGS...]   run a program on the guest kernel\n"
    "       ringscope debug [DEBUG OPTIONS] [OPTIONS] PROGRAM [ARGS...]\n"
    "                                                   step through it in the debugger window\n"
    "       ringscope check FILE.expect...              run expectation files (trace assertions)\n"
    "       ringscope check --recording R.rstrace F.expect  assert against a recording instead\n"
    "       ringscope trace [--trace…] FILE.rstrace     a recording as text, jsonl or perfetto\n"
    "       ringscope run --help                        the options of run (and tracing)\n"
    "       ringscope --help | --version\n"
    "\n"
    "ringscope interprets real x86-64 machine code: a guest kernel in ring 0 and\n"
    "static Linux programs in ring 3, on an emulated PC (16550 UART, i8042\n"
    "keyboard, 8254 PIT, 8259 PICs, ATA disk) with a 1 GHz virtual CPU.\n"
    "Trace what it does with --trace (ringscope run --help, trace/README.md).\n";

static _Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ringscope: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_USAGE);
}

static void write_stdout(void *ctx, const uint8_t *bytes, size_t n)
{
    (void)ctx;
    fwrite(bytes, 1, n, stdout);
    fflush(stdout);
}

static void write_stderr(void *ctx, const uint8_t *bytes, size_t n)
{
    (void)ctx;
    fwrite(bytes, 1, n, stderr);
    fflush(stderr);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int run(int argc, char **argv)
{
    static struct run_options o;
    struct session session;
    char err[512];
    if (cli_parse_run(argc, argv, &o, err, sizeof err))
        usage_error("%s", err);
    if (o.help) {
        cli_print_run_help(stdout);
        return 0;
    }
    if (o.gdb)
        return gdb_run_main(&o);
    o.config.input_from_stdin = true;
    o.config.stderr_out = write_stderr; /* COM2: the guest's fd 2 and the kernel's messages */
    hostterm_describe(&o.config);
    o.config.idle_in_real_time = o.config.stdin_is_terminal; /* someone is typing: sleeps take real time */
    if (session_open(&session, &o, NULL, write_stdout, err, sizeof err))
        usage_error("%s", err);
    struct machine *m = session.machine;
    struct run_stats *stats = NULL;
    if (o.stats) {
        if (!(stats = run_stats_new()) ||
            run_stats_load_symbols(stats, o.kernel_path, "kernel:", err, sizeof err) != 0 ||
            run_stats_attach(stats, machine_watch_hub(m), err, sizeof err) != 0)
            usage_error("--stats: %s", stats ? err : "out of memory");
        char ignored[256]; /* a stripped program: bare addresses */
        run_stats_load_symbols(stats, o.program_path, "", ignored, sizeof ignored);
    }
    /* The guest's tty does echo and line editing: the host terminal passes
     * keys through until ringscope exits (hostterm.h restores it). */
    if (hostterm_raw() != 0)
        fprintf(stderr, "ringscope: cannot put the terminal in raw mode; input is line-buffered by the host\n");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct machine_until until = {.max_insns = o.max_insns, .vector = -1};
    struct machine_stop s = machine_run(m, &until);
    double host_seconds = seconds_since(&t0);
    fflush(stdout);
    hostterm_restore();

    const struct cpu *cpu = machine_cpu(m);
    int status;
    switch (s.event) {
    case MEV_EXIT:
        status = machine_exit_status(m) & 0xff;
        break;
    case MEV_BUDGET:
        fprintf(stderr, "ringscope: stopped after %llu instructions (--max-insns) at RIP 0x%llx\n",
                (unsigned long long)cpu->icount, (unsigned long long)s.rip);
        status = EXIT_BUDGET;
        break;
    case MEV_TRIPLE_FAULT:
        fprintf(stderr, "ringscope: guest triple fault at RIP 0x%llx (CPL %d): the machine shut down\n",
                (unsigned long long)s.rip, cpu->cpl);
        status = EXIT_TRIPLE_FAULT;
        break;
    case MEV_HALTED:
        fprintf(stderr, "ringscope: guest halted with interrupts disabled at RIP 0x%llx (hlt with IF=0): nothing can wake it\n",
                (unsigned long long)s.rip);
        status = EXIT_STUCK;
        break;
    default: /* MEV_IDLE: the CLI asks for no other event */
        fprintf(stderr, "ringscope: guest idle at RIP 0x%llx: hlt with interrupts enabled, but no device will ever interrupt\n",
                (unsigned long long)s.rip);
        status = EXIT_STUCK;
        break;
    }
    if (o.stats) {
        struct tlb_stats tlb;
        mmu_tlb_stats(machine_mmu(m), &tlb);
        struct run_stats_machine ms = {
            .insns = cpu->icount, .time_ns = machine_time_ns(m), .idle_ns = machine_idle_ns(m),
            .tlb_hits = tlb.hits, .tlb_misses = tlb.misses, .tlb_flushes = tlb.flushes,
            .walks = tlb.walks, .host_seconds = host_seconds};
        if (!o.stats_json)
            machine_print_stats(m, stderr, host_seconds);
        run_stats_print(stats, &ms, o.stats_json, stderr);
        run_stats_free(stats);
    }
    if (session_close(&session, err, sizeof err)) {
        fprintf(stderr, "ringscope: %s\n", err);
        return 1;
    }
    return status;
}

/* The runner behind `ringscope check`: the run: line of an expectation
 * file, run to the guest's exit with every event recorded. */
static int check_runner(void *ctx, int argc, char **argv, struct trace_recording *rec, char *err,
                        size_t errlen)
{
    static struct run_options o;
    struct session session;
    (void)ctx;
    if (cli_parse_run(argc, argv, &o, err, errlen))
        return -1;
    if (o.gdb) {
        snprintf(err, errlen, "--gdb: an expectation file's run cannot wait for gdb");
        return -1;
    }
    if (session_open(&session, &o, rec, NULL, err, errlen))
        return -1;
    struct machine_until until = {.max_insns = o.max_insns, .vector = -1};
    struct machine_stop s = machine_run(session.machine, &until);
    int r = session_close(&session, err, errlen);
    if (r == 0 && s.event != MEV_EXIT) {
        snprintf(err, errlen, "the guest did not exit (stopped at RIP 0x%llx)", (unsigned long long)s.rip);
        r = -1;
    }
    return r;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is the guest's problem, not a crash */
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ringscope %s\n", RINGSCOPE_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return run(argc - 2, argv + 2);
    if (strcmp(argv[1], "debug") == 0)
        return debugger_main(argc - 2, argv + 2);
    if (strcmp(argv[1], "trace") == 0)
        return trace_convert_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0) {
        trace_check_set_runner(check_runner, NULL);
        return trace_check_main(argc - 1, argv + 1);
    }
    usage_error("unknown command %s (usage: ringscope run [OPTIONS] PROGRAM [ARGS...]; see ringscope --help)",
                argv[1]);
}
