/* convert.c — `ringscope trace FILE.rstrace`: a recording (binread.h)
 * turned into text, JSON Lines or the timeline, through the same --trace…
 * filters as a live run; and a recording loaded for `ringscope check
 * --recording` (convert.h).
 *
 * Filtering a recording works on what it holds: an instruction is shown
 * when its ring (--trace-ring), address (--trace-range) and process
 * (--trace-pid: the pid of the last context switch, as in a run) pass, and
 * every event of the same step after it goes with it; an event standing
 * alone passes on its own `cpl` and `pid` fields.  --trace-from/--trace-until
 * start and stop at the first instruction whose symbol is that name. */
#include "convert.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "binfmt.h"
#include "binread.h"
#include "recording.h"
#include "writer.h"

struct filter {
    const struct trace_config *cfg;
    struct trace_writer *w;
    struct trace_recording *rec;
    int64_t cur_pid;
    bool started, stopped;
    bool have_insn;            /* an instruction event came for this step */
    uint64_t insn_step;
    bool insn_visible;
    bool insn_visible_any_ring; /* hidden only by --trace-ring/--trace-range */
    int cur_cpl;               /* the ring the CPU is in, as far as the events say */
    uint64_t events;
};

static bool kind_on(const struct filter *f, enum trace_kind k)
{
    return f->cfg->kinds & (1u << k);
}

static bool pid_ok(const struct filter *f)
{
    return f->cfg->pid < 0 || f->cur_pid == f->cfg->pid;
}

/* Whether the symbol text names `name` (as "name" or "name+0x…"). */
static bool at_symbol(const char *sym, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(name, "kernel:", 7) != 0 && len > 7 && memcmp(sym, "kernel:", 7) == 0)
        return false;
    return len == n && memcmp(sym, name, n) == 0;
}

/* Events of a step: with their instruction's verdict when it was recorded,
 * else on their own ring and process. */
static bool event_visible(struct filter *f, uint64_t step, bool child, int cpl)
{
    if (!f->started || f->stopped)
        return false;
    if (f->have_insn && f->insn_step == step && child)
        return f->insn_visible;
    if (!pid_ok(f))
        return false;
    return cpl < 0 || f->cfg->ring < 0 || cpl == f->cfg->ring;
}

static void f_insn(void *ctx, const struct trace_insn *r)
{
    struct filter *f = ctx;
    if (!f->started && f->cfg->from_sym[0] && at_symbol(r->sym, r->sym_len, f->cfg->from_sym))
        f->started = true;
    if (f->started && f->cfg->until_sym[0] && at_symbol(r->sym, r->sym_len, f->cfg->until_sym))
        f->stopped = true;
    f->have_insn = true;
    f->insn_step = r->step;
    f->cur_cpl = r->cpl;
    f->insn_visible_any_ring = f->started && !f->stopped && pid_ok(f);
    f->insn_visible = f->insn_visible_any_ring &&
                      (f->cfg->ring < 0 || r->cpl == f->cfg->ring) &&
                      (!f->cfg->has_range || (r->rip >= f->cfg->range_lo && r->rip < f->cfg->range_hi));
    if (!f->insn_visible || !kind_on(f, TRACE_INSN))
        return;
    f->events++;
    if (f->w)
        trace_writer_insn(f->w, r, NULL);
    if (f->rec)
        trace_recording_add_insn(f->rec, r);
}

static void f_mem(void *ctx, const struct trace_mem *r)
{
    struct filter *f = ctx;
    if (!kind_on(f, TRACE_MEM) || !event_visible(f, r->step, true, -1))
        return;
    f->events++;
    if (f->w)
        trace_writer_mem(f->w, r);
    if (f->rec)
        trace_recording_add_mem(f->rec, r);
}

static void f_reg(void *ctx, const struct trace_reg *r)
{
    struct filter *f = ctx;
    if (!kind_on(f, TRACE_REG) || !event_visible(f, r->step, true, -1))
        return;
    f->events++;
    if (f->w)
        trace_writer_reg(f->w, r);
    if (f->rec)
        trace_recording_add_reg(f->rec, r);
}

static void f_tlb(void *ctx, const struct trace_tlb *r)
{
    struct filter *f = ctx;
    if (!kind_on(f, TRACE_TLB) || !event_visible(f, r->step, r->child, f->cur_cpl))
        return;
    f->events++;
    if (f->w)
        trace_writer_tlb(f->w, r);
    if (f->rec)
        trace_recording_add_tlb(f->rec, r);
}

static void f_shown(struct filter *f, const struct trace_event *e);

static void f_event(void *ctx, const struct trace_event *e)
{
    struct filter *f = ctx;
    const struct trace_field *ev = trace_field(e, "event");
    /* A context switch: the next instructions run for the new process (its
     * own event belongs to the instruction that reported it, before). */
    int64_t next_pid = f->cur_pid;
    if (e->kind == TRACE_OS && ev && ev->s && strcmp(ev->s, "context-switch") == 0) {
        const struct trace_field *np = trace_field(e, "new_pid");
        if (np)
            next_pid = (int64_t)np->v;
    }
    f_shown(f, e);
    f->cur_pid = next_pid;
}

/* An event standing alone or caused by the instruction before it: shown
 * when the filters let it through. */
static void f_shown(struct filter *f, const struct trace_event *e)
{
    const struct trace_field *to = trace_field(e, "to_cpl");
    int cpu_ring_before = f->cur_cpl;
    if (to && to->type == TF_DEC)
        f->cur_cpl = (int)to->v;
    if (!kind_on(f, e->kind))
        return;
    const struct trace_field *cpl = trace_field(e, "cpl");
    int ring = cpl && cpl->type == TF_DEC ? (int)cpl->v : cpu_ring_before;
    /* The crossings pass the ring filter, as in a run (tracer.h): one that
     * an instruction hidden only by ring or range caused stands alone,
     * with the next step, as the tracer shows it. */
    bool crossing = e->kind == TRACE_SYSCALL || e->kind == TRACE_SYSRET || e->kind == TRACE_OS ||
                    e->kind == TRACE_LOG || e->kind == TRACE_SAMPLE;
    struct trace_event alone;
    if (crossing) {
        ring = -1;
        if (e->child && f->have_insn && f->insn_step == e->step && !f->insn_visible &&
            f->insn_visible_any_ring) {
            alone = *e;
            alone.child = 0;
            alone.step = e->step + 1;
            e = &alone;
        }
    }
    if (!event_visible(f, e->step, e->child, ring))
        return;
    if (f->cfg->user_scope && e->kind == TRACE_OS) {
        const struct trace_field *pid = trace_field(e, "pid");
        if (!pid || (int64_t)pid->v <= 0)
            return;
    }
    f->events++;
    if (f->w)
        trace_writer_event(f->w, e);
    if (f->rec)
        trace_recording_add(f->rec, e);
}

static int read_filtered(const char *path, const struct trace_config *cfg, struct trace_writer *w,
                         struct trace_recording *rec, char *err, size_t errlen)
{
    struct filter f = {.cfg = cfg, .w = w, .rec = rec, .cur_pid = -1,
                       .started = !cfg->from_sym[0]};
    struct bin_sink sink = {&f, f_insn, f_mem, f_reg, f_tlb, f_event};
    return bin_read_file(path, &sink, err, errlen);
}

/* The --trace… options among a run: line's arguments (the others are the
 * run's own). */
static void run_line_filters(int argc, char **argv, struct trace_config *cfg)
{
    char err[256];
    trace_config_init(cfg);
    bool kinds_given = false;
    for (int i = 0; i < argc && argv[i][0] == '-'; i++) {
        int used = trace_parse_option(cfg, argv[i], i + 1 < argc ? argv[i + 1] : NULL, err, sizeof err);
        kinds_given |= used > 0 && (strcmp(argv[i], "--trace") == 0 || strncmp(argv[i], "--trace=", 8) == 0);
        if (used > 1)
            i += used - 1;
    }
    if (!kinds_given) {
        cfg->kinds = TRACE_KINDS_ALL; /* as `ringscope check` runs it */
        cfg->user_scope = false;
    }
    if (cfg->user_scope && cfg->ring < 0)
        cfg->ring = 3;
}

int trace_check_recording_runner(void *ctx, int argc, char **argv, struct trace_recording *rec,
                                 char *err, size_t errlen)
{
    struct trace_config cfg;
    run_line_filters(argc, argv, &cfg);
    return trace_load_recording(ctx, &cfg, rec, err, errlen);
}

int trace_load_recording(const char *path, const struct trace_config *cfg,
                         struct trace_recording *rec, char *err, size_t errlen)
{
    struct trace_config all;
    if (!cfg) {
        trace_config_init(&all);
        all.kinds = TRACE_KINDS_ALL;
        cfg = &all;
    }
    return read_filtered(path, cfg, NULL, rec, err, errlen);
}

/* Whether a filter asked of the recording needs what its run left out
 * (err says which): then its output could not be what the same filters
 * give on a run, and it is refused.  A recording of every kind without
 * filters answers every filter as a run would. */
static bool recording_lacks(const char *path, const struct trace_config *cfg, char *err, size_t errlen)
{
    uint32_t kinds;
    uint8_t cut;
    if (!bin_read_run(path, &kinds, &cut))
        return false; /* unreadable (the reader says why) or an older writer's: as it is */
    bool insns = kinds & (1u << TRACE_INSN);
    bool any = cfg->ring >= 0 || cfg->has_range || cfg->from_sym[0] || cfg->until_sym[0] || cfg->pid >= 0;
    int rec_ring = cut & BIN_RUN_RING0 ? 0 : cut & BIN_RUN_RING3 ? 3 : -1;
    const char *how = cut & BIN_RUN_USER ? "--trace (ring 3 only)" : rec_ring == 0 ? "--trace-ring 0"
                                                                                   : "--trace-ring 3";
    if (any && (cut & (BIN_RUN_RANGE | BIN_RUN_FROM | BIN_RUN_UNTIL | BIN_RUN_PID))) {
        snprintf(err, errlen, "it was recorded through --trace-range/--trace-from/--trace-until/"
                              "--trace-pid and holds only what they let through; convert it "
                              "without filters, or record without them");
        return true;
    }
    if (cfg->ring >= 0 && rec_ring >= 0 && cfg->ring != rec_ring) {
        snprintf(err, errlen, "--trace-ring %d: it was recorded with %s and holds no ring-%d "
                              "instructions; record with --trace=all", cfg->ring, how, cfg->ring);
        return true;
    }
    if (!insns && (cfg->ring >= 0 || cfg->has_range || cfg->from_sym[0] || cfg->until_sym[0])) {
        snprintf(err, errlen, "--trace-ring, --trace-range, --trace-from and --trace-until need "
                              "its instructions, and it was recorded without insn events");
        return true;
    }
    /* The ring of an event between two instructions (a TLB fill for the
     * next fetch) is the one the last crossing went to. */
    uint32_t crossings = (1u << TRACE_EXCEPTION) | (1u << TRACE_INTERRUPT) | (1u << TRACE_IRET) |
                         (1u << TRACE_SYSCALL) | (1u << TRACE_SYSRET);
    if (cfg->ring >= 0 && rec_ring < 0 && (kinds & crossings) != crossings) {
        snprintf(err, errlen, "--trace-ring needs every ring crossing (exception, interrupt, "
                              "iret, syscall, sysret) to know each event's ring, and it was "
                              "recorded without some of them");
        return true;
    }
    for (int i = 0; i < 2 && rec_ring >= 0; i++) {
        const char *sym = i ? cfg->until_sym : cfg->from_sym;
        bool kernel = strncmp(sym, "kernel:", 7) == 0;
        if (sym[0] && kernel != (rec_ring == 0)) {
            snprintf(err, errlen, "%s %s: it was recorded with %s and holds no instruction of %s",
                     i ? "--trace-until" : "--trace-from", sym, how,
                     kernel ? "the kernel" : "the program");
            return true;
        }
    }
    if (cfg->pid >= 0 && (!(kinds & (1u << TRACE_OS)) || (cut & BIN_RUN_USER))) {
        snprintf(err, errlen, "--trace-pid needs the kernel's context-switch events, which it "
                              "does not hold (recorded %s); record with --trace=all",
                 cut & BIN_RUN_USER ? "with --trace" : "without os events");
        return true;
    }
    return false;
}

static const char usage[] =
    "usage: ringscope trace [OPTIONS] FILE.rstrace\n"
    "\n"
    "Convert a recording (ringscope run --trace-format bin, or --trace-file\n"
    "NAME.rstrace) to text (default), JSON Lines or the Perfetto timeline, through\n"
    "the same filters as a run (a recording holds what its run traced; without\n"
    "--trace, every kind it holds).  The output goes to stdout unless --trace-file.\n"
    "\n"
    "options:\n";

int trace_convert_main(int argc, char **argv)
{
    struct trace_config cfg;
    char err[512];
    trace_config_init(&cfg);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            fputs(trace_options_help, stdout);
            return 0;
        }
        int used = trace_parse_option(&cfg, argv[i], i + 1 < argc ? argv[i + 1] : NULL, err, sizeof err);
        if (used < 0) {
            fprintf(stderr, "ringscope trace: %s\n", err);
            return 2;
        }
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (argv[i][0] == '-' || path) {
            fprintf(stderr, "ringscope trace: unexpected argument %s (see ringscope trace --help)\n", argv[i]);
            return 2;
        }
        path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "ringscope trace: no recording given (usage: ringscope trace [OPTIONS] FILE.rstrace)\n");
        return 2;
    }
    /* Without --trace or --trace=KINDS: every kind the recording holds. */
    bool kinds_given = false;
    for (int i = 1; i < argc; i++)
        kinds_given |= strcmp(argv[i], "--trace") == 0 || strncmp(argv[i], "--trace=", 8) == 0;
    if (!kinds_given) {
        cfg.kinds = TRACE_KINDS_ALL;
        cfg.user_scope = false;
    }
    if (!cfg.format_given || cfg.format == TRACE_FORMAT_BIN) {
        if (cfg.format_given) {
            fprintf(stderr, "ringscope trace: the output format is text, jsonl or perfetto\n");
            return 2;
        }
        cfg.format = TRACE_FORMAT_TEXT;
    }
    if (cfg.format == TRACE_FORMAT_PERFETTO) /* the timeline's counters, as a run writes them */
        cfg.kinds |= 1u << TRACE_SAMPLE;
    if (recording_lacks(path, &cfg, err, sizeof err)) {
        fprintf(stderr, "ringscope trace: %s: %s\n", path, err);
        return 2;
    }
    if (cfg.user_scope && cfg.ring < 0)
        cfg.ring = 3;
    FILE *out = stdout;
    if (cfg.file[0] && strcmp(cfg.file, "-") != 0 && !(out = fopen(cfg.file, "w"))) {
        fprintf(stderr, "ringscope trace: --trace-file %s: cannot create it\n", cfg.file);
        return 1;
    }
    struct trace_writer *w = trace_writer_new(cfg.format, out);
    if (!w) {
        fprintf(stderr, "ringscope trace: out of host memory\n");
        return 1;
    }
    int rc = read_filtered(path, &cfg, w, NULL, err, sizeof err);
    int wrc = trace_writer_flush(w);
    trace_writer_free(w);
    if (out != stdout && fclose(out) != 0)
        wrc = -1;
    if (rc) {
        fprintf(stderr, "ringscope trace: %s\n", err);
        return 2;
    }
    if (wrc) {
        fprintf(stderr, "ringscope trace: writing the output failed\n");
        return 1;
    }
    return 0;
}
