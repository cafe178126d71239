/* keys.c — the key table lookups and the key-script parser (syntax in
 * keys.h and machine/README.md).  Errors are returned as one-line messages
 * naming the entry; nothing here exits. */
#include "keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEYS_INFO_ENTRY(id, nm, s1, s2, pfx) [KEY_##id] = {.name = nm, .set1 = s1, .set2 = s2, .e0 = pfx},
static const struct key_info key_table[KEY_COUNT] = {KEYS_TABLE(KEYS_INFO_ENTRY)};
#undef KEYS_INFO_ENTRY

static const struct {
    const char *alias;
    enum key key;
} key_aliases[] = {
    {"shift", KEY_LSHIFT}, {"ctrl", KEY_LCTRL}, {"alt", KEY_LALT}, {"altgr", KEY_RALT},
    {"return", KEY_ENTER}, {"escape", KEY_ESC}, {"del", KEY_DELETE}, {"ins", KEY_INSERT},
    {"pgup", KEY_PAGEUP}, {"pgdn", KEY_PAGEDOWN}, {"bksp", KEY_BACKSPACE},
    {"-", KEY_MINUS}, {"=", KEY_EQUALS}, {"[", KEY_LBRACKET}, {"]", KEY_RBRACKET},
    {";", KEY_SEMICOLON}, {"'", KEY_QUOTE}, {"`", KEY_BACKQUOTE}, {"\\", KEY_BACKSLASH},
    {".", KEY_PERIOD}, {"/", KEY_SLASH},
};

const struct key_info *key_info(enum key key)
{
    if (key <= KEY_NONE || key >= KEY_COUNT)
        return NULL;
    return &key_table[key];
}

static bool name_is(const char *name, size_t len, const char *candidate)
{
    return strlen(candidate) == len && strncasecmp(name, candidate, len) == 0;
}

enum key keys_lookup(const char *name, size_t len)
{
    for (int k = KEY_NONE + 1; k < KEY_COUNT; k++)
        if (name_is(name, len, key_table[k].name))
            return (enum key)k;
    for (size_t i = 0; i < sizeof key_aliases / sizeof key_aliases[0]; i++)
        if (name_is(name, len, key_aliases[i].alias))
            return key_aliases[i].key;
    return KEY_NONE;
}

/* ---- parser ------------------------------------------------------------ */

struct token {
    const char *s;
    size_t len;
};

struct parser {
    struct key_event *events;
    size_t count, capacity;
    unsigned entry;                /* number of the entry being parsed */
    char *err;
    size_t errlen;
    /* the last entry of each clock, for the ordering check */
    bool have_prev[2];
    uint64_t prev_at[2];
    unsigned prev_entry[2];
};

/* Tokens are quoted back at most this long in messages. */
#define QUOTE_MAX 40

static int fail(struct parser *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "entry %u: ", p->entry);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int add_event(struct parser *p, enum key_clock clock, uint64_t at, enum key key, bool down)
{
    if (p->count == p->capacity) {
        size_t cap = p->capacity ? 2 * p->capacity : 16;
        struct key_event *grown = realloc(p->events, cap * sizeof *grown);
        if (!grown)
            return fail(p, "out of memory");
        p->events = grown;
        p->capacity = cap;
    }
    p->events[p->count++] = (struct key_event){
        .clock = clock, .at = at, .key = key, .down = down, .entry = p->entry,
    };
    return 0;
}

/* Decimal digits [s, s+len) -> *value; -1 if empty/non-digit, -2 on overflow. */
static int parse_decimal(const char *s, size_t len, uint64_t *value)
{
    if (len == 0)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return -2;
        v = v * 10 + digit;
    }
    *value = v;
    return 0;
}

static int parse_when(struct parser *p, struct token t, enum key_clock *clock, uint64_t *at)
{
    int qlen = (int)(t.len < QUOTE_MAX ? t.len : QUOTE_MAX);
    if (t.s[0] == '#') {
        int r = parse_decimal(t.s + 1, t.len - 1, at);
        if (r == -2)
            return fail(p, "instruction count '%.*s' is too large", qlen, t.s);
        if (r < 0)
            return fail(p, "bad instruction count '%.*s': expected #<digits>", qlen, t.s);
        *clock = KEY_AT_INSN;
        return 0;
    }
    if (t.s[0] != '@')
        return fail(p, "bad time '%.*s': expected @<number><unit> or #<instructions>", qlen, t.s);
    size_t digits = 1;
    while (digits < t.len && t.s[digits] >= '0' && t.s[digits] <= '9')
        digits++;
    uint64_t n;
    int r = parse_decimal(t.s + 1, digits - 1, &n);
    if (r == -1)
        return fail(p, "bad time '%.*s': expected @<number><unit> or #<instructions>", qlen, t.s);
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    const char *unit = t.s + digits;
    size_t unit_len = t.len - digits;
    if (unit_len == 0)
        return fail(p, "time '%.*s' needs a unit: ns, us, ms or s", qlen, t.s);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!name_is(unit, unit_len, units[i].unit))
            continue;
        if (r == -2 || n > UINT64_MAX / units[i].ns)
            return fail(p, "time '%.*s' is too large", qlen, t.s);
        *clock = KEY_AT_NS;
        *at = n * units[i].ns;
        return 0;
    }
    return fail(p, "bad time unit in '%.*s': use ns, us, ms or s", qlen, t.s);
}

static int parse_entry(struct parser *p, const char *s, size_t len)
{
    struct token tok[4];
    unsigned ntok = 0;
    size_t i = 0;
    while (i < len && ntok < 4) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            i++;
        tok[ntok++] = (struct token){s + start, i - start};
    }
    if (ntok < 3) {
        /* Quote the entry without its surrounding blanks. */
        const char *first = tok[0].s, *end = tok[ntok - 1].s + tok[ntok - 1].len;
        size_t qlen = (size_t)(end - first);
        return fail(p, "expected WHEN KEY ACTION (like '@5ms a press'), got '%.*s'",
                    (int)(qlen < QUOTE_MAX ? qlen : QUOTE_MAX), first);
    }
    if (ntok == 4)
        return fail(p, "unexpected '%.*s' after the action",
                    (int)(tok[3].len < QUOTE_MAX ? tok[3].len : QUOTE_MAX), tok[3].s);

    enum key_clock clock = KEY_AT_NS;
    uint64_t at = 0;
    if (parse_when(p, tok[0], &clock, &at) < 0)
        return -1;
    enum key key = keys_lookup(tok[1].s, tok[1].len);
    if (key == KEY_NONE)
        return fail(p, "unknown key name '%.*s'",
                    (int)(tok[1].len < QUOTE_MAX ? tok[1].len : QUOTE_MAX), tok[1].s);
    int action; /* 0 up, 1 down, 2 press */
    if (name_is(tok[2].s, tok[2].len, "up"))
        action = 0;
    else if (name_is(tok[2].s, tok[2].len, "down"))
        action = 1;
    else if (name_is(tok[2].s, tok[2].len, "press"))
        action = 2;
    else
        return fail(p, "unknown action '%.*s': expected down, up or press",
                    (int)(tok[2].len < QUOTE_MAX ? tok[2].len : QUOTE_MAX), tok[2].s);

    if (p->have_prev[clock] && at < p->prev_at[clock])
        return fail(p, "'%.*s' is earlier than entry %u: %s-entries must be in time order",
                    (int)(tok[0].len < QUOTE_MAX ? tok[0].len : QUOTE_MAX), tok[0].s,
                    p->prev_entry[clock], clock == KEY_AT_NS ? "@" : "#");
    p->have_prev[clock] = true;
    p->prev_at[clock] = at;
    p->prev_entry[clock] = p->entry;

    if (action == 2) {
        uint64_t hold = clock == KEY_AT_NS ? KEYS_PRESS_NS : KEYS_PRESS_INSNS;
        if (at > UINT64_MAX - hold)
            return fail(p, "'%.*s' is too late for a press",
                        (int)(tok[0].len < QUOTE_MAX ? tok[0].len : QUOTE_MAX), tok[0].s);
        if (add_event(p, clock, at, key, true) < 0)
            return -1;
        return add_event(p, clock, at + hold, key, false);
    }
    return add_event(p, clock, at, key, action == 1);
}

/* Stable insertion sort by (clock, at): @-events first, each clock in time
 * order, script order kept for ties.  Scripts are short. */
static void sort_events(struct key_event *ev, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct key_event e = ev[i];
        size_t j = i;
        while (j > 0 && (ev[j - 1].clock > e.clock ||
                         (ev[j - 1].clock == e.clock && ev[j - 1].at > e.at))) {
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = e;
    }
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

int keys_parse(const char *text, struct key_script *out, char *err, size_t errlen)
{
    struct parser p = {.err = err, .errlen = errlen};
    *out = (struct key_script){0};
    const char *s = text;
    for (;;) {
        /* One entry: up to ',' or newline; a comment runs to the newline. */
        size_t len = 0;
        while (s[len] && s[len] != ',' && s[len] != '\n' && !(s[len] == '/' && s[len + 1] == '/'))
            len++;
        const char *next = s + len;
        if (next[0] == '/')
            while (*next && *next != '\n')
                next++;
        if (!is_blank(s, len)) {
            p.entry++;
            if (parse_entry(&p, s, len) < 0) {
                free(p.events);
                return -1;
            }
        }
        if (!*next)
            break;
        s = next + 1;
    }
    sort_events(p.events, p.count);
    size_t count_ns = 0;
    while (count_ns < p.count && p.events[count_ns].clock == KEY_AT_NS)
        count_ns++;
    *out = (struct key_script){.events = p.events, .count = p.count, .count_ns = count_ns};
    return 0;
}

/* Scripts larger than this are surely not key scripts. */
#define KEYS_FILE_MAX (4u << 20)

int keys_parse_file(const char *path, struct key_script *out, char *err, size_t errlen)
{
    *out = (struct key_script){0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(KEYS_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, KEYS_FILE_MAX + 1, f) : 0;
    bool read_error = ferror(f);
    fclose(f);
    if (!text || read_error || n > KEYS_FILE_MAX || memchr(text, 0, n)) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 !text ? "out of memory" : read_error ? "read error"
                 : n > KEYS_FILE_MAX ? "file too large for a key script" : "not a text file");
        free(text);
        return -1;
    }
    text[n] = 0;
    char msg[256];
    int r = keys_parse(text, out, msg, sizeof msg);
    free(text);
    if (r < 0)
        snprintf(err, errlen, "%s: %s", path, msg);
    return r;
}

void keys_free(struct key_script *script)
{
    free(script->events);
    *script = (struct key_script){0};
}

void keys_cursor_init(struct key_cursor *c, const struct key_script *script)
{
    *c = (struct key_cursor){.script = script, .next_ns = 0, .next_insn = script->count_ns};
}

const struct key_event *keys_next_due(struct key_cursor *c, uint64_t icount, uint64_t now_ns)
{
    const struct key_script *s = c->script;
    const struct key_event *by_time = NULL, *by_insn = NULL;
    if (c->next_ns < s->count_ns && s->events[c->next_ns].at <= now_ns)
        by_time = &s->events[c->next_ns];
    if (c->next_insn < s->count && s->events[c->next_insn].at <= icount)
        by_insn = &s->events[c->next_insn];
    if (by_time && (!by_insn || by_time->entry <= by_insn->entry)) {
        c->next_ns++;
        return by_time;
    }
    if (by_insn) {
        c->next_insn++;
        return by_insn;
    }
    return NULL;
}

uint64_t keys_next_deadline(const struct key_cursor *c)
{
    if (c->next_ns < c->script->count_ns)
        return c->script->events[c->next_ns].at;
    return UINT64_MAX;
}
