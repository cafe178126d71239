/* options.c — the --trace… command-line options (tracer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tracer.h"

const char trace_options_help[] =
    "  --trace                  trace the program: its ring-3 instructions, system calls\n"
    "                           (decoded as strace does), faults and OS events (= user)\n"
    "  --trace=KINDS            comma list of user (the above), all, or insn,mem,reg,tlb,\n"
    "                           walk,ad,exception,interrupt,iret,syscall,sysret,port,os,log,\n"
    "                           sample\n"
    "  --trace-file PATH        write the trace to PATH (default stderr, - = stdout)\n"
    "  --trace-format FMT       text (default), jsonl, bin (a compact recording; also\n"
    "                           for a --trace-file ending in .rstrace: read it with\n"
    "                           ringscope trace FILE) or perfetto (a timeline for\n"
    "                           ui.perfetto.dev and chrome://tracing)\n"
    "  --trace-ring 0|3         only instructions running in that ring\n"
    "  --trace-range LO-HI      only instructions with LO <= rip < HI (hex 0x… or decimal)\n"
    "  --trace-from SYMBOL      start tracing when SYMBOL first executes\n"
    "  --trace-until SYMBOL     stop tracing when SYMBOL is reached\n"
    "  --trace-pid N            only while process N runs (from OS context-switch events)\n";

void trace_config_init(struct trace_config *c)
{
    memset(c, 0, sizeof *c);
    c->format = TRACE_FORMAT_TEXT;
    c->ring = -1;
    c->pid = -1;
}

static int parse_kinds(const char *list, uint32_t *kinds, bool *user, char *err, size_t errlen)
{
    uint32_t k = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 3 && memcmp(p, "all", 3) == 0) {
            k |= TRACE_KINDS_ALL;
        } else if (n == 4 && memcmp(p, "user", 4) == 0) {
            k |= TRACE_KINDS_USER;
            *user = true;
        } else {
            int kind = trace_kind_from_name(p, n);
            if (kind < 0) {
                snprintf(err, errlen,
                         "unknown trace kind '%.*s' (known: user all insn mem reg tlb walk ad "
                         "exception interrupt iret syscall sysret port os log sample)",
                         (int)(n > 40 ? 40 : n), p);
                return -1;
            }
            k |= 1u << kind;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!k) {
        snprintf(err, errlen, "empty trace kind list");
        return -1;
    }
    *kinds = k;
    return 0;
}

int trace_parse_kinds(const char *list, uint32_t *kinds, char *err, size_t errlen)
{
    bool user = false;
    return parse_kinds(list, kinds, &user, err, errlen);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *v = x;
    return 0;
}

static int copy_name(char *dst, size_t cap, const char *value, const char *opt, char *err,
                     size_t errlen)
{
    if (!value[0] || strlen(value) >= cap) {
        snprintf(err, errlen, "%s: needs a name of 1..%zu characters", opt, cap - 1);
        return -1;
    }
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

int trace_parse_option(struct trace_config *c, const char *opt, const char *arg, char *err,
                       size_t errlen)
{
    static const char *const names[] = {"--trace",      "--trace-file", "--trace-format",
                                        "--trace-ring", "--trace-range", "--trace-from",
                                        "--trace-until", "--trace-pid"};
    const char *eq = strchr(opt, '=');
    size_t nlen = eq ? (size_t)(eq - opt) : strlen(opt);
    int which = -1;
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strlen(names[i]) == nlen && memcmp(opt, names[i], nlen) == 0)
            which = i;
    if (which < 0)
        return 0;

    if (which == 0) { /* --trace or --trace=KINDS */
        if (!eq) {
            c->kinds = TRACE_KINDS_USER;
            c->user_scope = true;
            return 1;
        }
        c->user_scope = false;
        return parse_kinds(eq + 1, &c->kinds, &c->user_scope, err, errlen) ? -1 : 1;
    }
    const char *value = eq ? eq + 1 : arg;
    int used = eq ? 1 : 2;
    if (!value) {
        snprintf(err, errlen, "%s needs a value", names[which]);
        return -1;
    }
    /* Any --trace-… option turns tracing on (the user scope) unless
     * --trace chose kinds. */
    uint32_t kinds_before = c->kinds;
    switch (which) {
    case 1:
        if (!value[0] || strlen(value) >= sizeof c->file) {
            snprintf(err, errlen, "--trace-file: bad path");
            return -1;
        }
        memcpy(c->file, value, strlen(value) + 1);
        if (!c->format_given && strlen(value) > 8 &&
            strcmp(value + strlen(value) - 8, ".rstrace") == 0)
            c->format = TRACE_FORMAT_BIN; /* a recording, by its name */
        break;
    case 2:
        if (strcmp(value, "text") == 0)
            c->format = TRACE_FORMAT_TEXT;
        else if (strcmp(value, "jsonl") == 0)
            c->format = TRACE_FORMAT_JSONL;
        else if (strcmp(value, "bin") == 0)
            c->format = TRACE_FORMAT_BIN;
        else if (strcmp(value, "perfetto") == 0)
            c->format = TRACE_FORMAT_PERFETTO;
        else {
            snprintf(err, errlen, "--trace-format: '%.40s' is not text, jsonl, bin or perfetto", value);
            return -1;
        }
        c->format_given = true;
        break;
    case 3:
        if (strcmp(value, "0") && strcmp(value, "3")) {
            snprintf(err, errlen, "--trace-ring: '%.40s' is not 0 or 3", value);
            return -1;
        }
        c->ring = value[0] - '0';
        break;
    case 4: {
        char lo[64], *dash;
        if (strlen(value) >= sizeof lo || !(dash = strchr(strcpy(lo, value), '-'))) {
            snprintf(err, errlen, "--trace-range: expected LO-HI, got '%.40s'", value);
            return -1;
        }
        *dash = 0;
        if (parse_u64(lo, &c->range_lo) || parse_u64(dash + 1, &c->range_hi) ||
            c->range_hi <= c->range_lo) {
            snprintf(err, errlen, "--trace-range: expected LO-HI with LO < HI, got '%.40s'",
                     value);
            return -1;
        }
        c->has_range = true;
        break;
    }
    case 5:
        if (copy_name(c->from_sym, sizeof c->from_sym, value, "--trace-from", err, errlen))
            return -1;
        break;
    case 6:
        if (copy_name(c->until_sym, sizeof c->until_sym, value, "--trace-until", err, errlen))
            return -1;
        break;
    default: {
        uint64_t pid;
        if (parse_u64(value, &pid) || pid > INT64_MAX) {
            snprintf(err, errlen, "--trace-pid: '%.40s' is not a process id", value);
            return -1;
        }
        c->pid = (int64_t)pid;
    }
    }
    if (!kinds_before) {
        c->kinds = TRACE_KINDS_USER;
        c->user_scope = true;
    }
    return used;
}
