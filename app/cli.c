/* cli.c — parsing the run options and opening a session (machine + tracer). */
#include "cli.h"
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM_MIN (2ull << 20)
#define RAM_MAX (64ull << 30)

static const char run_help_head[] =
    "usage: ringscope run [OPTIONS] PROGRAM [ARGS...]\n"
    "\n"
    "PROGRAM is the name of a bundled program (looked up in programs/ next to the\n"
    "ringscope binary, or in PREFIX/lib/ringscope once installed, then in the\n"
    "current directory) or a path to a static\n"
    "x86-64 ELF (musl-gcc -static, gcc -static, gcc -static-pie).  ARGS go to the\n"
    "program; options must come before PROGRAM.  The program, its arguments and\n"
    "the --file files reach the guest kernel in a cpio initrd (bin/NAME,\n"
    "boot/argv).  Host stdin feeds the guest's console (UART) input; the guest's\n"
    "console output goes to stdout.\n"
    "\n";

/* The options that build the machine: run and debug take them alike. */
static const char machine_options_help[] =
    "  --ram SIZE          guest RAM, e.g. 64M, 1G, 262144K (default 256M; 2M..64G)\n"
    "  --kernel PATH       guest kernel ELF (default os/kernel.elf next to the binary,\n"
    "                      or in PREFIX/lib/ringscope once installed)\n"
    "  --keys SCRIPT       key script for the PS/2 keyboard, entries separated by\n"
    "                      commas: WHEN KEY down|up|press, WHEN = @10ms, @5us, @2s,\n"
    "                      @100ns (virtual time) or #1000 (instructions retired),\n"
    "                      e.g. --keys '@1ms space press, @20ms a down, @30ms a up'\n"
    "  --keys-file FILE    the same, one entry per line, // comments\n"
    "  --disk FILE         back the ATA disk (the pagefile) with FILE (default: a\n"
    "                      64 MiB disk in memory, gone at exit)\n"
    "  --file HOST[:GUEST] copy host file HOST into the guest at GUEST (default\n"
    "                      /BASENAME); repeatable\n";

static const char run_only_help[] =
    "  --max-insns N       stop after N instructions (exit status 124)\n"
    "  --stats             print instructions, virtual time, MIPS, TLB hit rate,\n"
    "                      page walks, exceptions and interrupts by vector, system\n"
    "                      calls by name (count, kernel instructions), page faults by\n"
    "                      kind and by faulting function, page-ins/outs and context\n"
    "                      switches to stderr\n"
    "  --stats=json        the same as one JSON object (trace/stats.h)\n"
    "  --kernel-log        copy the kernel's log (debug port 0xE9) to stderr\n";

/* gdb's options: run and debug take them alike. */
static const char gdb_options_help[] =
    "  --gdb [HOST:]PORT   stop before the first instruction and wait for gdb on\n"
    "                      TCP (HOST defaults to 127.0.0.1; PORT 0 picks a free\n"
    "                      one); gdb drives the machine, forwards and backwards\n"
    "  --gdb-script FILE   with --gdb: write the gdb commands that load the\n"
    "                      kernel's and the program's symbols and connect\n"
    "                      (then: gdb -x FILE)\n";

static const char tracing_head[] =
    "\n"
    "tracing (see trace/README.md for the formats):\n";

static const char run_help_tail[] =
    "\n"
    "exit status: the guest's (0-255; 128+n if the kernel killed the program),\n"
    "2 bad option or input, 124 --max-insns reached, 125 guest triple fault,\n"
    "126 guest halted for good (hlt with interrupts off, or idle forever),\n"
    "1 host failure.\n";

void cli_print_run_help(FILE *out)
{
    fputs(run_help_head, out);
    fputs("options (--opt VALUE or --opt=VALUE):\n", out);
    fputs(machine_options_help, out);
    fputs(run_only_help, out);
    fputs(gdb_options_help, out);
    fputs("  --help              this text\n", out);
    fputs(tracing_head, out);
    fputs(trace_options_help, out);
    fputs(run_help_tail, out);
}

void cli_print_machine_help(FILE *out) { fputs(machine_options_help, out); }

void cli_print_gdb_help(FILE *out) { fputs(gdb_options_help, out); }

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* SIZE: digits with an optional K, M or G (binary units, optional "iB"/"B"). */
static int parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    if (!*s || *s < '0' || *s > '9')
        return fail(err, errlen, "--ram %s: expected a size like 64M or 1G", s);
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
        return fail(err, errlen, "--ram %s: expected a size like 64M or 1G (at most 64G)", s);
    uint64_t bytes = (uint64_t)v << shift;
    if (bytes < RAM_MIN)
        return fail(err, errlen, "--ram %s: the guest needs at least 2M of RAM", s);
    if (bytes & 0xfff)
        return fail(err, errlen, "--ram %s: not a whole number of 4 KiB pages", s);
    *out = bytes;
    return 0;
}

static int parse_count(const char *opt, const char *s, uint64_t *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return fail(err, errlen, "%s %s: expected a positive number", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v == 0)
        return fail(err, errlen, "%s %s: expected a positive number", opt, s);
    *out = v;
    return 0;
}

/* Where the guest kernel (os/kernel.elf) and the bundled programs
 * (programs/) are: next to the binary in a build tree (build/ringscope,
 * build/os/…), or PREFIX/lib/ringscope for an installed PREFIX/bin/ringscope
 * (`make install`).  Found from the binary's own location, so a copied tree
 * works too. */
static void data_dir(char *out, size_t len)
{
    char path[PATH_MAX], probe[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        snprintf(out, len, ".");
        return;
    }
    path[n] = 0;
    const char *bin = dirname(path);
    snprintf(probe, sizeof probe, "%s/os/kernel.elf", bin);
    if (access(probe, F_OK) != 0) {
        snprintf(probe, sizeof probe, "%s/../lib/ringscope/os/kernel.elf", bin);
        if (access(probe, F_OK) == 0) {
            snprintf(out, len, "%s/../lib/ringscope", bin);
            return;
        }
    }
    snprintf(out, len, "%s", bin);
}

/* PROGRAM: a path if it has a '/', else a bundled program, else a file in
 * the current directory. */
static int resolve_program(const char *name, const char *dir, char *buf, size_t len, char *err,
                           size_t errlen)
{
    if (strchr(name, '/')) {
        snprintf(buf, len, "%s", name);
        return 0;
    }
    if (snprintf(buf, len, "%s/programs/%s", dir, name) < (int)len && access(buf, F_OK) == 0)
        return 0;
    if (access(name, F_OK) == 0) {
        snprintf(buf, len, "%s", name);
        return 0;
    }
    return fail(err, errlen, "%s: no bundled program of that name (in %s/programs) and no such file",
                name, dir);
}

/* "--opt VALUE" or "--opt=VALUE": 1 with *value set (advancing *i), 0 if
 * arg is not opt, -1 if the value is missing. */
static int option_value(int argc, char **argv, int *i, const char *opt, const char **value)
{
    size_t n = strlen(opt);
    const char *arg = argv[*i];
    if (strncmp(arg, opt, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != 0)
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

/* Room for a spec of up to `len` bytes at the end of the pool, or NULL. */
static char *spec_room(struct run_options *o, size_t len)
{
    if (len > sizeof o->file_specs - o->file_specs_used)
        return NULL;
    return o->file_specs + o->file_specs_used;
}

static int parse_file_spec(struct run_options *o, const char *v, char *err, size_t errlen)
{
    struct machine_config *c = &o->config;
    if (c->nfiles == CLI_MAX_FILES)
        return fail(err, errlen, "--file %s: at most %d files", v, CLI_MAX_FILES);
    size_t len = strnlen(v, PATH_MAX - 1);
    char *spec = spec_room(o, len + 1);
    if (!spec)
        return fail(err, errlen, "--file %s: the file names are too long together", v);
    memcpy(spec, v, len);
    spec[len] = 0;
    o->file_specs_used += len + 1;
    char *colon = strchr(spec, ':');
    if (colon)
        *colon = 0;
    if (!*spec || (colon && !colon[1]))
        return fail(err, errlen, "--file %s: expected HOST or HOST:GUEST", v);
    o->files[c->nfiles++] = (struct initrd_file){spec, colon ? colon + 1 : NULL};
    return 0;
}

/* The bundled programs go into every initrd as /bin/NAME, like a small
 * system's /bin, so a guest program can fork+execve the others (tour does). */
static int add_bundled_programs(struct run_options *o, const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/programs", dir);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    char names[CLI_MAX_FILES][NAME_MAX + 1];
    size_t n = 0;
    while ((e = readdir(d)) && n < CLI_MAX_FILES) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp); /* deterministic initrd */
    struct machine_config *c = &o->config;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(path) + 1 + strlen(names[i]);
        if (len + 6 + strlen(names[i]) >= PATH_MAX)
            continue; /* a path this long cannot be opened anyway */
        const char *slash = strrchr(o->program_path, '/');
        if (strcmp(names[i], slash ? slash + 1 : o->program_path) == 0)
            continue; /* /bin/NAME is already the program itself */
        char *spec = spec_room(o, len + 6 + strlen(names[i]) + 1);
        if (c->nfiles == CLI_MAX_FILES || !spec)
            return fail(err, errlen, "too many files for the initrd (at most %d)", CLI_MAX_FILES);
        sprintf(spec, "%s/%s", path, names[i]);
        memcpy(spec + len + 1, "/bin/", 5);
        strcpy(spec + len + 6, names[i]);
        o->file_specs_used += len + 6 + strlen(names[i]) + 1;
        o->files[c->nfiles++] = (struct initrd_file){spec, spec + len + 1};
    }
    return 0;
}

int cli_parse_run(int argc, char **argv, struct run_options *o, char *err, size_t errlen)
{
    return cli_parse_run_as("run", "ringscope run [OPTIONS] PROGRAM [ARGS...]", argc, argv, o, err, errlen);
}

int cli_parse_run_as(const char *command, const char *usage, int argc, char **argv, struct run_options *o,
                     char *err, size_t errlen)
{
    static const char *const valued[] = {"--ram", "--kernel", "--keys-file", "--keys", "--disk",
                                         "--file", "--max-insns", "--gdb-script", "--gdb"};
    char dir[PATH_MAX];
    data_dir(dir, sizeof dir);
    memset(o, 0, offsetof(struct run_options, file_specs)); /* the pool is written as used */
    trace_config_init(&o->trace);
    struct machine_config *c = &o->config;
    c->files = o->files;
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            return 0;
        }
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--stats") == 0 || strcmp(a, "--stats=json") == 0) {
            o->stats = true;
            o->stats_json = a[7] == '=';
            continue;
        }
        if (strcmp(a, "--kernel-log") == 0) {
            o->kernel_log = true;
            continue;
        }
        int used = trace_parse_option(&o->trace, a, i + 1 < argc ? argv[i + 1] : NULL, err, errlen);
        if (used < 0)
            return -1;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        size_t k = 0;
        int r = 0;
        for (; k < sizeof valued / sizeof *valued; k++)
            if ((r = option_value(argc, argv, &i, valued[k], &v)) != 0)
                break;
        if (r < 0)
            return fail(err, errlen, "%s needs a value (see ringscope %s --help)", valued[k], command);
        if (r == 0)
            return fail(err, errlen, "unknown option %s (see ringscope %s --help)", a, command);
        switch (k) {
        case 0: if (parse_size(v, &c->ram_size, err, errlen)) return -1; break;
        case 1: snprintf(o->kernel_path, sizeof o->kernel_path, "%s", v); break;
        case 2: c->keys_file = v; break;
        case 3: c->keys_script = v; break;
        case 4: c->disk_path = v; break;
        case 5: if (parse_file_spec(o, v, err, errlen)) return -1; break;
        case 6: if (parse_count("--max-insns", v, &o->max_insns, err, errlen)) return -1; break;
        case 7: o->gdb_script = v; break;
        default: o->gdb = v; break;
        }
    }
    if (o->gdb_script && !o->gdb)
        return fail(err, errlen, "--gdb-script %s: only with --gdb PORT", o->gdb_script);
    if (i >= argc)
        return fail(err, errlen, "%s: no PROGRAM given (usage: %s)", command, usage);
    if (resolve_program(argv[i], dir, o->program_path, sizeof o->program_path, err, errlen))
        return -1;
    c->program_path = o->program_path;
    if (add_bundled_programs(o, dir, err, errlen))
        return -1;
    c->argc = argc - i - 1;
    c->argv = argv + i + 1;
    if (!o->kernel_path[0]) {
        if (snprintf(o->kernel_path, sizeof o->kernel_path, "%s/os/kernel.elf", dir) >=
                (int)sizeof o->kernel_path ||
            access(o->kernel_path, F_OK) != 0)
            return fail(err, errlen, "no guest kernel at %s: build it with make, or give --kernel PATH",
                        o->kernel_path);
    }
    c->kernel_path = o->kernel_path;
    return 0;
}

/* ---- session ------------------------------------------------------------- */

/* Kernel log bytes (port 0xE9): to stderr with --kernel-log.  (The tracer
 * gets them line by line as watch events.) */
static void session_kernel_log(void *ctx, const uint8_t *bytes, size_t n)
{
    struct session *s = ctx;
    if (s->log_to_stderr)
        fwrite(bytes, 1, n, stderr);
}

static void session_console(void *ctx, const uint8_t *bytes, size_t n)
{
    struct session *s = ctx;
    if (s->tracer && s->trace_on_stream && s->console_out)
        tracer_flush(s->tracer); /* what happened before this output comes first */
    if (s->console_out)
        s->console_out(NULL, bytes, n);
}

static void session_stderr(void *ctx, const uint8_t *bytes, size_t n)
{
    struct session *s = ctx;
    if (s->tracer && s->trace_on_stream)
        tracer_flush(s->tracer);
    s->stderr_out(NULL, bytes, n);
}

static void session_discard(void *ctx, const uint8_t *bytes, size_t n)
{
    (void)ctx, (void)bytes, (void)n;
}

static uint64_t session_clock(void *ctx)
{
    return machine_time_ns(ctx);
}

struct tracer *cli_attach_tracer(struct run_options *o, struct machine *m, struct trace_recording *rec,
                                 char *err, size_t errlen)
{
    if (!o->trace.kinds)
        o->trace.kinds = TRACE_KINDS_ALL;
    if (rec)
        o->trace.no_output = true;
    struct tracer *t = tracer_new(&o->trace, NULL, err, errlen);
    if (!t)
        return NULL;
    if (rec)
        tracer_record(t, rec);
    tracer_set_clock(t, session_clock, m);
    if (tracer_load_symbols(t, o->kernel_path, "kernel:", 0, err, errlen) != 0)
        goto fail;
    /* A stripped program still traces, with bare addresses. */
    char ignored[256], guest[PATH_MAX + 8];
    tracer_load_symbols(t, o->program_path, "", 0, ignored, sizeof ignored);
    /* The initrd's programs (bundled or --file): a process that execve's one
     * is named in its symbols. */
    const char *base = strrchr(o->program_path, '/');
    snprintf(guest, sizeof guest, "/bin/%s", base ? base + 1 : o->program_path);
    tracer_add_program(t, guest, o->program_path, true);
    for (size_t i = 0; i < o->config.nfiles; i++) {
        const struct initrd_file *f = &o->files[i];
        const char *b = strrchr(f->host_path, '/');
        if (f->guest_path)
            snprintf(guest, sizeof guest, "%s%s", f->guest_path[0] == '/' ? "" : "/", f->guest_path);
        else
            snprintf(guest, sizeof guest, "/%s", b ? b + 1 : f->host_path);
        tracer_add_program(t, guest, f->host_path, false);
    }
    if (tracer_attach(t, machine_watch_hub(m), err, errlen) != 0)
        goto fail;
    return t;
fail:
    tracer_close(t, NULL, 0);
    return NULL;
}

int session_open(struct session *s, struct run_options *o, struct trace_recording *rec,
                 void (*console_out)(void *ctx, const uint8_t *bytes, size_t n), char *err,
                 size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->console_out = console_out;
    s->log_to_stderr = o->kernel_log;
    o->config.console_out = session_console;
    /* No stderr sink asked for: drop it like the console.  (o may come
     * back for another session: its sink then is already ours.) */
    s->stderr_out = o->config.stderr_out && o->config.stderr_out != session_stderr
                        ? o->config.stderr_out : session_discard;
    o->config.stderr_out = session_stderr;
    /* The trace shares a stream with the guest's output: stdout (-), or
     * stderr, which the guest's stderr always shares and its stdout does
     * at a terminal.  (Output to a file stays buffered.) */
    bool to_stdout = strcmp(o->trace.file, "-") == 0, to_stderr = !o->trace.file[0];
    s->trace_on_stream = !rec && o->trace.kinds && o->trace.format != TRACE_FORMAT_BIN &&
                         o->trace.format != TRACE_FORMAT_PERFETTO && (to_stdout || to_stderr);
    o->config.output_unbuffered = s->trace_on_stream && (to_stdout || isatty(STDOUT_FILENO));
    o->config.kernel_log_out = session_kernel_log;
    o->config.out_ctx = s;
    s->machine = machine_new(&o->config, err, errlen);
    if (!s->machine)
        return -1;
    if (!o->trace.kinds && !rec)
        return 0;
    if (!(s->tracer = cli_attach_tracer(o, s->machine, rec, err, errlen)))
        goto fail;
    return 0;
fail:
    if (s->tracer)
        tracer_close(s->tracer, NULL, 0);
    machine_free(s->machine);
    s->machine = NULL;
    s->tracer = NULL;
    return -1;
}

int session_close(struct session *s, char *err, size_t errlen)
{
    int r = 0;
    if (s->tracer)
        r = tracer_close(s->tracer, err, errlen);
    machine_free(s->machine);
    memset(s, 0, sizeof *s);
    return r;
}
