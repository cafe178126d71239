/* cli.h — the options of `ringscope run` (also taken by `debug` and by the
 * `run:` line of an expectation file), parsed with errors as values, and a
 * session: a machine built from those options plus, when asked, a tracer
 * attached to it.
 *
 * app/ is the composition root of ringscope: the only folder that sees
 * every other (see app/README.md for the layering). */
#ifndef RINGSCOPE_CLI_H
#define RINGSCOPE_CLI_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "../trace/recording.h"
#include "../trace/tracer.h"
#include "../machine/machine.h"

#define CLI_MAX_FILES 64

struct run_options {
    struct machine_config config;
    struct initrd_file files[CLI_MAX_FILES];
    uint64_t max_insns;          /* --max-insns; 0 = none */
    bool stats;                  /* --stats */
    bool stats_json;             /* --stats=json */
    bool kernel_log;             /* --kernel-log */
    bool help;                   /* --help was given: print run's help, run nothing */
    struct trace_config trace;   /* --trace…; trace.kinds == 0: tracing off */
    char kernel_path[PATH_MAX];
    char program_path[PATH_MAX];
    const char *gdb;             /* --gdb [HOST:]PORT: serve gdb (app/gdb_command.c); NULL = no */
    const char *gdb_script;      /* --gdb-script FILE */
    /* The strings files[] point at ("HOST\0GUEST\0" each), packed one after
     * another: parsing writes only the bytes it uses, so the pages of this
     * 256 KiB pool a run never reaches are never touched.  Last: parsing
     * clears the fields above it, not the pool. */
    size_t file_specs_used;
    char file_specs[CLI_MAX_FILES * PATH_MAX];
};

/* Parse OPTIONS PROGRAM [ARGS…] (argv[0] is the first option or PROGRAM).
 * PROGRAM is resolved to a bundled program (programs/ next to the binary)
 * or a file; the kernel defaults to os/kernel.elf next to the binary.
 * Returns 0, or -1 with a one-line message (no "ringscope: " prefix). */
int cli_parse_run(int argc, char **argv, struct run_options *o, char *err, size_t errlen);
/* The same for another command taking the run options (debug): errors
 * name it and show its usage line. */
int cli_parse_run_as(const char *command, const char *usage, int argc, char **argv, struct run_options *o,
                     char *err, size_t errlen);

/* The help text of the run options (including the --trace… options). */
void cli_print_run_help(FILE *out);
/* Only the options that build the machine (--ram, --kernel, --keys,
 * --keys-file, --disk, --file): what debug takes from run as they are. */
void cli_print_machine_help(FILE *out);
/* The --gdb options (run and debug). */
void cli_print_gdb_help(FILE *out);

/* A machine and its tracer. */
struct session {
    struct machine *machine;
    struct tracer *tracer;     /* NULL when tracing is off */
    bool log_to_stderr;
    void (*console_out)(void *ctx, const uint8_t *bytes, size_t n);
    void (*stderr_out)(void *ctx, const uint8_t *bytes, size_t n);
    bool trace_on_stream;      /* the trace goes to stdout or stderr: flushed before
                                * the guest's output, so both keep their order */
};

/* Build the machine from o (console output to console_out; NULL discards
 * it), and attach a tracer if o->trace.kinds != 0 or rec != NULL (then every
 * event is also recorded into rec).  0, or -1 with a one-line message. */
int session_open(struct session *s, struct run_options *o, struct trace_recording *rec,
                 void (*console_out)(void *ctx, const uint8_t *bytes, size_t n), char *err,
                 size_t errlen);
/* A tracer configured by o's --trace… options (all kinds if none; into
 * rec, with no output, when rec is given), with the kernel's and the
 * program's symbols and the machine's virtual time, attached to m.  NULL
 * with a one-line message.  Close it with tracer_close before m is freed. */
struct tracer *cli_attach_tracer(struct run_options *o, struct machine *m, struct trace_recording *rec,
                                 char *err, size_t errlen);

/* Detach and close the tracer (flushing the trace file), free the machine.
 * 0, or -1 with a message when writing the trace failed. */
int session_close(struct session *s, char *err, size_t errlen);

#endif
