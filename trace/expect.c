/* expect.c — parsing expectation scripts and checking them against a
 * recorded trace (expect.h). */
#include "expect.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void expect_free(struct expect_script *s)
{
    free(s->steps);
    s->steps = NULL;
    s->nsteps = 0;
}

/* Split run_text into argv (blanks separate, "double quotes" group). */
static int split_run(struct expect_script *s, char *err, size_t errlen)
{
    const char *p = s->run_text;
    char *out = s->argbuf;
    s->argc = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (s->argc == EXPECT_MAX_ARGS) {
            snprintf(err, errlen, "%s:%u: too many run: arguments (at most %d)", s->name,
                     s->run_line, EXPECT_MAX_ARGS);
            return -1;
        }
        s->argv[s->argc++] = out;
        bool quoted = false;
        while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
            if (*p == '"')
                quoted = !quoted;
            else
                *out++ = *p;
            p++;
        }
        *out++ = 0;
        if (quoted) {
            snprintf(err, errlen, "%s:%u: unterminated quote in run: line", s->name, s->run_line);
            return -1;
        }
    }
    s->argv[s->argc] = NULL;
    return 0;
}

/* Is `var` captured by a step before step index `before`? */
static bool captured_before(const struct expect_script *s, size_t before, const char *var)
{
    for (size_t i = 0; i < before; i++) {
        const struct trace_pattern *p = &s->steps[i].pattern;
        if (s->steps[i].op != EXPECT_MATCH)
            continue;
        for (unsigned k = 0; k < p->ncaptures; k++)
            if (strcmp(p->capture[k].var, var) == 0)
                return true;
    }
    return false;
}

static int parse_line(struct expect_script *s, unsigned lineno, const char *line, char *err,
                      size_t errlen)
{
    char msg[256];
    const char *p = line;
    if (strncmp(p, "run:", 4) == 0) {
        if (s->run_line) {
            snprintf(err, errlen, "%s:%u: a second run: line (the first is line %u)", s->name,
                     lineno, s->run_line);
            return -1;
        }
        if (s->nsteps) {
            snprintf(err, errlen, "%s:%u: run: must come before the first expect/never",
                     s->name, lineno);
            return -1;
        }
        if (strlen(p + 4) >= sizeof s->run_text) {
            snprintf(err, errlen, "%s:%u: run: line too long", s->name, lineno);
            return -1;
        }
        s->run_line = lineno;
        strcpy(s->run_text, p + 4);
        return split_run(s, err, errlen);
    }
    struct expect_step st;
    memset(&st, 0, sizeof st);
    st.line = lineno;
    size_t tlen = strlen(line) < sizeof st.text ? strlen(line) : sizeof st.text - 1;
    memcpy(st.text, line, tlen); /* a long line is shown cut in reports */
    st.text[tlen] = 0;
    if (strncmp(p, "expect", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
        st.op = EXPECT_MATCH;
        p += 6;
        while (*p == ' ' || *p == '\t')
            p++;
        st.count = 1;
        if (*p >= '0' && *p <= '9') {
            char *end;
            errno = 0;
            unsigned long n = strtoul(p, &end, 10);
            if (errno || (*end != ' ' && *end != '\t') || n == 0 || n > 1000000) {
                snprintf(err, errlen, "%s:%u: bad count in '%s' (expected 1..1000000)",
                         s->name, lineno, line);
                return -1;
            }
            st.count = (unsigned)n;
            p = end;
        }
    } else if (strncmp(p, "never", 5) == 0 && (p[5] == ' ' || p[5] == '\t')) {
        st.op = EXPECT_NEVER;
        p += 5;
    } else {
        snprintf(err, errlen, "%s:%u: expected 'run:', 'expect' or 'never', got '%.60s'",
                 s->name, lineno, line);
        return -1;
    }
    if (trace_pattern_parse(&st.pattern, p, msg, sizeof msg)) {
        snprintf(err, errlen, "%s:%u: %s", s->name, lineno, msg);
        return -1;
    }
    if (st.op == EXPECT_NEVER && st.pattern.ncaptures) {
        snprintf(err, errlen, "%s:%u: a never line cannot capture (it matches nothing)",
                 s->name, lineno);
        return -1;
    }
    for (unsigned i = 0; i < st.pattern.npreds; i++) {
        const struct trace_pred *pr = &st.pattern.pred[i];
        if (pr->form == PRED_CAPTURED && !captured_before(s, s->nsteps, pr->text)) {
            snprintf(err, errlen, "%s:%u: $%s is used before any earlier line captures it",
                     s->name, lineno, pr->text);
            return -1;
        }
    }
    struct expect_step *grown = realloc(s->steps, (s->nsteps + 1) * sizeof *s->steps);
    if (!grown) {
        snprintf(err, errlen, "%s:%u: out of host memory", s->name, lineno);
        return -1;
    }
    s->steps = grown;
    s->steps[s->nsteps++] = st;
    return 0;
}

int expect_parse(struct expect_script *s, const char *text, const char *name, char *err,
                 size_t errlen)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    unsigned lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        size_t n = strcspn(p, "\n");
        char line[1200];
        if (n >= sizeof line) {
            snprintf(err, errlen, "%s:%u: line too long", s->name, lineno);
            expect_free(s);
            return -1;
        }
        memcpy(line, p, n);
        line[n] = 0;
        p += n + (p[n] == '\n');
        /* Trim; skip blanks and comments. */
        char *b = line;
        while (*b == ' ' || *b == '\t')
            b++;
        size_t len = strlen(b);
        while (len && (b[len - 1] == ' ' || b[len - 1] == '\t' || b[len - 1] == '\r'))
            b[--len] = 0;
        if (!*b || *b == '#')
            continue;
        if (parse_line(s, lineno, b, err, errlen)) {
            expect_free(s);
            return -1;
        }
    }
    return 0;
}

int expect_load(struct expect_script *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *g = realloc(text, cap);
            if (!g) {
                free(text);
                fclose(f);
                snprintf(err, errlen, "%s: out of host memory", path);
                return -1;
            }
            text = g;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!text) {
        text = malloc(1);
        if (!text) {
            snprintf(err, errlen, "%s: out of host memory", path);
            return -1;
        }
    }
    text[len] = 0;
    if (strlen(text) != len) {
        free(text);
        snprintf(err, errlen, "%s: not a text file (contains NUL bytes)", path);
        return -1;
    }
    int rc = expect_parse(s, text, path, err, errlen);
    free(text);
    return rc;
}

/* ---- checking ---- */

struct report {
    char *buf;
    size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct report *r, const char *fmt, ...)
{
    if (r->len + 1 >= r->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len = r->len + (size_t)n < r->cap ? r->len + (size_t)n : r->cap - 1;
}

static void say_event(struct report *r, const struct trace_recording *rec, size_t i,
                      const char *mark)
{
    struct trace_event e;
    char line[300];
    trace_recording_get(rec, i, &e);
    trace_event_summary(&e, line, sizeof line);
    say(r, "  %s #%zu %s\n", mark, i, line);
}

/* The events around index `at` (where a pattern was looked for), and the
 * events of the same kind that came closest to matching. */
static void say_context(struct report *r, const struct trace_recording *rec, size_t at,
                        size_t end, const struct trace_pattern *p,
                        const struct trace_captures *caps)
{
    if (rec->count == 0) {
        say(r, "  the trace is empty\n");
        return;
    }
    size_t best[3] = {0};
    int best_score[3] = {-1, -1, -1};
    for (size_t i = at; i < end; i++) {
        struct trace_event e;
        trace_recording_get(rec, i, &e);
        int sc = trace_pattern_score(p, &e, caps);
        for (int k = 0; k < 3; k++) {
            if (sc > best_score[k]) {
                for (int m = 2; m > k; m--) {
                    best_score[m] = best_score[m - 1];
                    best[m] = best[m - 1];
                }
                best_score[k] = sc;
                best[k] = i;
                break;
            }
        }
    }
    if (best_score[0] >= 0) {
        say(r, "  nearest candidates (same kind, most predicates satisfied, of %u):\n",
            p->npreds);
        for (int k = 0; k < 3 && best_score[k] >= 0; k++) {
            char mark[16];
            snprintf(mark, sizeof mark, "%d/%u", best_score[k], p->npreds);
            say_event(r, rec, best[k], mark);
        }
    } else {
        say(r, "  no event of that kind at or after #%zu\n", at);
    }
    size_t from = at > 3 ? at - 3 : 0;
    size_t to = at + 4 < rec->count ? at + 4 : rec->count;
    if (at >= rec->count && rec->count)
        from = rec->count > 6 ? rec->count - 6 : 0;
    say(r, "  events around #%zu (where the search started):\n", at);
    for (size_t i = from; i < to; i++)
        say_event(r, rec, i, i == at ? ">" : " ");
    if (at >= rec->count)
        say(r, "  > (end of trace, %zu events)\n", rec->count);
}

/* The first event in [from, to) matching step's pattern, or to. */
static size_t find(const struct trace_recording *rec, size_t from, size_t to,
                   const struct trace_pattern *p, const struct trace_captures *caps)
{
    struct trace_event e;
    for (size_t i = from; i < to; i++) {
        if (p->kind >= 0 && rec->events[i].kind != p->kind)
            continue;
        trace_recording_get(rec, i, &e);
        if (trace_pattern_match(p, &e, caps))
            return i;
    }
    return to;
}

/* Check the never-steps in [first, last) of the script over events
 * [from, to).  False (with a report) if one matched. */
static bool nevers_hold(const struct expect_script *s, size_t first, size_t last,
                        const struct trace_recording *rec, size_t from, size_t to,
                        const struct trace_captures *caps, struct report *r)
{
    for (size_t k = first; k < last; k++) {
        const struct expect_step *st = &s->steps[k];
        if (st->op != EXPECT_NEVER)
            continue;
        size_t hit = find(rec, from, to, &st->pattern, caps);
        if (hit < to) {
            say(r, "%s:%u: %s\n  failed: event #%zu matches, between #%zu and #%zu:\n", s->name,
                st->line, st->text, hit, from, to);
            say_event(r, rec, hit, "!");
            size_t lo = hit > 2 ? hit - 2 : 0, hi = hit + 3 < rec->count ? hit + 3 : rec->count;
            say(r, "  events around it:\n");
            for (size_t i = lo; i < hi; i++)
                say_event(r, rec, i, i == hit ? ">" : " ");
            return false;
        }
    }
    return true;
}

bool expect_check(const struct expect_script *s, const struct trace_recording *rec,
                  char *report, size_t cap)
{
    struct report r = {report, cap, 0};
    if (cap)
        report[0] = 0;
    struct trace_captures caps = {0};
    size_t cursor = 0;       /* the next event to look at */
    size_t never_from = 0;   /* nevers apply from here */
    size_t first_never = 0;  /* index of the first step of the open never-group */
    for (size_t k = 0; k < s->nsteps; k++) {
        const struct expect_step *st = &s->steps[k];
        if (st->op == EXPECT_NEVER)
            continue;
        for (unsigned n = 0; n < st->count; n++) {
            size_t at = find(rec, cursor, rec->count, &st->pattern, &caps);
            if (at == rec->count) {
                if (!nevers_hold(s, first_never, k, rec, never_from, rec->count, &caps, &r))
                    return false;
                say(&r, "%s:%u: %s\n  failed: ", s->name, st->line, st->text);
                if (st->count > 1)
                    say(&r, "found %u of %u matching events; ", n, st->count);
                say(&r, "no matching event at or after #%zu (of %zu events)\n", cursor,
                    rec->count);
                say_context(&r, rec, cursor, rec->count, &st->pattern, &caps);
                return false;
            }
            if (n == 0 && !nevers_hold(s, first_never, k, rec, never_from, at, &caps, &r))
                return false;
            struct trace_event e;
            trace_recording_get(rec, at, &e);
            if (trace_pattern_capture(&st->pattern, &e, &caps)) {
                say(&r, "%s:%u: %s\n  failed: too many captured names (at most %d)\n", s->name,
                    st->line, st->text, CAPTURES_MAX);
                return false;
            }
            cursor = at + 1;
        }
        never_from = cursor;
        first_never = k + 1;
    }
    return nevers_hold(s, first_never, s->nsteps, rec, never_from, rec->count, &caps, &r);
}
