/* panels_cpu.c — the panels about the CPU: disassembly around RIP,
 * registers and the ring, the stack with its frames, the console and the
 * event log (panels.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/disasm.h"
#include "../trace/event.h"
#include "font.h"
#include "panels.h"
#include "pen.h"

/* ---- disassembly ------------------------------------------------------- */

struct dline {
    uint64_t va;
    unsigned len;
    char text[96];
    bool ok;
};

/* Decode one instruction at va through the current page tables. */
static bool decode_at(struct dbg *d, uint64_t va, struct dline *out)
{
    uint8_t bytes[16];
    size_t n = machine_read_virt(d->m, va, bytes, sizeof bytes);
    out->va = va;
    out->ok = false;
    out->len = 1;
    if (n == 0) {
        snprintf(out->text, sizeof out->text, "(not mapped)");
        return false;
    }
    struct insn in;
    if (decode(bytes, n, &in) != DECODE_OK) {
        snprintf(out->text, sizeof out->text, "(bad) %02x", bytes[0]);
        return true;
    }
    out->len = in.len;
    out->ok = true;
    struct mmu_peek w;
    uint64_t pa = mmu_peek(machine_mmu(d->m), machine_cpu(d->m)->cr3, va, &w) ? w.pa : 0;
    const char *t = insn_mnemonic(&in);
    if (d->dis)
        t = disasm_text(d->dis, va, pa, bytes, in.len).text;
    snprintf(out->text, sizeof out->text, "%s", t ? t : "?");
    return true;
}

/* Function start of va from its symbol ("name+0x1c"), if close enough to
 * decode forward from. */
static bool function_start(struct dbg *d, uint64_t va, uint64_t *start)
{
    char sym[128];
    dbg_symbol(d, va, sym, sizeof sym);
    if (!*sym)
        return false;
    const char *plus = strrchr(sym, '+');
    uint64_t off = plus ? strtoull(plus + 1, NULL, 16) : 0;
    if (off > 0x800)
        return false;
    *start = va - off;
    return true;
}

/* Decode from `from` and report whether `target` starts an instruction
 * within max lines (and on which line). */
static int line_of(struct dbg *d, uint64_t from, uint64_t target, int max)
{
    uint64_t va = from;
    for (int i = 0; i < max; i++) {
        if (va == target)
            return i;
        if (va > target)
            return -1;
        struct dline l;
        if (!decode_at(d, va, &l))
            return -1;
        va += l.len;
    }
    return -1;
}

static bool is_branch(const char *text)
{
    return text[0] == 'j' || strncmp(text, "call", 4) == 0 || strncmp(text, "loop", 4) == 0;
}

void draw_disasm(struct ui_model *m, struct dbg *d, struct ui_view *v)
{
    struct pen p = panel_pen(m, P_DISASM);
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t center = v->goto_active ? v->goto_addr : cpu->rip;
    int h = p.h;
    m->ndisasm = 0;
    if (h <= 0)
        return;
    /* Keep the previous window while the center stays well inside it;
     * else start a quarter of the panel above, from the function start. */
    uint64_t top = center;
    int at = line_of(d, v->disasm_top, center, h - 3);
    if (v->disasm_top && v->disasm_top <= center && at >= 0) {
        top = v->disasm_top;
    } else {
        uint64_t fs;
        if (function_start(d, center, &fs) && fs < center) {
            /* Walk forward from the function start, remembering the
             * addresses, then back up h/4 lines from the center. */
            uint64_t addrs[512];
            int n = 0;
            uint64_t va = fs;
            while (va < center && n < 512) {
                struct dline l;
                addrs[n++] = va;
                if (!decode_at(d, va, &l))
                    break;
                va += l.len;
            }
            if (va == center) {
                int back = h / 4 < n ? h / 4 : n;
                top = addrs[n - back];
            }
        }
    }
    v->disasm_top = top;
    uint64_t va = top;
    char sym[128], target_sym[128];
    while (!pen_full(&p)) {
        /* A label line where a function starts. */
        dbg_symbol(d, va, sym, sizeof sym);
        if (*sym && !strchr(sym, '+')) {
            pen_color(&p, C_SYM, C_BG);
            pen_printf(&p, "%s:", sym);
            pen_line(&p);
            if (pen_full(&p))
                break;
        }
        struct dline l;
        bool mapped = decode_at(d, va, &l);
        bool is_rip = va == cpu->rip, is_cursor = v->cursor_active && va == v->cursor;
        uint8_t bg = is_rip ? C_CUR_BG : is_cursor ? C_SEL_BG : C_BG;
        if (m->ndisasm < UI_MAX_DISASM_LINES)
            m->disasm_addr[m->ndisasm++] = va;
        pen_color(&p, C_BP, bg);
        pen_char(&p, dbg_has_breakpoint(d, va) ? FONT_BULLET : ' ');
        pen_color(&p, is_rip ? C_TITLE : C_DIM, bg);
        pen_char(&p, is_rip ? FONT_RIGHT : ' ');
        pen_color(&p, C_ADDR, bg);
        pen_printf(&p, " %016llx  ", (unsigned long long)va);
        pen_color(&p, mapped ? C_TEXT : C_DIM, bg);
        /* A branch to a known place names it instead of its address, so
         * the line fits the panel (the address is on the target's line). */
        const char *hex = l.ok && is_branch(l.text) ? strstr(l.text, "0x") : NULL;
        char *end = NULL;
        uint64_t target = hex ? strtoull(hex, &end, 16) : 0;
        if (hex && *dbg_symbol(d, target, target_sym, sizeof target_sym) && end && !*end) {
            pen_printf(&p, "%.*s", (int)(hex - l.text), l.text);
            pen_color(&p, C_SYM, bg);
            pen_printf(&p, "<%s>", target_sym);
        } else {
            pen_text(&p, l.text);
        }
        pen_fill(&p);
        pen_line(&p);
        if (!mapped)
            break;
        va += l.len;
    }
}

/* ---- registers --------------------------------------------------------- */

static const char *const gpr_names[16] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
                                          "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15"};

static void reg_value(struct pen *p, const char *name, uint64_t value, bool changed)
{
    pen_color(p, C_DIM, C_BG);
    pen_text(p, name);
    pen_char(p, ' ');
    pen_color(p, changed ? C_CHANGED : C_TEXT, C_BG);
    pen_printf(p, "%016llx", (unsigned long long)value);
}

static void flag_names(struct pen *p, uint64_t value, const char *const *names, const int *bits, int n, bool changed)
{
    pen_color(p, changed ? C_CHANGED : C_SYM, C_BG);
    for (int i = 0; i < n; i++)
        if (value & (1ull << bits[i]))
            pen_printf(p, " %s", names[i]);
}

void draw_registers(struct ui_model *m, struct dbg *d)
{
    struct pen p = panel_pen(m, P_REGS);
    struct cpu *cpu = machine_cpu(d->m);
    const struct dbg_regs *r = &d->now, *o = &d->prev;
    /* The ring, big: three text rows tall. */
    bool kernel = r->cpl == 0;
    m->big.x = p.x0;
    m->big.y = p.y0;
    m->big.scale = 3;
    m->big.fg = kernel ? C_RING0 : C_RING3;
    snprintf(m->big.text, sizeof m->big.text, "RING %u", r->cpl);
    char sym[128];
    for (int row = 0; row < 3; row++) {
        p.x = 19;
        if (row == 0) {
            pen_color(&p, m->big.fg, C_BG);
            pen_printf(&p, "ring %u: %s", r->cpl, kernel ? "kernel mode" : "user mode");
        } else if (row == 1) {
            pen_color(&p, C_DIM, C_BG);
            pen_printf(&p, "insn %llu", (unsigned long long)cpu->icount);
        } else {
            pen_color(&p, C_DIM, C_BG);
            pen_printf(&p, "time %.6f ms", machine_time_ns(d->m) / 1e6);
        }
        pen_line(&p);
    }
    for (int i = 0; i < 8; i++) {
        reg_value(&p, gpr_names[i], r->gpr[i], r->gpr[i] != o->gpr[i]);
        pen_text(&p, "  ");
        reg_value(&p, gpr_names[i + 8], r->gpr[i + 8], r->gpr[i + 8] != o->gpr[i + 8]);
        pen_line(&p);
    }
    reg_value(&p, "RIP", r->rip, r->rip != o->rip);
    pen_color(&p, C_SYM, C_BG);
    pen_printf(&p, " %s", dbg_symbol(d, r->rip, sym, sizeof sym));
    pen_line(&p);
    static const char *const fl[] = {"CF", "PF", "AF", "ZF", "SF", "TF", "IF", "DF", "OF", "AC"};
    static const int flb[] = {0, 2, 4, 6, 7, 8, 9, 10, 11, 18};
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, "RFLAGS ");
    pen_color(&p, r->rflags != o->rflags ? C_CHANGED : C_TEXT, C_BG);
    pen_printf(&p, "%08llx", (unsigned long long)r->rflags);
    flag_names(&p, r->rflags, fl, flb, 10, r->rflags != o->rflags);
    pen_color(&p, C_DIM, C_BG);
    pen_printf(&p, " IOPL=%llu", (unsigned long long)((r->rflags >> 12) & 3));
    pen_line(&p);
    pen_color(&p, C_DIM, C_BG);
    static const char *const seg_names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int s = 0; s < 6; s++) {
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, "%s ", seg_names[s]);
        pen_color(&p, C_TEXT, C_BG);
        pen_printf(&p, "%04x ", cpu->seg[s].sel);
    }
    pen_line(&p);
    static const char *const cr0n[] = {"PE", "WP", "PG"};
    static const int cr0b[] = {0, 16, 31};
    reg_value(&p, "CR0", r->cr0, r->cr0 != o->cr0);
    flag_names(&p, r->cr0, cr0n, cr0b, 3, r->cr0 != o->cr0);
    pen_line(&p);
    reg_value(&p, "CR2", r->cr2, r->cr2 != o->cr2);
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, " last #PF address");
    pen_line(&p);
    reg_value(&p, "CR3", r->cr3, r->cr3 != o->cr3);
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, " page tables (PML4)");
    pen_line(&p);
    static const char *const cr4n[] = {"PAE", "PGE", "OSFXSR", "SMEP", "SMAP"};
    static const int cr4b[] = {5, 7, 9, 20, 21};
    reg_value(&p, "CR4", r->cr4, r->cr4 != o->cr4);
    flag_names(&p, r->cr4, cr4n, cr4b, 5, r->cr4 != o->cr4);
    pen_line(&p);
    static const char *const efn[] = {"SCE", "LME", "LMA", "NXE"};
    static const int efb[] = {0, 8, 10, 11};
    reg_value(&p, "EFER", r->efer, r->efer != o->efer);
    flag_names(&p, r->efer, efn, efb, 4, r->efer != o->efer);
    pen_line(&p);
    reg_value(&p, "FS.base", r->fs_base, r->fs_base != o->fs_base);
    pen_line(&p);
    reg_value(&p, "GS.base", r->gs_base, r->gs_base != o->gs_base);
    pen_line(&p);
    reg_value(&p, "KernelGS", cpu->kernel_gs_base, false);
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, " swapgs");
    pen_line(&p);
}

/* ---- stack ------------------------------------------------------------- */

void draw_stack(struct ui_model *m, struct dbg *d, const struct kstate *ks)
{
    /* The kernel's areas of the process on the CPU, for unmapped pages. */
    const struct kproc *proc = kstate_proc_by_cr3(ks, machine_cpu(d->m)->cr3);
    static struct karea areas[KSTATE_MAX_AREAS];
    int nareas = proc ? kstate_areas(ks, d->m, proc, areas, KSTATE_MAX_AREAS) : 0;
    struct pen p = panel_pen(m, P_STACK);
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t rsp = cpu->gpr[RSP], rbp = cpu->gpr[RBP];
    if (p.h <= 0)
        return;
    /* Frames: follow the saved-RBP chain (each frame: [rbp] = caller's
     * RBP, [rbp+8] = return address) while it moves up the stack. */
    uint64_t saved_rbp_at[16], ret_at[16];
    int nframes = 0;
    uint64_t f = rbp;
    while (nframes < 16 && f >= rsp && f - rsp < 0x100000) {
        uint64_t next;
        if (machine_read_virt(d->m, f, &next, 8) != 8)
            break;
        saved_rbp_at[nframes] = f;
        ret_at[nframes++] = f + 8;
        if (next <= f)
            break;
        f = next;
    }
    /* Higher addresses at the top: the stack grows down the panel. */
    int above = p.h / 3;
    uint64_t first = rsp + (uint64_t)above * 8;
    bool last_unmapped = false;
    char sym[128];
    /* A symbol longer than the rest of its line wraps onto the next. */
    int wrap_at = 4;
    for (int i = 0; !pen_full(&p) && i < 4 * p.h; i++) {
        uint64_t a = first - (uint64_t)i * 8, value;
        bool mapped = machine_read_virt(d->m, a, &value, 8) == 8;
        if (!mapped) {
            if (!last_unmapped) {
                /* What the kernel says this page is. */
                enum page_state st = proc ? kstate_page_state(ks, d->m, proc, areas, nareas, a, NULL) : PS_UNMAPPED;
                const char *what = st == PS_GUARD ? "guard page: touching it kills the process"
                                   : st == PS_COMMITTED ? "committed, no frame yet (demand-zero on touch)"
                                   : st == PS_RESERVED ? "reserved: touching it is a segmentation fault"
                                   : st == PS_SWAPPED ? "swapped out to the pagefile (paged in on touch)"
                                   : proc || a >= USER_TOP ? "page not mapped"
                                                           : "page not mapped (no process: the page tables only)";
                pen_color(&p, st == PS_COMMITTED || st == PS_SWAPPED ? C_PS_COMMITTED : C_PS_GUARD, C_BG);
                pen_printf(&p, "  %016llx  ---- %s ----", (unsigned long long)(a & ~(PAGE - 1)), what);
                pen_line(&p);
            }
            last_unmapped = true;
            continue;
        }
        last_unmapped = false;
        bool at_rsp = a == rsp;
        uint8_t bg = at_rsp ? C_CUR_BG : C_BG;
        pen_color(&p, a < rsp ? C_DIM : C_ADDR, bg);
        pen_printf(&p, "%s%016llx  ", at_rsp ? "\x83 " : "  ", (unsigned long long)a);
        pen_color(&p, a < rsp ? C_DIM : C_TEXT, bg);
        pen_printf(&p, "%016llx", (unsigned long long)value);
        if (at_rsp) {
            pen_color(&p, C_TITLE, bg);
            pen_text(&p, " <- RSP");
        }
        if (a == rbp) {
            pen_color(&p, C_TITLE, bg);
            pen_text(&p, " <- RBP");
        }
        for (int f = 0; f < nframes; f++) {
            if (a == saved_rbp_at[f]) {
                char words[40];
                snprintf(words, sizeof words, " saved RBP (frame %d)", f);
                pen_color(&p, C_DIM, bg);
                pen_wrap(&p, words, wrap_at);
            } else if (a == ret_at[f]) {
                char words[160];
                snprintf(words, sizeof words, " return to %s", *dbg_symbol(d, value, sym, sizeof sym) ? sym : "?");
                pen_color(&p, C_SYM, bg);
                pen_wrap(&p, words, wrap_at);
            }
        }
        if (a == rsp - 8) {
            pen_color(&p, C_DIM, bg);
            pen_text(&p, " (free: below RSP)");
        }
        /* Other values that point into code are likely return addresses. */
        if (a >= rsp) {
            bool framed = false;
            for (int f = 0; f < nframes; f++)
                framed |= a == ret_at[f] || a == saved_rbp_at[f];
            if (!framed && value > 0x1000 && *dbg_symbol(d, value, sym, sizeof sym)) {
                pen_color(&p, C_SYM, bg);
                pen_char(&p, ' ');
                pen_wrap(&p, sym, wrap_at);
            }
        }
        pen_fill(&p);
        pen_line(&p);
    }
}

/* ---- console and events ------------------------------------------------ */

static void draw_text_tail(struct pen *p, const uint8_t *text, size_t len, uint8_t color)
{
    /* Find where the last p->h wrapped lines start. */
    int lines = 0;
    size_t start = len;
    while (start > 0) {
        size_t s = start - 1;
        /* The line ending before start. */
        size_t ls = s;
        while (ls > 0 && text[ls - 1] != '\n')
            ls--;
        size_t l = s - ls + (text[s] == '\n' ? 0 : 1);
        int wrapped = p->w > 0 ? (int)(l / (size_t)p->w) + 1 : 1;
        if (lines + wrapped > p->h)
            break;
        lines += wrapped;
        start = ls;
    }
    pen_color(p, color, C_BG);
    for (size_t i = start; i < len && !pen_full(p); i++) {
        if (text[i] == '\n') {
            pen_line(p);
            pen_color(p, color, C_BG);
            continue;
        }
        if (p->x >= p->w) {
            pen_line(p);
            pen_color(p, color, C_BG);
        }
        uint8_t ch = text[i];
        pen_char(p, ch >= 0x20 && ch < 0x7f ? ch : (ch == '\t' ? ' ' : FONT_DOT));
    }
}

void draw_console(struct ui_model *m, struct dbg *d, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_CONSOLE);
    size_t len, klen, elen;
    const uint8_t *text = machine_console(d->m, &len);
    const uint8_t *klog = machine_kernel_log(d->m, &klen);
    const uint8_t *errors = machine_stderr(d->m, &elen);
    if (elen) {
        /* The guest's stderr (COM2: its fd 2 and the kernel's "[pid N]
         * killed" lines) in the bottom lines, in the warning colour; the
         * whole panel while the console (COM1) has nothing. */
        int eh = !len ? p.h : p.h >= 8 ? p.h / 2 : p.h >= 6 ? 3 : p.h >= 2 ? 1 : 0;
        struct pen e = p;
        e.y0 += p.h - eh;
        e.h = eh;
        e.y = 0;
        draw_text_tail(&e, errors, elen, C_WARN);
        p.h -= eh;
    }
    if (len)
        draw_text_tail(&p, text, len, C_TEXT);
    else if (elen)
        ; /* stderr has the whole panel */
    else if (klen) {
        pen_color(&p, C_TITLE, C_BG);
        pen_text(&p, "no console output yet; the kernel log (port 0xE9):");
        pen_line(&p);
        struct pen rest = p;
        rest.y0 += 1;
        rest.h -= 1;
        rest.y = 0;
        draw_text_tail(&rest, klog, klen, C_DIM);
    }
    else {
        pen_color(&p, C_DIM, C_BG);
        pen_text(&p, "(no output yet)");
    }
    if (v->console_focus) {
        struct ui_rect r = m->panel[P_CONSOLE];
        for (int x = r.x; x < r.x + r.w; x++)
            put_cell(m, x, r.y, FONT_HLINE, C_KEY, C_BG);
    }
}

static uint8_t event_color(uint8_t trace_kind)
{
    switch (trace_kind) {
    case TRACE_SYSCALL: case TRACE_SYSRET: return C_SYM;
    case TRACE_EXCEPTION: return C_WARN;
    case TRACE_INTERRUPT: return C_ADDR;
    case TRACE_OS: return C_GOOD;
    default: return C_DIM;
    }
}

/* The selected event in full: its line wrapped, then its explanation. */
static void selected_event(struct pen *p, const struct dbg_event *e, bool explain)
{
    pen_color(p, C_DIM, C_SEL_BG);
    pen_printf(p, "%10llu ", (unsigned long long)e->icount);
    pen_color(p, event_color(e->kind), C_SEL_BG);
    pen_wrap(p, e->text, 11);
    pen_fill(p);
    pen_line(p);
    if (explain && *e->explain) {
        pen_color(p, C_TEXT, C_SEL_BG);
        p->x = 11;
        pen_wrap(p, e->explain, 11);
        pen_fill(p);
        pen_line(p);
    }
}

void draw_events(struct ui_model *m, struct dbg *d, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_EVENTS);
    /* Scrolled back: the newest events_back are below the panel.  The
     * event at the bottom is the selected one: shown in full (wrapped,
     * with its explanation), the others one line each, cut with a mark. */
    int back = v->events_back < (int)d->log_count ? v->events_back : (int)d->log_count;
    if (back < 0)
        back = 0;
    int left = (int)d->log_count - back;
    if (left <= 0 || p.h <= 0) {
        pen_color(&p, C_DIM, C_BG);
        pen_text(&p, "(no events yet: syscalls, faults, interrupts and OS events appear here)");
        return;
    }
    const struct dbg_event *sel = dbg_event_newest(d, (size_t)back);
    /* Its explanation is in the What happened rows; here too if cut there. */
    bool explain = m->explain_cut;
    /* How many lines the selected event takes: drawn once on no cells. */
    struct ui_model none = {0};
    struct pen measure = {&none, 0, 0, p.w, 1 << 20, 0, 0, C_TEXT, C_BG};
    selected_event(&measure, sel, explain);
    int need = measure.y < p.h ? measure.y : p.h;
    int others = p.h - need < left - 1 ? p.h - need : left - 1;
    for (int i = back + others; i > back && !pen_full(&p); i--) {
        const struct dbg_event *e = dbg_event_newest(d, (size_t)i);
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, "%10llu ", (unsigned long long)e->icount);
        pen_color(&p, event_color(e->kind), C_BG);
        pen_text(&p, e->text);
        pen_fill(&p);
        pen_line(&p);
    }
    selected_event(&p, sel, explain);
}
