/* target.c — the target description and the register numbering
 * (target.h).  The XML is built from the one register table below, so the
 * numbering gdb reads and the one g/p use cannot drift apart. */
#include "target.h"

#include <stdio.h>
#include <string.h>

/* gdb's amd64 numbering: the order of its 64bit-core.xml, 64bit-sse.xml
 * and 64bit-segments.xml, then ours. */
enum {
    R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_RSP, R_R8, R_R15 = R_R8 + 7,
    R_RIP, R_EFLAGS, R_CS, R_SS, R_DS, R_ES, R_FS, R_GS,
    R_ST0, R_FCTRL = R_ST0 + 8, R_FSTAT, R_FTAG, R_FISEG, R_FIOFF, R_FOSEG, R_FOOFF, R_FOP,
    R_XMM0, R_MXCSR = R_XMM0 + 16, R_FS_BASE, R_GS_BASE,
    R_CR0, R_CR2, R_CR3, R_CR4, R_EFER, R_COUNT
};

const struct gdb_reg gdb_regs[] = {
    {"rax", 64}, {"rbx", 64}, {"rcx", 64}, {"rdx", 64}, {"rsi", 64}, {"rdi", 64}, {"rbp", 64}, {"rsp", 64},
    {"r8", 64}, {"r9", 64}, {"r10", 64}, {"r11", 64}, {"r12", 64}, {"r13", 64}, {"r14", 64}, {"r15", 64},
    {"rip", 64}, {"eflags", 32}, {"cs", 32}, {"ss", 32}, {"ds", 32}, {"es", 32}, {"fs", 32}, {"gs", 32},
    {"st0", 80}, {"st1", 80}, {"st2", 80}, {"st3", 80}, {"st4", 80}, {"st5", 80}, {"st6", 80}, {"st7", 80},
    {"fctrl", 32}, {"fstat", 32}, {"ftag", 32}, {"fiseg", 32}, {"fioff", 32}, {"foseg", 32}, {"fooff", 32},
    {"fop", 32},
    {"xmm0", 128}, {"xmm1", 128}, {"xmm2", 128}, {"xmm3", 128}, {"xmm4", 128}, {"xmm5", 128},
    {"xmm6", 128}, {"xmm7", 128}, {"xmm8", 128}, {"xmm9", 128}, {"xmm10", 128}, {"xmm11", 128},
    {"xmm12", 128}, {"xmm13", 128}, {"xmm14", 128}, {"xmm15", 128}, {"mxcsr", 32},
    {"fs_base", 64}, {"gs_base", 64},
    {"cr0", 64}, {"cr2", 64}, {"cr3", 64}, {"cr4", 64}, {"efer", 64},
};
const size_t gdb_nregs = sizeof gdb_regs / sizeof gdb_regs[0];
_Static_assert(sizeof gdb_regs / sizeof gdb_regs[0] == R_COUNT, "one row per register");

/* gdb's regnum -> our GPR index (cpu.h: RAX RCX RDX RBX RSP RBP RSI RDI R8..). */
static const int gpr_of[16] = {RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15};
static const int seg_of[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};

/* ---- the XML ------------------------------------------------------------ */

static const char *type_of(size_t r)
{
    if (r == R_RIP)
        return "code_ptr";
    if (r == R_RSP || r == R_RBP)
        return "data_ptr";
    if (r == R_EFLAGS)
        return "i386_eflags";
    if (r >= R_ST0 && r < R_FCTRL)
        return "i387_ext";
    if (r >= R_XMM0 && r < R_MXCSR)
        return "vec128";
    if (r == R_MXCSR)
        return "i386_mxcsr";
    if (r == R_FS_BASE || r == R_GS_BASE)
        return "int";
    return gdb_regs[r].bits == 64 ? "int64" : "int32";
}

static const char core_types[] =
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>";

static const char sse_types[] =
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
    "<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
    "<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/></union>"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/></flags>";

static char xml[16384];
static size_t xml_len;

static void build_xml(void)
{
    static const struct { const char *name; size_t first, end; const char *types; } features[] = {
        {"org.gnu.gdb.i386.core", R_RAX, R_XMM0, core_types},
        {"org.gnu.gdb.i386.sse", R_XMM0, R_FS_BASE, sse_types},
        {"org.gnu.gdb.i386.segments", R_FS_BASE, R_CR0, ""},
        {"org.ringscope.x86.system", R_CR0, R_COUNT, ""},
    };
    size_t n = (size_t)snprintf(xml, sizeof xml,
                                "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                "<target version=\"1.0\"><architecture>i386:x86-64</architecture>");
    for (size_t f = 0; f < sizeof features / sizeof features[0]; f++) {
        n += (size_t)snprintf(xml + n, sizeof xml - n, "<feature name=\"%s\">%s", features[f].name,
                              features[f].types);
        for (size_t r = features[f].first; r < features[f].end; r++) {
            const char *group = r >= R_CR0 ? " group=\"system\"" : r >= R_XMM0 && r <= R_MXCSR ? " group=\"vector\""
                                : r >= R_FCTRL && r < R_XMM0 ? " group=\"float\"" : "";
            n += (size_t)snprintf(xml + n, sizeof xml - n, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%zu\"%s/>",
                                  gdb_regs[r].name, gdb_regs[r].bits, type_of(r), r, group);
        }
        n += (size_t)snprintf(xml + n, sizeof xml - n, "</feature>");
    }
    n += (size_t)snprintf(xml + n, sizeof xml - n, "</target>\n");
    xml_len = n < sizeof xml ? n : sizeof xml - 1;
}

const char *gdb_target_xml(const char *name, size_t *len)
{
    if (strcmp(name, "target.xml") != 0)
        return NULL;
    if (!xml_len)
        build_xml();
    *len = xml_len;
    return xml;
}

/* ---- reading and writing ------------------------------------------------ */

static void put(uint8_t *out, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | in[i];
    return v;
}

/* FSTAT with TOP in bits 13:11 (the CPU keeps TOP apart). */
static uint16_t fstat_of(const struct cpu *cpu) { return (uint16_t)((cpu->fsw & ~0x3800u) | (cpu->ftop & 7u) << 11); }

bool gdb_reg_read(struct cpu *cpu, const struct gdb_frame_regs *frame, size_t r, uint8_t *out)
{
    unsigned bytes = gdb_regs[r].bits / 8;
    if (frame) {
        /* A switched-out thread: what its trap frame holds. */
        if (r <= R_R15) put(out, frame->gpr[gpr_of[r]], 8);
        else if (r == R_RIP) put(out, frame->rip, 8);
        else if (r == R_EFLAGS) put(out, frame->rflags, 4);
        else if (r == R_CS) put(out, frame->cs, 4);
        else if (r == R_SS) put(out, frame->ss, 4);
        else if (r == R_CR3) put(out, frame->cr3, 8);
        else return false;
        return true;
    }
    if (r <= R_R15) {
        put(out, cpu->gpr[gpr_of[r]], 8);
    } else if (r == R_RIP) {
        put(out, cpu->rip, 8);
    } else if (r == R_EFLAGS) {
        put(out, cpu_rflags(cpu), 4);
    } else if (r <= R_GS) {
        put(out, cpu->seg[seg_of[r - R_CS]].sel, 4);
    } else if (r < R_FCTRL) {
        long double v = cpu->fpr[(cpu->ftop + (r - R_ST0)) & 7];
        memcpy(out, &v, 10); /* the host's long double is the 80-bit format */
    } else if (r == R_FCTRL) {
        put(out, cpu->fcw, 4);
    } else if (r == R_FSTAT) {
        put(out, fstat_of(cpu), 4);
    } else if (r == R_FTAG) {
        put(out, cpu->ftw, 4);
    } else if (r == R_FISEG || r == R_FOSEG) {
        put(out, 0, 4);      /* 64-bit mode keeps no FPU selectors */
    } else if (r == R_FIOFF) {
        put(out, cpu->fip, 4);
    } else if (r == R_FOOFF) {
        put(out, cpu->fdp, 4);
    } else if (r == R_FOP) {
        put(out, cpu->fop, 4);
    } else if (r < R_MXCSR) {
        memcpy(out, &cpu->xmm[r - R_XMM0], 16);
    } else if (r == R_MXCSR) {
        put(out, cpu->mxcsr, 4);
    } else if (r == R_FS_BASE) {
        put(out, cpu->seg[SEG_FS].base, 8);
    } else if (r == R_GS_BASE) {
        put(out, cpu->seg[SEG_GS].base, 8);
    } else if (r == R_CR0) {
        put(out, cpu->cr0, 8);
    } else if (r == R_CR2) {
        put(out, cpu->cr2, 8);
    } else if (r == R_CR3) {
        put(out, cpu->cr3, 8);
    } else if (r == R_CR4) {
        put(out, cpu->cr4, 8);
    } else if (r == R_EFER) {
        put(out, cpu->efer, 8);
    } else {
        return false;
    }
    (void)bytes;
    return true;
}

bool gdb_reg_write(struct cpu *cpu, size_t r, const uint8_t *in)
{
    if (r >= gdb_nregs)
        return false;
    unsigned bytes = gdb_regs[r].bits / 8;
    uint64_t v = bytes <= 8 ? get(in, bytes) : 0;
    if (r <= R_R15) {
        cpu->gpr[gpr_of[r]] = v;
    } else if (r == R_RIP) {
        cpu->rip = v;
    } else if (r == R_EFLAGS) {
        cpu_set_rflags(cpu, (cpu_rflags(cpu) & ~0xffffffffull) | v);
    } else if (r <= R_GS) {
        return cpu->seg[seg_of[r - R_CS]].sel == v; /* loading a selector reads a descriptor: not from gdb */
    } else if (r < R_FCTRL) {
        long double x = 0;
        memcpy(&x, in, 10);
        cpu->fpr[(cpu->ftop + (r - R_ST0)) & 7] = x;
    } else if (r == R_FCTRL) {
        cpu->fcw = (uint16_t)v;
    } else if (r == R_FSTAT) {
        cpu->fsw = (uint16_t)(v & ~0x3800u);
        cpu->ftop = (uint8_t)((v >> 11) & 7);
    } else if (r == R_FTAG) {
        cpu->ftw = (uint16_t)v;
    } else if (r == R_FISEG || r == R_FOSEG) {
        return v == 0;
    } else if (r == R_FIOFF) {
        cpu->fip = v;
    } else if (r == R_FOOFF) {
        cpu->fdp = v;
    } else if (r == R_FOP) {
        cpu->fop = (uint16_t)v;
    } else if (r < R_MXCSR) {
        memcpy(&cpu->xmm[r - R_XMM0], in, 16);
    } else if (r == R_MXCSR) {
        cpu->mxcsr = (uint32_t)v;
    } else if (r == R_FS_BASE) {
        if (!va_canonical(v))
            return false;
        cpu->seg[SEG_FS].base = v;
    } else if (r == R_GS_BASE) {
        if (!va_canonical(v))
            return false;
        cpu->seg[SEG_GS].base = v;
    } else if (r == R_CR2) {
        cpu->cr2 = v;
    } else {
        /* CR0, CR3, CR4, EFER change how every address translates: only
         * the guest itself changes them (writing the same value is fine). */
        uint64_t now = r == R_CR0 ? cpu->cr0 : r == R_CR3 ? cpu->cr3 : r == R_CR4 ? cpu->cr4 : cpu->efer;
        return v == now;
    }
    return true;
}
