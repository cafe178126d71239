/* condition.c — breakpoint and watchpoint conditions (condition.h): a
 * recursive-descent parser to postfix, and a stack evaluator. */
#include "condition.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { OP_NUM, OP_REG, OP_NOT, OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_AND, OP_OR };

/* Register-like names: what OP_REG's value selects. */
enum { V_GPR = 0, V_GPR32 = 16, V_RIP = 32, V_RFLAGS, V_CR0, V_CR2, V_CR3, V_CR4, V_EFER, V_FS_BASE,
       V_GS_BASE, V_PID, V_TID, V_CPL, V_ICOUNT };

static const char *const gpr64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                      "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const gpr32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                      "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const struct { const char *name; int v; } others[] = {
    {"rip", V_RIP}, {"pc", V_RIP}, {"rflags", V_RFLAGS}, {"eflags", V_RFLAGS}, {"cr0", V_CR0},
    {"cr2", V_CR2}, {"cr3", V_CR3}, {"cr4", V_CR4}, {"efer", V_EFER}, {"fs_base", V_FS_BASE},
    {"gs_base", V_GS_BASE}, {"pid", V_PID}, {"tid", V_TID}, {"cpl", V_CPL}, {"icount", V_ICOUNT},
};

struct parser {
    const char *s;
    struct condition *c;
    char *err;
    size_t errlen;
    bool failed;
    int depth;
};

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char why[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "condition '%s': %s", p->c->text, why);
}

static void emit(struct parser *p, uint8_t kind, uint64_t value)
{
    if (p->c->nop == COND_MAX_OPS) {
        fail(p, "too long (at most %d terms and operators)", COND_MAX_OPS);
        return;
    }
    p->c->op[p->c->nop++] = (struct cond_op){kind, value};
}

static void skip_space(struct parser *p)
{
    while (isspace((unsigned char)*p->s))
        p->s++;
}

static bool take(struct parser *p, const char *tok)
{
    skip_space(p);
    size_t n = strlen(tok);
    if (strncmp(p->s, tok, n) != 0)
        return false;
    p->s += n;
    return true;
}

static void parse_or(struct parser *p);

static void parse_name(struct parser *p)
{
    char name[16];
    size_t n = 0;
    while ((isalnum((unsigned char)*p->s) || *p->s == '_') && n < sizeof name - 1)
        name[n++] = (char)tolower((unsigned char)*p->s++);
    name[n] = 0;
    if (isalnum((unsigned char)*p->s) || *p->s == '_') {
        fail(p, "name too long");
        return;
    }
    for (int i = 0; i < 16; i++) {
        if (strcmp(name, gpr64[i]) == 0) {
            emit(p, OP_REG, V_GPR + i);
            return;
        }
        if (strcmp(name, gpr32[i]) == 0) {
            emit(p, OP_REG, V_GPR32 + i);
            return;
        }
    }
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strcmp(name, others[i].name) == 0) {
            emit(p, OP_REG, (uint64_t)others[i].v);
            return;
        }
    fail(p, "unknown name '%s' (registers, pid, tid, cpl, icount)", name);
}

static void parse_number(struct parser *p)
{
    uint64_t v = 0;
    const char *s = p->s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!isxdigit((unsigned char)*s)) {
            fail(p, "expected hex digits after 0x");
            return;
        }
        for (; isxdigit((unsigned char)*s); s++) {
            if (v >> 60) {
                fail(p, "number larger than 64 bits");
                return;
            }
            int d = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
            v = v << 4 | (uint64_t)d;
        }
    } else {
        for (; isdigit((unsigned char)*s); s++) {
            uint64_t d = (uint64_t)(*s - '0');
            if (v > (UINT64_MAX - d) / 10) {
                fail(p, "number larger than 64 bits");
                return;
            }
            v = v * 10 + d;
        }
    }
    if (isalnum((unsigned char)*s) || *s == '_') {
        fail(p, "bad number");
        return;
    }
    p->s = s;
    emit(p, OP_NUM, v);
}

static void parse_unary(struct parser *p)
{
    if (++p->depth > 32) {
        fail(p, "nested too deeply");
        p->depth--;
        return;
    }
    skip_space(p);
    if (*p->s == '!' && p->s[1] != '=') {
        p->s++;
        parse_unary(p);
        emit(p, OP_NOT, 0);
    } else if (*p->s == '(') {
        p->s++;
        parse_or(p);
        if (!take(p, ")"))
            fail(p, "missing ')'");
    } else if (isdigit((unsigned char)*p->s)) {
        parse_number(p);
    } else if (isalpha((unsigned char)*p->s) || *p->s == '_') {
        parse_name(p);
    } else if (!*p->s) {
        fail(p, "ends where a value was expected");
    } else {
        fail(p, "unexpected '%c'", *p->s);
    }
    p->depth--;
}

static void parse_cmp(struct parser *p)
{
    static const struct { const char *tok; uint8_t op; } ops[] = {
        {"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT},
    };
    parse_unary(p);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !p->failed; i++)
        if (take(p, ops[i].tok)) {
            parse_unary(p);
            emit(p, ops[i].op, 0);
            return;
        }
}

static void parse_and(struct parser *p)
{
    parse_cmp(p);
    while (!p->failed && take(p, "&&")) {
        parse_cmp(p);
        emit(p, OP_AND, 0);
    }
}

static void parse_or(struct parser *p)
{
    parse_and(p);
    while (!p->failed && take(p, "||")) {
        parse_and(p);
        emit(p, OP_OR, 0);
    }
}

int cond_parse(struct condition *c, const char *text, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!text)
        return 0;
    while (isspace((unsigned char)*text))
        text++;
    if (!*text)
        return 0;
    if (strlen(text) >= sizeof c->text) {
        snprintf(err, errlen, "condition too long (at most %zu characters)", sizeof c->text - 1);
        return -1;
    }
    snprintf(c->text, sizeof c->text, "%s", text);
    struct parser p = {.s = c->text, .c = c, .err = err, .errlen = errlen};
    parse_or(&p);
    skip_space(&p);
    if (!p.failed && *p.s)
        fail(&p, "unexpected '%s'", p.s);
    if (p.failed) {
        memset(c, 0, sizeof *c);
        return -1;
    }
    return 0;
}

static uint64_t value_of(uint64_t which, const struct cond_env *env)
{
    struct cpu *cpu = env->cpu;
    if (which < V_GPR32)
        return cpu->gpr[which];
    if (which < V_RIP)
        return (uint32_t)cpu->gpr[which - V_GPR32];
    switch (which) {
    case V_RIP: return cpu->rip;
    case V_RFLAGS: return cpu_rflags(cpu);
    case V_CR0: return cpu->cr0;
    case V_CR2: return cpu->cr2;
    case V_CR3: return cpu->cr3;
    case V_CR4: return cpu->cr4;
    case V_EFER: return cpu->efer;
    case V_FS_BASE: return cpu->seg[SEG_FS].base;
    case V_GS_BASE: return cpu->seg[SEG_GS].base;
    case V_PID: return (uint64_t)(int64_t)env->pid;
    case V_TID: return (uint64_t)(int64_t)env->tid;
    case V_CPL: return cpu->cpl;
    default: return cpu->icount;
    }
}

bool cond_eval(const struct condition *c, const struct cond_env *env)
{
    if (c->nop == 0)
        return true;
    uint64_t stack[COND_MAX_OPS];
    size_t n = 0;
    for (size_t i = 0; i < c->nop; i++) {
        const struct cond_op *o = &c->op[i];
        if (o->kind == OP_NUM) {
            stack[n++] = o->value;
            continue;
        }
        if (o->kind == OP_REG) {
            stack[n++] = value_of(o->value, env);
            continue;
        }
        if (o->kind == OP_NOT) {
            stack[n - 1] = !stack[n - 1];
            continue;
        }
        uint64_t b = stack[--n], a = stack[n - 1], r;
        switch (o->kind) {
        case OP_EQ: r = a == b; break;
        case OP_NE: r = a != b; break;
        case OP_LT: r = a < b; break;
        case OP_GT: r = a > b; break;
        case OP_LE: r = a <= b; break;
        case OP_GE: r = a >= b; break;
        case OP_AND: r = a && b; break;
        default: r = a || b; break;
        }
        stack[n - 1] = r;
    }
    return n == 1 && stack[0] != 0;
}
