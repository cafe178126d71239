/* command.c — the debugger's command language (command.h). */
#include "command.h"
#include "kstate.h"
#include "../trace/syscalls.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/symbols.h"
#include "condition.h"

/* ---- the commands ------------------------------------------------------ */

/* What each command takes. */
enum operands {
    TAKES_NOTHING,
    TAKES_OPT_WHERE_COND,   /* break [ADDR|SYM] [if COND] */
    TAKES_OPT_NUMBER,       /* delete [N], step [N] */
    TAKES_NUMBER,           /* enable N, disable N */
    TAKES_WHERE_OPT_NUMBER, /* watch/x ADDR|SYM [LEN], walk ADDR|SYM [PID] */
    TAKES_WHERE,            /* goto ADDR|SYM */
    TAKES_UNTIL,            /* until syscall|fault|interrupt|ring */
    TAKES_INFO,             /* info break */
    TAKES_TOPIC,            /* help [COMMAND] */
};

static const struct command {
    const char *name, *alias, *alias2;
    enum operands takes;
    const char *usage, *what;
} commands[DC_COUNT] = {
    [DC_BREAK] = {"break", "b", NULL, TAKES_OPT_WHERE_COND, "break [ADDR|SYM] [if COND]",
                  "breakpoint there (default: the cursor line or RIP); COND like rax == 0 && pid == 2"},
    [DC_DELETE] = {"delete", "d", NULL, TAKES_OPT_NUMBER, "delete [N]",
                   "delete breakpoint or watchpoint N (all without N)"},
    [DC_ENABLE] = {"enable", NULL, NULL, TAKES_NUMBER, "enable N", "enable breakpoint or watchpoint N"},
    [DC_DISABLE] = {"disable", NULL, NULL, TAKES_NUMBER, "disable N", "disable it (kept in the list)"},
    [DC_WATCH] = {"watch", NULL, NULL, TAKES_WHERE_OPT_NUMBER, "watch ADDR|SYM [LEN] [if COND]",
                  "stop when LEN bytes there (default 8) are written"},
    [DC_RWATCH] = {"rwatch", NULL, NULL, TAKES_WHERE_OPT_NUMBER, "rwatch ADDR|SYM [LEN] [if COND]", "stop when they are read"},
    [DC_AWATCH] = {"awatch", NULL, NULL, TAKES_WHERE_OPT_NUMBER, "awatch ADDR|SYM [LEN] [if COND]",
                   "stop when they are read or written"},
    [DC_X] = {"x", NULL, NULL, TAKES_WHERE_OPT_NUMBER, "x ADDR|SYM [LEN]", "show LEN bytes of memory there (default 16)"},
    [DC_WALK] = {"walk", NULL, NULL, TAKES_WHERE_OPT_NUMBER, "walk ADDR|SYM [PID]",
                 "walk the page tables for that address (of process PID), without side effects"},
    [DC_PS] = {"ps", NULL, NULL, TAKES_NOTHING, "ps", "the kernel's processes and their threads, with their states"},
    [DC_GOTO] = {"goto", "g", NULL, TAKES_WHERE, "goto ADDR|SYM", "show that address in the disassembly"},
    [DC_STEP] = {"step", "s", "si", TAKES_OPT_NUMBER, "step [N]", "execute N instructions (default 1)"},
    [DC_NEXT] = {"next", "n", "ni", TAKES_NOTHING, "next", "step over: a call runs until it returns"},
    [DC_FINISH] = {"finish", "fin", NULL, TAKES_NOTHING, "finish", "run until the current function returns"},
    [DC_CONTINUE] = {"continue", "c", NULL, TAKES_NOTHING, "continue", "run until a breakpoint, a watchpoint or the exit"},
    [DC_UNTIL] = {"until", NULL, NULL, TAKES_UNTIL, "until syscall|fault|interrupt|ring",
                  "run until the next syscall, page fault, device interrupt or ring change"},
    [DC_REVERSE_STEP] = {"reverse-step", "rs", NULL, TAKES_NOTHING, "reverse-step", "step back one instruction"},
    [DC_REVERSE_CONTINUE] = {"reverse-continue", "rc", NULL, TAKES_NOTHING, "reverse-continue",
                             "run backwards to the previous breakpoint, watchpoint, page fault or syscall"},
    [DC_INFO_BREAK] = {"info", "i", NULL, TAKES_INFO, "info break",
                       "list the breakpoints and watchpoints (enabled, hits, condition)"},
    [DC_HELP] = {"help", "h", "?", TAKES_TOPIC, "help [COMMAND]", "the commands, or one command's usage"},
    [DC_QUIT] = {"quit", "q", NULL, TAKES_NOTHING, "quit", "leave the debugger"},
};

static const struct { const char *name; enum dbg_command cmd; } until_names[] = {
    {"syscall", DBG_UNTIL_SYSCALL}, {"fault", DBG_UNTIL_PAGE_FAULT}, {"page-fault", DBG_UNTIL_PAGE_FAULT},
    {"interrupt", DBG_UNTIL_INTERRUPT}, {"ring", DBG_UNTIL_RING},
};

static enum dbgcmd_kind command_named(const char *word)
{
    for (int k = 1; k < DC_COUNT; k++) {
        const struct command *c = &commands[k];
        if (strcmp(word, c->name) == 0 || (c->alias && strcmp(word, c->alias) == 0) ||
            (c->alias2 && strcmp(word, c->alias2) == 0))
            return (enum dbgcmd_kind)k;
    }
    return DC_NONE;
}

size_t dbgcmd_help_count(void) { return DC_COUNT - 1; }

const char *dbgcmd_help_line(size_t i)
{
    static char buf[DBGCMD_MESSAGE];
    if (i + 1 >= DC_COUNT)
        return "";
    const struct command *c = &commands[i + 1];
    snprintf(buf, sizeof buf, "%-36s %s", c->usage, c->what);
    return buf;
}

/* ---- parsing ----------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Split line into at most max whitespace-separated words (copies in buf). */
#define MAX_WORDS 32
struct words {
    char buf[DBGCMD_LINE + 1];
    char *w[MAX_WORDS + 1];
    int n;
};

static int split(const char *line, struct words *ws, char *err, size_t errlen)
{
    size_t len = strlen(line);
    if (len > DBGCMD_LINE)
        return fail(err, errlen, "command too long (%zu characters, at most %d)", len, DBGCMD_LINE);
    memcpy(ws->buf, line, len + 1);
    ws->n = 0;
    for (char *p = ws->buf; *p;) {
        while (*p && isspace((unsigned char)*p))
            *p++ = 0;
        if (!*p || *p == '#')
            break;
        if (ws->n == MAX_WORDS)
            return fail(err, errlen, "too many words");
        ws->w[ws->n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
    for (int i = 0; i < ws->n; i++) {
        for (char *p = ws->w[i]; *p; p++)
            if (!isprint((unsigned char)*p))
                return fail(err, errlen, "unexpected character 0x%02x", (unsigned char)*p);
        if (strlen(ws->w[i]) >= DBGCMD_TEXT)
            return fail(err, errlen, "'%.20s...' is too long", ws->w[i]);
    }
    return 0;
}

/* A decimal or 0x-hex number. */
static bool number(const char *s, uint64_t *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

static const char *const gpr_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

/* The words arg[i..n) after "if", joined by blanks, checked as a condition. */
static int parse_condition(const char *name, char **arg, int i, int n, struct dbgcmd *c, char *err, size_t errlen)
{
    if (i == n)
        return fail(err, errlen, "%s: a condition after 'if', e.g. rax == 0", name);
    char text[DBGCMD_TEXT] = "";
    for (; i < n; i++) {
        if (strlen(text) + strlen(arg[i]) + 2 > DBGCMD_TEXT)
            return fail(err, errlen, "%s: condition too long", name);
        strcat(text, *text ? " " : "");
        strcat(text, arg[i]);
    }
    struct condition cond;
    char why[DBGCMD_MESSAGE];
    if (cond_parse(&cond, text, why, sizeof why) != 0)
        return fail(err, errlen, "%s: condition '%s': %s", name, text, why);
    c->has_cond = true;
    snprintf(c->cond, sizeof c->cond, "%s", text);
    return 0;
}

int dbgcmd_parse(const char *line, struct dbgcmd *c, char *err, size_t errlen)
{
    struct words ws;
    memset(c, 0, sizeof *c);
    if (split(line, &ws, err, errlen) != 0)
        return -1;
    if (ws.n == 0)
        return 0;
    enum dbgcmd_kind k = command_named(ws.w[0]);
    if (k == DC_NONE)
        return fail(err, errlen, "unknown command '%s' (help lists the commands)", ws.w[0]);
    const struct command *cmd = &commands[k];
    c->kind = k;
    char **arg = ws.w + 1;
    int nargs = ws.n - 1;
    switch (cmd->takes) {
    case TAKES_NOTHING:
        if (nargs)
            return fail(err, errlen, "%s takes nothing after it (usage: %s)", cmd->name, cmd->usage);
        return 0;
    case TAKES_OPT_WHERE_COND: {
        int i = 0;
        if (i < nargs && strcmp(arg[i], "if") != 0)
            snprintf(c->where, sizeof c->where, "%s", arg[i++]);
        if (i < nargs && strcmp(arg[i], "if") != 0)
            return fail(err, errlen, "%s: unexpected '%s' (usage: %s)", cmd->name, arg[i], cmd->usage);
        return i < nargs ? parse_condition(cmd->name, arg, i + 1, nargs, c, err, errlen) : 0;
    }
    case TAKES_OPT_NUMBER:
    case TAKES_NUMBER:
        if (nargs > 1)
            return fail(err, errlen, "%s: unexpected '%s' (usage: %s)", cmd->name, arg[1], cmd->usage);
        if (nargs == 0) {
            if (cmd->takes == TAKES_NUMBER)
                return fail(err, errlen, "%s needs a breakpoint number (usage: %s; info break lists them)",
                            cmd->name, cmd->usage);
            return 0;
        }
        if (!number(arg[0], &c->n) || c->n == 0)
            return fail(err, errlen, "%s: '%s' is not a positive number (usage: %s)", cmd->name, arg[0], cmd->usage);
        c->has_n = true;
        return 0;
    case TAKES_WHERE_OPT_NUMBER:
    case TAKES_WHERE:
        if (nargs == 0)
            return fail(err, errlen, "%s needs an address or a symbol (usage: %s)", cmd->name, cmd->usage);
        if (k == DC_WATCH || k == DC_RWATCH || k == DC_AWATCH)
            for (int i = 1; i < nargs; i++)
                if (strcmp(arg[i], "if") == 0) {
                    if (parse_condition(cmd->name, arg, i + 1, nargs, c, err, errlen) != 0)
                        return -1;
                    nargs = i;
                    break;
                }
        if (nargs > (cmd->takes == TAKES_WHERE ? 1 : 2))
            return fail(err, errlen, "%s: unexpected '%s' (usage: %s)", cmd->name, arg[nargs - 1], cmd->usage);
        snprintf(c->where, sizeof c->where, "%s", arg[0]);
        if (nargs == 2) {
            bool pid = k == DC_WALK;
            if (!number(arg[1], &c->n) || (!pid && (c->n == 0 || c->n > 4096)) || (pid && c->n > 0xffffffffu))
                return fail(err, errlen, "%s: '%s' is not a %s (usage: %s)", cmd->name, arg[1],
                            pid ? "process id" : "length from 1 to 4096", cmd->usage);
            c->has_n = true;
        }
        return 0;
    case TAKES_UNTIL:
        if (nargs == 1)
            for (size_t i = 0; i < sizeof until_names / sizeof until_names[0]; i++)
                if (strcmp(arg[0], until_names[i].name) == 0) {
                    c->until = until_names[i].cmd;
                    return 0;
                }
        return fail(err, errlen, "until: expected syscall, fault, interrupt or ring%s%s%s", nargs ? " (not '" : "",
                    nargs ? arg[0] : "", nargs ? "')" : "");
    case TAKES_INFO:
        if (nargs == 1 && (strcmp(arg[0], "break") == 0 || strcmp(arg[0], "breakpoints") == 0 ||
                           strcmp(arg[0], "b") == 0 || strcmp(arg[0], "watch") == 0))
            return 0;
        return fail(err, errlen, "info: expected 'info break'");
    case TAKES_TOPIC:
        if (nargs > 1)
            return fail(err, errlen, "help: one command at most");
        if (nargs == 1 && (c->topic = command_named(arg[0])) == DC_NONE)
            return fail(err, errlen, "help: no command '%s'", arg[0]);
        return 0;
    }
    return fail(err, errlen, "%s: cannot parse", cmd->name);
}

void dbgcmd_format(const struct dbgcmd *c, char *buf, size_t cap)
{
    if (c->kind <= DC_NONE || c->kind >= DC_COUNT) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    const struct command *cmd = &commands[c->kind];
    char cond[DBGCMD_TEXT + 8] = "";
    if (c->has_cond)
        snprintf(cond, sizeof cond, " if %s", c->cond);
    switch (cmd->takes) {
    case TAKES_UNTIL: {
        const char *what = "?";
        for (size_t i = 0; i < sizeof until_names / sizeof until_names[0]; i++)
            if (until_names[i].cmd == c->until) {
                what = until_names[i].name;
                break;
            }
        snprintf(buf, cap, "until %s", what);
        return;
    }
    case TAKES_INFO: snprintf(buf, cap, "info break"); return;
    case TAKES_TOPIC:
        snprintf(buf, cap, "help%s%s", c->topic ? " " : "", c->topic ? commands[c->topic].name : "");
        return;
    default: break;
    }
    char n[32] = "";
    if (c->has_n)
        snprintf(n, sizeof n, " %llu", (unsigned long long)c->n);
    snprintf(buf, cap, "%s%s%s%s%s", cmd->name, *c->where ? " " : "", c->where, n, cond);
}

/* ---- addresses and conditions ------------------------------------------ */

static bool register_value(struct dbg *d, const char *name, uint64_t *v)
{
    struct cpu *cpu = machine_cpu(d->m);
    for (int i = 0; i < 16; i++)
        if (strcasecmp(name, gpr_names[i]) == 0) {
            *v = cpu->gpr[i];
            return true;
        }
    if (strcasecmp(name, "rip") == 0 || strcasecmp(name, "pc") == 0)
        *v = cpu->rip;
    else if (strcasecmp(name, "rflags") == 0)
        *v = cpu_rflags(cpu);
    else
        return false;
    return true;
}

int dbgcmd_address(struct dbg *d, const char *text, uint64_t *va, char *err, size_t errlen)
{
    char base[DBGCMD_TEXT];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof base)
        return fail(err, errlen, "expected an address or a symbol");
    memcpy(base, text, len + 1);
    /* An offset after the last + or - (symbols have neither). */
    uint64_t offset = 0;
    int sign = 0;
    char *pm = strpbrk(base + 1, "+-");
    if (pm) {
        char *rest = pm + 1;
        while (strpbrk(rest, "+-"))
            rest = strpbrk(rest, "+-") + 1;
        pm = rest - 1;
        char *end;
        errno = 0;
        offset = strtoull(pm + 1, &end, 0);
        if (pm[1] == 0 || *end || errno)
            return fail(err, errlen, "'%s': the offset after %c is not a number", text, *pm);
        sign = *pm == '+' ? 1 : -1;
        *pm = 0;
    }
    uint64_t v;
    if (base[0] == '$') {
        if (!register_value(d, base + 1, &v))
            return fail(err, errlen, "'%s': no register %s (rax..r15, rip, rflags)", text, base);
    } else if (!dbg_parse_address(d, base, &v)) {
        return fail(err, errlen, "no symbol or address '%s'", base);
    }
    *va = sign > 0 ? v + offset : sign < 0 ? v - offset : v;
    return 0;
}

/* ---- executing --------------------------------------------------------- */

static void say(struct dbgcmd_result *r, enum dbgcmd_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct dbgcmd_result *r, enum dbgcmd_outcome o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    r->outcome = o;
}

/* "0x401000 <main+0x4>" */
static const char *where_words(struct dbg *d, uint64_t va, char *buf, size_t cap)
{
    char sym[128];
    dbg_symbol(d, va, sym, sizeof sym);
    snprintf(buf, cap, "0x%llx%s%s%s", (unsigned long long)va, *sym ? " <" : "", sym, *sym ? ">" : "");
    return buf;
}

static bool resolve(struct dbg *d, const char *text, uint64_t *va, struct dbgcmd_result *r)
{
    char err[DBGCMD_MESSAGE];
    if (dbgcmd_address(d, text, va, err, sizeof err) == 0)
        return true;
    say(r, DBGCMD_ERROR, "%s", err);
    return false;
}

static void exec_break(struct dbg *d, struct ui_view *v, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    uint64_t va = v->cursor_active ? v->cursor : machine_cpu(d->m)->rip;
    char w[160], err[DBGCMD_MESSAGE];
    if (*c->where && !resolve(d, c->where, &va, r))
        return;
    const struct dbg_breakpoint *old = dbg_break_at(d, va);
    if (old && !c->has_cond) {
        say(r, DBGCMD_DONE, "breakpoint %d is already at %s%s", old->id, where_words(d, va, w, sizeof w),
            old->enabled ? "" : " (disabled: enable it)");
        return;
    }
    int id = dbg_break_add(d, va, c->has_cond ? c->cond : NULL, err, sizeof err);
    if (id < 0) {
        say(r, DBGCMD_ERROR, "break: %s", err);
        return;
    }
    say(r, DBGCMD_DONE, "breakpoint %d at %s%s%s", id, where_words(d, va, w, sizeof w), c->has_cond ? " if " : "",
        c->has_cond ? c->cond : "");
}

static void exec_watch(struct dbg *d, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    uint64_t va;
    if (!resolve(d, c->where, &va, r))
        return;
    enum dbg_watch_kind kind = c->kind == DC_WATCH ? DBG_WATCH_WRITE : c->kind == DC_RWATCH ? DBG_WATCH_READ
                                                                                            : DBG_WATCH_ACCESS;
    uint64_t len = c->has_n ? c->n : 8;
    char w[160], err[DBGCMD_MESSAGE];
    int id = dbg_watchpoint_add(d, va, len, kind, c->has_cond ? c->cond : NULL, err, sizeof err);
    if (id < 0) {
        say(r, DBGCMD_ERROR, "%s: %s", commands[c->kind].name, err);
        return;
    }
    static const char *const what[] = {[DBG_WATCH_WRITE] = "written", [DBG_WATCH_READ] = "read",
                                       [DBG_WATCH_ACCESS] = "read or written"};
    say(r, DBGCMD_DONE, "watchpoint %d: stop when %llu byte%s at %s %s %s%s%s", id, (unsigned long long)len,
        len == 1 ? "" : "s", where_words(d, va, w, sizeof w), len == 1 ? "is" : "are", what[kind],
        c->has_cond ? " if " : "", c->has_cond ? c->cond : "");
}

static void exec_delete(struct dbg *d, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    if (!c->has_n) {
        int n = 0;
        for (int i = 0; i < DBG_MAX_BREAKPOINTS; i++)
            if (d->bps[i].id && dbg_break_delete(d, d->bps[i].id) == 0)
                n++;
        for (int i = 0; i < DBG_MAX_WATCHPOINTS; i++)
            if (d->wps[i].id && dbg_watchpoint_delete(d, d->wps[i].id) == 0)
                n++;
        say(r, DBGCMD_DONE, "deleted %d breakpoint%s and watchpoint%s", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
        return;
    }
    int id = c->n > 0x7fffffff ? -1 : (int)c->n;
    if (id > 0 && dbg_break_delete(d, id) == 0)
        say(r, DBGCMD_DONE, "deleted breakpoint %d", id);
    else if (id > 0 && dbg_watchpoint_delete(d, id) == 0)
        say(r, DBGCMD_DONE, "deleted watchpoint %d", id);
    else
        say(r, DBGCMD_ERROR, "no breakpoint or watchpoint %llu (info break lists them)", (unsigned long long)c->n);
}

static void exec_enable(struct dbg *d, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    bool on = c->kind == DC_ENABLE;
    int id = c->n > 0x7fffffff ? -1 : (int)c->n;
    if (id > 0 && dbg_break_enable(d, id, on) == 0)
        say(r, DBGCMD_DONE, "breakpoint %d %s", id, on ? "enabled" : "disabled");
    else if (id > 0 && dbg_watchpoint_enable(d, id, on) == 0)
        say(r, DBGCMD_DONE, "watchpoint %d %s", id, on ? "enabled" : "disabled");
    else
        say(r, DBGCMD_ERROR, "no breakpoint or watchpoint %llu (info break lists them)", (unsigned long long)c->n);
}

/* "1: break 0x401030 <main>, 2 hits; 2: watch 8 bytes at 0x408008 <counter>,
 * 0 hits if pid == 2 (disabled)" in id order. */
static void exec_info_break(struct dbg *d, struct dbgcmd_result *r)
{
    static const char *const kind[] = {[DBG_WATCH_WRITE] = "watch", [DBG_WATCH_READ] = "rwatch",
                                       [DBG_WATCH_ACCESS] = "awatch"};
    size_t len = 0;
    r->message[0] = 0;
    r->outcome = DBGCMD_DONE;
    for (int id = 1; id <= d->next_point_id && len < sizeof r->message; id++) {
        const struct dbg_breakpoint *b = dbg_break_get(d, id);
        const struct dbg_watchpoint *wp = b ? NULL : dbg_watchpoint_get(d, id);
        if (!b && !wp)
            continue;
        char w[160], what[200];
        if (b)
            snprintf(what, sizeof what, "break %s", where_words(d, b->va, w, sizeof w));
        else
            snprintf(what, sizeof what, "%s %llu byte%s at %s", kind[wp->kind], (unsigned long long)wp->len,
                     wp->len == 1 ? "" : "s", where_words(d, wp->va, w, sizeof w));
        const struct condition *cond = b ? &b->cond : &wp->cond;
        uint64_t hits = b ? b->hits : wp->hits;
        bool on = b ? b->enabled : wp->enabled;
        len += (size_t)snprintf(r->message + len, sizeof r->message - len, "%s%d: %s, %llu hit%s%s%s%s",
                                len ? "; " : "", id, what, (unsigned long long)hits, hits == 1 ? "" : "s",
                                cond->text[0] ? " if " : "", cond->text, on ? "" : " (disabled)");
    }
    if (!len)
        say(r, DBGCMD_DONE, "no breakpoints or watchpoints");
}

static void exec_x(struct dbg *d, struct ui_view *v, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    uint64_t va;
    if (!resolve(d, c->where, &va, r))
        return;
    size_t len = c->has_n ? (size_t)c->n : 16;
    /* The memory panel shows it too (it reads these). */
    ui_view_memory_at(v, 0, va);
    uint8_t bytes[4096];
    size_t got = machine_read_virt(d->m, va, bytes, len);
    char w[160], tail[80] = "";
    if (got < len)
        snprintf(tail, sizeof tail, " (0x%llx is not mapped)", (unsigned long long)(va + got));
    /* As many bytes as the line holds, saying so when not all fit. */
    size_t room = sizeof r->message - strlen(where_words(d, va, w, sizeof w)) - strlen(tail) - 48;
    size_t shown = got < room / 3 ? got : room / 3;
    int n = snprintf(r->message, sizeof r->message, "%s:", w);
    for (size_t i = 0; i < shown; i++)
        n += snprintf(r->message + n, sizeof r->message - (size_t)n, " %02x", bytes[i]);
    if (shown < got)
        n += snprintf(r->message + n, sizeof r->message - (size_t)n, " (the first %zu of %zu bytes)", shown, got);
    snprintf(r->message + n, sizeof r->message - (size_t)n, "%s", tail);
    r->outcome = DBGCMD_DONE;
}

static void exec_walk(struct dbg *d, struct ui_view *v, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    uint64_t va;
    if (!resolve(d, c->where, &va, r))
        return;
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t cr3 = cpu->cr3;
    char whose[96] = "the current address space";
    if (c->has_n) {
        const struct osview_process *p = osview_process(&d->view, (uint32_t)c->n);
        if (!p) {
            say(r, DBGCMD_ERROR, "walk: no process %llu (ps lists them)", (unsigned long long)c->n);
            return;
        }
        if (!p->cr3 && p->pid != d->view.current_pid) {
            say(r, DBGCMD_ERROR, "walk: the page tables of pid %u are not known yet (it never ran)", p->pid);
            return;
        }
        if (p->cr3)
            cr3 = p->cr3;
        snprintf(whose, sizeof whose, "pid %u %s", p->pid, p->name);
    }
    /* The walk panel shows it too (it reads these). */
    ui_view_walk(v, c->has_n ? (uint32_t)c->n : 0, va);
    struct mmu_peek w;
    bool ok = mmu_peek(machine_mmu(d->m), cr3, va, &w);
    if (w.result == PEEK_PAGING_OFF) {
        say(r, DBGCMD_DONE, "walk 0x%llx: paging is off, linear = physical", (unsigned long long)va);
        return;
    }
    static const char *const level[4] = {"PML4", "PDPT", "PD", "PT"};
    int n = snprintf(r->message, sizeof r->message, "walk 0x%llx in %s (CR3 0x%llx):", (unsigned long long)va, whose,
                     (unsigned long long)cr3);
    for (int l = 0; l < w.levels && l < 4 && n > 0 && (size_t)n < sizeof r->message; l++)
        n += snprintf(r->message + n, sizeof r->message - (size_t)n, " %s[%u]=%llx", level[l],
                      (unsigned)((va >> (39 - 9 * l)) & 511), (unsigned long long)w.entry[l]);
    if (n <= 0 || (size_t)n >= sizeof r->message) {
        r->outcome = DBGCMD_DONE;
        return;
    }
    if (ok)
        snprintf(r->message + n, sizeof r->message - (size_t)n, " -> physical 0x%llx (%s page,%s%s%s)",
                 (unsigned long long)w.pa, w.page_size == (1ull << 30) ? "1G" : w.page_size == (2ull << 20) ? "2M" : "4K",
                 w.user ? " user" : " kernel", w.writable ? " writable" : " read-only", w.nx ? " no-execute" : "");
    else
        snprintf(r->message + n, sizeof r->message - (size_t)n, " -> not mapped: the %s entry is %s",
                 w.levels >= 1 && w.levels <= 4 ? level[w.levels - 1] : "?",
                 w.fault.vector == 14 && (w.fault.error & 1) ? "reserved-bit set" : "not present");
    r->outcome = DBGCMD_DONE;
}

/* The kernel's processes and threads at this instant (kstate.h: the same
 * reading as the Processes and threads panel and gdb's info threads). */
static void exec_ps(struct dbg *d, struct dbgcmd_result *r)
{
    static struct kstate ks;
    if (!kstate_read(&ks, d->m)) {
        say(r, DBGCMD_DONE, "no process: %s", ks.why_not);
        return;
    }
    if (!ks.nproc) {
        say(r, DBGCMD_DONE, "no process yet");
        return;
    }
    size_t len = 0;
    r->message[0] = 0;
    for (size_t i = 0; i < ks.nproc && len < sizeof r->message; i++) {
        const struct kproc *p = &ks.proc[i];
        len += (size_t)snprintf(r->message + len, sizeof r->message - len, "%spid %u %s %s, threads", i ? "; " : "",
                                p->pid, p->name, kproc_status_state(&ks, p));
        for (size_t k = 0; k < ks.nthread && len < sizeof r->message; k++) {
            const struct kthread *t = &ks.thread[k];
            if (t->pid != p->pid || t->state == KTHREAD_DEAD)
                continue;
            const char *call = syscall_name(t->syscall_nr);
            len += (size_t)snprintf(r->message + len, sizeof r->message - len, " %u %s%s%s", t->tid,
                                    t->on_cpu ? "on the CPU" : kthread_state_name(t->state),
                                    !t->on_cpu && t->state == KTHREAD_SLEEPING ? " in " : "",
                                    !t->on_cpu && t->state == KTHREAD_SLEEPING ? (call ? call : "a system call") : "");
        }
    }
    r->outcome = DBGCMD_DONE;
}

static void exec_goto(struct dbg *d, struct ui_view *v, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    uint64_t va;
    if (!resolve(d, c->where, &va, r))
        return;
    v->goto_active = true;
    v->goto_addr = va;
    v->disasm_top = 0;
    v->cursor_active = true;
    v->cursor = va;
    char w[160];
    say(r, DBGCMD_DONE, "showing %s", where_words(d, va, w, sizeof w));
}

static void exec_help(const struct dbgcmd *c, struct ui_view *v, struct dbgcmd_result *r)
{
    if (c->topic) {
        say(r, DBGCMD_DONE, "%s: %s", commands[c->topic].usage, commands[c->topic].what);
        return;
    }
    v->show_help = true;
    say(r, DBGCMD_DONE, "commands: break delete enable disable watch rwatch awatch x walk ps goto step next finish "
                        "continue until reverse-step reverse-continue info help quit (help COMMAND for one)");
}

void dbgcmd_execute(struct dbg *d, struct ui_view *v, const struct dbgcmd *c, struct dbgcmd_result *r)
{
    memset(r, 0, sizeof *r);
    r->outcome = DBGCMD_DONE;
    switch (c->kind) {
    case DC_NONE: break;
    case DC_BREAK: exec_break(d, v, c, r); break;
    case DC_DELETE: exec_delete(d, c, r); break;
    case DC_ENABLE:
    case DC_DISABLE: exec_enable(d, c, r); break;
    case DC_WATCH:
    case DC_RWATCH:
    case DC_AWATCH: exec_watch(d, c, r); break;
    case DC_X: exec_x(d, v, c, r); break;
    case DC_WALK: exec_walk(d, v, c, r); break;
    case DC_PS: exec_ps(d, r); break;
    case DC_GOTO: exec_goto(d, v, c, r); break;
    case DC_STEP:
        if (c->has_n && c->n > 1) {
            /* N instructions at once; the panels show what the last did. */
            dbg_step_n(d, c->n);
            v->goto_active = v->cursor_active = false;
            char stop[DBGCMD_MESSAGE - 32];
            dbgcmd_describe_stop(d, stop, sizeof stop);
            say(r, DBGCMD_DONE, "%s", stop);
        } else {
            r->outcome = DBGCMD_RUN;
            r->run = DBG_STEP;
        }
        break;
    case DC_NEXT: r->outcome = DBGCMD_RUN, r->run = DBG_STEP_OVER; break;
    case DC_FINISH: r->outcome = DBGCMD_RUN, r->run = DBG_STEP_OUT; break;
    case DC_CONTINUE: r->outcome = DBGCMD_RUN, r->run = DBG_RUN; break;
    case DC_UNTIL: r->outcome = DBGCMD_RUN, r->run = c->until; break;
    case DC_REVERSE_STEP:
    case DC_REVERSE_CONTINUE: {
        /* Backwards through the snapshots: a step is done before this returns. */
        if (dbg_busy(d))
            dbg_pause(d);
        v->goto_active = v->cursor_active = false;
        v->running = false;
        if (c->kind == DC_REVERSE_STEP && machine_cpu(d->m)->icount == 0 &&
            !(d->stop.in_delivery && d->stop.icount == 0)) {
            say(r, DBGCMD_ERROR, "nothing to step back to: this is instruction 0");
            break;
        }
        if (c->kind == DC_REVERSE_CONTINUE) {
            /* In bursts from the event loop, like a forward run: a pause interrupts it. */
            r->outcome = DBGCMD_RUN;
            r->run = DBG_REVERSE_RUN;
            break;
        }
        dbg_reverse(d, DBG_STEP);
        char stop[DBGCMD_MESSAGE];
        dbgcmd_describe_stop(d, stop, sizeof stop);
        say(r, DBGCMD_DONE, "%s", stop);
        break;
    }
    case DC_INFO_BREAK: exec_info_break(d, r); break;
    case DC_HELP: exec_help(c, v, r); break;
    case DC_QUIT: r->outcome = DBGCMD_QUIT; say(r, DBGCMD_QUIT, "quit"); break;
    case DC_COUNT: break;
    }
    if (r->outcome == DBGCMD_RUN)
        v->goto_active = v->cursor_active = false;
    d->model_generation++;
}

void dbgcmd_execute_line(struct dbg *d, struct ui_view *v, const char *line, struct dbgcmd_result *r)
{
    struct dbgcmd c;
    char err[DBGCMD_MESSAGE];
    if (dbgcmd_parse(line, &c, err, sizeof err) != 0) {
        memset(r, 0, sizeof *r);
        say(r, DBGCMD_ERROR, "%s", err);
        return;
    }
    dbgcmd_execute(d, v, &c, r);
}

/* ---- scripts ----------------------------------------------------------- */

void dbgcmd_describe_stop(struct dbg *d, char *buf, size_t cap)
{
    struct cpu *cpu = machine_cpu(d->m);
    char w[160], why[DBGCMD_MESSAGE];
    dbg_stop_text(d, why, sizeof why);
    snprintf(buf, cap, "%s; insn %llu, ring %u, rip %s", why, (unsigned long long)cpu->icount, cpu->cpl,
             where_words(d, cpu->rip, w, sizeof w));
}

int dbgcmd_run_script(struct dbg *d, struct ui_view *v, FILE *in, const char *name, FILE *out,
                      uint64_t max_insns, bool *quit, char *err, size_t errlen)
{
    char line[DBGCMD_LINE + 2];
    for (int lineno = 1; fgets(line, sizeof line, in); lineno++) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        else if (!feof(in))
            return fail(err, errlen, "%s:%d: line too long (at most %d characters)", name, lineno, DBGCMD_LINE);
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        struct dbgcmd c;
        char why[DBGCMD_MESSAGE];
        if (dbgcmd_parse(line, &c, why, sizeof why) != 0)
            return fail(err, errlen, "%s:%d: %s", name, lineno, why);
        if (c.kind == DC_NONE)
            continue;
        char text[DBGCMD_LINE + 64];
        dbgcmd_format(&c, text, sizeof text);
        fprintf(out, "(rs) %s\n", line);
        struct dbgcmd_result r;
        dbgcmd_execute(d, v, &c, &r);
        if (r.outcome == DBGCMD_ERROR)
            return fail(err, errlen, "%s:%d: %s", name, lineno, r.message);
        if (r.outcome == DBGCMD_QUIT) {
            *quit = true;
            break;
        }
        if (r.outcome == DBGCMD_RUN) {
            dbg_run_command(d, r.run, max_insns);
            dbgcmd_describe_stop(d, r.message, sizeof r.message);
        }
        if (c.kind == DC_HELP && !c.topic) {
            for (size_t i = 0; i < dbgcmd_help_count(); i++)
                fprintf(out, "  %s\n", dbgcmd_help_line(i));
            v->show_help = false;
        } else {
            fprintf(out, "%s\n", r.message);
        }
        fflush(out);
    }
    if (ferror(in))
        return fail(err, errlen, "%s: %s", name, strerror(errno));
    return 0;
}

/* ---- history ----------------------------------------------------------- */

void dbgcmd_history_add(struct dbgcmd_history *h, const char *line)
{
    const char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    if (*p && !(h->count && strcmp(h->line[h->count - 1], line) == 0)) {
        if (h->count == DBGCMD_HISTORY) {
            memmove(h->line[0], h->line[1], sizeof h->line[0] * (DBGCMD_HISTORY - 1));
            h->count--;
        }
        snprintf(h->line[h->count++], DBGCMD_LINE, "%s", line);
    }
    h->browse = h->count;
    h->draft[0] = 0;
}

void dbgcmd_history_move(struct dbgcmd_history *h, int dir, char *input, size_t cap)
{
    int to = h->browse + (dir < 0 ? -1 : 1);
    if (to < 0 || to > h->count)
        return;
    if (h->browse == h->count)
        snprintf(h->draft, sizeof h->draft, "%s", input);
    h->browse = to;
    snprintf(input, cap, "%s", to == h->count ? h->draft : h->line[to]);
}
