/* panels_memory.c — the panels about memory: the process's memory map
 * drawn like the seeds' diagram with page states, physical frames by owner
 * and the swap slots, the page walk of the last access, the TLB
 * (panels.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "panels.h"
#include "pen.h"

/* ---- memory map -------------------------------------------------------- */

struct band {
    uint64_t lo, hi;           /* [lo, hi) */
    char label[24];
    bool kernel;
};

struct band_list {
    struct band b[48];
    int n;
};

static void add_band(struct band_list *l, uint64_t lo, uint64_t hi, const char *label)
{
    if (l->n == (int)(sizeof l->b / sizeof l->b[0]) || hi <= lo)
        return;
    struct band *b = &l->b[l->n++];
    b->lo = lo;
    b->hi = hi;
    b->kernel = lo >= KERNEL_BASE;
    snprintf(b->label, sizeof b->label, "%s", label);
}

/* Runs of user-half pages mapped in the page tables. */
struct run_collect {
    struct band_list *bands;
    uint64_t lo, hi;
    bool open;
};

static bool collect_run(void *ctx, const struct mmu_mapping *map)
{
    struct run_collect *c = ctx;
    uint64_t va = map->va, size = map->size;
    if (c->open && va == c->hi) {
        c->hi = va + size;
        return true;
    }
    if (c->open)
        add_band(c->bands, c->lo, c->hi, "");
    c->lo = va;
    c->hi = va + size;
    c->open = true;
    return c->bands->n < 40;
}

static bool overlaps(const struct band_list *l, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < l->n; i++)
        if (l->b[i].lo < hi && lo < l->b[i].hi)
            return true;
    return false;
}

static int band_cmp_desc(const void *a, const void *b)
{
    const struct band *x = a, *y = b;
    return x->lo < y->lo ? 1 : x->lo > y->lo ? -1 : 0;
}

static uint8_t state_color(enum page_state s) { return (uint8_t)(C_PS_UNMAPPED + s); }

/* The access mark of the last instruction on [lo, hi), or 0. */
static uint8_t access_mark(const struct dbg *d, uint64_t lo, uint64_t hi, uint8_t *fg, bool physical)
{
    uint8_t mark = 0;
    for (size_t i = 0; i < d->nacc; i++) {
        uint64_t a = physical ? d->acc[i].pa : d->acc[i].va;
        if (a < lo || a >= hi)
            continue;
        mark = d->acc[i].kind == MEM_WRITE ? 'W' : d->acc[i].kind == MEM_FETCH ? 'X' : 'R';
        *fg = d->acc[i].kind == MEM_WRITE ? C_ACC_WRITE : d->acc[i].kind == MEM_FETCH ? C_ACC_EXEC : C_ACC_READ;
        if (mark == 'W')
            break;
    }
    uint64_t rip = physical ? UINT64_MAX : machine_cpu((struct machine *)d->m)->rip;
    if (!mark && rip >= lo && rip < hi) {
        mark = 'X';
        *fg = C_ACC_EXEC;
    }
    return mark;
}

static void size_words(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes >= (1ull << 30))
        snprintf(buf, cap, "%lluG", (unsigned long long)(bytes >> 30));
    else if (bytes >= (1ull << 20))
        snprintf(buf, cap, "%lluM", (unsigned long long)(bytes >> 20));
    else
        snprintf(buf, cap, "%lluK", (unsigned long long)(bytes >> 10));
}

/* The state of a page when no process is known: the page tables only. */
static enum page_state table_state(struct dbg *d, uint64_t cr3, uint64_t va)
{
    struct mmu_peek w;
    return mmu_peek(machine_mmu(d->m), cr3, va, &w) && w.result == PEEK_MAPPED ? PS_RESIDENT : PS_UNMAPPED;
}

void draw_memmap(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_MEMMAP);
    struct cpu *cpu = machine_cpu(d->m);
    struct mmu *mmu = machine_mmu(d->m);
    if (p.h <= 2)
        return;
    const struct kproc *proc = shown_process(ks, d, v);
    uint64_t cr3 = proc ? proc->cr3 : cpu->cr3 & ~0xfffull;
    static struct karea areas[KSTATE_MAX_AREAS];
    int nareas = proc ? kstate_areas(ks, d->m, proc, areas, KSTATE_MAX_AREAS) : 0;
    if (nareas < 0)
        nareas = 0;
    struct band_list bands = {0};
    /* The kernel's areas of the process, then mappings no area covers. */
    for (int i = 0; i < nareas; i++)
        add_band(&bands, areas[i].start, areas[i].end, karea_label(&areas[i]));
    struct band_list runs = {0};
    struct run_collect rc = {.bands = &runs};
    if ((cpu->cr0 & CR0_PG) && cr3) {
        mmu_visit(mmu, cr3, 0, USER_TOP, MMU_VISIT_PAGES, collect_run, &rc);
        if (rc.open)
            add_band(&runs, rc.lo, rc.hi, "");
    }
    for (int i = 0; i < runs.n; i++)
        if (!overlaps(&bands, runs.b[i].lo, runs.b[i].hi))
            add_band(&bands, runs.b[i].lo, runs.b[i].hi, proc ? "mapped, no area" : "page tables only");
    qsort(bands.b, (size_t)bands.n, sizeof bands.b[0], band_cmp_desc);

    pen_color(&p, C_DIM, C_BG);
    /* The kernel reported the exit but has not released the memory yet
     * (the exit of pid 1 stops the machine right there). */
    const struct osview_process *reported = proc ? osview_process(&d->view, proc->pid) : NULL;
    if (proc)
        pen_printf(&p, "pid %u %s%s  CR3 %llx  %d areas (the kernel's)", proc->pid, proc->name,
                   proc->state == KPROC_ZOMBIE ? " (zombie)" : reported && reported->exited ? " (exiting)" : "",
                   (unsigned long long)cr3, nareas);
    else if (v->proc_pid)
        pen_printf(&p, "pid %u: no such process now (exited and reaped, or not created yet)", v->proc_pid);
    else if (!ks->ready)
        pen_printf(&p, "no process: %s; CR3 %llx", ks->why_not, (unsigned long long)cr3);
    else
        pen_printf(&p, "no process's address space is loaded (CR3 %llx)", (unsigned long long)cr3);
    pen_line(&p);
    if (proc && !proc->mm) {
        pen_color(&p, C_WARN, C_BG);
        pen_text(&p, "its address space is gone: the process exited (a zombie until its parent waits)");
        pen_line(&p);
    }
    /* Kernel space: one band, shared by every process. */
    pen_color(&p, C_OWN_KERNEL, C_BG);
    pen_printf(&p, "%-18s ffff800000000000+  ", "kernel space");
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, "the same in every process, ring 0 only");
    pen_line(&p);
    /* R/W/X marks only on the address space the CPU uses. */
    bool shows_cpu = cr3 == (cpu->cr3 & ~0xfffull);
    int label_w = 19 + 17 + 6;
    int cells_w = p.w - label_w;
    int rows_left = p.h - p.y - 1; /* the legend */
    int per_band = bands.n ? rows_left / (bands.n + 1) : 1;
    if (per_band < 1)
        per_band = 1;
    if (per_band > 3)
        per_band = 3;
    uint64_t prev_lo = USER_TOP;
    for (int i = 0; i < bands.n && p.y < p.h - 1; i++) {
        struct band *b = &bands.b[i];
        if (b->hi < prev_lo && p.y < p.h - 2 && rows_left > bands.n * per_band) {
            pen_color(&p, C_DIM, C_BG);
            char gap[16];
            size_words(prev_lo - b->hi, gap, sizeof gap);
            pen_printf(&p, "%-18s %s unused", "  ...", gap);
            pen_line(&p);
            rows_left--;
        }
        prev_lo = b->lo;
        uint64_t pages = (b->hi - b->lo) / PAGE;
        int total_cells = cells_w > 0 ? cells_w * per_band : 0;
        if ((uint64_t)total_cells > pages)
            total_cells = (int)pages;
        uint64_t per_cell = total_cells ? (pages + total_cells - 1) / total_cells : 1;
        char sz[16];
        size_words(b->hi - b->lo, sz, sizeof sz);
        for (int row = 0; row < per_band && p.y < p.h - 1; row++) {
            if (row == 0) {
                pen_color(&p, C_TEXT, C_BG);
                pen_printf(&p, "%-18.18s ", b->label);
                pen_color(&p, C_ADDR, C_BG);
                pen_printf(&p, "%016llx %5s ", (unsigned long long)b->lo, sz);
            } else {
                pen_printf(&p, "%*s", label_w, "");
            }
            p.x = label_w;
            for (int c = 0; c < cells_w; c++) {
                int cell = row * cells_w + c;
                if (cell >= total_cells)
                    break;
                /* Cells are drawn high addresses first, like the bands. */
                uint64_t first_page = (uint64_t)(total_cells - 1 - cell) * per_cell;
                uint64_t lo = b->lo + first_page * PAGE;
                uint64_t hi = lo + per_cell * PAGE > b->hi ? b->hi : lo + per_cell * PAGE;
                int count[PS_COUNT] = {0};
                uint64_t n = (hi - lo) / PAGE, step = n > 8 ? n / 8 : 1;
                for (uint64_t k = 0; k < n; k += step)
                    count[proc ? kstate_page_state(ks, d->m, proc, areas, nareas, lo + k * PAGE, NULL)
                               : table_state(d, cr3, lo + k * PAGE)]++;
                int best = PS_UNMAPPED;
                for (int s = 1; s < PS_COUNT; s++)
                    if (count[s] > count[best])
                        best = s;
                uint8_t fg = C_BLACK;
                uint8_t mark = shows_cpu ? access_mark(d, lo, hi, &fg, false) : 0;
                pen_color(&p, mark ? C_BLACK : state_color((enum page_state)best), state_color((enum page_state)best));
                if (mark) {
                    pen_color(&p, fg, C_BLACK);
                    pen_char(&p, mark);
                } else {
                    pen_char(&p, FONT_BLOCK);
                }
            }
            pen_line(&p);
        }
    }
    if (!bands.n) {
        pen_color(&p, C_DIM, C_BG);
        pen_text(&p, proc || cr3 ? "(no user-half mappings in this address space)" : "(paging is off)");
        pen_line(&p);
    }
    p.y = p.h - 1;
    p.x = 0;
    static const char *const legend[] = {"reserved", "committed", "resident", "swapped", "guard"};
    for (int s = PS_RESERVED; s <= PS_GUARD; s++) {
        pen_color(&p, state_color((enum page_state)s), C_BG);
        pen_char(&p, FONT_BLOCK);
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, " %s  ", legend[s - PS_RESERVED]);
    }
    pen_color(&p, C_ACC_READ, C_BLACK);
    pen_char(&p, 'R');
    pen_color(&p, C_ACC_WRITE, C_BLACK);
    pen_char(&p, 'W');
    pen_color(&p, C_ACC_EXEC, C_BLACK);
    pen_char(&p, 'X');
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, " last insn");
}

/* ---- physical frames --------------------------------------------------- */

/* Frames by what holds them; OWN_PROC + 1..3: other processes. */
enum { OWN_FREE, OWN_KERNEL, OWN_TABLES, OWN_KDATA, OWN_PROC, OWN_COUNT = OWN_PROC + 4 };

static uint8_t owner_color(int owner)
{
    switch (owner) {
    case OWN_FREE: return C_OWN_FREE;
    case OWN_KERNEL: return C_OWN_KERNEL;
    case OWN_TABLES: return C_OWN_TABLES;
    case OWN_KDATA: return C_OWN_KDATA;
    default: return (uint8_t)(C_OWN_PROC0 + (owner - OWN_PROC));
    }
}

struct owner_mark {
    uint8_t *owner;
    uint64_t nframes;
    uint8_t proc_owner;
    bool leaves;
    uint64_t work;      /* frames left to mark: guest tables can map one frame many times */
};

static bool mark_owner(void *ctx, const struct mmu_mapping *map)
{
    struct owner_mark *o = ctx;
    if (map->kind == MMU_VISIT_TABLE) {
        if (map->pa / PAGE < o->nframes)
            o->owner[map->pa / PAGE] = OWN_TABLES;
        return true;
    }
    if (!o->leaves)
        return true;
    uint64_t pa = map->pa, size = map->size;
    for (uint64_t f = pa / PAGE; f < (pa + size) / PAGE && f < o->nframes; f++) {
        if (o->work == 0)
            return false;
        o->work--;
        if (o->owner[f] == OWN_FREE || o->owner[f] == OWN_KDATA)
            o->owner[f] = o->proc_owner;
    }
    return true;
}

/* The pagefile's slots (one per 4 KiB of the disk), one row of cells,
 * purple where the kernel's slot bitmap says a page lives. */
static void draw_swap_slots(struct pen *p, struct dbg *d, const struct kstate *ks)
{
    p->y = p->h - 3;
    p->x = 0;
    if (!ks->ready || ks->swap_slots < 2) {
        pen_color(p, C_DIM, C_BG);
        pen_text(p, ks->ready ? "no pagefile (no disk)" : "swap: the kernel has not started yet");
        return;
    }
    uint64_t slots = ks->swap_slots, used_slots = slots - 1 - ks->swap_free;
    pen_color(p, C_PS_SWAPPED, C_BG);
    pen_printf(p, "swap %llu/%llu ", (unsigned long long)used_slots, (unsigned long long)slots - 1);
    int x0 = p->x, w = p->w - x0;
    uint64_t *bits = kstate_swap_bitmap(ks, d->m);
    if (w <= 0 || !bits) {
        free(bits);
        return;
    }
    uint64_t per_cell = (slots + (uint64_t)w - 1) / (uint64_t)w;
    for (int c = 0; c < w && (uint64_t)c * per_cell < slots; c++) {
        bool used = false;
        for (uint64_t s = (uint64_t)c * per_cell; s < (uint64_t)(c + 1) * per_cell && s < slots; s++)
            used |= s != 0 && (bits[s / 64] >> (s % 64) & 1);
        pen_color(p, used ? C_PS_SWAPPED : C_OWN_FREE, C_BG);
        pen_char(p, used ? FONT_BLOCK : FONT_DOT);
    }
    free(bits);
}

void draw_frames(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_FRAMES);
    struct mmu *mmu = machine_mmu(d->m);
    uint64_t nframes = mmu_ram_size(mmu) / PAGE;
    if (p.h < 3 || p.w < 8)
        return;
    uint8_t *owner = calloc(nframes ? nframes : 1, 1);
    if (!owner)
        return;
    const struct boot_layout *bl = machine_boot_layout(d->m);
    /* The kernel's own accounting: a reference count per frame (0: free
     * or never handed out). */
    uint64_t nrefs = 0;
    uint16_t *refs = kstate_frame_refcounts(ks, d->m, &nrefs);
    for (uint64_t f = 0; refs && f < nframes && f < nrefs; f++)
        if (refs[f])
            owner[f] = OWN_KDATA;
    for (uint64_t f = bl->kernel_phys_lo / PAGE; f < (bl->kernel_phys_hi + PAGE - 1) / PAGE && f < nframes; f++)
        owner[f] = OWN_KERNEL;
    /* Each process's address space: its user pages and page-table frames
     * (the kernel half's tables too); the one shown is "this process". */
    const struct kproc *shown = shown_process(ks, d, v);
    if (ks->ready && (machine_cpu(d->m)->cr0 & CR0_PG)) {
        struct owner_mark om = {owner, nframes, OWN_TABLES, false, 4 * nframes};
        mmu_visit(mmu, ks->ki.kernel_pml4, KERNEL_BASE, ~0ull, MMU_VISIT_TABLES, mark_owner, &om);
        int other = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < ks->nproc; i++) {
                const struct kproc *pr = &ks->proc[i];
                if (!pr->cr3 || (pass == 0) != (pr == shown))
                    continue;
                om = (struct owner_mark){owner, nframes, (uint8_t)(pr == shown ? OWN_PROC : OWN_PROC + 1 + other++ % 3),
                                         true, 4 * nframes};
                mmu_visit(mmu, pr->cr3, 0, USER_TOP, MMU_VISIT_PAGES | MMU_VISIT_TABLES, mark_owner, &om);
                om.leaves = false;
                mmu_visit(mmu, pr->cr3, KERNEL_BASE, ~0ull, MMU_VISIT_TABLES, mark_owner, &om);
            }
    }
    int grid_rows = p.h - 4;
    uint64_t cells = (uint64_t)grid_rows * p.w;
    uint64_t per_cell = cells ? (nframes + cells - 1) / cells : 1;
    pen_color(&p, C_DIM, C_BG);
    if (ks->ready)
        pen_printf(&p, "%llu frames of 4 KiB, %llu per cell; the kernel: %llu of %llu free", (unsigned long long)nframes,
                   (unsigned long long)per_cell, (unsigned long long)ks->frames_free,
                   (unsigned long long)ks->frames_total);
    else
        pen_printf(&p, "%llu frames of 4 KiB, %llu per cell; the kernel counts none yet", (unsigned long long)nframes,
                   (unsigned long long)per_cell);
    pen_line(&p);
    uint64_t used[OWN_COUNT] = {0};
    for (uint64_t f = 0; f < nframes; f++)
        used[owner[f]]++;
    for (uint64_t c = 0; c < cells && c * per_cell < nframes; c++) {
        int count[OWN_COUNT] = {0};
        for (uint64_t f = c * per_cell; f < (c + 1) * per_cell && f < nframes; f++)
            count[owner[f]]++;
        int best = OWN_FREE;
        for (int k = 1; k < OWN_COUNT; k++)
            if (count[k] && (best == OWN_FREE || count[k] > count[best]))
                best = k;
        uint8_t color = owner_color(best);
        uint8_t fg = C_BLACK;
        uint8_t mark = access_mark(d, c * per_cell * PAGE, (c + 1) * per_cell * PAGE, &fg, true);
        p.x = (int)(c % (uint64_t)p.w);
        p.y = 1 + (int)(c / (uint64_t)p.w);
        if (mark) {
            pen_color(&p, fg, C_BLACK);
            pen_char(&p, mark);
        } else {
            pen_color(&p, color, C_BG);
            pen_char(&p, best == OWN_FREE ? FONT_DOT : FONT_BLOCK);
        }
    }
    free(owner);
    free(refs);
    draw_swap_slots(&p, d, ks);
    p.y = p.h - 2;
    p.x = 0;
    static const struct { const char *name; int owner; } legend[] = {
        {"kernel image", OWN_KERNEL}, {"page tables", OWN_TABLES}, {"this process", OWN_PROC},
        {"other processes", OWN_PROC + 1}, {"kernel data", OWN_KDATA}, {"unused", OWN_FREE},
    };
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        uint64_t count = used[legend[i].owner];
        if (legend[i].owner == OWN_PROC + 1)
            count += used[OWN_PROC + 2] + used[OWN_PROC + 3];
        if (p.x + (int)strlen(legend[i].name) + 9 > p.w)
            pen_line(&p);
        pen_color(&p, owner_color(legend[i].owner), C_BG);
        pen_char(&p, FONT_BLOCK);
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, " %s %llu  ", legend[i].name, (unsigned long long)count);
    }
}

/* ---- page walk --------------------------------------------------------- */

static void entry_flags(struct pen *p, uint64_t e, bool leaf)
{
    static const struct { uint64_t bit; const char *name; } f[] = {
        {PTE_P, "P"}, {PTE_W, "W"}, {PTE_U, "U"}, {PTE_A, "A"}, {PTE_D, "D"}, {PTE_PS, "PS"}, {PTE_G, "G"},
        {PTE_NX, "NX"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if ((f[i].bit == PTE_D || f[i].bit == PTE_G) && !leaf && !(e & PTE_PS))
            continue;
        bool on = e & f[i].bit;
        pen_color(p, on ? C_GOOD : C_DIM, C_BG);
        pen_printf(p, " %s", on ? f[i].name : "-");
    }
}

/* Intel's numbering (SDM Vol. 3A §4.5): the PML4 is level 4, the PDPT 3,
 * the PD 2, the PT 1; entry i of a walk is at level 4 - i. */
static const char *const level_names[4] = {"PML4", "PDPT", "PD", "PT"};

void draw_walk(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v)
{
    struct pen p = panel_pen(m, P_WALK);
    struct mmu *mmu = machine_mmu(d->m);
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t va, cr3 = cpu->cr3 & ~0xfffull;
    const char *kind;
    char kind_buf[96];
    unsigned size = 0;
    bool from_fault = false, asked = false;
    if (v->walk_active) {
        /* Walk any address now, in any process: a peek, no side effects. */
        va = v->walk_va;
        asked = true;
        const struct kproc *pr = v->walk_pid ? kstate_proc(ks, v->walk_pid) : shown_process(ks, d, v);
        if (v->walk_pid && (!pr || !pr->cr3)) {
            pen_color(&p, C_WARN, C_BG);
            pen_printf(&p, "pid %u has no address space now", v->walk_pid);
            return;
        }
        if (pr)
            cr3 = pr->cr3;
        snprintf(kind_buf, sizeof kind_buf, "walk asked for, in %s%u", pr ? "pid " : "CR3 ",
                 pr ? pr->pid : (unsigned)cr3);
        kind = kind_buf;
    } else if (d->fault_walk) {
        va = d->walk.va;
        kind = "#PF: faulting access at CR2";
        from_fault = true;
    } else if (d->nacc) {
        const struct dbg_access *a = &d->acc[d->nacc - 1];
        for (size_t i = 0; i < d->nacc; i++)
            if (d->acc[i].kind != MEM_FETCH)
                a = &d->acc[i];
        va = a->va;
        size = a->size;
        kind = a->kind == MEM_WRITE ? "write" : a->kind == MEM_FETCH ? "fetch" : "read";
    } else {
        va = cpu->rip;
        kind = "instruction fetch";
    }
    struct mmu_peek w;
    bool ok = mmu_peek(mmu, cr3, va, &w);
    if (w.result == PEEK_PAGING_OFF) {
        pen_text(&p, "paging is off: linear = physical");
        return;
    }
    pen_color(&p, C_TEXT, C_BG);
    pen_printf(&p, "%s of ", kind);
    pen_color(&p, C_ADDR, C_BG);
    pen_printf(&p, "0x%016llx", (unsigned long long)va);
    if (size) {
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, " (%u bytes)", size);
    }
    pen_line(&p);
    unsigned idx[4];
    for (int l = 0; l < 4; l++)
        idx[l] = (va >> (39 - 9 * l)) & 511;
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, "split:");
    for (int l = 0; l < 4; l++) {
        pen_color(&p, C_TITLE, C_BG);
        pen_printf(&p, " %s", level_names[l]);
        pen_color(&p, C_TEXT, C_BG);
        pen_printf(&p, " %u", idx[l]);
    }
    pen_color(&p, C_TITLE, C_BG);
    pen_text(&p, " off");
    pen_color(&p, C_TEXT, C_BG);
    pen_printf(&p, " 0x%03llx", (unsigned long long)(va & 0xfff));
    pen_line(&p);
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, "bits 47-39 | 38-30 | 29-21 | 20-12 | 11-0");
    pen_line(&p);
    for (int l = 0; l < w.levels && l < 4; l++) {
        bool leaf = l == w.levels - 1;
        pen_color(&p, C_TITLE, C_BG);
        pen_printf(&p, "L%d %-4s", 4 - l, level_names[l]);
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, "[%3u] @%09llx ", idx[l], (unsigned long long)w.entry_addr[l]);
        pen_color(&p, C_TEXT, C_BG);
        pen_printf(&p, "%016llx", (unsigned long long)w.entry[l]);
        entry_flags(&p, w.entry[l], leaf);
        pen_line(&p);
    }
    char words[160];
    if (!from_fault && !asked) {
        bool walked = d->have_walk && (d->walk.va >> 12) == (va >> 12);
        bool hit = w.in_tlb;
        if (walked)
            snprintf(words, sizeof words, "TLB miss: the MMU walked %d level%s (%s) and filled the TLB",
                     d->walk.levels, d->walk.levels == 1 ? "" : "s",
                     d->walk.levels == 4 ? "4 KiB page" : d->walk.levels == 3 ? "2 MiB page" : "1 GiB page");
        else
            snprintf(words, sizeof words, "%s", hit ? "TLB hit: translation came from the TLB, no walk"
                                                    : "not in the TLB now");
        pen_color(&p, walked ? C_WARN : C_GOOD, C_BG);
        pen_wrap(&p, words, 2);
        pen_line(&p);
    } else if (asked && w.ok) {
        pen_color(&p, C_DIM, C_BG);
        snprintf(words, sizeof words, "a walk of %d level%s (%s page), read without setting A/D bits",
                 w.levels, w.levels == 1 ? "" : "s", w.page_size == (1ull << 30) ? "1 GiB"
                 : w.page_size == (2ull << 20) ? "2 MiB" : "4 KiB");
        pen_wrap(&p, words, 2);
        pen_line(&p);
    }
    if (ok) {
        pen_color(&p, C_GOOD, C_BG);
        snprintf(words, sizeof words, "physical address 0x%llx (frame 0x%llx + 0x%03llx)", (unsigned long long)w.pa,
                 (unsigned long long)(w.pa >> 12), (unsigned long long)(w.pa & 0xfff));
    } else if (w.result == PEEK_NON_CANONICAL) {
        pen_color(&p, C_PS_GUARD, C_BG);
        snprintf(words, sizeof words, "not canonical (bits 63:47 differ): #GP, no walk");
    } else {
        int at = w.levels > 0 ? w.levels - 1 : 0;
        pen_color(&p, C_PS_GUARD, C_BG);
        snprintf(words, sizeof words, "no translation: #PF, the %s entry (level %d) is %s", level_names[at], 4 - at,
                 w.result == PEEK_RESERVED ? "malformed (a reserved bit is set)" : "not present");
    }
    pen_wrap(&p, words, 2);
    pen_line(&p);
}

/* ---- TLB --------------------------------------------------------------- */

void draw_tlb(struct ui_model *m, struct dbg *d)
{
    struct pen p = panel_pen(m, P_TLB);
    struct mmu *mmu = machine_mmu(d->m);
    struct tlb_stats stats;
    mmu_tlb_stats(mmu, &stats);
    const struct tlb_stats *s = &stats;
    uint64_t lookups = s->hits + s->misses;
    pen_color(&p, C_TEXT, C_BG);
    pen_printf(&p, "hits %llu  misses %llu  (%.1f%% hit)", (unsigned long long)s->hits,
               (unsigned long long)s->misses, lookups ? 100.0 * s->hits / lookups : 0.0);
    pen_line(&p);
    pen_color(&p, C_DIM, C_BG);
    pen_printf(&p, "walks %llu  flushes %llu  invlpg %llu  faults %llu", (unsigned long long)s->walks,
               (unsigned long long)s->flushes, (unsigned long long)s->invlpgs, (unsigned long long)s->faults);
    pen_line(&p);
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, "last flush: ");
    pen_color(&p, C_TEXT, C_BG);
    /* The cause wraps onto a second line. */
    pen_wrap(&p, *d->flush_cause ? d->flush_cause : "none seen yet", 2);
    pen_line(&p);
    static struct tlb_entry e[TLB_SETS * TLB_WAYS];
    size_t n = mmu_tlb_entries(mmu, e, TLB_SETS * TLB_WAYS);
    pen_color(&p, C_TITLE, C_BG);
    pen_printf(&p, "%zu entries  virtual page      -> frame       flags", n);
    pen_line(&p);
    /* The entries the last instruction used first, then in set order. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n && !pen_full(&p); i++) {
            bool used = false;
            for (size_t k = 0; k < d->nacc; k++)
                used |= d->acc[k].va >> 12 == e[i].vpn;
            used |= d->now.rip >> 12 == e[i].vpn;
            if (used != (pass == 0))
                continue;
            uint8_t bg = used ? C_CUR_BG : C_BG;
            pen_color(&p, C_ADDR, bg);
            pen_printf(&p, "  %016llx -> %09llx ", (unsigned long long)(e[i].vpn << 12),
                       (unsigned long long)(e[i].pfn << 12));
            pen_color(&p, C_TEXT, bg);
            pen_printf(&p, "%s%s%s%s%s %s", e[i].flags & TLBF_W ? "W" : "-", e[i].flags & TLBF_U ? "U" : "-",
                       e[i].flags & TLBF_NX ? "N" : "-", e[i].flags & TLBF_G ? "G" : "-",
                       e[i].flags & TLBF_D ? "D" : "-", e[i].level == 2 ? "2M" : e[i].level == 3 ? "1G" : "4K");
            pen_fill(&p);
            pen_line(&p);
        }
}
