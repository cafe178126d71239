/* panels_ptables.c — the page-table view: every mapped range of a
 * process's user half with its rights, like QEMU's `info mem` (and the
 * kernel half in one line), from its own page tables through mmu_visit:
 * neighbouring pages with the same rights merge into one range
 * (panels.h). */
#include <stdio.h>
#include <string.h>

#include "panels.h"
#include "pen.h"

struct range {
    uint64_t lo, hi, pages;
    bool user, writable, nx;
    uint64_t big;               /* pages of 2 MiB or 1 GiB in it */
};

struct collect {
    struct pen *p;
    struct range cur;
    bool open;
    int index, top;             /* ranges before top are scrolled away */
    int shown, total;
};

static void emit(struct collect *c)
{
    if (!c->open)
        return;
    c->total++;
    if (c->index++ < c->top || pen_full(c->p))
        return;
    struct pen *p = c->p;
    const struct range *r = &c->cur;
    pen_color(p, C_ADDR, C_BG);
    pen_printf(p, "%016llx-%016llx ", (unsigned long long)r->lo, (unsigned long long)r->hi);
    pen_color(p, C_TEXT, C_BG);
    pen_printf(p, "%c%c%c", r->user ? 'u' : '-', 'r', r->writable ? 'w' : '-');
    pen_color(p, r->nx ? C_DIM : C_ACC_EXEC, C_BG);
    pen_text(p, r->nx ? " nx" : " x ");
    pen_color(p, C_DIM, C_BG);
    pen_printf(p, " %llu page%s", (unsigned long long)r->pages, r->pages == 1 ? "" : "s");
    if (r->big)
        pen_printf(p, " (%llu large)", (unsigned long long)r->big);
    pen_line(p);
    c->shown++;
}

static bool visit(void *ctx, const struct mmu_mapping *map)
{
    struct collect *c = ctx;
    struct range *r = &c->cur;
    if (c->open && map->va == r->hi && map->user == r->user && map->writable == r->writable && map->nx == r->nx) {
        r->hi += map->size;
    } else {
        emit(c);
        *r = (struct range){map->va, map->va + map->size, 0, map->user, map->writable, map->nx, 0};
        c->open = true;
    }
    r->pages++;
    r->big += map->level > 1;
    return c->total < 100000;
}

void draw_page_tables(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_PTABLES);
    struct cpu *cpu = machine_cpu(d->m);
    if (p.h <= 0)
        return;
    const struct kproc *proc = shown_process(ks, d, v);
    uint64_t cr3 = proc ? proc->cr3 : cpu->cr3 & ~0xfffull;
    if (!(cpu->cr0 & CR0_PG)) {
        pen_color(&p, C_DIM, C_BG);
        pen_text(&p, "paging is off: no page tables yet");
        return;
    }
    if (v->proc_pid && !proc) {
        pen_color(&p, C_WARN, C_BG);
        pen_printf(&p, "pid %u has no address space now", v->proc_pid);
        return;
    }
    pen_color(&p, C_DIM, C_BG);
    if (proc)
        pen_printf(&p, "pid %u, CR3 %llx: user half, merged by rights", proc->pid, (unsigned long long)cr3);
    else
        pen_printf(&p, "no process, CR3 %llx: user half, merged by rights", (unsigned long long)cr3);
    if (v->ptables_top)
        pen_printf(&p, " (from range %d)", v->ptables_top + 1);
    pen_line(&p);
    struct collect c = {.p = &p, .top = v->ptables_top};
    mmu_visit(machine_mmu(d->m), cr3, 0, USER_TOP, MMU_VISIT_PAGES, visit, &c);
    emit(&c);
    if (!c.total && !pen_full(&p)) {
        pen_color(&p, C_DIM, C_BG);
        pen_text(&p, "(nothing mapped in the user half)");
        pen_line(&p);
    }
    if (!pen_full(&p)) {
        pen_color(&p, C_OWN_KERNEL, C_BG);
        pen_text(&p, "ffff800000000000-ffffffffffffffff kernel half, supervisor only");
        pen_line(&p);
    }
    if (c.total > c.shown + v->ptables_top) {
        p.y = p.h - 1;
        p.x = 0;
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, "... %d ranges in all", c.total);
        pen_fill(&p);
    }
}
