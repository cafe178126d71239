/* pattern.c — parsing and matching event patterns (pattern.h). */
#include "pattern.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number as the trace prints it: decimal, -decimal or 0x-hex. */
static bool parse_number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (s[0] == '-') {
        long long x = strtoll(s, &end, 0);
        if (errno || end == s || *end)
            return false;
        *v = (uint64_t)x;
        return true;
    }
    if (!(s[0] >= '0' && s[0] <= '9'))
        return false;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return false;
    *v = x;
    return true;
}

static bool valid_name(const char *s, size_t n)
{
    if (!n || n >= PATTERN_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Next whitespace-separated token; a "double-quoted" part may contain
 * spaces (\" and \\ escape).  The token is unquoted into tok.  Returns
 * the position after it, or NULL at the end; *bad set on an unterminated
 * quote or an overlong token. */
static const char *next_token(const char *p, char *tok, size_t cap, bool *bad)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    size_t n = 0;
    bool quoted = false;
    while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
        char c = *p++;
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted && c == '\\' && (*p == '"' || *p == '\\'))
            c = *p++;
        if (n + 1 >= cap) {
            *bad = true;
            return p;
        }
        tok[n++] = c;
    }
    tok[n] = 0;
    if (quoted)
        *bad = true;
    return p;
}

static int parse_value(struct trace_pred *pr, const char *v, char *err, size_t errlen)
{
    const char *slash = strchr(v, '/'), *dots = strstr(v, ".."), *arrow = strstr(v, "->");
    char left[PATTERN_TEXT];
    if (v[0] == '$') {
        if (!valid_name(v + 1, strlen(v + 1))) {
            snprintf(err, errlen, "bad capture name '%s'", v);
            return -1;
        }
        pr->form = PRED_CAPTURED;
        strcpy(pr->text, v + 1);
        return 0;
    }
    const char *sep = slash ? slash : dots ? dots : arrow;
    if (sep && (size_t)(sep - v) < sizeof left) {
        memcpy(left, v, (size_t)(sep - v));
        left[sep - v] = 0;
        const char *right = sep + (slash ? 1 : 2);
        if (parse_number(left, &pr->a) && parse_number(right, &pr->b)) {
            pr->form = slash ? PRED_MASK : dots ? PRED_RANGE : PRED_PAIR;
            if (pr->form == PRED_RANGE && pr->a > pr->b) {
                snprintf(err, errlen, "empty range '%s' (low > high)", v);
                return -1;
            }
            return 0;
        }
    }
    if (parse_number(v, &pr->a)) {
        pr->form = PRED_NUMBER;
        return 0;
    }
    pr->form = PRED_TEXT;
    strcpy(pr->text, v);
    return 0;
}

int trace_pattern_parse(struct trace_pattern *p, const char *text, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    char tok[PATTERN_TEXT + PATTERN_NAME + 4];
    bool bad = false;
    const char *s = next_token(text, tok, sizeof tok, &bad);
    if (!s || bad) {
        snprintf(err, errlen, "expected an event kind");
        return -1;
    }
    if (strcmp(tok, "*") == 0) {
        p->kind = -1;
    } else if ((p->kind = trace_kind_from_name(tok, strlen(tok))) < 0) {
        snprintf(err, errlen,
                 "unknown event kind '%s' (insn mem reg tlb walk ad exception interrupt iret "
                 "syscall sysret port os log sample, or *)",
                 tok);
        return -1;
    }
    while ((s = next_token(s, tok, sizeof tok, &bad))) {
        if (bad) {
            snprintf(err, errlen, "unterminated quote or token too long near '%.40s'", tok);
            return -1;
        }
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok) {
            snprintf(err, errlen, "expected key=value, got '%s'", tok);
            return -1;
        }
        bool negate = eq[-1] == '!';
        size_t klen = (size_t)(eq - tok) - negate;
        const char *value = eq + 1;
        if (tok[0] == '$') { /* $var=field: a capture */
            if (negate || !valid_name(tok + 1, klen - 1) || !valid_name(value, strlen(value))) {
                snprintf(err, errlen, "bad capture '%s' (expected $name=field)", tok);
                return -1;
            }
            if (p->ncaptures == PATTERN_MAX_CAPTURES) {
                snprintf(err, errlen, "too many captures (at most %d)", PATTERN_MAX_CAPTURES);
                return -1;
            }
            memcpy(p->capture[p->ncaptures].var, tok + 1, klen - 1);
            strcpy(p->capture[p->ncaptures].key, value);
            p->ncaptures++;
            continue;
        }
        if (!valid_name(tok, klen)) {
            snprintf(err, errlen, "bad field name in '%s'", tok);
            return -1;
        }
        if (!*value) {
            snprintf(err, errlen, "missing value in '%s'", tok);
            return -1;
        }
        if (p->npreds == PATTERN_MAX_PREDS) {
            snprintf(err, errlen, "too many predicates (at most %d)", PATTERN_MAX_PREDS);
            return -1;
        }
        struct trace_pred *pr = &p->pred[p->npreds];
        memcpy(pr->key, tok, klen);
        pr->key[klen] = 0;
        pr->negate = negate;
        if (strlen(value) >= PATTERN_TEXT) {
            snprintf(err, errlen, "value too long in '%.40s…'", tok);
            return -1;
        }
        if (parse_value(pr, value, err, errlen))
            return -1;
        p->npreds++;
    }
    return 0;
}

static const char *captured(const struct trace_captures *caps, const char *var)
{
    if (!caps)
        return NULL;
    for (unsigned i = 0; i < caps->n; i++)
        if (strcmp(caps->v[i].var, var) == 0)
            return caps->v[i].value;
    return NULL;
}

/* Text match where only * (any run) and ? (any one character) are special,
 * so disassembly like "mov qword ptr [rdi], rax" needs no escaping. */
static bool glob_match(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p == '?' || *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}

static bool numeric_field(const struct trace_field *f)
{
    return f->type == TF_DEC || f->type == TF_SDEC || f->type == TF_HEX;
}

static bool pred_holds(const struct trace_pred *pr, const struct trace_event *e,
                       const struct trace_captures *caps)
{
    uint64_t pseudo;
    struct trace_field synthetic;
    const struct trace_field *f = trace_field(e, pr->key);
    if (!f && strcmp(pr->key, "step") == 0) { /* step is on every event */
        pseudo = e->step;
        synthetic = (struct trace_field){.key = "step", .type = TF_DEC, .v = pseudo};
        f = &synthetic;
    }
    if (!f)
        return false;
    char text[PATTERN_TEXT];
    bool r;
    switch (pr->form) {
    case PRED_NUMBER: r = numeric_field(f) && f->v == pr->a; break;
    case PRED_MASK: r = numeric_field(f) && ((f->v ^ pr->a) & pr->b) == 0; break;
    case PRED_RANGE: r = numeric_field(f) && f->v >= pr->a && f->v <= pr->b; break;
    case PRED_PAIR: r = f->type == TF_PAIR && f->v == pr->a && f->v2 == pr->b; break;
    case PRED_CAPTURED: {
        const char *want = captured(caps, pr->text);
        if (!want)
            return false;
        uint64_t n;
        trace_field_text(f, text, sizeof text);
        r = numeric_field(f) && parse_number(want, &n) ? f->v == n : strcmp(text, want) == 0;
        break;
    }
    default:
        trace_field_text(f, text, sizeof text);
        r = glob_match(pr->text, text);
    }
    return r != pr->negate;
}

int trace_pattern_score(const struct trace_pattern *p, const struct trace_event *e,
                        const struct trace_captures *caps)
{
    if (p->kind >= 0 && e->kind != p->kind)
        return -1;
    int n = 0;
    for (unsigned i = 0; i < p->npreds; i++)
        n += pred_holds(&p->pred[i], e, caps);
    return n;
}

bool trace_pattern_match(const struct trace_pattern *p, const struct trace_event *e,
                         const struct trace_captures *caps)
{
    if (p->kind >= 0 && e->kind != p->kind)
        return false;
    for (unsigned i = 0; i < p->npreds; i++)
        if (!pred_holds(&p->pred[i], e, caps))
            return false;
    for (unsigned i = 0; i < p->ncaptures; i++) /* a capture needs its field */
        if (!trace_field(e, p->capture[i].key) && strcmp(p->capture[i].key, "step") != 0)
            return false;
    return true;
}

int trace_pattern_capture(const struct trace_pattern *p, const struct trace_event *e,
                          struct trace_captures *caps)
{
    for (unsigned i = 0; i < p->ncaptures; i++) {
        unsigned slot = 0; /* rebinding a name replaces its value */
        while (slot < caps->n && strcmp(caps->v[slot].var, p->capture[i].var) != 0)
            slot++;
        if (slot == CAPTURES_MAX)
            return -1;
        const struct trace_field *f = trace_field(e, p->capture[i].key);
        char *dst = caps->v[slot].value;
        if (f)
            trace_field_text(f, dst, PATTERN_TEXT);
        else if (strcmp(p->capture[i].key, "step") == 0)
            snprintf(dst, PATTERN_TEXT, "%llu", (unsigned long long)e->step);
        else
            return -1;
        strcpy(caps->v[slot].var, p->capture[i].var);
        if (slot == caps->n)
            caps->n++;
    }
    return 0;
}
