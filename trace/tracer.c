/* tracer.c — the observer that produces trace events (tracer.h).
 *
 * Per instruction: before_insn decides whether the instruction is visible
 * (filters), snapshots the registers and emits the `insn` event; memory,
 * TLB, walk, exception, transfer and port callbacks emit events caused by
 * it; after_insn (or, for an instruction that faulted, the next
 * before_insn) diffs the registers against the snapshot and emits one `reg`
 * event per change.  Guest memory is only ever read through side-effect-free
 * queries (mmu_peek, mmu_phys_read), so tracing never faults
 * the guest, sets an Accessed bit or changes TLB statistics.
 *
 * The events of every instruction (insn, mem, reg, tlb) are the hot path:
 * they are made as typed records (records.h) that go as they are to the
 * writer's one renderer of their kind and to the recording, never through
 * a field list; an instruction's strings and its rendered text are cached
 * per decoded instruction (insn_text).  Every other kind is a trace_event
 * (tracer_emit). */
#include "tracer.h"
#include <emmintrin.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu.h"
#include "os/abi/kinfo.h"
#include "machine/debugport.h"
#include "machine/watch.h"
#include "binfmt.h"
#include "disasm.h"
#include "ports.h"
#include "symbols.h"
#include "syscalls.h"
#include "vectors.h"

/* Registers compared before/after each instruction besides the GPRs and
 * RFLAGS (RIP is left out: the next instruction line shows it). */
enum { SYS_ES, SYS_CS, SYS_SS, SYS_DS, SYS_FS, SYS_GS, SYS_FS_BASE, SYS_GS_BASE,
       SYS_KERNEL_GS_BASE, SYS_CR0, SYS_CR2, SYS_CR3, SYS_CR4, SYS_EFER, SYS_COUNT };
/* Their names are the `reg` record's, in this order (records.h). */
_Static_assert(TRACE_REG_ES + SYS_EFER == TRACE_REG_EFER, "sys registers in record order");
/* The TLB flag words of records.h are indexed by these bits. */
_Static_assert(TLBF_W == 1 && TLBF_U == 2 && TLBF_NX == 4 && TLBF_G == 8 && TLBF_D == 16,
               "TLB flag bits as records.h reads them");
static const char *const level_names[4] = {"pml4e", "pdpte", "pde", "pte"};
static const char *const level_keys[4][3] = {{"pml4e_addr", "pml4e", "pml4e_flags"},
                                             {"pdpte_addr", "pdpte", "pdpte_flags"},
                                             {"pde_addr", "pde", "pde_flags"},
                                             {"pte_addr", "pte", "pte_flags"}};

struct snapshot {
    uint64_t gpr[16];
    uint64_t rflags;
    uint64_t sys[SYS_COUNT];
    union xmm xmm[16];
};

/* SYSCALL number waiting for its SYSRET, keyed by the user RSP and CR3 at
 * the call (the kernel restores both before SYSRETQ, and every thread has
 * its own stack). */
#define PENDING_CALLS 64
struct pending_call {
    uint64_t key;
    uint64_t nr;
    uint64_t args[6];
    bool used;
};

/* An instruction's strings (symbol, bytes, disassembly) and the writer's
 * rendering of its event after step and time (trace_writer_insn_cols),
 * cached per decoded instruction: keyed like the disassembly (virtual
 * address, physical address, bytes), plus CR3, CPL and the generation of
 * the symbol tables.  Direct-mapped; a colliding instruction replaces the
 * entry. */
#define INSN_TEXT_BITS 12
#define INSN_STRINGS 256          /* the three strings with their NULs */
struct insn_text {
    uint64_t va, pa, cr3;
    uint64_t code[2];         /* the bytes, zero beyond len */
    unsigned symbols_gen;
    uint8_t cpl;
    uint8_t len;              /* 0: empty */
    struct trace_insn rec;        /* the event but its step and time */
    char strings[INSN_STRINGS];   /* rec's sym, bytes, disasm, each NUL-terminated */
    struct trace_insn_cols cols;  /* with a writer */
};

/* Names of calls above the Linux range, from the kernel's syscall-name
 * OS events. */
#define EXTRA_CALLS 16
struct extra_call {
    uint64_t nr;
    char name[OSEV_TEXT_SIZE + 1];
};

/* Who a process is: its name (the program it runs: the kernel's
 * proc-create name, then the basename of every execve), by pid. */
#define COMMS 64
#define COMM_SIZE 32
struct comm {
    int32_t pid;
    bool used;
    int16_t program;          /* its symbols: index into programs[], -1 = the main program's */
    char name[COMM_SIZE];
};

/* Programs a process may execve (the initrd's files: guest path, host
 * path), their symbol tables loaded at the first execve of each. */
#define PROGRAMS 64
struct program {
    char guest[128], host[512];
    struct symbols *syms;
    bool tried;
};

/* Where each thread entered the kernel from ring 3 (a SYSCALL or a
 * fault/interrupt taken in user mode), so kernel-side events name the
 * user instruction they work for.  By tid. */
#define USER_ENTRIES 64
struct user_entry {
    int32_t tid;
    bool in_kernel;
    uint64_t rip;
};

struct tracer {
    struct trace_config cfg;
    FILE *own_file;
    struct trace_writer *writer;
    struct trace_recording *rec;
    void (*sink)(void *ctx, const struct trace_event *e);
    void *sink_ctx;
    struct symbols *syms;
    struct disasm *dis;
    struct cpu *cpu;
    struct watch_hub *hub;    /* attached to, or NULL */
    struct watcher watcher;
    /* Sparse: no event kind or filter needs every instruction, so the
     * tracer watches only the crossings and counts steps from the CPU's
     * begun-instruction count (begun0: at attach). */
    bool sparse;
    uint64_t begun0;
    uint64_t (*now)(void *ctx);
    void *now_ctx;

    /* Filters. */
    bool started, stopped, has_until;
    uint64_t from_addr, until_addr;
    int64_t cur_pid;          /* from "switch" OS events; -1 until the first */
    int32_t ctx_pid, ctx_tid; /* the guest thread of the watch event being handled */
    struct comm comms[COMMS];
    struct program programs[PROGRAMS];
    unsigned nprograms;
    const char *main_host;     /* the main program's host path (its table is in syms) */
    struct user_entry entries[USER_ENTRIES];
    char exec_old[COMM_SIZE]; /* the name before a pending execve (failed: restored) */
    int32_t exec_pid;
    int16_t exec_old_program;

    /* The instruction in progress. */
    bool in_insn;             /* between before_insn and its end */
    bool visible;             /* it passes every filter */
    bool visible_any_ring;    /* it passes the filters other than ring/range */
    uint64_t step;            /* the current instruction's number */
    uint64_t next_step;       /* instructions begun since attach (faulted ones too) */
    struct snapshot snap;
    bool snap_xmm;            /* snap holds the XMM registers too */
    bool snap_sys;            /* the instruction may write a system register */

    /* Counter samples (sample events): the next step that takes one, the
     * idle time of the last (virtual time minus retired instructions),
     * where the kernel publishes its frame counts (0: not found). */
    uint64_t next_sample, last_idle, kinfo_va;

    struct pending_call calls[PENDING_CALLS];
    struct extra_call extra_calls[EXTRA_CALLS];
    struct tracer_stats stats;

    struct insn_text *insn_text;  /* 1 << INSN_TEXT_BITS entries */
    unsigned symbols_gen;         /* bumped by every symbol table loaded */
    uint64_t insn_text_hits;

    /* Scratch text for the event being built. */
    char sym[160], sym2[160], words[64], args[1200];
    char flags[4][48], osname[80];
    char user_sym[160];
    char words2[1200];
};

void tracer_emit(struct tracer *t, const struct trace_event *e)
{
    if (!(t->cfg.kinds & (1u << e->kind)))
        return;
    t->stats.events++;
    if (e->kind == TRACE_INSN)
        t->stats.insns++;
    if (t->writer)
        trace_writer_event(t->writer, e);
    if (t->rec)
        trace_recording_add(t->rec, e);
    if (t->sink)
        t->sink(t->sink_ctx, e);
}

static inline bool wants(const struct tracer *t, enum trace_kind k)
{
    return t->cfg.kinds & (1u << k);
}

static bool pid_ok(const struct tracer *t)
{
    return t->cfg.pid < 0 || t->cur_pid == t->cfg.pid;
}

/* May an event that no visible instruction caused be shown?  cpl < 0: the
 * event has no ring (OS events, log lines). */
static bool standalone_ok(const struct tracer *t, int cpl)
{
    if (!t->started || t->stopped || !pid_ok(t))
        return false;
    return cpl < 0 || t->cfg.ring < 0 || cpl == t->cfg.ring;
}

/* May an event of this kind be shown now: caused by the current
 * instruction if it is visible (*child), or standing alone otherwise?
 * *step is the step it carries. */
static bool visible_event(const struct tracer *t, enum trace_kind kind, int cpl,
                          bool ring_independent, uint64_t *step, bool *child)
{
    if (!wants(t, kind))
        return false;
    if (t->in_insn && t->visible) {
        *step = t->step;
        *child = true;
        return true;
    }
    if (t->in_insn && !(ring_independent && t->visible_any_ring))
        return false;
    if (!t->in_insn && !standalone_ok(t, ring_independent ? -1 : cpl))
        return false;
    *step = t->next_step;
    *child = false;
    return true;
}

/* Start an event caused by the current instruction if it is visible, or a
 * standalone one otherwise; false when the filters hide it. */
static bool begin(struct tracer *t, struct trace_event *e, enum trace_kind kind, int cpl,
                  bool ring_independent)
{
    uint64_t step;
    bool child;
    if (!visible_event(t, kind, cpl, ring_independent, &step, &child))
        return false;
    trace_event_init(e, kind, step, child);
    return true;
}

/* ---- who and where: the context every non-instruction event carries ---- */

static struct comm *comm_slot(struct tracer *t, int32_t pid, bool create)
{
    struct comm *c = &t->comms[(uint32_t)pid % COMMS];
    if (c->used && c->pid == pid)
        return c;
    if (!create)
        return NULL;
    *c = (struct comm){.pid = pid, .used = true};
    return c;
}

static void set_comm(struct tracer *t, int32_t pid, const char *name)
{
    struct comm *c = comm_slot(t, pid, false);
    if (!c) {
        c = comm_slot(t, pid, true);
        c->program = -1;
    }
    snprintf(c->name, sizeof c->name, "%s", name);
}

/* The symbol table of the program process pid runs, loaded on first use;
 * NULL for the main program's (in t->syms with the kernel's). */
static struct symbols *program_symbols(struct tracer *t, int32_t pid)
{
    const struct comm *c = comm_slot(t, pid, false);
    if (!c || c->program < 0 || (unsigned)c->program >= t->nprograms)
        return NULL;
    struct program *p = &t->programs[c->program];
    if (!p->tried) {
        char err[256];
        p->tried = true;
        if ((p->syms = symbols_new()) && symbols_load_elf(p->syms, p->host, "", 0, err, sizeof err) < 0) {
            symbols_free(p->syms);
            p->syms = NULL;
        }
    }
    return p->syms;
}

/* va as `func+0x1c`: a user address in the table of the program the
 * current process runs (after an execve, not the main program's), the
 * kernel's and the main program's in t->syms. */
static size_t format_sym(struct tracer *t, uint64_t va, char *buf, size_t cap)
{
    if (va < 0x800000000000ull) {
        struct symbols *ps = program_symbols(t, t->ctx_pid);
        if (ps)
            return symbols_format(ps, va, buf, cap);
        const struct comm *c = comm_slot(t, t->ctx_pid, false);
        if (c && c->program >= 0) {
            if (cap)
                buf[0] = 0;
            return 0; /* a program without symbols: no name rather than a wrong one */
        }
    }
    return symbols_format(t->syms, va, buf, cap);
}

/* The process name of pid: "kernel" for pid 0 (the kernel's own context,
 * before the first process runs), "" when unknown. */
static const char *comm_of(struct tracer *t, int32_t pid)
{
    const struct comm *c = comm_slot(t, pid, false);
    return c ? c->name : pid == 0 ? "kernel" : "";
}

static struct user_entry *user_entry(struct tracer *t, int32_t tid)
{
    struct user_entry *u = &t->entries[(uint32_t)tid % USER_ENTRIES];
    if (u->tid != tid)
        *u = (struct user_entry){.tid = tid};
    return u;
}

/* pid, tid and comm: the guest thread the event happened in (none before
 * the kernel's first context switch). */
static void add_who(struct tracer *t, struct trace_event *e, int32_t pid, int32_t tid)
{
    if (pid < 0)
        return; /* no guest kernel has reported a thread (a bare-metal guest) */
    trace_add(e, "pid", TF_SDEC, (uint64_t)(int64_t)pid);
    trace_add(e, "tid", TF_SDEC, (uint64_t)(int64_t)tid);
    trace_add_str(e, "comm", comm_of(t, pid));
}

/* key = va and its symbol (symkey, "" when there is none). */
static void add_where(struct tracer *t, struct trace_event *e, const char *key, const char *symkey,
                      uint64_t va, char *buf, size_t cap)
{
    trace_add(e, key, TF_HEX, va);
    size_t n = format_sym(t, va, buf, cap);
    trace_add_strn(e, symkey, buf, n);
}

/* A ring crossing: cpl (the ring it happened in), from_cpl, to_cpl. */
static void add_cpls(struct trace_event *e, uint8_t from, uint8_t to)
{
    trace_add(e, "cpl", TF_DEC, from);
    trace_add(e, "from_cpl", TF_DEC, from);
    trace_add(e, "to_cpl", TF_DEC, to);
}

/* ---- guest memory, read without side effects ---- */

/* The physical address the CPU would use for va now: the TLB's entry when
 * it holds one (even a stale one, as the CPU would), else the walk's. */
static inline bool peek_pa(const struct cpu *cpu, uint64_t va, uint64_t *pa)
{
    return mmu_peek_pa(cpu->mmu, cpu->cr3, va, pa);
}

static bool guest_read(void *ctx, uint64_t va, void *dst, size_t len)
{
    struct tracer *t = ctx;
    uint8_t *d = dst;
    while (len) {
        size_t room = 0x1000 - (va & 0xfff);
        size_t n = len < room ? len : room;
        uint64_t pa;
        if (!peek_pa(t->cpu, va, &pa) || !mmu_phys_read(t->cpu->mmu, pa, d, n))
            return false;
        va += n;
        d += n;
        len -= n;
    }
    return true;
}

/* An event the kernel reported while working for thread tid: rip and sym
 * of the user instruction that entered the kernel (a SYSCALL, a faulting
 * instruction, the one an interrupt came after), when it was entered from
 * ring 3 (the kernel's own work, e.g. at boot, has none). */
static void add_user_where(struct tracer *t, struct trace_event *e, int32_t tid)
{
    const struct user_entry *u = &t->entries[(uint32_t)tid % USER_ENTRIES];
    if (u->tid == tid && u->in_kernel)
        add_where(t, e, "rip", "sym", u->rip, t->user_sym, sizeof t->user_sym);
}

/* execve(path): the process will be named after the program's basename
 * (as the kernel names it, and Linux's comm), unless the call fails. */
static void note_execve(struct tracer *t, uint64_t path_va)
{
    char path[256];
    size_t n = 0;
    while (n < sizeof path - 1 && guest_read(t, path_va + n, &path[n], 1) && path[n])
        n++;
    path[n] = 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(t->exec_old, sizeof t->exec_old, "%s", comm_of(t, t->ctx_pid));
    t->exec_pid = t->ctx_pid;
    t->exec_old_program = -1;
    if (*base) {
        set_comm(t, t->ctx_pid, base);
        struct comm *c = comm_slot(t, t->ctx_pid, false);
        t->exec_old_program = c->program;
        /* The new program's symbols: the initrd file at that path (the
         * main program's own table when it is the main program). */
        int16_t prog = -2;
        for (unsigned i = 0; i < t->nprograms; i++)
            if (strcmp(t->programs[i].guest, path) == 0)
                prog = t->main_host && strcmp(t->programs[i].host, t->main_host) == 0 ? -1 : (int16_t)i;
        c->program = prog == -2 ? (int16_t)PROGRAMS : prog; /* unknown: no symbols */
        t->symbols_gen++; /* cached instruction text may name other symbols now */
    }
}

/* ---- instructions ---- */

/* The registers compared besides the GPRs, RFLAGS and XMM. */
static void system_registers(const struct cpu *cpu, uint64_t sys[SYS_COUNT])
{
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++)
        sys[SYS_ES + i] = cpu->seg[i].sel;
    sys[SYS_FS_BASE] = cpu->seg[SEG_FS].base;
    sys[SYS_GS_BASE] = cpu->seg[SEG_GS].base;
    sys[SYS_KERNEL_GS_BASE] = cpu->kernel_gs_base;
    sys[SYS_CR0] = cpu->cr0;
    sys[SYS_CR2] = cpu->cr2;
    sys[SYS_CR3] = cpu->cr3;
    sys[SYS_CR4] = cpu->cr4;
    sys[SYS_EFER] = cpu->efer;
}

/* Whether any register of system_registers differs from sys: the bits
 * that differ, or'ed together (compared field by field, no copy). */
static uint64_t system_registers_differ(const struct cpu *cpu, const uint64_t sys[SYS_COUNT])
{
    uint64_t d = 0;
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++)
        d |= cpu->seg[i].sel ^ sys[SYS_ES + i];
    d |= cpu->seg[SEG_FS].base ^ sys[SYS_FS_BASE];
    d |= cpu->seg[SEG_GS].base ^ sys[SYS_GS_BASE];
    d |= cpu->kernel_gs_base ^ sys[SYS_KERNEL_GS_BASE];
    d |= cpu->cr0 ^ sys[SYS_CR0];
    d |= cpu->cr2 ^ sys[SYS_CR2];
    d |= cpu->cr3 ^ sys[SYS_CR3];
    d |= cpu->cr4 ^ sys[SYS_CR4];
    d |= cpu->efer ^ sys[SYS_EFER];
    return d;
}

/* Whether an instruction can change an XMM register: SSE instructions and
 * FXRSTOR/XRSTOR, which all live in the 0F, 0F 38 and 0F 3A maps.  In the
 * 0F map (SDM Vol. 2D, Table A-3) these rows never do: 0F 0x system
 * instructions, 0F 18-1F hints and NOP, 0F 20-23 MOV CR/DR, 0F 3x
 * WRMSR/RDTSC/SYSENTER…, CMOVcc, Jcc, SETcc, 0F A0-AF but AE (PUSH/POP
 * FS/GS, CPUID, BT*, SHLD/SHRD, IMUL), 0F Bx (CMPXCHG, MOVZX/MOVSX, BSF…),
 * XADD, CMPXCHG8B/16B and BSWAP. */
static bool may_write_xmm(const struct insn *in)
{
    if (in->map == MAP_1BYTE)
        return false;
    if (in->map != MAP_0F)
        return true;
    unsigned low = in->op & 15;
    switch (in->op >> 4) {
    case 0x0: case 0x3: case 0x4: case 0x8: case 0x9: case 0xB: return false;
    case 0x1: return low < 8;                 /* 0F 10-17: SSE moves */
    case 0x2: return low >= 8;                /* 0F 28-2F: SSE */
    case 0xA: return in->op == 0xAE;          /* group 15: FXRSTOR, XRSTOR */
    case 0xC: return low >= 2 && low <= 6;    /* CMPPS, MOVNTI, PINSRW, PEXTRW, SHUFPS */
    default: return true;                     /* 0F 5x-7x, Dx-Fx: SSE and MMX */
    }
}

/* Whether an instruction can write a register of system_registers
 * (segment selectors, FS/GS bases, KERNEL_GS_BASE, CR0-CR4, EFER) when it
 * completes: MOV/POP Sreg, LSS/LFS/LGS, far CALL/JMP/RET, IRET, INT n,
 * SYSCALL/SYSRET/SYSENTER/SYSEXIT, MOV CRn, LMSW/CLTS, SWAPGS, WRMSR,
 * WRFSBASE/WRGSBASE (SDM Vol. 2, Tables ).  Every other
 * instruction changes them only by faulting (exception delivery loads CS
 * and SS, a #PF CR2), and a faulted instruction is always compared. */
static bool may_write_sys(const struct insn *in)
{
    if (in->map == MAP_1BYTE) {
        switch (in->op) {
        case 0x07: case 0x17: case 0x1F:                       /* POP ES/SS/DS (legacy modes) */
        case 0x8E:                                             /* MOV Sreg, r/m */
        case 0x9A: case 0xEA:                                  /* far CALL/JMP ptr (legacy modes) */
        case 0xC4: case 0xC5:                                  /* LES/LDS (legacy modes) */
        case 0xCA: case 0xCB: case 0xCF:                       /* far RET, IRET */
        case 0xCC: case 0xCD: case 0xCE: case 0xF1:            /* INT3, INT n, INTO, INT1 */
            return true;
        case 0xFF: return (in->reg & 7) == 3 || (in->reg & 7) == 5; /* far CALL/JMP m16:64 */
        default: return false;
        }
    }
    if (in->map != MAP_0F)
        return false;
    switch (in->op) {
    case 0x00: case 0x01:                                      /* groups 6, 7: LMSW, SWAPGS... */
    case 0x05: case 0x06: case 0x07:                           /* SYSCALL, CLTS, SYSRET */
    case 0x22: case 0x23:                                      /* MOV CRn/DRn, r */
    case 0x30: case 0x34: case 0x35:                           /* WRMSR, SYSENTER, SYSEXIT */
    case 0xA1: case 0xA9: case 0xAA:                           /* POP FS, POP GS, RSM */
    case 0xAE:                                                 /* group 15: WRFSBASE, WRGSBASE */
    case 0xB2: case 0xB4: case 0xB5:                           /* LSS, LFS, LGS */
        return true;
    default: return false;
    }
}

/* with_xmm: also the XMM registers (for an instruction that may_write_xmm). */
static void take_snapshot(struct cpu *cpu, struct snapshot *s, bool with_xmm)
{
    memcpy(s->gpr, cpu->gpr, sizeof s->gpr);
    s->rflags = cpu_rflags(cpu);
    system_registers(cpu, s->sys);
    if (with_xmm)
        memcpy(s->xmm, cpu->xmm, sizeof s->xmm);
}

/* ---- the typed records: to the writer and the recording as they are ---- */

/* A sink gets field lists (tracer_set_sink): the record's, made on demand. */
#define SINK_FIELDS(kind)                                                           \
    static __attribute__((noinline)) void sink_fields_##kind(struct tracer *t,      \
                                                           const struct trace_##kind *r) \
    {                                                                               \
        struct trace_event e;                                                       \
        trace_##kind##_fields(r, &e);                                               \
        t->sink(t->sink_ctx, &e);                                                   \
    }
SINK_FIELDS(insn)
SINK_FIELDS(mem)
SINK_FIELDS(reg)
SINK_FIELDS(tlb)
#undef SINK_FIELDS

static inline void emit_insn_record(struct tracer *t, const struct trace_insn *r,
                                    const struct trace_insn_cols *cols)
{
    t->stats.events++;
    t->stats.insns++;
    if (t->writer)
        trace_writer_insn(t->writer, r, cols);
    if (t->rec)
        trace_recording_add_insn(t->rec, r);
    if (__builtin_expect(t->sink != NULL, 0))
        sink_fields_insn(t, r);
}

static inline void emit_mem_record(struct tracer *t, const struct trace_mem *r)
{
    t->stats.events++;
    if (t->writer)
        trace_writer_mem(t->writer, r);
    if (t->rec)
        trace_recording_add_mem(t->rec, r);
    if (__builtin_expect(t->sink != NULL, 0))
        sink_fields_mem(t, r);
}

static inline void emit_reg_record(struct tracer *t, const struct trace_reg *r)
{
    t->stats.events++;
    if (t->writer)
        trace_writer_reg(t->writer, r);
    if (t->rec)
        trace_recording_add_reg(t->rec, r);
    if (__builtin_expect(t->sink != NULL, 0))
        sink_fields_reg(t, r);
}

static inline void emit_tlb_record(struct tracer *t, const struct trace_tlb *r)
{
    t->stats.events++;
    if (t->writer)
        trace_writer_tlb(t->writer, r);
    if (t->rec)
        trace_recording_add_tlb(t->rec, r);
    if (__builtin_expect(t->sink != NULL, 0))
        sink_fields_tlb(t, r);
}

/* A 64-bit register the current instruction changed. */
static inline void emit_reg(struct tracer *t, enum trace_reg_id id, uint64_t old, uint64_t new)
{
    struct trace_reg r = {.step = t->step, .old = old, .new = new, .id = (uint8_t)id};
    emit_reg_record(t, &r);
}

/* One bit per GPR whose value differs between now and before.  Eight
 * bytes at a time on purpose: the instruction just wrote some of these
 * registers, and a wider load of a value still in the store buffer stalls
 * (store forwarding only serves loads contained in one store); two of
 * them then make one SSE2 register, compared as 32-bit lanes (PCMPEQD)
 * whose halves are and'ed: a 64-bit equality per lane, two bits per
 * MOVMSKPD. */
static inline unsigned gprs_changed(const uint64_t now[16], const uint64_t before[16])
{
    unsigned changed = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 16; i += 2) {
        __m128i a = _mm_set_epi64x((long long)now[i + 1], (long long)now[i]);
        __m128i b = _mm_loadu_si128((const __m128i *)&before[i]);
        __m128i eq = _mm_cmpeq_epi32(a, b);
        eq = _mm_and_si128(eq, _mm_shuffle_epi32(eq, _MM_SHUFFLE(2, 3, 0, 1)));
        changed |= (unsigned)(~_mm_movemask_pd(_mm_castsi128_pd(eq)) & 3) << i;
    }
    return changed;
}

/* The register changes of the instruction in progress (completed: it
 * retired; else it faulted or an interrupt came first). */
static void finish_insn(struct tracer *t, struct cpu *cpu, bool completed)
{
    t->in_insn = false;
    if (!t->visible || !wants(t, TRACE_REG))
        return;
    /* Compared with the live state: only what changed is copied.  Which
     * GPRs changed is gathered into a mask first, without a branch per
     * register (which one an instruction changes is hard to predict). */
    for (unsigned changed = gprs_changed(cpu->gpr, t->snap.gpr); changed;
         changed &= changed - 1) {
        int i = __builtin_ctz(changed);
        emit_reg(t, TRACE_REG_RAX + i, t->snap.gpr[i], cpu->gpr[i]);
    }
    uint64_t rflags = cpu_rflags(cpu);
    if (rflags != t->snap.rflags)
        emit_reg(t, TRACE_REG_RFLAGS, t->snap.rflags, rflags);
    if ((t->snap_sys || !completed) &&
        system_registers_differ(cpu, t->snap.sys)) { /* rarely: one branch for all */
        uint64_t sys[SYS_COUNT];
        system_registers(cpu, sys);
        for (int i = 0; i < SYS_COUNT; i++)
            if (sys[i] != t->snap.sys[i])
                emit_reg(t, TRACE_REG_ES + i, t->snap.sys[i], sys[i]);
    }
    if (t->snap_xmm && memcmp(cpu->xmm, t->snap.xmm, sizeof t->snap.xmm) != 0) {
        for (int i = 0; i < 16; i++) {
            if (memcmp(&cpu->xmm[i], &t->snap.xmm[i], sizeof cpu->xmm[i]) == 0)
                continue;
            struct trace_reg r = {.step = t->step,
                                  .old = t->snap.xmm[i].q[0], .old_hi = t->snap.xmm[i].q[1],
                                  .new = cpu->xmm[i].q[0], .new_hi = cpu->xmm[i].q[1],
                                  .id = (uint8_t)(TRACE_REG_XMM0 + i)};
            emit_reg_record(t, &r);
        }
    }
}

/* The cache entry of the instruction at cpu->rip (len bytes), made now on
 * a miss; NULL when its bytes cannot be read or its strings are too long
 * to keep (then emit_insn makes them each time). */
static struct insn_text *insn_text(struct tracer *t, struct cpu *cpu, unsigned len)
{
    uint64_t va = cpu->rip, pa;
    uint64_t code[2] = {0, 0};
    if ((va & 0xfff) <= 0x1000 - 16 && mmu_peek_read(cpu->mmu, cpu->cr3, va, code, 16, &pa)) {
        /* The common case, one 16-byte read from RAM; the bytes past the
         * instruction are masked off (len <= 15). */
        if (len >= 8) {
            code[1] &= (1ull << (8 * (len - 8))) - 1;
        } else {
            code[0] &= (1ull << (8 * len)) - 1;
            code[1] = 0;
        }
    } else if (!peek_pa(cpu, va, &pa) || !guest_read(t, va, code, len)) {
        return NULL;
    }
    uint64_t h = (va ^ (pa << 7)) * 0x9e3779b97f4a7c15ull;
    struct insn_text *x = &t->insn_text[h >> (64 - INSN_TEXT_BITS)];
    if (x->len == len && x->va == va && x->pa == pa && x->code[0] == code[0] &&
        x->code[1] == code[1] && x->cr3 == cpu->cr3 && x->cpl == cpu->cpl &&
        x->symbols_gen == t->symbols_gen) {
        t->insn_text_hits++;
        return x;
    }
    x->len = 0;
    struct disasm_line dis = disasm_text(t->dis, va, pa, (const uint8_t *)code, len);
    size_t sym_len = format_sym(t, va, t->sym, sizeof t->sym);
    if (sym_len + dis.hex_len + dis.text_len + 3 > sizeof x->strings)
        return NULL;
    char *sym = x->strings, *hex = sym + sym_len + 1, *text = hex + dis.hex_len + 1;
    memcpy(sym, t->sym, sym_len + 1);
    memcpy(hex, dis.hex, dis.hex_len);
    hex[dis.hex_len] = 0;
    memcpy(text, dis.text, dis.text_len);
    text[dis.text_len] = 0;
    x->rec = (struct trace_insn){.cr3 = cpu->cr3, .rip = va, .cpl = cpu->cpl,
                                 .sym = sym, .sym_len = (uint16_t)sym_len,
                                 .bytes = hex, .bytes_len = (uint16_t)dis.hex_len,
                                 .disasm = text, .disasm_len = (uint16_t)dis.text_len};
    x->cols.len = 0;
    if (t->writer)
        trace_writer_insn_cols(t->writer, &x->rec, &x->cols);
    x->va = va;
    x->pa = pa;
    x->code[0] = code[0];
    x->code[1] = code[1];
    x->cr3 = cpu->cr3;
    x->cpl = cpu->cpl;
    x->symbols_gen = t->symbols_gen;
    x->len = (uint8_t)len;
    return x;
}

static void emit_insn(struct tracer *t, struct cpu *cpu, const struct insn *in)
{
    unsigned len = in->len <= 15 ? in->len : 15;
    uint64_t time = t->now ? t->now(t->now_ctx) : cpu->icount;
    struct insn_text *x = insn_text(t, cpu, len);
    if (x) {
        x->rec.step = t->step;
        x->rec.time = time;
        emit_insn_record(t, &x->rec, &x->cols);
        return;
    }
    struct trace_insn r = {.step = t->step, .time = time, .cr3 = cpu->cr3, .rip = cpu->rip,
                           .cpl = cpu->cpl};
    uint8_t code[16];
    uint64_t pa = 0;
    struct disasm_line dis = {"(unreadable)", "", 12, 0};
    /* The bytes are read again every time (not taken from the decoded
     * instruction): the disassembly cache is keyed by them, so code that
     * rewrote itself shows its new bytes and text. */
    if (peek_pa(cpu, cpu->rip, &pa) && guest_read(t, cpu->rip, code, len))
        dis = disasm_text(t->dis, cpu->rip, pa, code, len);
    r.sym = t->sym;
    r.sym_len = (uint16_t)format_sym(t, cpu->rip, t->sym, sizeof t->sym);
    r.bytes = dis.hex;
    r.bytes_len = (uint16_t)dis.hex_len;
    r.disasm = dis.text;
    r.disasm_len = (uint16_t)dis.text_len;
    emit_insn_record(t, &r, NULL);
}

static bool on_before_insn(struct tracer *t, struct cpu *cpu, const struct insn *in)
{
    if (t->in_insn)
        finish_insn(t, cpu, false); /* the previous instruction faulted */
    uint64_t rip = cpu->rip;
    t->in_insn = true;
    t->step = t->next_step++;
    if (!t->started) {
        if (rip != t->from_addr) {
            t->visible = t->visible_any_ring = false;
            return false;
        }
        t->started = true;
    }
    if (t->has_until && rip == t->until_addr)
        t->stopped = true;
    t->visible_any_ring = !t->stopped && pid_ok(t);
    t->visible = t->visible_any_ring && (t->cfg.ring < 0 || cpu->cpl == t->cfg.ring) &&
                 (!t->cfg.has_range || (rip >= t->cfg.range_lo && rip < t->cfg.range_hi));
    if (!t->visible)
        return false;
    t->snap_xmm = may_write_xmm(in);
    t->snap_sys = may_write_sys(in);
    if (wants(t, TRACE_REG))
        take_snapshot(cpu, &t->snap, t->snap_xmm);
    if (wants(t, TRACE_INSN))
        emit_insn(t, cpu, in);
    return false;
}

static bool on_after_insn(struct tracer *t, struct cpu *cpu)
{
    if (t->in_insn)
        finish_insn(t, cpu, true);
    return false;
}

/* ---- memory accesses ---- */

static bool on_mem(struct tracer *t, enum mem_kind kind, uint64_t va, uint64_t pa, unsigned size,
                   const void *value)
{
    if (kind == MEM_FETCH || !t->in_insn || !t->visible || !wants(t, TRACE_MEM))
        return false;
    struct trace_mem r = {.step = t->step, .va = va, .pa = pa, .size = size,
                          .write = kind == MEM_WRITE};
    if (size <= 8)
        memcpy(&r.value, value, size);
    else
        r.wide = value; /* SSE, FXSAVE: shown as one little-endian number */
    emit_mem_record(t, &r);
    return false;
}

/* ---- TLB and page walks ---- */

/* The trace's name for the cause of a flush. */
static uint8_t flush_cause(enum tlb_flush_cause c)
{
    switch (c) {
    case TLB_CAUSE_CR0: return TRACE_TLB_CR0_WRITE;
    case TLB_CAUSE_CR3: return TRACE_TLB_CR3_WRITE;
    case TLB_CAUSE_CR4: return TRACE_TLB_CR4_WRITE;
    case TLB_CAUSE_INVLPG: return TRACE_TLB_INVLPG;
    default: return TRACE_TLB_PAGING_CHANGE;
    }
}

static bool on_tlb(struct tracer *t, enum tlb_event_kind kind, uint64_t va, const struct tlb_entry *te,
                   enum tlb_flush_cause cause)
{
    uint64_t step;
    bool child;
    if (!visible_event(t, TRACE_TLB, t->cpu ? t->cpu->cpl : 0, false, &step, &child))
        return false;
    struct trace_tlb r = {.step = step, .va = va, .child = child};
    switch (kind) {
    case TLB_HIT:
    case TLB_FILL:
        r.op = kind == TLB_HIT ? TRACE_TLB_HIT : TRACE_TLB_FILL;
        if (te) {
            r.pa = (te->pfn << 12) | (va & 0xfff);
            r.level = te->level >= 1 && te->level <= 3 ? te->level : 1;
            r.flags = te->flags & (TRACE_TLB_FLAGS - 1);
        }
        break;
    case TLB_MISS: r.op = TRACE_TLB_MISS; break;
    case TLB_FLUSH_PAGE:
        r.op = TRACE_TLB_FLUSH;
        r.scope = TRACE_TLB_PAGE;
        r.cause = flush_cause(cause);
        break;
    default:
        /* A CR3 write keeps global entries; CR0.PG/WP and CR4.PGE/PAE/SMEP/
         * SMAP changes flush everything (SDM Vol. 3A §4.10.4.1). */
        r.op = TRACE_TLB_FLUSH;
        r.scope = kind == TLB_FLUSH_ALL ? TRACE_TLB_ALL : TRACE_TLB_NONGLOBAL;
        r.cause = flush_cause(cause);
    }
    emit_tlb_record(t, &r);
    return false;
}

static const char *entry_flags_text(uint64_t v, int depth, char *buf)
{
    if (!(v & PTE_P))
        return strcpy(buf, "not-present");
    buf[0] = 0;
    strcat(buf, "P");
    if (v & PTE_W) strcat(buf, " W");
    if (v & PTE_U) strcat(buf, " U");
    if (v & PTE_PWT) strcat(buf, " PWT");
    if (v & PTE_PCD) strcat(buf, " PCD");
    if (v & PTE_A) strcat(buf, " A");
    if ((v & PTE_D) && (depth == 3 || (v & PTE_PS))) strcat(buf, " D");
    if ((v & PTE_PS) && (depth == 1 || depth == 2)) strcat(buf, " PS");
    if ((v & PTE_G) && (depth == 3 || (v & PTE_PS))) strcat(buf, " G");
    if (v & PTE_NX) strcat(buf, " NX");
    return buf;
}

static const char *access_text(unsigned acc)
{
    bool user = acc & ACC_USER;
    if (acc & ACC_EXEC)
        return user ? "user fetch" : "fetch";
    if (acc & ACC_WRITE)
        return user ? "user write" : "write";
    return user ? "user read" : "read";
}

/* The Accessed/Dirty bits the walk set (SDM Vol. 3A §4.8), one event per
 * entry it changed. */
static void emit_ad_updates(struct tracer *t, const struct page_walk *w)
{
    for (int i = 0; i < w->levels; i++) {
        if (w->entry_before[i] == w->entry[i])
            continue;
        struct trace_event e;
        if (!begin(t, &e, TRACE_AD, t->cpu ? t->cpu->cpl : 0, false))
            return;
        uint64_t set = w->entry[i] & ~w->entry_before[i];
        add_who(t, &e, t->ctx_pid, t->ctx_tid);
        trace_add_str(&e, "level", level_names[i]);
        trace_add(&e, "addr", TF_HEX, w->entry_addr[i]);
        trace_add(&e, "old", TF_HEX, w->entry_before[i]);
        trace_add(&e, "new", TF_HEX, w->entry[i]);
        trace_add_str(&e, "set", (set & PTE_A) && (set & PTE_D) ? "A D" : set & PTE_D ? "D" : "A");
        tracer_emit(t, &e);
    }
}

static bool on_walk(struct tracer *t, const struct page_walk *w)
{
    if (wants(t, TRACE_AD))
        emit_ad_updates(t, w);
    struct trace_event e;
    if (!begin(t, &e, TRACE_WALK, t->cpu ? t->cpu->cpl : 0, false))
        return false;
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    trace_add(&e, "va", TF_HEX, w->va);
    trace_add_str(&e, "access", access_text(w->access));
    trace_add(&e, "levels", TF_DEC, (uint64_t)w->levels);
    for (int i = 0; i < w->levels && i < 4; i++) {
        trace_add(&e, level_keys[i][0], TF_HEX, w->entry_addr[i]);
        trace_add(&e, level_keys[i][1], TF_HEX, w->entry[i]);
        trace_add_str(&e, level_keys[i][2], entry_flags_text(w->entry[i], i, t->flags[i]));
    }
    if (w->ok) {
        trace_add(&e, "pa", TF_HEX, w->pa);
    } else {
        /* Not present or a reserved bit: the last entry read is where the
         * walk stopped; otherwise every entry was fine and the combined
         * rights refused the access (SDM Vol. 3A §4.6). */
        bool entry_fault = w->levels > 0 && (!(w->entry[w->levels - 1] & PTE_P) ||
                                             (w->fault.error & PF_RSVD));
        trace_add_str(&e, "failed_at", entry_fault ? level_names[w->levels - 1] : "rights");
        trace_add_str(&e, "fault", vector_mnemonic(w->fault.vector));
        trace_add(&e, "error", TF_HEX, w->fault.error);
        vector_error_words(w->fault.vector, w->fault.error, t->words, sizeof t->words);
        trace_add_str(&e, "error_words", t->words);
    }
    tracer_emit(t, &e);
    return false;
}

/* ---- exceptions, interrupts, ring transfers, ports ---- */

static void on_exception(struct tracer *t, struct cpu *cpu, const struct exc_event *x)
{
    bool interrupt = x->external || (x->soft && x->vector >= 32);
    struct trace_event e;
    if (x->external && t->in_insn)
        finish_insn(t, cpu, false);
    if (x->cpl_before == 3) {
        struct user_entry *u = user_entry(t, t->ctx_tid);
        u->in_kernel = true;
        u->rip = x->rip;
    }
    if (!begin(t, &e, interrupt ? TRACE_INTERRUPT : TRACE_EXCEPTION, x->cpl_before, false))
        return;
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    trace_add(&e, "vector", TF_DEC, x->vector);
    trace_add_str(&e, "name", vector_mnemonic(x->vector));
    trace_add_str(&e, "what", vector_description(x->vector));
    trace_add_str(&e, "source", x->external ? "external" : x->soft ? "software" : "fault");
    if (x->has_error) {
        trace_add(&e, "error", TF_HEX, x->error);
        vector_error_words(x->vector, x->error, t->words, sizeof t->words);
        trace_add_str(&e, "error_words", t->words);
    }
    if (x->vector == EXC_PF && !x->soft && !x->external)
        trace_add(&e, "cr2", TF_HEX, x->cr2);
    add_where(t, &e, "rip", "sym", x->rip, t->sym, sizeof t->sym);
    add_cpls(&e, x->cpl_before, x->cpl_after);
    trace_add(&e, "rsp_old", TF_HEX, x->rsp_before);
    trace_add(&e, "rsp_new", TF_HEX, x->rsp_after);
    if (!x->stack_switch)
        trace_add_str(&e, "stack", "same");
    else if (x->ist > 0 && x->ist <= 7)
        trace_add_str(&e, "stack", (const char *[]){"", "ist1", "ist2", "ist3", "ist4", "ist5",
                                                    "ist6", "ist7"}[x->ist]);
    else
        trace_add_str(&e, "stack", "tss.rsp0");
    trace_add(&e, "handler", TF_HEX, x->handler);
    if (symbols_format(t->syms, x->handler, t->sym2, sizeof t->sym2))
        trace_add_str(&e, "handler_sym", t->sym2);
    tracer_emit(t, &e);
}

static struct pending_call *pending_slot(struct tracer *t, uint64_t key, bool for_insert)
{
    unsigned h = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 58); /* 6 bits */
    for (unsigned i = 0; i < PENDING_CALLS; i++) {
        struct pending_call *p = &t->calls[(h + i) % PENDING_CALLS];
        if (p->used && p->key == key)
            return p;
        if (!p->used && for_insert)
            return p;
    }
    return for_insert ? &t->calls[h] : NULL; /* full: reuse the home slot */
}

static void call_name(const struct tracer *t, uint64_t nr, char *buf, size_t cap)
{
    const char *n = syscall_name(nr);
    const struct extra_call *x = &t->extra_calls[nr % EXTRA_CALLS];
    if (!n && x->name[0] && x->nr == nr)
        n = x->name;
    if (n)
        snprintf(buf, cap, "%s", n);
    else
        snprintf(buf, cap, "syscall_%llu", (unsigned long long)nr);
}

static void on_syscall(struct tracer *t, struct cpu *cpu, uint8_t cpl_before, uint8_t cpl_after)
{
    uint64_t nr = cpu->gpr[RAX];
    struct pending_call *p = pending_slot(t, cpu->gpr[RSP] ^ cpu->cr3, true);
    *p = (struct pending_call){cpu->gpr[RSP] ^ cpu->cr3, nr,
                               {cpu->gpr[RDI], cpu->gpr[RSI], cpu->gpr[RDX], cpu->gpr[R10],
                                cpu->gpr[R8], cpu->gpr[R9]},
                               true};
    /* SYSCALL saved the address of the next instruction in RCX; SYSCALL
     * itself (0F 05) is the two bytes before it (SDM Vol. 2B, SYSCALL). */
    uint64_t rip = cpu->gpr[RCX] - 2;
    /* Linux x86-64 calling convention for system calls: RDI RSI RDX R10 R8 R9. */
    const uint64_t args[6] = {cpu->gpr[RDI], cpu->gpr[RSI], cpu->gpr[RDX],
                              cpu->gpr[R10], cpu->gpr[R8],  cpu->gpr[R9]};
    if (cpl_before == 3) {
        struct user_entry *u = user_entry(t, t->ctx_tid);
        u->in_kernel = true;
        u->rip = rip;
    }
    struct trace_event e;
    if (!begin(t, &e, TRACE_SYSCALL, cpl_before, true)) {
        if (nr == 59 || nr == 322)
            note_execve(t, nr == 59 ? args[0] : args[1]);
        return;
    }
    call_name(t, nr, t->osname, sizeof t->osname);
    syscall_format_args(nr, args, guest_read, t, t->args, sizeof t->args);
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    trace_add(&e, "nr", TF_DEC, nr);
    trace_add_str(&e, "name", t->osname);
    trace_add_str(&e, "args", t->args);
    static const char *const keys[6] = {"a0", "a1", "a2", "a3", "a4", "a5"};
    for (int i = 0; i < 6; i++)
        trace_add(&e, keys[i], TF_HEX, args[i]);
    add_where(t, &e, "rip", "sym", rip, t->sym, sizeof t->sym);
    add_cpls(&e, cpl_before, cpl_after);
    tracer_emit(t, &e);
    /* The caller is still the old program; what follows runs the new one. */
    if (nr == 59 || nr == 322)
        note_execve(t, nr == 59 ? args[0] : args[1]);
}

static void on_sysret(struct tracer *t, struct cpu *cpu, uint8_t cpl_before, uint8_t cpl_after)
{
    struct pending_call *p = pending_slot(t, cpu->gpr[RSP] ^ cpu->cr3, false);
    bool known = p != NULL;
    uint64_t nr = known ? p->nr : 0;
    uint64_t args[6] = {0};
    if (p) {
        memcpy(args, p->args, sizeof args);
        p->used = false;
    }
    int64_t result = (int64_t)cpu->gpr[RAX];
    if (known && (nr == 59 || nr == 322) && result < 0 && t->exec_pid == t->ctx_pid) {
        set_comm(t, t->exec_pid, t->exec_old); /* the execve failed: still the old program */
        comm_slot(t, t->exec_pid, false)->program = t->exec_old_program;
        t->symbols_gen++;
    }
    if (cpl_after == 3)
        user_entry(t, t->ctx_tid)->in_kernel = false;
    struct trace_event e;
    if (!begin(t, &e, TRACE_SYSRET, cpl_before, true))
        return;
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    if (known) {
        call_name(t, nr, t->osname, sizeof t->osname);
        trace_add(&e, "nr", TF_DEC, nr);
        trace_add_str(&e, "name", t->osname);
        /* As strace shows a call: its arguments when it returns (with
         * what it wrote) and its result. */
        size_t n = 0;
        t->args[0] = 0;
        if ((nr != 59 && nr != 322) || result < 0) /* a new program: the old pointers are gone */
            n = syscall_format_exit_args(nr, args, result, guest_read, t, t->args, sizeof t->args);
        trace_add_strn(&e, "args", t->args, n);
        size_t r = syscall_format_result(nr, args, result, guest_read, t, t->words2, sizeof t->words2);
        trace_add_strn(&e, "ret", t->words2, r);
    }
    trace_add(&e, "result", TF_SDEC, (uint64_t)result);
    /* Linux returns -errno in RAX for errors: -4095..-1. */
    if (result < 0 && result >= -4095) {
        const char *en = errno_name((uint64_t)-result);
        trace_add_str(&e, "errno", en ? en : "?");
    }
    /* SYSRETQ goes to RCX (SDM Vol. 2B, SYSRET). */
    add_where(t, &e, "rip", "sym", cpu->gpr[RCX], t->sym, sizeof t->sym);
    add_cpls(&e, cpl_before, cpl_after);
    tracer_emit(t, &e);
}

static void on_transfer(struct tracer *t, struct cpu *cpu, enum ring_transfer kind, uint8_t cpl_before,
                        uint8_t cpl_after, uint64_t target)
{
    if (kind == RT_SYSCALL) {
        on_syscall(t, cpu, cpl_before, cpl_after);
        return;
    }
    if (kind == RT_SYSRET) {
        on_sysret(t, cpu, cpl_before, cpl_after);
        return;
    }
    if (cpl_after == 3)
        user_entry(t, t->ctx_tid)->in_kernel = false;
    struct trace_event e;
    if (!begin(t, &e, TRACE_IRET, cpl_before, false))
        return;
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    trace_add_str(&e, "insn", ring_transfer_name(kind));
    add_where(t, &e, "rip", "sym", target, t->sym2, sizeof t->sym2);
    add_cpls(&e, cpl_before, cpl_after);
    tracer_emit(t, &e);
}

static bool on_port(struct tracer *t, struct cpu *cpu, bool out, uint16_t port, unsigned size,
                    uint32_t value)
{
    struct trace_event e;
    if (!begin(t, &e, TRACE_PORT, cpu->cpl, false))
        return false;
    struct port_name pn = port_describe(port, out);
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    trace_add_str(&e, "dir", out ? "out" : "in");
    trace_add(&e, "port", TF_HEX, port);
    trace_add(&e, "size", TF_DEC, size);
    trace_add(&e, "value", TF_HEX, value);
    trace_add_str(&e, "device", pn.device);
    trace_add_str(&e, "reg", pn.reg);
    tracer_emit(t, &e);
    return false;
}

/* ---- OS events and the kernel log ---- */

static const char *prot_text(uint32_t prot, char *buf)
{
    buf[0] = prot & OSEV_PROT_READ ? 'r' : '-';
    buf[1] = prot & OSEV_PROT_WRITE ? 'w' : '-';
    buf[2] = prot & OSEV_PROT_EXEC ? 'x' : '-';
    buf[3] = 0;
    return buf;
}

void trace_os_event(struct tracer *t, const struct os_event *ev)
{
    if (ev->type == OSEV_CONTEXT_SWITCH)
        t->cur_pid = ev->sw.new_pid;
    if (ev->type == OSEV_PROC_CREATE) {
        /* A fork runs its parent's program. */
        const struct comm *parent = comm_slot(t, (int32_t)ev->proc.parent, false);
        int16_t prog = parent ? parent->program : -1;
        set_comm(t, (int32_t)ev->proc.pid, ev->text);
        comm_slot(t, (int32_t)ev->proc.pid, false)->program = prog;
    }
    if (ev->type == OSEV_SYSCALL_NAME && ev->syscall.number > SYSCALL_MAX_NR) {
        /* The kernel names a call Linux does not have (the keystroke query). */
        struct extra_call *x = &t->extra_calls[ev->syscall.number % EXTRA_CALLS];
        x->nr = ev->syscall.number;
        snprintf(x->name, sizeof x->name, "%s", ev->text);
    }
    /* The kernel names every call the first time it runs it: the syscall
     * event already says so for every call of the Linux table, so only
     * the names of calls beyond it are shown. */
    if (ev->type == OSEV_SYSCALL_NAME && ev->syscall.number <= SYSCALL_MAX_NR &&
        syscall_name(ev->syscall.number))
        return;
    if (t->cfg.user_scope && (int32_t)ev->pid <= 0)
        return; /* the kernel's own work (boot, idle), for no process */
    struct trace_event e;
    if (!begin(t, &e, TRACE_OS, -1, true))
        return;
    trace_add_str(&e, "event", os_event_type_name(ev->type));
    add_who(t, &e, (int32_t)ev->pid, (int32_t)ev->tid);
    add_user_where(t, &e, ev->tid);
    switch (ev->type) {
    case OSEV_VMA_RESERVE:
    case OSEV_VMA_COMMIT:
    case OSEV_VMA_DECOMMIT:
    case OSEV_VMA_RELEASE:
        trace_add(&e, "start", TF_HEX, ev->vma.start);
        trace_add(&e, "length", TF_HEX, ev->vma.length);
        trace_add_str(&e, "prot", prot_text(ev->vma.prot, t->flags[0]));
        break;
    case OSEV_PAGE_IN:
    case OSEV_PAGE_OUT:
        trace_add(&e, "va", TF_HEX, ev->page.va);
        trace_add(&e, "frame", TF_HEX, ev->page.frame);
        trace_add(&e, "slot", TF_DEC, ev->page.slot);
        break;
    case OSEV_PROC_CREATE:
        trace_add(&e, "proc", TF_DEC, ev->proc.pid);
        trace_add(&e, "parent", TF_DEC, ev->proc.parent);
        trace_add_str(&e, "program", ev->text);
        break;
    case OSEV_PROC_EXIT:
        trace_add(&e, "proc", TF_DEC, ev->proc.pid);
        trace_add(&e, "status", TF_SDEC, (uint64_t)(int64_t)ev->proc.status);
        break;
    case OSEV_THREAD_CREATE:
    case OSEV_THREAD_EXIT:
        trace_add(&e, "thread", TF_DEC, ev->thread.tid);
        trace_add(&e, "proc", TF_DEC, ev->thread.pid);
        if (ev->type == OSEV_THREAD_EXIT)
            trace_add(&e, "status", TF_SDEC, (uint64_t)(int64_t)ev->thread.status);
        break;
    case OSEV_CONTEXT_SWITCH:
        trace_add(&e, "old_pid", TF_DEC, ev->sw.old_pid);
        trace_add(&e, "old_tid", TF_DEC, ev->sw.old_tid);
        trace_add(&e, "new_pid", TF_DEC, ev->sw.new_pid);
        trace_add(&e, "new_tid", TF_DEC, ev->sw.new_tid);
        trace_add(&e, "old_cr3", TF_HEX, ev->sw.old_cr3);
        trace_add(&e, "new_cr3", TF_HEX, ev->sw.new_cr3);
        break;
    case OSEV_SYSCALL_NAME:
        trace_add(&e, "nr", TF_DEC, ev->syscall.number);
        trace_add_str(&e, "name", ev->text);
        break;
    case OSEV_PANIC:
        trace_add(&e, "rip", TF_HEX, ev->panic.rip);
        trace_add_str(&e, "message", ev->text);
        break;
    default:
        trace_add_str(&e, "reason", ev->invalid_reason ? ev->invalid_reason : "unknown type");
    }
    tracer_emit(t, &e);
}


void trace_log_line(struct tracer *t, const char *text, size_t len)
{
    struct trace_event e;
    if (!begin(t, &e, TRACE_LOG, -1, true))
        return;
    char line[512];
    /* Only printable ASCII reaches the trace (tabs become spaces). */
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof line - 1; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || c == '\r')
            continue;
        line[n++] = c == '\t' ? ' ' : (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    line[n] = 0;
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    add_user_where(t, &e, t->ctx_tid);
    trace_add_str(&e, "text", line);
    tracer_emit(t, &e);
}

/* ---- the watcher: every event of the machine that the trace needs ---- */

static uint64_t insns_begun(const struct cpu *cpu)
{
    return cpu->icount + cpu->insns_faulted;
}

/* ---- counter samples ---- */

/* A sample every SAMPLE_INTERVAL instructions at most: taken at the first
 * crossing (fault, interrupt, ring transfer, OS event, log line) at or
 * after each multiple, and at any crossing after the CPU idled in HLT (the
 * virtual clock then jumped ahead of the instruction count), so a
 * timeline placing events by step can place them in virtual time. */
#define SAMPLE_INTERVAL 10000

static bool count_user_page(void *ctx, const struct mmu_mapping *map)
{
    if (map->kind == MMU_VISIT_PAGE && map->user)
        *(uint64_t *)ctx += map->size >> 12;
    return true;
}

/* *(uint64_t *)(*(uint64_t *)slot) — a kinfo slot holds the address of a count. */
static bool kinfo_count(struct tracer *t, uint64_t slot_va, uint64_t *v)
{
    uint64_t at;
    return guest_read(t, slot_va, &at, 8) && at && guest_read(t, at, v, 8);
}

static void take_sample(struct tracer *t, struct cpu *cpu, uint64_t time)
{
    struct trace_event e;
    if (!begin(t, &e, TRACE_SAMPLE, -1, true))
        return;
    add_who(t, &e, t->ctx_pid, t->ctx_tid);
    trace_add(&e, "time", TF_DEC, time);
    trace_add(&e, "insns", TF_DEC, cpu->icount);
    /* Resident: the user pages present in the address space on the CPU
     * (its page tables, walked without side effects). */
    uint64_t resident = 0;
    if (cpu->cr0 & (1ull << 31)) /* CR0.PG */
        mmu_visit(cpu->mmu, cpu->cr3, 0, 1ull << 47, MMU_VISIT_PAGES, count_user_page, &resident);
    trace_add(&e, "resident", TF_DEC, resident);
    /* The kernel's own counts, where it publishes them (os/abi/kinfo.h). */
    struct kinfo ki;
    uint64_t free_frames, frames, slots, slots_free;
    if (t->kinfo_va && guest_read(t, t->kinfo_va, &ki, sizeof ki) && ki.magic == KINFO_MAGIC &&
        kinfo_count(t, t->kinfo_va + offsetof(struct kinfo, frame_free_count), &free_frames) &&
        kinfo_count(t, t->kinfo_va + offsetof(struct kinfo, frame_total_count), &frames)) {
        trace_add(&e, "free_frames", TF_DEC, free_frames);
        trace_add(&e, "frames", TF_DEC, frames);
        if (kinfo_count(t, t->kinfo_va + offsetof(struct kinfo, swap_nslots), &slots) &&
            kinfo_count(t, t->kinfo_va + offsetof(struct kinfo, swap_slots_free), &slots_free) &&
            slots) {
            trace_add(&e, "pagefile_used", TF_DEC, slots - slots_free - 1); /* slot 0 is never free */
            trace_add(&e, "pagefile_slots", TF_DEC, slots - 1);
        }
    }
    struct tlb_stats tlb;
    mmu_tlb_stats(cpu->mmu, &tlb);
    trace_add(&e, "tlb_hits", TF_DEC, tlb.hits);
    trace_add(&e, "tlb_misses", TF_DEC, tlb.misses);
    tracer_emit(t, &e);
}

static void maybe_sample(struct tracer *t, struct cpu *cpu, bool last)
{
    if (!wants(t, TRACE_SAMPLE) || !t->kinfo_va) /* (a bare-metal guest: no kernel counts) */
        return;
    uint64_t step = t->in_insn ? t->step : t->next_step;
    uint64_t time = t->now ? t->now(t->now_ctx) : cpu->icount;
    uint64_t idle = time - cpu->icount;
    if (!last && step < t->next_sample && idle == t->last_idle)
        return;
    t->next_sample = (step / SAMPLE_INTERVAL + 1) * SAMPLE_INTERVAL;
    t->last_idle = idle;
    take_sample(t, cpu, time);
}

/* Sparse mode: what the per-instruction hooks would have set up, derived
 * at the event.  Everything sparse mode watches happens inside an
 * instruction (a SYSCALL, a faulting or INT instruction, the OUT that
 * reported an OS event or a log line) except an external interrupt, which
 * comes between two; the instruction's ring is the one it ran in. */
static void sparse_context(struct tracer *t, const struct watch_event *e)
{
    uint64_t begun = insns_begun(e->cpu) - t->begun0;
    int cpl = e->cpl;
    bool between = false;
    if (e->kind == WATCH_EXCEPTION) {
        cpl = e->exception->cpl_before;
        between = e->exception->external;
    } else if (e->kind == WATCH_TRANSFER) {
        cpl = e->transfer.cpl_before;
    }
    /* As after before_insn (step: this instruction, next_step: the one
     * after) or, between instructions, as after after_insn. */
    t->step = begun;
    t->next_step = between ? begun : begun + 1;
    t->in_insn = !between;
    t->visible_any_ring = pid_ok(t);
    t->visible = t->visible_any_ring && (t->cfg.ring < 0 || cpl == t->cfg.ring);
}

/* The kinds a sparse tracer watches: exceptions and interrupts, ring
 * transfers, OS events, kernel log lines. */
static bool on_crossing(void *ctx, const struct watch_event *e)
{
    struct tracer *t = ctx;
    t->ctx_pid = e->pid;
    t->ctx_tid = e->tid;
    if (t->sparse)
        sparse_context(t, e);
    maybe_sample(t, e->cpu, false);
    switch (e->kind) {
    case WATCH_EXCEPTION: on_exception(t, e->cpu, e->exception); break;
    case WATCH_TRANSFER:
        on_transfer(t, e->cpu, e->transfer.kind, e->transfer.cpl_before, e->transfer.cpl_after,
                    e->transfer.target);
        break;
    case WATCH_OS: trace_os_event(t, e->os); break;
    case WATCH_LOG: trace_log_line(t, e->log.text, e->log.len); break;
    default: break;
    }
    return false;
}

/* The watcher's handlers: the hub calls each kind's directly. */
static bool watch_insn(void *ctx, const struct watch_event *e)
{
    struct tracer *t = ctx;
    t->ctx_pid = e->pid; /* whose symbols name the instruction */
    t->ctx_tid = e->tid;
    return on_before_insn(t, e->cpu, e->insn);
}
static bool watch_insn_done(void *ctx, const struct watch_event *e) { return on_after_insn(ctx, e->cpu); }
static bool watch_mem(void *ctx, const struct watch_event *e)
{
    return on_mem(ctx, e->mem.kind, e->mem.va, e->mem.pa, e->mem.size, e->mem.value);
}
static bool watch_walk(void *ctx, const struct watch_event *e)
{
    struct tracer *t = ctx;
    t->ctx_pid = e->pid;
    t->ctx_tid = e->tid;
    return on_walk(t, e->walk);
}
static bool watch_tlb(void *ctx, const struct watch_event *e)
{
    return on_tlb(ctx, e->tlb.kind, e->tlb.va, e->tlb.entry, e->tlb.cause);
}
static bool watch_port(void *ctx, const struct watch_event *e)
{
    struct tracer *t = ctx;
    t->ctx_pid = e->pid;
    t->ctx_tid = e->tid;
    return on_port(ctx, e->cpu, e->port.out, e->port.port, e->port.size, e->port.value);
}

/* ---- lifecycle ---- */

struct tracer *tracer_new(const struct trace_config *cfg, FILE *out, char *err, size_t errlen)
{
    struct tracer *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of host memory for the tracer");
        return NULL;
    }
    t->cfg = *cfg;
    if (cfg->user_scope && t->cfg.ring < 0)
        t->cfg.ring = 3; /* the program's instructions, not the kernel's */
    t->cur_pid = -1;
    t->ctx_pid = t->ctx_tid = -1;
    t->started = !cfg->from_sym[0];
    t->syms = symbols_new();
    t->dis = disasm_new();
    t->insn_text = calloc(1u << INSN_TEXT_BITS, sizeof *t->insn_text);
    if (!t->syms || !t->dis || !t->insn_text) {
        snprintf(err, errlen, "cannot set up the tracer (out of memory or capstone failed)");
        symbols_free(t->syms);
        disasm_free(t->dis);
        free(t->insn_text);
        free(t);
        return NULL;
    }
    if (!cfg->no_output) {
        if (!out) {
            if (!cfg->file[0])
                out = stderr;
            else if (strcmp(cfg->file, "-") == 0)
                out = stdout;
            else if (!(out = t->own_file = fopen(cfg->file, "w"))) {
                snprintf(err, errlen, "--trace-file %s: cannot create it", cfg->file);
                symbols_free(t->syms);
                disasm_free(t->dis);
                free(t->insn_text);
                free(t);
                return NULL;
            }
        }
        if (cfg->format == TRACE_FORMAT_PERFETTO) /* the timeline's counters */
            t->cfg.kinds |= 1u << TRACE_SAMPLE;
        t->writer = trace_writer_new(cfg->format, out);
        if (t->writer && cfg->format == TRACE_FORMAT_BIN) {
            /* What filters cut from the recording: `ringscope trace` refuses
             * a filter that would need what it left out. */
            int ring = t->cfg.ring; /* (the user scope's is 3) */
            uint8_t f = (ring == 0 ? BIN_RUN_RING0 : 0) | (ring == 3 ? BIN_RUN_RING3 : 0) |
                        (cfg->has_range ? BIN_RUN_RANGE : 0) | (cfg->from_sym[0] ? BIN_RUN_FROM : 0) |
                        (cfg->until_sym[0] ? BIN_RUN_UNTIL : 0) | (cfg->pid >= 0 ? BIN_RUN_PID : 0) |
                        (cfg->user_scope ? BIN_RUN_USER : 0);
            bin_writer_describe_run(t->writer, t->cfg.kinds, f);
        }
    }
    /* Kinds that belong to instructions, and filters on instructions, need
     * every instruction watched; the crossings alone (syscalls, faults,
     * interrupts, OS events, log lines) leave the interpreter's fast paths
     * on. */
    uint32_t per_insn = (1u << TRACE_INSN) | (1u << TRACE_MEM) | (1u << TRACE_REG) | (1u << TRACE_TLB) |
                        (1u << TRACE_WALK) | (1u << TRACE_AD) | (1u << TRACE_PORT);
    t->sparse = !(cfg->kinds & per_insn) && !cfg->has_range && !cfg->from_sym[0] && !cfg->until_sym[0];
    t->watcher = (struct watcher){.ctx = t};
    watch_handle(&t->watcher,
                 WATCH_BIT(WATCH_EXCEPTION) | WATCH_BIT(WATCH_TRANSFER) | WATCH_BIT(WATCH_OS) | WATCH_BIT(WATCH_LOG),
                 on_crossing);
    if (!t->sparse) {
        t->watcher.on[WATCH_INSN] = watch_insn;
        t->watcher.on[WATCH_INSN_DONE] = watch_insn_done;
        t->watcher.on[WATCH_MEM] = watch_mem;
        t->watcher.on[WATCH_WALK] = watch_walk;
        t->watcher.on[WATCH_TLB] = watch_tlb;
        t->watcher.on[WATCH_PORT] = watch_port;
    }
    return t;
}

int tracer_add_program(struct tracer *t, const char *guest_path, const char *host_path, bool main)
{
    if (main) {
        free((void *)t->main_host);
        t->main_host = strdup(host_path);
    }
    if (t->nprograms == PROGRAMS || strlen(guest_path) >= sizeof t->programs[0].guest ||
        strlen(host_path) >= sizeof t->programs[0].host)
        return -1;
    struct program *p = &t->programs[t->nprograms++];
    strcpy(p->guest, guest_path);
    strcpy(p->host, host_path);
    return 0;
}

int tracer_load_symbols(struct tracer *t, const char *elf_path, const char *prefix,
                        uint64_t bias, char *err, size_t errlen)
{
    t->symbols_gen++; /* cached instruction text may name other symbols now */
    return symbols_load_elf(t->syms, elf_path, prefix, bias, err, errlen) < 0 ? -1 : 0;
}

void tracer_set_clock(struct tracer *t, uint64_t (*now)(void *ctx), void *ctx)
{
    t->now = now;
    t->now_ctx = ctx;
}

void tracer_set_sink(struct tracer *t, void (*fn)(void *ctx, const struct trace_event *e), void *ctx)
{
    t->sink = fn;
    t->sink_ctx = ctx;
}

void tracer_record(struct tracer *t, struct trace_recording *rec)
{
    t->rec = rec;
}

int tracer_attach(struct tracer *t, struct watch_hub *hub, char *err, size_t errlen)
{
    t->started = !t->cfg.from_sym[0];
    if (!t->started && !symbols_find(t->syms, t->cfg.from_sym, &t->from_addr)) {
        snprintf(err, errlen, "--trace-from: no symbol '%s' in the loaded symbol tables",
                 t->cfg.from_sym);
        return -1;
    }
    t->has_until = t->cfg.until_sym[0];
    if (t->has_until && !symbols_find(t->syms, t->cfg.until_sym, &t->until_addr)) {
        snprintf(err, errlen, "--trace-until: no symbol '%s' in the loaded symbol tables",
                 t->cfg.until_sym);
        return -1;
    }
    if (watch_attach(hub, &t->watcher) != 0) {
        snprintf(err, errlen, "cannot attach the tracer: too many watchers on this machine");
        return -1;
    }
    t->hub = hub;
    t->cpu = watch_hub_cpu(hub);
    t->in_insn = false;
    t->begun0 = insns_begun(t->cpu);
    t->next_sample = 0; /* the first crossing takes one */
    t->last_idle = (t->now ? t->now(t->now_ctx) : t->cpu->icount) - t->cpu->icount;
    if (!symbols_find(t->syms, "kernel:" KINFO_SYMBOL, &t->kinfo_va))
        t->kinfo_va = 0;
    return 0;
}

void tracer_detach(struct tracer *t)
{
    if (!t->hub)
        return;
    if (t->in_insn)
        finish_insn(t, t->cpu, false);
    if (t->sparse) { /* where the machine stopped: between two instructions */
        t->next_step = insns_begun(t->cpu) - t->begun0;
        t->in_insn = false;
    }
    maybe_sample(t, t->cpu, true); /* the counters at the end: what --stats reports */
    watch_detach(t->hub, &t->watcher);
    t->hub = NULL;
    t->cpu = NULL;
}

struct watcher *tracer_watcher(struct tracer *t) { return &t->watcher; }

void tracer_get_stats(const struct tracer *t, struct tracer_stats *s)
{
    *s = t->stats;
    disasm_stats(t->dis, &s->disasm_hits, &s->disasm_misses);
    s->disasm_hits += t->insn_text_hits; /* found in the rendered-text cache in front */
}

int tracer_flush(struct tracer *t)
{
    return t && t->writer ? trace_writer_sync(t->writer) : 0;
}

int tracer_close(struct tracer *t, char *err, size_t errlen)
{
    if (!t)
        return 0;
    tracer_detach(t);
    int rc = 0;
    if (t->writer && trace_writer_flush(t->writer) != 0) {
        snprintf(err, errlen, "writing the trace failed (disk full or output closed)");
        rc = -1;
    }
    if (t->own_file && fclose(t->own_file) != 0 && rc == 0) {
        snprintf(err, errlen, "closing the trace file failed");
        rc = -1;
    }
    trace_writer_free(t->writer);
    for (unsigned i = 0; i < t->nprograms; i++)
        symbols_free(t->programs[i].syms);
    free((void *)t->main_host);
    symbols_free(t->syms);
    disasm_free(t->dis);
    free(t->insn_text);
    free(t);
    return rc;
}
