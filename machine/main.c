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

#include "machine.h"

#define RINGSCOPE_VERSION "0.1.0"
#define EXIT_USAGE 2
#define EXIT_BUDGET 124
#define EXIT_TRIPLE_FAULT 125
#define EXIT_STUCK 126
#define RAM_MIN (2ull << 20)
#define RAM_MAX (64ull << 30)

static const char main_help[] =
    "ringscope " RINGSCOPE_VERSION " — an x86-64 machine you can see through\n"
    "\n"
    "usage: ringscope run [OPTIONS] PROGRAM [ARGS...]   run a program on the guest kernel\n"
    "       ringscope run --help                        the options of run\n"
    "       ringscope --help | --version\n"
    "\n"
    "ringscope interprets real x86-64 machine code: a guest kernel in ring 0 and\n"
    "static Linux programs in ring 3, on an emulated PC (16550 UART, i8042\n"
    "keyboard, 8254 PIT, 8259 PICs, ATA disk) with a 1 GHz virtual CPU.\n";

static const char run_help[] =
    "usage: ringscope run [OPTIONS] PROGRAM [ARGS...]\n"
    "\n"
    "PROGRAM is the name of a bundled program (looked up in programs/ next to the\n"
    "ringscope binary, then in the current directory) or a path to a static\n"
    "x86-64 ELF (musl-gcc -static, gcc -static, gcc -static-pie).  ARGS go to the\n"
    "program; options must come before PROGRAM.  The program, its arguments and\n"
    "the --file files reach the guest kernel in a cpio initrd (bin/NAME,\n"
    "boot/argv).  Host stdin feeds the guest's console (UART) input; the guest's\n"
    "console output goes to stdout.\n"
    "\n"
    "options (--opt VALUE or --opt=VALUE):\n"
    "  --ram SIZE          guest RAM, e.g. 64M, 1G, 262144K (default 256M; 2M..64G)\n"
    "  --kernel PATH       guest kernel ELF (default os/kernel.elf next to the binary)\n"
    "  --keys SCRIPT       key script for the PS/2 keyboard, entries separated by\n"
    "                      commas: WHEN KEY down|up|press, WHEN = @10ms, @5us, @2s,\n"
    "                      @100ns (virtual time) or #1000 (instructions retired),\n"
    "                      e.g. --keys '@1ms space press, @20ms a down, @30ms a up'\n"
    "  --keys-file FILE    the same, one entry per line, // comments\n"
    "  --disk FILE         back the ATA disk (the pagefile) with FILE (default: a\n"
    "                      64 MiB disk in memory, gone at exit)\n"
    "  --file HOST[:GUEST] copy host file HOST into the guest at GUEST (default\n"
    "                      /BASENAME); repeatable\n"
    "  --max-insns N       stop after N instructions (exit status 124)\n"
    "  --stats             print instructions, virtual time, MIPS, TLB hit rate,\n"
    "                      page walks, exceptions and interrupts by vector to stderr\n"
    "  --kernel-log        copy the kernel's log (debug port 0xE9) to stderr\n"
    "  --help              this text\n"
    "\n"
    "exit status: the guest's (0-255; 128+n if the kernel killed the program),\n"
    "2 bad option or input, 124 --max-insns reached, 125 guest triple fault,\n"
    "126 guest halted for good (hlt with interrupts off, or idle forever),\n"
    "1 host failure.\n";

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

/* SIZE: digits with an optional K, M or G (binary units, optional "iB"/"B"). */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    if (!*s || *s < '0' || *s > '9')
        usage_error("--ram %s: expected a size like 64M or 1G", s);
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    if (*end || errno || v > (RAM_MAX >> shift))
        usage_error("--ram %s: expected a size like 64M or 1G (at most 64G)", s);
    uint64_t bytes = (uint64_t)v << shift;
    if (bytes < RAM_MIN)
        usage_error("--ram %s: the guest needs at least 2M of RAM", s);
    if (bytes & 0xfff)
        usage_error("--ram %s: not a whole number of 4 KiB pages", s);
    return bytes;
}

static uint64_t parse_count(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        usage_error("%s %s: expected a positive number", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v == 0)
        usage_error("%s %s: expected a positive number", opt, s);
    return v;
}

/* The directory holding this binary (build/ for build/ringscope). */
static void exe_dir(char *out, size_t len)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        snprintf(out, len, ".");
        return;
    }
    path[n] = 0;
    snprintf(out, len, "%s", dirname(path));
}

/* PROGRAM: a path if it has a '/', else a bundled program, else a file in
 * the current directory. */
static const char *resolve_program(const char *name, const char *dir, char *buf, size_t len)
{
    if (strchr(name, '/'))
        return name;
    if (snprintf(buf, len, "%s/programs/%s", dir, name) < (int)len && access(buf, F_OK) == 0)
        return buf;
    if (access(name, F_OK) == 0)
        return name;
    usage_error("%s: no bundled program of that name (in %s/programs) and no such file", name, dir);
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
}

static void discard(void *ctx, const uint8_t *bytes, size_t n) { (void)ctx, (void)bytes, (void)n; }

struct run_options {
    struct machine_config config;
    struct initrd_file *files;
    uint64_t max_insns;
    bool stats;
};

/* "--opt VALUE" or "--opt=VALUE": the value, advancing *i; NULL if arg is not opt. */
static const char *option_value(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    const char *arg = argv[*i];
    if (strncmp(arg, opt, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != 0)
        return NULL;
    if (*i + 1 >= argc)
        usage_error("%s needs a value (see ringscope run --help)", opt);
    return argv[++*i];
}

static int parse_run(int argc, char **argv, struct run_options *o, char *kernel_buf, char *program_buf,
                     size_t buflen)
{
    char dir[PATH_MAX];
    exe_dir(dir, sizeof dir);
    struct machine_config *c = &o->config;
    int i = 0;
    o->files = calloc((size_t)argc, sizeof *o->files);
    if (!o->files)
        usage_error("out of host memory");
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(run_help, stdout);
            exit(0);
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if ((v = option_value(argc, argv, &i, "--ram"))) {
            c->ram_size = parse_size(v);
        } else if ((v = option_value(argc, argv, &i, "--kernel"))) {
            c->kernel_path = v;
        } else if ((v = option_value(argc, argv, &i, "--keys-file"))) {
            c->keys_file = v;
        } else if ((v = option_value(argc, argv, &i, "--keys"))) {
            c->keys_script = v;
        } else if ((v = option_value(argc, argv, &i, "--disk"))) {
            c->disk_path = v;
        } else if ((v = option_value(argc, argv, &i, "--file"))) {
            struct initrd_file *f = &o->files[c->nfiles++];
            char *spec = strdup(v), *colon = spec ? strchr(spec, ':') : NULL;
            if (!spec)
                usage_error("out of host memory");
            if (colon)
                *colon = 0;
            if (!*spec || (colon && !colon[1]))
                usage_error("--file %s: expected HOST or HOST:GUEST", v);
            f->host_path = spec;
            f->guest_path = colon ? colon + 1 : NULL;
        } else if ((v = option_value(argc, argv, &i, "--max-insns"))) {
            o->max_insns = parse_count("--max-insns", v);
        } else if (strcmp(a, "--stats") == 0) {
            o->stats = true;
        } else if (strcmp(a, "--kernel-log") == 0) {
            c->kernel_log_out = write_stderr;
        } else {
            usage_error("unknown option %s (see ringscope run --help)", a);
        }
    }
    if (i >= argc)
        usage_error("run: no PROGRAM given (usage: ringscope run [OPTIONS] PROGRAM [ARGS...])");
    c->files = o->files;
    c->program_path = resolve_program(argv[i], dir, program_buf, buflen);
    c->argc = argc - i - 1;
    c->argv = argv + i + 1;
    if (!c->kernel_path) {
        if (snprintf(kernel_buf, buflen, "%s/os/kernel.elf", dir) >= (int)buflen ||
            access(kernel_buf, F_OK) != 0)
            usage_error("no guest kernel at %s: build it with make, or give --kernel PATH", kernel_buf);
        c->kernel_path = kernel_buf;
    }
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int run(int argc, char **argv)
{
    struct run_options o = {0};
    char kernel_buf[PATH_MAX], program_buf[PATH_MAX], err[512];
    parse_run(argc, argv, &o, kernel_buf, program_buf, sizeof kernel_buf);
    o.config.input_from_stdin = true;
    o.config.console_out = write_stdout;
    if (!o.config.kernel_log_out)
        o.config.kernel_log_out = discard;

    struct machine *m = machine_new(&o.config, err, sizeof err);
    if (!m)
        usage_error("%s", err);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct machine_until until = {.max_insns = o.max_insns, .vector = -1};
    struct machine_stop s = machine_run(m, &until);
    double host_seconds = seconds_since(&t0);
    fflush(stdout);

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
    if (o.stats)
        machine_print_stats(m, stderr, host_seconds);
    machine_free(m);
    for (size_t i = 0; i < o.config.nfiles; i++)
        free((char *)o.files[i].host_path);
    free(o.files);
    return status;
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
    usage_error("unknown command %s (usage: ringscope run [OPTIONS] PROGRAM [ARGS...]; see ringscope --help)",
                argv[1]);
}
