/* gdb_command.c — `ringscope run --gdb [HOST:]PORT [--gdb-script FILE]
 * PROGRAM`: the machine is a debugging session (debugger/session.h) whose
 * front end is the gdb stub; the guest's stdout and stderr go to ours as
 * it runs (no host stdin: the console line stays quiet).  When gdb
 * detaches the program runs on to its end; when it kills it, we exit. */
#include "gdb_command.h"

#include <stdio.h>
#include <string.h>

#include "../debugger/session.h"
#include "../gdbstub/gdbstub.h"

#define EXIT_USAGE 2
#define EXIT_KILLED 137  /* 128 + SIGKILL, as a killed process */
#define EXIT_BUDGET 124
#define EXIT_TRIPLE_FAULT 125
#define EXIT_STUCK 126

/* The guest's output so far that was not printed yet. */
struct printed {
    size_t out, err;
};

static void forward_output(struct dbg *d, struct printed *p)
{
    size_t len;
    const uint8_t *b = machine_console(d->m, &len);
    if (len > p->out) {
        fwrite(b + p->out, 1, len - p->out, stdout);
        fflush(stdout);
        p->out = len;
    }
    b = machine_stderr(d->m, &len);
    if (len > p->err) {
        fwrite(b + p->err, 1, len - p->err, stderr);
        p->err = len;
    }
}

static int exit_status(struct dbg *d)
{
    switch (d->stop.reason) {
    case DBG_STOPPED_EXIT:
        return (int)(machine_exit_status(d->m) & 0xff);
    case DBG_STOPPED_DEAD:
        fprintf(stderr, "ringscope: %s\n", d->status);
        return machine_cpu(d->m)->shutdown ? EXIT_TRIPLE_FAULT : EXIT_STUCK;
    case DBG_STOPPED_PAUSE:
        fprintf(stderr, "ringscope: stopped after %llu instructions (--max-insns)\n",
                (unsigned long long)machine_cpu(d->m)->icount);
        return EXIT_BUDGET;
    default:
        fprintf(stderr, "ringscope: %s\n", d->status);
        return EXIT_STUCK;
    }
}

int gdb_run_main(struct run_options *o)
{
    char err[512];
    struct dbg_options dopt = {.config = o->config};
    struct dbg *d = dbg_new(&dopt, err, sizeof err);
    if (!d) {
        fprintf(stderr, "ringscope: %s\n", err);
        return EXIT_USAGE;
    }
    int status = EXIT_USAGE;
    struct tracer *tracer = NULL;
    struct gdbstub *stub = NULL;
    /* --trace…: what runs forwards is traced, whoever drives it. */
    if (o->trace.kinds) {
        if (!(tracer = cli_attach_tracer(o, d->m, NULL, err, sizeof err))) {
            fprintf(stderr, "ringscope: %s\n", err);
            goto done;
        }
        dbg_watch_forward(d, tracer_watcher(tracer));
    }
    if (!(stub = gdbstub_new(d, o->gdb, err, sizeof err))) {
        fprintf(stderr, "ringscope: %s\n", err);
        goto done;
    }
    if (o->gdb_script &&
        gdbstub_write_script(stub, o->gdb_script, o->kernel_path, o->program_path, err, sizeof err) != 0) {
        fprintf(stderr, "ringscope: %s\n", err);
        goto done;
    }
    fprintf(stderr, "ringscope: gdb stub on %s:%u, stopped before the first instruction (gdb: target remote %s:%u%s%s)\n",
            gdbstub_host(stub), gdbstub_port(stub), gdbstub_host(stub), gdbstub_port(stub),
            o->gdb_script ? ", or gdb -x " : "", o->gdb_script ? o->gdb_script : "");
    struct printed printed = {0};
    bool had_gdb = false;
    while (gdbstub_poll(stub, 100)) {
        forward_output(d, &printed);
        had_gdb |= gdbstub_connected(stub);
        /* The guest is over and gdb left: nothing more to serve. */
        if (had_gdb && !gdbstub_connected(stub) && d->stop.reason == DBG_STOPPED_EXIT)
            break;
    }
    forward_output(d, &printed);
    if (gdbstub_killed(stub)) {
        fprintf(stderr, "ringscope: killed by gdb at instruction %llu\n",
                (unsigned long long)machine_cpu(d->m)->icount);
        status = EXIT_KILLED;
        goto done;
    }
    /* Detached (or the guest is over): on to the end, without gdb's stops. */
    for (int id = 1; id <= d->next_point_id; id++) {
        dbg_break_delete(d, id);
        dbg_watchpoint_delete(d, id);
    }
    if (d->stop.reason != DBG_STOPPED_EXIT) {
        dbg_start(d, DBG_RUN);
        uint64_t start = machine_cpu(d->m)->icount;
        while (!dbg_advance(d, 1000000)) {
            forward_output(d, &printed);
            if (o->max_insns && machine_cpu(d->m)->icount - start >= o->max_insns) {
                dbg_pause(d);
                break;
            }
        }
        forward_output(d, &printed);
    }
    status = exit_status(d);
done:
    gdbstub_free(stub);
    if (tracer && tracer_close(tracer, err, sizeof err) != 0) {
        fprintf(stderr, "ringscope: %s\n", err);
        status = 1;
    }
    dbg_free(d);
    return status;
}
