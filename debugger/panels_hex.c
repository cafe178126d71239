/* panels_hex.c — the Memory panel: hex and ASCII of virtual memory (of the
 * CPU's address space or any process's, through its page tables with
 * mmu_peek: no side effects) or of physical memory.  Each page starts
 * with a line naming its frame, an unmapped page is one line saying what
 * the kernel has there, and the bytes the last instruction read, wrote or
 * fetched are highlighted.  By default it follows the last access
 * (panels.h; pointed elsewhere through ui_view_memory_*). */
#include <stdio.h>
#include <string.h>

#include "font.h"
#include "panels.h"
#include "pen.h"

/* The access of the last instruction to show: a write, else a read, else
 * the fetch; NULL if none. */
static const struct dbg_access *last_access(const struct dbg *d)
{
    const struct dbg_access *best = NULL;
    for (size_t i = 0; i < d->nacc; i++) {
        const struct dbg_access *a = &d->acc[i];
        if (!best || a->kind == MEM_WRITE || (a->kind == MEM_READ && best->kind == MEM_FETCH))
            best = a;
    }
    return best;
}

/* The colour of the last instruction's access covering byte `at`
 * (virtual or physical), or 0. */
static uint8_t access_color(const struct dbg *d, uint64_t at, bool physical)
{
    uint8_t color = 0;
    for (size_t i = 0; i < d->nacc; i++) {
        uint64_t a = physical ? d->acc[i].pa : d->acc[i].va;
        if (at < a || at >= a + d->acc[i].size)
            continue;
        if (d->acc[i].kind == MEM_WRITE)
            return C_ACC_WRITE;
        color = d->acc[i].kind == MEM_READ ? C_ACC_READ : color ? color : C_ACC_EXEC;
    }
    return color;
}

static const char *kind_words(enum mem_kind k) { return k == MEM_WRITE ? "write" : k == MEM_READ ? "read" : "fetch"; }

void draw_memory(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_MEMORY);
    struct cpu *cpu = machine_cpu(d->m);
    struct mmu *mmu = machine_mmu(d->m);
    if (p.h < 2 || p.w < 30)
        return;
    bool physical = v->mem_mode == MEM_PHYSICAL;
    uint64_t cr3 = cpu->cr3 & ~0xfffull, addr;
    const struct kproc *proc = NULL;
    char what[160];
    if (v->mem_mode == MEM_FOLLOW) {
        const struct dbg_access *a = last_access(d);
        addr = a ? a->va : cpu->rip;
        proc = kstate_proc_by_cr3(ks, cpu->cr3);
        if (a)
            snprintf(what, sizeof what, "%s of %u bytes at 0x%llx, the last access", kind_words(a->kind), a->size,
                     (unsigned long long)a->va);
        else
            snprintf(what, sizeof what, "following RIP: the last instruction accessed no data");
    } else if (!physical) {
        proc = v->mem_pid ? kstate_proc(ks, v->mem_pid) : shown_process(ks, d, v);
        if (v->mem_pid && (!proc || !proc->cr3)) {
            pen_color(&p, C_WARN, C_BG);
            pen_printf(&p, "pid %u has no address space now", v->mem_pid);
            return;
        }
        if (proc)
            cr3 = proc->cr3;
        addr = v->mem_addr;
        snprintf(what, sizeof what, "at 0x%llx (asked for)", (unsigned long long)addr);
    } else {
        addr = v->mem_addr;
        snprintf(what, sizeof what, "0x%llx (asked for)", (unsigned long long)addr);
    }
    bool cpu_space = !physical && cr3 == (cpu->cr3 & ~0xfffull);
    bool paging = cpu->cr0 & CR0_PG;
    pen_color(&p, C_DIM, C_BG);
    if (physical)
        pen_text(&p, "physical: ");
    else if (proc)
        pen_printf(&p, "pid %u: ", proc->pid);
    else
        pen_printf(&p, "CR3 %llx: ", (unsigned long long)cr3);
    pen_wrap(&p, what, 2);
    pen_line(&p);
    static struct karea areas[KSTATE_MAX_AREAS];
    int nareas = proc ? kstate_areas(ks, d->m, proc, areas, KSTATE_MAX_AREAS) : 0;

    int bpl = p.w >= 17 + 16 * 3 + 1 + 16 ? 16 : 8;   /* bytes per line */
    uint64_t line0 = addr & ~(uint64_t)(bpl - 1);
    uint64_t back = (uint64_t)((p.h - p.y) / 3) * (uint64_t)bpl;
    uint64_t la = line0 >= back ? line0 - back : 0;
    bool first = true;
    uint64_t ram = mmu_ram_size(mmu);
    while (!pen_full(&p)) {
        uint64_t page = la & ~0xfffull;
        uint64_t pa = la;
        bool mapped = true;
        if (!physical && paging) {
            struct mmu_peek w;
            mapped = mmu_peek(mmu, cr3, la, &w) && w.result == PEEK_MAPPED;
            pa = mapped ? w.pa : 0;
            if (first || (la & 0xfff) == 0) {
                pen_color(&p, mapped ? C_BORDER : C_PS_GUARD, C_BG);
                if (mapped) {
                    pen_printf(&p, "-- page %llx -> frame %llx %s%s%s --", (unsigned long long)page,
                               (unsigned long long)(pa & ~0xfffull), w.user ? "user" : "kernel",
                               w.writable ? " writable" : " read-only", w.nx ? " NX" : "");
                } else {
                    const char *state = "unmapped";
                    if (proc && la < USER_TOP)
                        state = page_state_name(kstate_page_state(ks, d->m, proc, areas, nareas, la, NULL));
                    pen_printf(&p, "-- page %llx not mapped (%s) --", (unsigned long long)page, state);
                }
                pen_line(&p);
                if (pen_full(&p))
                    break;
            }
            if (!mapped) {
                la = page + 4096;   /* one line per unmapped page */
                first = false;
                if (la == 0)
                    break;
                continue;
            }
        } else if (physical && (first || (la & 0xfff) == 0)) {
            pen_color(&p, C_BORDER, C_BG);
            pen_printf(&p, "-- frame %llx --", (unsigned long long)(la >> 12));
            pen_line(&p);
            if (pen_full(&p))
                break;
        }
        first = false;
        if (pa + (uint64_t)bpl > ram) {
            pen_color(&p, C_DIM, C_BG);
            pen_text(&p, "(beyond the end of RAM)");
            break;
        }
        uint8_t bytes[16];
        mmu_phys_read(mmu, pa, bytes, (size_t)bpl);
        bool here = la <= addr && addr < la + (uint64_t)bpl;
        pen_color(&p, here ? C_TITLE : C_ADDR, C_BG);
        pen_printf(&p, "%016llx ", (unsigned long long)la);
        for (int i = 0; i < bpl; i++) {
            uint8_t c = cpu_space || physical ? access_color(d, physical ? pa + i : la + i, physical) : 0;
            pen_color(&p, c ? C_BLACK : C_TEXT, c ? c : C_BG);
            pen_printf(&p, "%02x", bytes[i]);
            pen_color(&p, C_TEXT, C_BG);
            pen_char(&p, ' ');
        }
        for (int i = 0; i < bpl; i++) {
            uint8_t c = cpu_space || physical ? access_color(d, physical ? pa + i : la + i, physical) : 0;
            pen_color(&p, c ? C_BLACK : C_DIM, c ? c : C_BG);
            pen_char(&p, bytes[i] >= 0x20 && bytes[i] < 0x7f ? bytes[i] : FONT_DOT);
        }
        pen_line(&p);
        la += (uint64_t)bpl;
        if (la == 0)
            break;
    }
}
