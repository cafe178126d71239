/* test_diff_int.c — differential test of the general-purpose integer
 * instructions: every form and operand size runs natively on the host CPU
 * (tests/oracle.c) and in ringscope (harness_exec at CPL 3) from the same
 * input state; all GPRs, the arena memory, the RIP reached and the status
 * flags the SDM defines for that instruction must agree, and so must the
 * exception vector (#DE, #UD) when one is raised.
 *
 * Inputs: a fixed-seed generator mixing edge values (0, 1, -1, the signed
 * minimum/maximum and their neighbours at every width, small numbers, shift
 * counts 0/1/size-1/size/63) with random 64-bit values.  Registers, the
 * addressing mode of memory operands (base, base+disp8/32, SIB, RIP-relative)
 * and REX bits are chosen per case, so each form is exercised with many
 * encodings.  Only the flags listed as undefined in X86-NOTES.md (per
 * instruction, per count) are masked — CI may run on AMD.
 *
 * Besides one instruction per form: pairs "arithmetic; flag consumer" that
 * read lazily recorded flags, REP runs longer than the interpreter's
 * per-step budget, and REP runs that fault part-way into an unmapped page
 * (registers, memory and CR2 at the faulting element). */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "harness.h"
#include "oracle.h"

/* 1,000 input states per form; the sanitizer build (which checks memory
 * safety, not coverage) runs a quarter of them to keep the suite quick. */
#if defined(__SANITIZE_ADDRESS__)
#define CASES_PER_FORM 250
#else
#define CASES_PER_FORM 1000
#endif

/* Arena layout (offsets from HARNESS_ARENA). */
#define DATA_OFF 0x1000u    /* memory operands live in [DATA_OFF, DATA_OFF + 0x100 + 16) */
#define STR_LO 0x2400u      /* string operands: crosses the page boundary at 0x3000 */
#define STR_HI 0x3800u
#define STACK_OFF 0x8000u   /* initial RSP */
#define STACK_LO 0x7c00u
#define STACK_HI 0x8400u
#define REGION_LO DATA_OFF  /* compared region 1: data + strings */
#define REGION_HI STR_HI

static struct harness *H;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t forms_run, cases_run;
static uint64_t vector_cases[32]; /* cases where both worlds raised this vector */

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t mask_of(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* An input value: edge values at a random width (with random or
 * sign-extension-style upper bits), small numbers, or random. */
static uint64_t value(void)
{
    unsigned k = rnd() % 10;
    if (k < 5) {
        unsigned s = 1u << (rnd() % 4);
        uint64_t m = mask_of(s), e;
        switch (rnd() % 8) {
        case 0: e = 0; break;
        case 1: e = 1; break;
        case 2: e = m; break;             /* -1 */
        case 3: e = m >> 1; break;        /* signed max */
        case 4: e = (m >> 1) + 1; break;  /* signed min */
        case 5: e = m - 1; break;
        case 6: e = (m >> 1) - 1; break;
        default: e = (m >> 1) + 2; break;
        }
        uint64_t upper;
        switch (rnd() % 3) {
        case 0: upper = 0; break;
        case 1: upper = ~m; break;
        default: upper = rnd() & ~m; break;
        }
        return upper | e;
    }
    if (k == 5)
        return rnd() % 64;
    if (k == 6)
        return (uint64_t)-(int64_t)(rnd() % 64);
    return rnd();
}

/* Shift/rotate counts around the interesting boundaries of `size`. */
static uint64_t shift_count(unsigned size)
{
    static const unsigned fixed[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255};
    unsigned bits = size * 8;
    switch (rnd() % 4) {
    case 0: return fixed[rnd() % 16];
    case 1: return bits - 1 + rnd() % 3;
    case 2: return rnd() % 64;
    default: return rnd() & 0xff;
    }
}

/* ------------------------------------------------------------------ */
/* Instruction forms and their encodings. */

enum family {
    FAM_PLAIN,   /* every flag defined */
    FAM_LOGIC,   /* AF undefined */
    FAM_SHIFT,   /* group 2, count from imm8 / 1 / CL */
    FAM_SHXD,    /* SHLD/SHRD */
    FAM_MUL,     /* SF ZF AF PF undefined */
    FAM_DIV,     /* all six undefined; ~half the cases raise #DE */
    FAM_BT,      /* OF SF AF PF undefined; memory bit offsets kept near the arena */
    FAM_BSF,     /* CF OF SF AF PF undefined; destination unchanged if source 0 */
    FAM_STRING,
    FAM_BRANCH,  /* compares the RIP reached */
    FAM_STACK,   /* RSP in the arena */
    FAM_FLAGS,   /* PUSHF/POPF/SAHF/LAHF: DF and random status flags */
    FAM_MOFFS,   /* MOV A0-A3: the immediate is an arena address */
};

enum rm_kind { RM_NONE, RM_REG, RM_MEM };

struct form {
    char name[48];
    uint8_t pfx[2], npfx;   /* legacy prefixes (F0 F2 F3 67) before 66/REX */
    uint8_t op[3], nop;     /* opcode bytes */
    int8_t digit;           /* ModRM.reg = /digit, or -1 for a random register */
    uint8_t rm;             /* RM_* (RM_NONE: no ModRM) */
    uint8_t size;           /* operand size: 2 -> 66, 8 -> REX.W */
    uint8_t imm;            /* immediate bytes */
    uint8_t plusr;          /* register in the opcode's low 3 bits */
    uint8_t family;
    uint8_t no_rexw;        /* 64-bit by default (stack, branches): no REX.W */
    uint8_t mem_align;      /* memory operand alignment (cmpxchg16b) */
    uint8_t faults;         /* an invalid form: every case raises an exception */
};

/* A case: the bytes, the input state, and what is compared. */
struct test_case {
    uint8_t code[16];
    size_t len;
    struct regs in;
    uint64_t undef;      /* status flags not compared */
    uint32_t skip_gpr;   /* GPRs not compared */
    bool cmp_rip;
    uint64_t extra_flags; /* RFLAGS bits compared besides the status flags and DF */
    bool skip_mem;        /* the memory result is undefined */
    int reg, rm, base, index;
    bool has_rex;
    uint64_t imm;
    size_t imm_at;       /* offset of the immediate in code */
    uint64_t ea;         /* address of the memory operand (RM_MEM) */
    int nplant;          /* 8-byte values stored into the arena before running */
    uint64_t plant_at[2], plant_val[2];
};

static const int addr_regs[] = {RBX, R8, R9, R10, R11, R14, R15};

static bool native_code_matches(void)
{
    return oracle_code_address() == HARNESS_CODE;
}

static void put_bytes(struct test_case *c, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        c->code[c->len++] = (uint8_t)(v >> (8 * i));
}

/* Build the bytes of one instance of form f with random registers and
 * addressing, and a random input state. */
static void encode(const struct form *f, struct test_case *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 16; i++)
        c->in.gpr[i] = value();
    c->in.gpr[RSP] = HARNESS_ARENA + STACK_OFF;
    c->in.rflags = 0x202 | (rnd() & RF_STATUS);
    c->in.mxcsr = 0x1f80;
    c->base = c->index = -1;
    c->rm = -1;

    int mode = -1, scale = 0;
    int64_t disp = 0;
    if (f->rm == RM_MEM) {
        mode = rnd() % (native_code_matches() ? 5 : 4);
        c->base = addr_regs[rnd() % 7];
        if (mode == 3) {
            do
                c->index = addr_regs[rnd() % 7];
            while (c->index == c->base);
            scale = rnd() % 4;
        }
    }
    if (f->digit >= 0) {
        c->reg = f->digit | (int)(rnd() & 1) << 3; /* REX.R is ignored for /digit */
    } else {
        do
            c->reg = rnd() % 16;
        while (c->reg == c->base || c->reg == c->index);
    }
    if (f->rm == RM_REG)
        c->rm = rnd() % 16;

    for (int i = 0; i < f->npfx; i++)
        c->code[c->len++] = f->pfx[i];
    if (f->size == 2)
        c->code[c->len++] = 0x66;
    unsigned rex = 0;
    if (f->size == 8 && !f->no_rexw)
        rex |= 8;
    if (f->rm != RM_NONE && (c->reg & 8))
        rex |= 4;
    if (f->plusr && (c->reg & 8))
        rex |= 1;
    if (c->index >= 0 && (c->index & 8))
        rex |= 2;
    if (f->rm == RM_REG && (c->rm & 8))
        rex |= 1;
    if (f->rm == RM_MEM && mode != 4 && (c->base & 8))
        rex |= 1;
    c->has_rex = rex || rnd() % 4 == 0; /* a bare REX (0x40) sometimes: SPL..DIL instead of AH..BH */
    if (c->has_rex)
        c->code[c->len++] = (uint8_t)(0x40 | rex);
    for (int i = 0; i < f->nop; i++)
        c->code[c->len++] = f->op[i];
    if (f->plusr)
        c->code[c->len - 1] = (uint8_t)(c->code[c->len - 1] + (c->reg & 7));

    size_t disp_at = 0;
    unsigned disp_size = 0;
    if (f->rm == RM_REG) {
        c->code[c->len++] = (uint8_t)(0xc0 | (c->reg & 7) << 3 | (c->rm & 7));
    } else if (f->rm == RM_MEM) {
        unsigned regf = (unsigned)(c->reg & 7) << 3;
        switch (mode) {
        case 0: c->code[c->len++] = (uint8_t)(0x00 | regf | (c->base & 7)); break;
        case 1: c->code[c->len++] = (uint8_t)(0x40 | regf | (c->base & 7)); disp_size = 1; break;
        case 2: c->code[c->len++] = (uint8_t)(0x80 | regf | (c->base & 7)); disp_size = 4; break;
        case 3:
            c->code[c->len++] = (uint8_t)(0x44 | regf);
            c->code[c->len++] = (uint8_t)(scale << 6 | (c->index & 7) << 3 | (c->base & 7));
            disp_size = 1;
            break;
        default: c->code[c->len++] = (uint8_t)(0x05 | regf); disp_size = 4; break;
        }
        if (disp_size == 1)
            disp = (int8_t)rnd();
        else if (disp_size == 4)
            disp = (int32_t)(rnd() % 0x20000) - 0x10000;
        disp_at = c->len;
        c->len += disp_size;
    }
    c->imm_at = c->len;
    if (f->imm) {
        c->imm = value() & mask_of(f->imm);
        put_bytes(c, c->imm, f->imm);
    }

    if (f->rm == RM_MEM) {
        unsigned align = f->mem_align ? f->mem_align : 1;
        uint64_t target = HARNESS_ARENA + DATA_OFF + (rnd() % 0x100) / align * align;
        c->ea = target;
        if (mode == 4) {
            disp = (int64_t)(target - (HARNESS_CODE + c->len));
            c->base = -1;
        } else {
            uint64_t idx = 0;
            if (c->index >= 0) {
                c->in.gpr[c->index] = rnd() % 32;
                idx = c->in.gpr[c->index] << scale;
            }
            c->in.gpr[c->base] = target - (uint64_t)disp - idx;
        }
        for (unsigned i = 0; i < disp_size; i++)
            c->code[disp_at + i] = (uint8_t)((uint64_t)disp >> (8 * i));
    }
}

/* Give the form's r/m source operand the value v (a register, or 8 bytes
 * planted at the memory operand) and return the operand as the instruction
 * reads it. */
static uint64_t source_operand(const struct form *f, struct test_case *c, uint64_t v)
{
    if (f->rm == RM_MEM) {
        c->plant_at[c->nplant] = c->ea;
        c->plant_val[c->nplant++] = v;
        return v & mask_of(f->size);
    }
    if (f->size == 1 && !c->has_rex && c->rm >= 4 && c->rm < 8) { /* AH CH DH BH */
        uint64_t *r = &c->in.gpr[c->rm - 4];
        *r = (*r & ~0xff00ull) | (v & 0xff) << 8;
        return v & 0xff;
    }
    c->in.gpr[c->rm] = v;
    return v & mask_of(f->size);
}

/* ------------------------------------------------------------------ */
/* Running a case in both worlds and comparing. */

static uint8_t native_region[REGION_HI - REGION_LO], emu_region[REGION_HI - REGION_LO];
static uint8_t native_stack[STACK_HI - STACK_LO], emu_stack[STACK_HI - STACK_LO];

static void fill_random(uint8_t *p, size_t n, bool low_entropy)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = low_entropy ? rnd() & 0x0101010101010101ull : rnd();
        memcpy(p + i, &v, n - i < 8 ? n - i : 8);
    }
}

/* Fresh arena contents, identical in both worlds, with the case's planted
 * values (return addresses, POPF images, indirect branch targets). */
static void prepare_arena(const struct test_case *c, bool strings)
{
    uint8_t *a = oracle_arena();
    fill_random(a + DATA_OFF, 0x120, false);
    if (strings)
        fill_random(a + STR_LO, STR_HI - STR_LO, rnd() % 2);
    for (int i = 0; i < c->nplant; i++)
        memcpy(a + (c->plant_at[i] - HARNESS_ARENA), &c->plant_val[i], 8);
    mmu_phys_write(H->mmu, HARNESS_ARENA + REGION_LO, a + REGION_LO, REGION_HI - REGION_LO);
    mmu_phys_write(H->mmu, HARNESS_ARENA + STACK_LO, a + STACK_LO, STACK_HI - STACK_LO);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 3 * i, "%02x ", b[i]);
}

static const char *const gpr_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

static void fail_case(const char *form, const struct test_case *c, const char *what, uint64_t native,
                      uint64_t emu)
{
    char bytes[64] = "";
    hex(bytes, c->code, c->len);
    char regs[1024];
    size_t n = 0;
    for (int i = 0; i < 16; i++)
        n += (size_t)snprintf(regs + n, sizeof regs - n, " %s=%" PRIx64, gpr_names[i], c->in.gpr[i]);
    const struct oracle_info *o = oracle_last();
    ck_abort_msg("%s [%s]: %s differs: native %#" PRIx64 " ringscope %#" PRIx64 "\n  in: rflags=%#" PRIx64
                 "%s\n  native: signal %d at rip %#" PRIx64 " address %#" PRIx64,
                 form, bytes, what, native, emu, c->in.rflags, regs, o->signo, o->rip, o->fault_addr);
}

/* Run case c natively and in ringscope; returns the common vector. */
static int compare_case(const char *form, const struct test_case *c, bool strings)
{
    struct regs nout, eout;
    prepare_arena(c, strings);
    int nv = oracle_exec(c->code, c->len, &c->in, &nout);
    uint64_t nrip = oracle_last()->rip - oracle_code_address();
    int ev = harness_exec(H, c->code, c->len, 3, &c->in, &eout);
    uint64_t erip = H->cpu->rip - HARNESS_CODE;
    cases_run++;
    if (nv != ev)
        fail_case(form, c, "exception vector", (uint64_t)nv, (uint64_t)ev);
    if (nv >= 0) {
        vector_cases[nv & 31]++;
        return nv;
    }
    for (int i = 0; i < 16; i++)
        if (!(c->skip_gpr & (1u << i)) && nout.gpr[i] != eout.gpr[i])
            fail_case(form, c, gpr_names[i], nout.gpr[i], eout.gpr[i]);
    uint64_t fmask = ((RF_STATUS | RF_DF) & ~c->undef) | c->extra_flags;
    if ((nout.rflags & fmask) != (eout.rflags & fmask))
        fail_case(form, c, "rflags (defined bits)", nout.rflags & fmask, eout.rflags & fmask);
    if (c->cmp_rip && nrip != erip)
        fail_case(form, c, "rip - code", nrip, erip);
    if (c->skip_mem)
        return -1;
    const uint8_t *a = oracle_arena();
    memcpy(native_region, a + REGION_LO, sizeof native_region);
    memcpy(native_stack, a + STACK_LO, sizeof native_stack);
    mmu_phys_read(H->mmu, HARNESS_ARENA + REGION_LO, emu_region, sizeof emu_region);
    mmu_phys_read(H->mmu, HARNESS_ARENA + STACK_LO, emu_stack, sizeof emu_stack);
    for (size_t i = 0; i < sizeof native_region; i++)
        if (native_region[i] != emu_region[i])
            fail_case(form, c, "arena byte (offset in arena)", REGION_LO + i,
                      (uint64_t)native_region[i] << 8 | emu_region[i]);
    for (size_t i = 0; i < sizeof native_stack; i++)
        if (native_stack[i] != emu_stack[i])
            fail_case(form, c, "stack byte (offset in arena)", STACK_LO + i,
                      (uint64_t)native_stack[i] << 8 | emu_stack[i]);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Per-family input shaping and undefined flags. */

static uint64_t shift_undef(unsigned op, unsigned size, uint64_t raw)
{
    unsigned bits = size * 8, count = (unsigned)raw & (size == 8 ? 63 : 31);
    if (count == 0)
        return 0;
    uint64_t u = 0;
    if (count > 1)
        u |= RF_OF;
    if (op >= 4) { /* SHL SHR SAL SAR */
        u |= RF_AF;
        if (count >= bits && op != 7)
            u |= RF_CF;
    }
    return u;
}

/* Shape the inputs of case c (form f) and decide what is compared. */
static void shape_case(const struct form *f, struct test_case *c)
{
    unsigned size = f->size;
    uint64_t m = mask_of(size);
    switch (f->family) {
    case FAM_LOGIC:
        c->undef = RF_AF;
        break;
    case FAM_MOFFS: {
        uint64_t addr = HARNESS_ARENA + DATA_OFF + rnd() % 0x100;
        for (unsigned i = 0; i < f->imm; i++)
            c->code[c->imm_at + i] = (uint8_t)(addr >> (8 * i));
        break;
    }
    case FAM_SHIFT: {
        uint64_t raw;
        if (f->op[0] == 0xc0 || f->op[0] == 0xc1) {
            raw = shift_count(size) & 0xff;
            c->code[c->imm_at] = (uint8_t)raw;
        } else if (f->op[0] == 0xd0 || f->op[0] == 0xd1) {
            raw = 1;
        } else {
            raw = shift_count(size);
            if (c->rm != RCX && c->base != RCX)
                c->in.gpr[RCX] = (c->in.gpr[RCX] & ~0xffull) | raw;
            raw = c->in.gpr[RCX] & 0xff;
        }
        c->undef = shift_undef((unsigned)f->digit, size, raw);
        break;
    }
    case FAM_SHXD: {
        uint64_t raw;
        if (f->op[1] == 0xa4 || f->op[1] == 0xac) {
            raw = shift_count(size) & 0xff;
            c->code[c->imm_at] = (uint8_t)raw;
        } else {
            if (c->rm != RCX && c->reg != RCX)
                c->in.gpr[RCX] = (c->in.gpr[RCX] & ~0xffull) | (shift_count(size) & 0xff);
            raw = c->in.gpr[RCX] & 0xff;
        }
        unsigned count = (unsigned)raw & (size == 8 ? 63 : 31);
        if (count > 0)
            c->undef = RF_AF | (count > 1 ? RF_OF : 0);
        if (count > size * 8) { /* result undefined */
            c->undef = RF_STATUS;
            if (f->rm == RM_REG)
                c->skip_gpr |= 1u << c->rm;
            else
                c->skip_mem = true;
        }
        break;
    }
    case FAM_MUL:
        c->undef = RF_SF | RF_ZF | RF_AF | RF_PF;
        break;
    case FAM_DIV: {
        c->undef = RF_STATUS;
        uint64_t d = source_operand(f, c, value());
        /* Half the cases: a dividend whose quotient fits. */
        if (rnd() % 2) {
            if (size == 1)
                c->in.gpr[RAX] = (c->in.gpr[RAX] & ~0xffffull) | (rnd() % ((d ? d : 1) << 7));
            else
                c->in.gpr[RDX] = (c->in.gpr[RDX] & ~m) | (d > 1 ? rnd() % (d >> 1) : 0);
        }
        break;
    }
    case FAM_BT:
        c->undef = RF_OF | RF_SF | RF_AF | RF_PF;
        if (f->rm == RM_MEM && f->digit < 0) {
            /* Register bit offset: keep the addressed word inside the arena. */
            int64_t off = (int64_t)(rnd() % 1024) - 512;
            c->in.gpr[c->reg] = (c->in.gpr[c->reg] & ~m) | ((uint64_t)off & m);
        }
        break;
    case FAM_BSF:
        c->undef = RF_CF | RF_OF | RF_SF | RF_AF | RF_PF;
        if (source_operand(f, c, rnd() % 8 ? value() : 0) == 0)
            c->skip_gpr |= 1u << c->reg; /* zero source: destination unchanged on Intel, not on every CPU */
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* The forms. */

static struct form forms[2048];
static int nforms;

static struct form *add_form(const char *name, unsigned size, enum family fam, enum rm_kind rm,
                             int digit, unsigned imm, int nop, uint8_t op0, uint8_t op1)
{
    ck_assert_int_lt(nforms, (int)(sizeof forms / sizeof forms[0]));
    struct form *f = &forms[nforms++];
    memset(f, 0, sizeof *f);
    static const char *const rmname[] = {"", " reg", " mem"};
    snprintf(f->name, sizeof f->name, "%s/%u%s", name, size * 8, rmname[rm]);
    f->size = (uint8_t)size;
    f->family = (uint8_t)fam;
    f->rm = (uint8_t)rm;
    f->digit = (int8_t)digit;
    f->imm = (uint8_t)imm;
    f->nop = (uint8_t)nop;
    f->op[0] = op0;
    f->op[1] = op1;
    return f;
}

static const unsigned sizes[4] = {1, 2, 4, 8};

static unsigned iz(unsigned size)
{
    return size == 1 ? 1 : size == 2 ? 2 : 4;
}

static void build_alu_forms(void)
{
    static const char *const names[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    for (int op = 0; op < 8; op++) {
        enum family fam = (op == 1 || op == 4 || op == 6) ? FAM_LOGIC : FAM_PLAIN;
        for (int s = 0; s < 4; s++) {
            unsigned size = sizes[s];
            uint8_t w = size > 1;
            char n[32];
            snprintf(n, sizeof n, "%s r/m,r", names[op]);
            add_form(n, size, fam, RM_REG, -1, 0, 1, (uint8_t)(op * 8 + w), 0);
            add_form(n, size, fam, RM_MEM, -1, 0, 1, (uint8_t)(op * 8 + w), 0);
            snprintf(n, sizeof n, "%s r,r/m", names[op]);
            add_form(n, size, fam, RM_REG, -1, 0, 1, (uint8_t)(op * 8 + 2 + w), 0);
            add_form(n, size, fam, RM_MEM, -1, 0, 1, (uint8_t)(op * 8 + 2 + w), 0);
            snprintf(n, sizeof n, "%s acc,imm", names[op]);
            add_form(n, size, fam, RM_NONE, -1, iz(size), 1, (uint8_t)(op * 8 + 4 + w), 0);
            snprintf(n, sizeof n, "%s r/m,imm", names[op]);
            add_form(n, size, fam, RM_REG, op, iz(size), 1, size == 1 ? 0x80 : 0x81, 0);
            add_form(n, size, fam, RM_MEM, op, iz(size), 1, size == 1 ? 0x80 : 0x81, 0);
            if (size > 1) {
                snprintf(n, sizeof n, "%s r/m,imm8", names[op]);
                add_form(n, size, fam, RM_REG, op, 1, 1, 0x83, 0);
                add_form(n, size, fam, RM_MEM, op, 1, 1, 0x83, 0);
            }
            if (op != 7 && size == 4) {
                snprintf(n, sizeof n, "lock %s m,r", names[op]);
                struct form *f = add_form(n, size, fam, RM_MEM, -1, 0, 1, (uint8_t)(op * 8 + w), 0);
                f->pfx[0] = 0xf0;
                f->npfx = 1;
            }
        }
    }
}

static void build_unary_forms(void)
{
    for (int s = 0; s < 4; s++) {
        unsigned size = sizes[s];
        uint8_t w = size > 1;
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            add_form("test r/m,r", size, FAM_LOGIC, rm, -1, 0, 1, 0x84 + w, 0);
            add_form("test r/m,imm", size, FAM_LOGIC, rm, 0, iz(size), 1, 0xf6 + w, 0);
            add_form("not", size, FAM_PLAIN, rm, 2, 0, 1, 0xf6 + w, 0);
            add_form("neg", size, FAM_PLAIN, rm, 3, 0, 1, 0xf6 + w, 0);
            add_form("mul", size, FAM_MUL, rm, 4, 0, 1, 0xf6 + w, 0);
            add_form("imul1", size, FAM_MUL, rm, 5, 0, 1, 0xf6 + w, 0);
            add_form("div", size, FAM_DIV, rm, 6, 0, 1, 0xf6 + w, 0);
            add_form("idiv", size, FAM_DIV, rm, 7, 0, 1, 0xf6 + w, 0);
            add_form("inc", size, FAM_PLAIN, rm, 0, 0, 1, 0xfe + w, 0);
            add_form("dec", size, FAM_PLAIN, rm, 1, 0, 1, 0xfe + w, 0);
            if (size > 1) {
                add_form("imul r,r/m", size, FAM_MUL, rm, -1, 0, 2, 0x0f, 0xaf);
                add_form("imul r,r/m,imm", size, FAM_MUL, rm, -1, iz(size), 1, 0x69, 0);
                add_form("imul r,r/m,imm8", size, FAM_MUL, rm, -1, 1, 1, 0x6b, 0);
            }
            add_form("xadd", size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, 0xc0 + w);
            add_form("cmpxchg", size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, 0xb0 + w);
            add_form("xchg", size, FAM_PLAIN, rm, -1, 0, 1, 0x86 + w, 0);
        }
        add_form("test acc,imm", size, FAM_LOGIC, RM_NONE, -1, iz(size), 1, 0xa8 + w, 0);
    }
    struct form *f = add_form("lock xadd", 8, FAM_PLAIN, RM_MEM, -1, 0, 2, 0x0f, 0xc1);
    f->pfx[0] = 0xf0, f->npfx = 1;
    f = add_form("lock cmpxchg", 4, FAM_PLAIN, RM_MEM, -1, 0, 2, 0x0f, 0xb1);
    f->pfx[0] = 0xf0, f->npfx = 1;
    f = add_form("lock neg", 2, FAM_PLAIN, RM_MEM, 3, 0, 1, 0xf7, 0);
    f->pfx[0] = 0xf0, f->npfx = 1;
    /* LOCK where it is not allowed: #UD in both worlds. */
    f = add_form("lock add (register: #UD)", 4, FAM_PLAIN, RM_REG, -1, 0, 1, 0x01, 0);
    f->pfx[0] = 0xf0, f->npfx = 1;
    f = add_form("lock cmp (#UD)", 8, FAM_PLAIN, RM_MEM, -1, 0, 1, 0x39, 0);
    f->pfx[0] = 0xf0, f->npfx = 1;
    f = add_form("lock mov (#UD)", 8, FAM_PLAIN, RM_MEM, -1, 0, 1, 0x89, 0);
    f->pfx[0] = 0xf0, f->npfx = 1;
    /* Invalid ModRM.reg values and register operands where memory is
     * required: #UD in both worlds. */
    add_form("group 4 /2 (#UD)", 1, FAM_PLAIN, RM_REG, 2, 0, 1, 0xfe, 0)->faults = 1;
    add_form("group 5 /7 (#UD)", 8, FAM_PLAIN, RM_MEM, 7, 0, 1, 0xff, 0)->faults = 1;
    add_form("group 8 /0 (#UD)", 4, FAM_PLAIN, RM_REG, 0, 1, 2, 0x0f, 0xba)->faults = 1;
    add_form("mov r/m,imm /1 (#UD)", 4, FAM_PLAIN, RM_MEM, 1, 4, 1, 0xc7, 0)->faults = 1;
    add_form("lea register (#UD)", 8, FAM_PLAIN, RM_REG, -1, 0, 1, 0x8d, 0)->faults = 1;
    add_form("cmpxchg8b register (#UD)", 4, FAM_PLAIN, RM_REG, 1, 0, 2, 0x0f, 0xc7)->faults = 1;
    add_form("cmpxchg16b unaligned (#GP)", 8, FAM_PLAIN, RM_MEM, 1, 0, 2, 0x0f, 0xc7)->faults = 1;
    f = add_form("cmpxchg8b", 4, FAM_PLAIN, RM_MEM, 1, 0, 2, 0x0f, 0xc7);
    f = add_form("cmpxchg16b", 8, FAM_PLAIN, RM_MEM, 1, 0, 2, 0x0f, 0xc7);
    f->mem_align = 16;
    f = add_form("lock cmpxchg16b", 8, FAM_PLAIN, RM_MEM, 1, 0, 2, 0x0f, 0xc7);
    f->mem_align = 16, f->pfx[0] = 0xf0, f->npfx = 1;
}

static void build_shift_forms(void)
{
    static const char *const names[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    for (int op = 0; op < 8; op++)
        for (int s = 0; s < 4; s++) {
            unsigned size = sizes[s];
            uint8_t w = size > 1;
            char n[32];
            for (int rm = RM_REG; rm <= RM_MEM; rm++) {
                snprintf(n, sizeof n, "%s imm8", names[op]);
                add_form(n, size, FAM_SHIFT, rm, op, 1, 1, 0xc0 + w, 0);
                snprintf(n, sizeof n, "%s 1", names[op]);
                add_form(n, size, FAM_SHIFT, rm, op, 0, 1, 0xd0 + w, 0);
                snprintf(n, sizeof n, "%s cl", names[op]);
                add_form(n, size, FAM_SHIFT, rm, op, 0, 1, 0xd2 + w, 0);
            }
        }
    for (int s = 1; s < 4; s++)
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            add_form("shld imm8", sizes[s], FAM_SHXD, rm, -1, 1, 2, 0x0f, 0xa4);
            add_form("shld cl", sizes[s], FAM_SHXD, rm, -1, 0, 2, 0x0f, 0xa5);
            add_form("shrd imm8", sizes[s], FAM_SHXD, rm, -1, 1, 2, 0x0f, 0xac);
            add_form("shrd cl", sizes[s], FAM_SHXD, rm, -1, 0, 2, 0x0f, 0xad);
        }
}

static void build_bit_forms(void)
{
    static const char *const names[4] = {"bt", "bts", "btr", "btc"};
    static const uint8_t reg_ops[4] = {0xa3, 0xab, 0xb3, 0xbb};
    for (int s = 1; s < 4; s++) {
        unsigned size = sizes[s];
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            for (int k = 0; k < 4; k++) {
                char n[32];
                snprintf(n, sizeof n, "%s r/m,r", names[k]);
                add_form(n, size, FAM_BT, rm, -1, 0, 2, 0x0f, reg_ops[k]);
                snprintf(n, sizeof n, "%s r/m,imm8", names[k]);
                add_form(n, size, FAM_BT, rm, 4 + k, 1, 2, 0x0f, 0xba);
            }
            add_form("bsf", size, FAM_BSF, rm, -1, 0, 2, 0x0f, 0xbc);
            add_form("bsr", size, FAM_BSF, rm, -1, 0, 2, 0x0f, 0xbd);
            add_form("movzx r,r/m8", size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, 0xb6);
            add_form("movsx r,r/m8", size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, 0xbe);
            add_form("movzx r,r/m16", size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, 0xb7);
            add_form("movsx r,r/m16", size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, 0xbf);
            add_form("movsxd", size, FAM_PLAIN, rm, -1, 0, 1, 0x63, 0);
            for (int cc = 0; cc < 16; cc += (size == 4 ? 1 : 5)) {
                char n2[32];
                snprintf(n2, sizeof n2, "cmov%x", cc);
                add_form(n2, size, FAM_PLAIN, rm, -1, 0, 2, 0x0f, (uint8_t)(0x40 + cc));
            }
        }
        if (size > 2) {
            struct form *f = add_form("bswap", size, FAM_PLAIN, RM_NONE, -1, 0, 2, 0x0f, 0xc8);
            f->plusr = 1;
        }
    }
    for (int cc = 0; cc < 16; cc++)
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            char n[32];
            snprintf(n, sizeof n, "set%x", cc);
            add_form(n, 1, FAM_PLAIN, rm, 0, 0, 2, 0x0f, (uint8_t)(0x90 + cc));
        }
}

static void build_move_forms(void)
{
    for (int s = 0; s < 4; s++) {
        unsigned size = sizes[s];
        uint8_t w = size > 1;
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            add_form("mov r/m,r", size, FAM_PLAIN, rm, -1, 0, 1, 0x88 + w, 0);
            add_form("mov r,r/m", size, FAM_PLAIN, rm, -1, 0, 1, 0x8a + w, 0);
            add_form("mov r/m,imm", size, FAM_PLAIN, rm, 0, iz(size), 1, 0xc6 + w, 0);
        }
        struct form *f = add_form("mov r,imm", size, FAM_PLAIN, RM_NONE, -1, size, 1,
                                  size == 1 ? 0xb0 : 0xb8, 0);
        f->plusr = 1;
        if (size > 1) {
            f = add_form("xchg acc,r", size, FAM_PLAIN, RM_NONE, -1, 0, 1, 0x90, 0);
            f->plusr = 1;
            add_form("lea", size, FAM_PLAIN, RM_MEM, -1, 0, 1, 0x8d, 0);
            add_form("cbw/cwde/cdqe", size, FAM_PLAIN, RM_NONE, -1, 0, 1, 0x98, 0);
            add_form("cwd/cdq/cqo", size, FAM_PLAIN, RM_NONE, -1, 0, 1, 0x99, 0);
        }
    }
    for (int s = 0; s < 4; s++) {
        for (int a32 = 0; a32 < 2; a32++) {
            for (int store = 0; store < 2; store++) {
                char n[32];
                snprintf(n, sizeof n, "%smov %s", a32 ? "a32 " : "", store ? "moffs,acc" : "acc,moffs");
                struct form *f = add_form(n, sizes[s], FAM_MOFFS, RM_NONE, -1, a32 ? 4 : 8, 1,
                                          (uint8_t)(0xa0 + 2 * store + (s > 0)), 0);
                if (a32)
                    f->pfx[0] = 0x67, f->npfx = 1;
            }
        }
    }
    static const uint8_t flag_ops[] = {0xf5, 0xf8, 0xf9, 0xfc, 0xfd, 0x90};
    static const char *const flag_names[] = {"cmc", "clc", "stc", "cld", "std", "nop"};
    for (int i = 0; i < 6; i++)
        add_form(flag_names[i], 4, FAM_FLAGS, RM_NONE, -1, 0, 1, flag_ops[i], 0);
    add_form("nop r/m (0f 1f)", 4, FAM_PLAIN, RM_MEM, 0, 0, 2, 0x0f, 0x1f);
    add_form("nop r/m (0f 1f)", 2, FAM_PLAIN, RM_REG, 0, 0, 2, 0x0f, 0x1f);
    struct form *f = add_form("pause", 4, FAM_PLAIN, RM_NONE, -1, 0, 1, 0x90, 0);
    f->pfx[0] = 0xf3, f->npfx = 1;
    f = add_form("endbr64", 4, FAM_PLAIN, RM_NONE, -1, 0, 3, 0x0f, 0x1e);
    f->op[2] = 0xfa, f->pfx[0] = 0xf3, f->npfx = 1;
}

static void build_stack_forms(void)
{
    struct form *f;
    for (int s = 2; s <= 8; s += 6) {
        f = add_form("push r", s, FAM_STACK, RM_NONE, -1, 0, 1, 0x50, 0);
        f->plusr = 1, f->no_rexw = 1;
        f = add_form("pop r", s, FAM_STACK, RM_NONE, -1, 0, 1, 0x58, 0);
        f->plusr = 1, f->no_rexw = 1;
        f = add_form("push imm", s, FAM_STACK, RM_NONE, -1, s == 2 ? 2 : 4, 1, 0x68, 0);
        f->no_rexw = 1;
        f = add_form("push imm8", s, FAM_STACK, RM_NONE, -1, 1, 1, 0x6a, 0);
        f->no_rexw = 1;
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            f = add_form("push r/m", s, FAM_STACK, rm, 6, 0, 1, 0xff, 0);
            f->no_rexw = 1;
            f = add_form("pop r/m", s, FAM_STACK, rm, 0, 0, 1, 0x8f, 0);
            f->no_rexw = 1;
        }
        f = add_form("pushf", s, FAM_FLAGS, RM_NONE, -1, 0, 1, 0x9c, 0);
        f->no_rexw = 1;
        f = add_form("popf", s, FAM_FLAGS, RM_NONE, -1, 0, 1, 0x9d, 0);
        f->no_rexw = 1;
        f = add_form("leave", s, FAM_STACK, RM_NONE, -1, 0, 1, 0xc9, 0);
        f->no_rexw = 1;
        f = add_form("enter", s, FAM_STACK, RM_NONE, -1, 3, 1, 0xc8, 0);
        f->no_rexw = 1;
    }
    add_form("lahf", 4, FAM_FLAGS, RM_NONE, -1, 0, 1, 0x9f, 0);
    add_form("sahf", 4, FAM_FLAGS, RM_NONE, -1, 0, 1, 0x9e, 0);
}

/* Near branches: 64-bit operand size, no REX.W (and no 66: AMD honours it). */
static void build_branch_forms(void)
{
    int first = nforms;
    for (int cc = 0; cc < 16; cc++) {
        char n[32];
        snprintf(n, sizeof n, "j%x rel8", cc);
        add_form(n, 8, FAM_BRANCH, RM_NONE, -1, 1, 1, (uint8_t)(0x70 + cc), 0);
        snprintf(n, sizeof n, "j%x rel32", cc);
        add_form(n, 8, FAM_BRANCH, RM_NONE, -1, 4, 2, 0x0f, (uint8_t)(0x80 + cc));
    }
    add_form("jmp rel8", 8, FAM_BRANCH, RM_NONE, -1, 1, 1, 0xeb, 0);
    add_form("jmp rel32", 8, FAM_BRANCH, RM_NONE, -1, 4, 1, 0xe9, 0);
    for (int op = 0xe0; op <= 0xe3; op++) {
        char n[32];
        snprintf(n, sizeof n, "loop/jrcxz %02x", op);
        add_form(n, 8, FAM_BRANCH, RM_NONE, -1, 1, 1, (uint8_t)op, 0);
        snprintf(n, sizeof n, "a32 loop/jrcxz %02x", op);
        struct form *f = add_form(n, 8, FAM_BRANCH, RM_NONE, -1, 1, 1, (uint8_t)op, 0);
        f->pfx[0] = 0x67, f->npfx = 1;
    }
    if (native_code_matches()) { /* absolute addresses agree: return addresses and targets */
        add_form("call rel32", 8, FAM_BRANCH, RM_NONE, -1, 4, 1, 0xe8, 0);
        add_form("ret", 8, FAM_BRANCH, RM_NONE, -1, 0, 1, 0xc3, 0);
        add_form("ret imm16", 8, FAM_BRANCH, RM_NONE, -1, 2, 1, 0xc2, 0);
        for (int rm = RM_REG; rm <= RM_MEM; rm++) {
            add_form("call r/m", 8, FAM_BRANCH, rm, 2, 0, 1, 0xff, 0);
            add_form("jmp r/m", 8, FAM_BRANCH, rm, 4, 0, 1, 0xff, 0);
        }
    }
    for (int i = first; i < nforms; i++)
        forms[i].no_rexw = 1;
}

static void build_string_forms(void)
{
    static const uint8_t ops[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
    static const char *const names[] = {"movs", "cmps", "stos", "lods", "scas"};
    static const uint8_t reps[] = {0, 0xf3, 0xf2};
    for (int k = 0; k < 5; k++)
        for (int s = 0; s < 4; s++)
            for (int r = 0; r < 3; r++)
                for (int a32 = 0; a32 < 2; a32++) {
                    if (a32 && s != 0 && s != 3)
                        continue;
                    char n[32];
                    snprintf(n, sizeof n, "%s%s%s", a32 ? "a32 " : "",
                             r == 0 ? "" : r == 1 ? "rep " : "repne ", names[k]);
                    struct form *f = add_form(n, sizes[s], FAM_STRING, RM_NONE, -1, 0, 1,
                                              (uint8_t)(ops[k] + (s > 0)), 0);
                    if (reps[r])
                        f->pfx[f->npfx++] = reps[r];
                    if (a32)
                        f->pfx[f->npfx++] = 0x67;
                }
}

/* ------------------------------------------------------------------ */
/* Runners for the families that need special state. */

static void run_plain(const struct form *f)
{
    struct test_case c;
    for (int i = 0; i < CASES_PER_FORM; i++) {
        encode(f, &c);
        shape_case(f, &c);
        compare_case(f->name, &c, false);
    }
}

/* Stack forms: RSP in the arena (sometimes misaligned), RBP too for
 * LEAVE/ENTER (ENTER levels up to 33 copy enclosing frame pointers). */
static void run_stack(const struct form *f)
{
    struct test_case c;
    for (int i = 0; i < CASES_PER_FORM; i++) {
        encode(f, &c);
        c.in.gpr[RSP] = HARNESS_ARENA + STACK_OFF - (rnd() % 64) * (rnd() % 4 ? 8 : 1);
        if (f->op[0] == 0xc9 || f->op[0] == 0xc8)
            c.in.gpr[RBP] = HARNESS_ARENA + STACK_OFF + 0x100 - (rnd() % 64) * 8;
        if (f->op[0] == 0xc8) {
            c.code[c.imm_at + 2] = (uint8_t)(rnd() % 4 ? rnd() % 6 : rnd() % 34);
            /* Frames stay inside the arena: ENTER probes the final RSP. */
            uint16_t alloc = (uint16_t)(rnd() % 2 ? rnd() % 0x100 : rnd() % 0x7000);
            c.code[c.imm_at] = (uint8_t)alloc;
            c.code[c.imm_at + 1] = (uint8_t)(alloc >> 8);
        }
        compare_case(f->name, &c, false);
    }
}

/* Flag instructions: DF and the status flags random.  POPF pops a random
 * image (never TF or AC: they would trap natively); at CPL 3 with IOPL 0
 * it may not change IF or IOPL, which both worlds must respect. */
static void run_flags(const struct form *f)
{
    struct test_case c;
    for (int i = 0; i < CASES_PER_FORM; i++) {
        encode(f, &c);
        c.in.rflags = 0x202 | (rnd() & (RF_STATUS | RF_DF));
        if (f->op[0] == 0x9d) {
            c.nplant = 1;
            c.plant_at[0] = c.in.gpr[RSP];
            c.plant_val[0] = (value() & ~(RF_TF | RF_AC)) | (rnd() & (RF_STATUS | RF_DF | RF_NT | RF_IF));
            c.extra_flags = RF_NT | RF_IF | RF_IOPL | RF_TF | RF_AC | RF_ID | RF_VIF | RF_VIP;
        }
        compare_case(f->name, &c, false);
    }
}

/* A branch displacement whose target is neither inside the instruction
 * nor inside the oracle's 14-byte return stub that follows it. */
static int64_t branch_disp(size_t len, unsigned immsize)
{
    for (;;) {
        int64_t d = immsize == 1 ? (int8_t)rnd() : (int64_t)(rnd() % 0x4000) - 0x2000;
        if (d == 0 || d >= 14 || d < -(int64_t)len)
            return d;
    }
}

static void run_branch(const struct form *f)
{
    struct test_case c;
    for (int i = 0; i < CASES_PER_FORM; i++) {
        encode(f, &c);
        c.cmp_rip = true;
        uint8_t op = f->op[0];
        if ((f->imm == 1 || f->imm == 4) && op != 0xc2) {
            uint64_t d = (uint64_t)branch_disp(c.len, f->imm);
            for (unsigned k = 0; k < f->imm; k++)
                c.code[c.imm_at + k] = (uint8_t)(d >> (8 * k));
        }
        if (op >= 0xe0 && op <= 0xe3) {
            static const uint64_t counts[] = {0, 1, 2, 0x100000000ull, 0x100000001ull, ~0ull};
            c.in.gpr[RCX] = rnd() % 2 ? counts[rnd() % 6] : value();
        }
        uint64_t target = HARNESS_CODE + c.len + (uint64_t)branch_disp(c.len, 4);
        if (op == 0xc3 || op == 0xc2) {
            c.in.gpr[RSP] = HARNESS_ARENA + STACK_OFF - 8 * (rnd() % 4);
            c.nplant = 1;
            c.plant_at[0] = c.in.gpr[RSP];
            c.plant_val[0] = target;
        }
        if (op == 0xff) {
            if (f->rm == RM_REG && c.rm == RSP)
                continue; /* CALL RSP would push into the code window */
            if (f->rm == RM_REG) {
                c.in.gpr[c.rm] = target;
            } else {
                c.nplant = 1;
                c.plant_at[0] = c.ea;
                c.plant_val[0] = target;
            }
        }
        compare_case(f->name, &c, false);
    }
}

/* String forms: RSI/RDI in the string window (sometimes overlapping, so
 * MOVS replication and page crossings at 0x3000 occur), counts 0..128,
 * DF random; under 67 the upper halves of RSI/RDI/RCX are garbage that
 * must be ignored.  CMPS/SCAS data are often low-entropy so REPE runs. */
static void run_string(const struct form *f)
{
    struct test_case c;
    bool a32 = false, rep = false;
    for (int k = 0; k < f->npfx; k++) {
        a32 |= f->pfx[k] == 0x67;
        rep |= f->pfx[k] == 0xf3 || f->pfx[k] == 0xf2;
    }
    for (int i = 0; i < CASES_PER_FORM; i++) {
        encode(f, &c);
        c.in.rflags = 0x202 | (rnd() & RF_STATUS) | (rnd() % 2 ? RF_DF : 0);
        uint64_t src = HARNESS_ARENA + 0x2c00 + rnd() % 0x100;
        uint64_t dst = rnd() % 4 ? HARNESS_ARENA + 0x2e00 + rnd() % 0x200
                                 : src + (uint64_t)((int64_t)(rnd() % 33) - 16);
        uint64_t count = rep ? (rnd() % 4 ? rnd() % 129 : rnd() % 3) : value();
        uint64_t garbage = a32 ? rnd() << 32 : 0;
        c.in.gpr[RSI] = garbage | src;
        c.in.gpr[RDI] = (a32 ? rnd() << 32 : 0) | dst;
        c.in.gpr[RCX] = (a32 ? rnd() << 32 : 0) | count;
        if (rnd() % 2)
            c.in.gpr[RAX] = rnd() & 0x0101010101010101ull;
        compare_case(f->name, &c, true);
    }
}

static void run_form(const struct form *f)
{
    forms_run++;
    switch (f->family) {
    case FAM_STACK: run_stack(f); break;
    case FAM_FLAGS: run_flags(f); break;
    case FAM_BRANCH: run_branch(f); break;
    case FAM_MOFFS: run_plain(f); break;
    case FAM_STRING: run_string(f); break;
    default: run_plain(f); break;
    }
}

/* ------------------------------------------------------------------ */
/* Lazy flags: pairs "arithmetic; flag consumer" run as two instructions,
 * so the consumer (SETcc, Jcc, CMOVcc, ADC, SBB, RCL) reads the lazily
 * recorded flags of the first rather than a materialised RFLAGS. */

/* Which status flags condition cc reads (SDM Vol. 1 Appendix B). */
static uint64_t cond_reads(unsigned cc)
{
    static const uint64_t reads[8] = {RF_OF, RF_CF, RF_ZF, RF_CF | RF_ZF, RF_SF, RF_PF,
                                      RF_SF | RF_OF, RF_ZF | RF_SF | RF_OF};
    return reads[cc >> 1];
}

/* Run code (several instructions) in ringscope: n instructions from the
 * state *in, at CPL 3 (set up by a NOP through harness_exec). */
static void emu_run(const uint8_t *code, size_t len, unsigned n, const struct regs *in, struct regs *out,
                    uint64_t *rip)
{
    static const uint8_t nop = 0x90;
    struct regs scratch;
    harness_exec(H, &nop, 1, 3, in, &scratch);
    struct cpu *cpu = H->cpu;
    mmu_phys_write(H->mmu, HARNESS_CODE, code, len);
    memcpy(cpu->gpr, in->gpr, sizeof cpu->gpr);
    cpu_set_rflags(cpu, in->rflags);
    cpu->rip = HARNESS_CODE;
    cpu_run(cpu, n);
    memcpy(out->gpr, cpu->gpr, sizeof out->gpr);
    out->rflags = cpu_rflags(cpu);
    *rip = cpu->rip;
}

static uint64_t pairs_run;

static void run_pairs(unsigned count)
{
    int firsts[1024], nfirst = 0;
    for (int i = 0; i < nforms; i++) {
        const struct form *f = &forms[i];
        if (f->rm == RM_REG && f->npfx == 0 && !f->faults &&
            (f->family == FAM_PLAIN || f->family == FAM_LOGIC || f->family == FAM_SHIFT ||
             f->family == FAM_SHXD || f->family == FAM_MUL || f->family == FAM_BT ||
             f->family == FAM_BSF))
            firsts[nfirst++] = i;
    }
    ck_assert_int_gt(nfirst, 100);
    for (unsigned i = 0; i < count; i++) {
        const struct form *f = &forms[firsts[rnd() % nfirst]];
        struct test_case c;
        encode(f, &c);
        shape_case(f, &c);
        uint64_t defined = RF_STATUS & ~c.undef;
        uint8_t second[8];
        size_t n2 = 0;
        unsigned kind = rnd() % 6, cc = rnd() % 16;
        uint64_t reads = kind < 3 ? cond_reads(cc) : RF_CF;
        if ((reads & defined) != reads)
            continue;
        unsigned r1 = rnd() % 16, r2 = rnd() % 16;
        uint8_t rex = (uint8_t)(0x48 | (r1 >> 3) | (r2 >> 3) << 2);
        uint64_t undef_after = c.undef;
        switch (kind) {
        case 0: /* SETcc r8 (REX: no AH..BH) */
            second[n2++] = (uint8_t)(0x40 | (r1 >> 3));
            second[n2++] = 0x0f, second[n2++] = (uint8_t)(0x90 + cc);
            second[n2++] = (uint8_t)(0xc0 | (r1 & 7));
            break;
        case 1: /* CMOVcc r64, r64 */
            second[n2++] = rex, second[n2++] = 0x0f, second[n2++] = (uint8_t)(0x40 + cc);
            second[n2++] = (uint8_t)(0xc0 | (r2 & 7) << 3 | (r1 & 7));
            break;
        case 2: /* Jcc rel8 */
            second[n2++] = (uint8_t)(0x70 + cc), second[n2++] = 0;
            break;
        case 3: /* ADC r64, r64 */
        case 4: /* SBB r64, r64 */
            second[n2++] = rex, second[n2++] = kind == 3 ? 0x11 : 0x19;
            second[n2++] = (uint8_t)(0xc0 | (r2 & 7) << 3 | (r1 & 7));
            undef_after = 0;
            break;
        default: /* RCL r64, 1 */
            second[n2++] = (uint8_t)(0x48 | (r1 >> 3)), second[n2++] = 0xd1;
            second[n2++] = (uint8_t)(0xc0 | 2 << 3 | (r1 & 7));
            undef_after &= ~(RF_CF | RF_OF);
            break;
        }
        if (c.len + n2 > 15)
            continue;
        uint8_t code[16];
        memcpy(code, c.code, c.len);
        memcpy(code + c.len, second, n2);
        size_t len = c.len + n2;
        if (kind == 2) {
            int64_t d = branch_disp(len, 1);
            code[len - 1] = (uint8_t)d;
        }
        /* A consumer reading a register whose value the first left
         * undefined would compare undefined data. */
        if (c.skip_gpr & ((1u << r1) | (1u << r2)))
            continue;
        struct regs nout, eout;
        uint64_t erip;
        prepare_arena(&c, false);
        int nv = oracle_exec(code, len, &c.in, &nout);
        uint64_t nrip = oracle_last()->rip - oracle_code_address();
        emu_run(code, len, 2, &c.in, &eout, &erip);
        erip -= HARNESS_CODE;
        cases_run++;
        pairs_run++;
        char name[80];
        snprintf(name, sizeof name, "%s + consumer %u cc %x", f->name, kind, cc);
        struct test_case pc = c;
        memcpy(pc.code, code, len);
        pc.len = len;
        if (nv != -1)
            fail_case(name, &pc, "native vector", (uint64_t)nv, 0);
        for (int r = 0; r < 16; r++)
            if (!(c.skip_gpr & (1u << r)) && nout.gpr[r] != eout.gpr[r])
                fail_case(name, &pc, gpr_names[r], nout.gpr[r], eout.gpr[r]);
        uint64_t m = RF_STATUS & ~undef_after;
        if ((nout.rflags & m) != (eout.rflags & m))
            fail_case(name, &pc, "rflags (defined bits)", nout.rflags & m, eout.rflags & m);
        if (nrip != erip)
            fail_case(name, &pc, "rip - code", nrip, erip);
    }
}

/* The ringscope side and the form table, once per test process. */
static void setup_machine(void)
{
    if (!H) {
        H = harness_new(0);
        ck_assert_ptr_nonnull(H);
    }
    if (!nforms) {
        build_alu_forms();
        build_unary_forms();
        build_shift_forms();
        build_bit_forms();
        build_move_forms();
        build_stack_forms();
        build_branch_forms();
        build_string_forms();
    }
}

/* ------------------------------------------------------------------ */
/* REP longer than the interpreter's per-step budget: ringscope leaves RIP
 * on the instruction after STRING_BUDGET elements and resumes on the next
 * step (interrupts may be taken in between); the final state must equal
 * one native execution.  Uses 192 KiB past the arena, mapped natively
 * here (ringscope's harness RAM extends 1 MiB past the arena). */
#define LONG_SIZE 0x30000u

/* Map or unmap [arena end, HARNESS_ARENA + LONG_SIZE) natively. */
static void native_extra(bool mapped)
{
    static bool is_mapped;
    void *at = (void *)(HARNESS_ARENA + HARNESS_ARENA_SIZE);
    size_t len = LONG_SIZE - HARNESS_ARENA_SIZE;
    oracle_arena();
    if (mapped && !is_mapped) {
        void *m = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        ck_assert_ptr_eq(m, at);
    } else if (!mapped && is_mapped) {
        munmap(at, len);
    }
    is_mapped = mapped;
}

static void run_long_rep(const uint8_t *code, size_t len, uint64_t rsi, uint64_t rdi, uint64_t rcx,
                         bool df)
{
    static uint8_t before[LONG_SIZE], emu[LONG_SIZE];
    uint8_t *native = (uint8_t *)HARNESS_ARENA;
    native_extra(true);
    fill_random(before, LONG_SIZE, false);
    memcpy(native, before, LONG_SIZE);
    mmu_phys_write(H->mmu, HARNESS_ARENA, before, LONG_SIZE);
    struct test_case c;
    memset(&c, 0, sizeof c);
    memcpy(c.code, code, len);
    c.len = len;
    for (int i = 0; i < 16; i++)
        c.in.gpr[i] = rnd();
    c.in.gpr[RSP] = HARNESS_ARENA + STACK_OFF;
    c.in.gpr[RSI] = rsi, c.in.gpr[RDI] = rdi, c.in.gpr[RCX] = rcx;
    c.in.rflags = 0x202 | (df ? RF_DF : 0);
    c.in.mxcsr = 0x1f80;
    struct regs nout, eout;
    int nv = oracle_exec(code, len, &c.in, &nout);
    int ev = harness_exec(H, code, len, 3, &c.in, &eout);
    unsigned steps = 1;
    ck_assert_msg(nv == -1, "native vector %d at %#" PRIx64, nv, oracle_last()->fault_addr);
    ck_assert_int_eq(ev, -1);
    while (H->cpu->rip == HARNESS_CODE && steps < 16) {
        cpu_run(H->cpu, 1);
        steps++;
    }
    ck_assert_uint_eq(H->cpu->rip, HARNESS_CODE + len);
    if (rcx > 0x10000) /* more elements than exec_string.c's per-step budget */
        ck_assert_uint_gt(steps, 1);
    for (int i = 0; i < 16; i++)
        if (nout.gpr[i] != H->cpu->gpr[i])
            fail_case("long rep", &c, gpr_names[i], nout.gpr[i], H->cpu->gpr[i]);
    mmu_phys_read(H->mmu, HARNESS_ARENA, emu, LONG_SIZE);
    for (size_t i = 0; i < LONG_SIZE; i++)
        if (native[i] != emu[i])
            fail_case("long rep", &c, "arena byte (offset)", i, (uint64_t)native[i] << 8 | emu[i]);
    cases_run++;
}

/* ------------------------------------------------------------------ */
/* String instructions that fault part-way: REP runs off the end of the
 * arena into an unmapped page.  Natively the page after the arena is not
 * mapped; in ringscope the harness's 2 MiB page over the arena is replaced
 * by a 4 KiB page table mapping only the arena's 16 pages.  Both must raise
 * #PF at the same element, with RCX/RSI/RDI (and the memory written so
 * far) as they were at that element, and the same fault address. */
#define FAULT_PT_PA 0x400000ull /* a free frame of harness RAM for the page table */

static uint64_t arena_pde_address(void)
{
    uint64_t e, table = H->cpu->cr3 & PTE_ADDR_MASK;
    mmu_phys_read(H->mmu, table + 8 * ((HARNESS_ARENA >> 39) & 511), &e, 8);
    table = e & PTE_ADDR_MASK;
    mmu_phys_read(H->mmu, table + 8 * ((HARNESS_ARENA >> 30) & 511), &e, 8);
    table = e & PTE_ADDR_MASK;
    return table + 8 * ((HARNESS_ARENA >> 21) & 511);
}

static uint8_t fault_native[HARNESS_ARENA_SIZE], fault_emu[HARNESS_ARENA_SIZE];

static void run_string_fault(const char *name, const uint8_t *code, size_t len, bool uses_rsi,
                             bool uses_rdi)
{
    struct test_case c;
    memset(&c, 0, sizeof c);
    memcpy(c.code, code, len);
    c.len = len;
    for (int i = 0; i < 16; i++)
        c.in.gpr[i] = value();
    c.in.gpr[RSP] = HARNESS_ARENA + STACK_OFF;
    c.in.rflags = 0x202 | (rnd() & RF_STATUS);
    c.in.mxcsr = 0x1f80;
    uint64_t end = HARNESS_ARENA + HARNESS_ARENA_SIZE;
    bool src_crosses = uses_rsi && (!uses_rdi || rnd() % 2);
    uint64_t near_end = end - 1 - rnd() % 0x300, elsewhere = HARNESS_ARENA + 0x2000 + rnd() % 0x1000;
    c.in.gpr[RSI] = src_crosses ? near_end : elsewhere;
    c.in.gpr[RDI] = src_crosses ? elsewhere : near_end;
    c.in.gpr[RCX] = 0x100 + rnd() % 0x200;
    if (rnd() % 2)
        c.in.gpr[RAX] = rnd() & 0x0101010101010101ull;

    uint8_t *a = oracle_arena();
    fill_random(a + 0x1000, HARNESS_ARENA_SIZE - 0x1000, rnd() % 2);
    mmu_phys_write(H->mmu, HARNESS_ARENA + 0x1000, a + 0x1000, HARNESS_ARENA_SIZE - 0x1000);
    struct regs nout, eout;
    int nv = oracle_exec(code, len, &c.in, &nout);
    int ev = harness_exec(H, code, len, 3, &c.in, &eout);
    cases_run++;
    if (nv != ev)
        fail_case(name, &c, "exception vector", (uint64_t)nv, (uint64_t)ev);
    if (nv == EXC_PF && oracle_last()->fault_addr != H->cpu->cr2)
        fail_case(name, &c, "#PF address (CR2)", oracle_last()->fault_addr, H->cpu->cr2);
    vector_cases[nv & 31] += nv >= 0;
    /* After a fault ringscope's RSP and RFLAGS belong to the handler, and
     * the harness's handler stub reports the vector through AL. */
    for (int i = 0; i < 16; i++)
        if (i != RSP && i != RAX && nout.gpr[i] != eout.gpr[i])
            fail_case(name, &c, gpr_names[i], nout.gpr[i], eout.gpr[i]);
    memcpy(fault_native, a, sizeof fault_native);
    mmu_phys_read(H->mmu, HARNESS_ARENA, fault_emu, sizeof fault_emu);
    for (size_t i = 0x1000; i < sizeof fault_native; i++)
        if (fault_native[i] != fault_emu[i])
            fail_case(name, &c, "arena byte (offset)", i, (uint64_t)fault_native[i] << 8 | fault_emu[i]);
}

START_TEST(test_string_faults)
{
    setup_machine();
    native_extra(false);
    uint64_t pde_at = arena_pde_address(), old_pde, pt[512] = {0};
    mmu_phys_read(H->mmu, pde_at, &old_pde, 8);
    for (unsigned i = 0; i < HARNESS_ARENA_SIZE / 4096; i++)
        pt[i] = (HARNESS_ARENA + 4096 * i) | PTE_P | PTE_W | PTE_U;
    mmu_phys_write(H->mmu, FAULT_PT_PA, pt, sizeof pt);
    uint64_t pde = FAULT_PT_PA | PTE_P | PTE_W | PTE_U;
    mmu_phys_write(H->mmu, pde_at, &pde, 8);
    mmu_flush_all(H->mmu);

    static const uint8_t ops[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
    static const char *const names[] = {"movs", "cmps", "stos", "lods", "scas"};
    uint64_t cases0 = cases_run, pf0 = vector_cases[EXC_PF];
    for (int k = 0; k < 5; k++)
        for (int s = 0; s < 4; s++)
            for (int rep = 0; rep < 2; rep++) {
                uint8_t code[4];
                size_t len = 0;
                code[len++] = rep ? 0xf2 : 0xf3;
                if (sizes[s] == 2)
                    code[len++] = 0x66;
                if (sizes[s] == 8)
                    code[len++] = 0x48;
                code[len++] = (uint8_t)(ops[k] + (s > 0));
                char name[32];
                snprintf(name, sizeof name, "%s %s/%u", rep ? "repne" : "rep", names[k], sizes[s] * 8);
                bool rsi = ops[k] != 0xaa && ops[k] != 0xae, rdi = ops[k] != 0xac;
                for (int i = 0; i < CASES_PER_FORM / 4; i++)
                    run_string_fault(name, code, len, rsi, rdi);
            }
    mmu_phys_write(H->mmu, pde_at, &old_pde, 8);
    mmu_flush_all(H->mmu);
    printf("diff-int string faults: %" PRIu64 " cases compared, %" PRIu64 " raised #PF part-way in both\n",
           cases_run - cases0, vector_cases[EXC_PF] - pf0);
    ck_assert_uint_gt(vector_cases[EXC_PF] - pf0, (cases_run - cases0) / 4);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Check suite: one test per family group. */


static void run_families(const enum family *fams, int nfams, const char *label)
{
    setup_machine();
    uint64_t forms0 = forms_run, cases0 = cases_run;
    uint64_t de0 = vector_cases[EXC_DE], ud0 = vector_cases[EXC_UD], gp0 = vector_cases[EXC_GP];
    for (int i = 0; i < nforms; i++)
        for (int k = 0; k < nfams; k++)
            if (forms[i].family == fams[k])
                run_form(&forms[i]);
    printf("diff-int %s: %" PRIu64 " forms, %" PRIu64 " cases compared with the host CPU"
           " (both raised #DE %" PRIu64 ", #UD %" PRIu64 ", #GP %" PRIu64 ")\n",
           label, forms_run - forms0, cases_run - cases0, vector_cases[EXC_DE] - de0,
           vector_cases[EXC_UD] - ud0, vector_cases[EXC_GP] - gp0);
}

START_TEST(test_alu_and_logic)
{
    static const enum family f[] = {FAM_PLAIN, FAM_LOGIC, FAM_MOFFS};
    run_families(f, 3, "alu/logic/move/cmov/setcc/xchg/cmpxchg");
}
END_TEST

START_TEST(test_shifts)
{
    static const enum family f[] = {FAM_SHIFT, FAM_SHXD};
    run_families(f, 2, "shifts/rotates/shld/shrd");
}
END_TEST

START_TEST(test_mul_div_bits)
{
    static const enum family f[] = {FAM_MUL, FAM_DIV, FAM_BT, FAM_BSF};
    run_families(f, 4, "mul/div/bt/bsf");
}
END_TEST

START_TEST(test_stack_flags_branches)
{
    static const enum family f[] = {FAM_STACK, FAM_FLAGS, FAM_BRANCH};
    run_families(f, 3, "stack/flags/branches");
}
END_TEST

START_TEST(test_strings)
{
    static const enum family f[] = {FAM_STRING};
    run_families(f, 1, "strings");
}
END_TEST

START_TEST(test_long_rep)
{
    setup_machine();
    static const uint8_t rep_movsb[] = {0xf3, 0xa4}, rep_stosb[] = {0xf3, 0xaa};
    static const uint8_t rep_movsq[] = {0xf3, 0x48, 0xa5};
    /* Forward, destination 68 KiB ahead of the source: chunks replicate. */
    run_long_rep(rep_movsb, 2, HARNESS_ARENA + 0x1000, HARNESS_ARENA + 0x12000, 0x18000, false);
    /* Backward, element by element. */
    run_long_rep(rep_stosb, 2, 0, HARNESS_ARENA + 0x29000, 0x18000, true);
    /* 8-byte elements, unaligned, crossing pages, destination below the source. */
    run_long_rep(rep_movsq, 3, HARNESS_ARENA + 0x8003, HARNESS_ARENA + 0x5, 0x4000, false);
    printf("diff-int long REP: 3 cases compared\n");
}
END_TEST

START_TEST(test_lazy_flag_pairs)
{
    setup_machine();
    run_pairs(40 * CASES_PER_FORM);
    printf("diff-int lazy-flag pairs: %" PRIu64 " two-instruction cases compared\n", pairs_run);
    ck_assert_uint_gt(pairs_run, 10 * CASES_PER_FORM);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diff_int");
    TCase *tc = tcase_create("host-cpu");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_alu_and_logic);
    tcase_add_test(tc, test_shifts);
    tcase_add_test(tc, test_mul_div_bits);
    tcase_add_test(tc, test_stack_flags_branches);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_lazy_flag_pairs);
    tcase_add_test(tc, test_long_rep);
    tcase_add_test(tc, test_string_faults);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
