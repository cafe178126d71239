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

/* Name a user region the way the seeds' diagram does: the program's own
 * segments by their permissions, the highest region is the stack, the
 * region right after the data is the heap, other areas are mmap'd. */
static void name_band(struct dbg *d, const struct osview *os, uint32_t pid, struct band *b, uint64_t data_end,
                      uint64_t top_user)
{
    if (*b->label)
        return;
    const struct osview_area *a = osview_area_at(os, pid, b->lo);
    bool exec = false, write = false, segment = false;
    for (int i = 0; d->have_program && i < d->program.phnum; i++) {
        const Elf64_Phdr *ph = &d->program.phdr[i];
        if (ph->p_type != PT_LOAD || !(b->lo < ph->p_vaddr + ph->p_memsz && ph->p_vaddr < b->hi))
            continue;
        segment = true;
        exec |= ph->p_flags & PF_X;
        write |= ph->p_flags & PF_W;
    }
    if (segment)
        snprintf(b->label, sizeof b->label, "%s", exec ? "code (text)" : write ? "data / BSS" : "read-only data");
    else if (a && a->prot == 0)
        snprintf(b->label, sizeof b->label, "guard page");
    else if (a && (a->prot & OSEV_PROT_EXEC))
        snprintf(b->label, sizeof b->label, "code");
    else if (b->hi == top_user && b->lo > 0x7f0000000000ull)
        snprintf(b->label, sizeof b->label, "stack \x82 grows down");
    else if (data_end && b->lo >= data_end && b->lo - data_end < (1ull << 30))
        snprintf(b->label, sizeof b->label, "heap \x81 grows up");
    else if (a)
        snprintf(b->label, sizeof b->label, "mmap area");
    else
        snprintf(b->label, sizeof b->label, "mapped");
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
    uint64_t rip = physical ? UINT64_MAX : d->now.rip;
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

void draw_memmap(struct ui_model *m, struct dbg *d, const struct osview *os)
{
    struct pen p = panel_pen(m, P_MEMMAP);
    struct cpu *cpu = machine_cpu(d->m);
    struct mmu *mmu = machine_mmu(d->m);
    uint32_t pid = os->current_pid;
    uint64_t cr3 = cpu->cr3;
    if (p.h <= 2)
        return;
    struct band_list bands = {0};
    /* Areas the kernel reported, then mappings nothing reported. */
    for (size_t i = 0; i < os->narea; i++)
        if (os->area[i].pid == pid && os->area[i].start < USER_TOP)
            add_band(&bands, os->area[i].start, os->area[i].end, "");
    struct band_list runs = {0};
    struct run_collect rc = {.bands = &runs};
    if (cpu->cr0 & CR0_PG) {
        mmu_visit(mmu, cr3, 0, USER_TOP, MMU_VISIT_PAGES, collect_run, &rc);
        if (rc.open)
            add_band(&runs, rc.lo, rc.hi, "");
    }
    for (int i = 0; i < runs.n; i++)
        if (!overlaps(&bands, runs.b[i].lo, runs.b[i].hi))
            add_band(&bands, runs.b[i].lo, runs.b[i].hi, "");
    uint64_t data_end = 0, top_user = 0;
    if (d->have_program)
        for (int i = 0; i < d->program.phnum; i++)
            if (d->program.phdr[i].p_type == PT_LOAD && (d->program.phdr[i].p_flags & PF_W))
                data_end = d->program.phdr[i].p_vaddr + d->program.phdr[i].p_memsz;
    for (int i = 0; i < bands.n; i++)
        if (bands.b[i].hi > top_user)
            top_user = bands.b[i].hi;
    for (int i = 0; i < bands.n; i++)
        name_band(d, os, pid, &bands.b[i], data_end, top_user);
    qsort(bands.b, (size_t)bands.n, sizeof bands.b[0], band_cmp_desc);

    const struct osview_process *proc = osview_process(os, pid);
    pen_color(&p, C_DIM, C_BG);
    if (pid)
        pen_printf(&p, "pid %u %s  CR3 %llx   high addresses at the top", pid, proc ? proc->name : "",
                   (unsigned long long)cr3);
    else
        pen_printf(&p, "CR3 %llx (no process reported yet)   high addresses at the top", (unsigned long long)cr3);
    pen_line(&p);
    /* Kernel space: one band, shared by every process. */
    pen_color(&p, C_OWN_KERNEL, C_BG);
    pen_printf(&p, "%-18s ffff800000000000+  ", "kernel space");
    pen_color(&p, C_DIM, C_BG);
    pen_text(&p, "same mapping in every process, ring 0 only");
    pen_line(&p);
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
                    count[osview_page_state(os, mmu, cr3, pid, lo + k * PAGE)]++;
                int best = PS_UNMAPPED;
                for (int s = 1; s < PS_COUNT; s++)
                    if (count[s] > count[best])
                        best = s;
                uint8_t fg = C_BLACK;
                uint8_t mark = access_mark(d, lo, hi, &fg, false);
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
        pen_text(&p, "(no user-half mappings in this address space)");
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

enum { OWN_FREE, OWN_KERNEL, OWN_TABLES, OWN_PROC };

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
        if (o->owner[f] == OWN_FREE)
            o->owner[f] = o->proc_owner;
    }
    return true;
}

/* The pagefile's slots (one per 4 KiB of the disk), one row of cells,
 * purple where a swapped-out page lives. */
static void draw_swap_slots(struct pen *p, struct dbg *d, const struct osview *os)
{
    uint64_t disk_bytes;
    machine_disk_memory(d->m, &disk_bytes);
    uint64_t slots = disk_bytes / PAGE;
    p->y = p->h - 3;
    p->x = 0;
    pen_color(p, C_PS_SWAPPED, C_BG);
    pen_printf(p, "swap %llu/%llu ", (unsigned long long)os->swap_slots_used, (unsigned long long)slots);
    int x0 = p->x, w = p->w - x0;
    if (w <= 0 || slots == 0)
        return;
    uint64_t per_cell = (slots + (uint64_t)w - 1) / (uint64_t)w;
    uint8_t *used = calloc((size_t)w, 1);
    if (!used)
        return;
    for (size_t i = 0; i < os->nswapped; i++)
        if (os->swapped[i].slot / per_cell < (uint64_t)w)
            used[os->swapped[i].slot / per_cell] = 1;
    for (int c = 0; c < w && (uint64_t)c * per_cell < slots; c++) {
        pen_color(p, used[c] ? C_PS_SWAPPED : C_OWN_FREE, C_BG);
        pen_char(p, used[c] ? FONT_BLOCK : FONT_DOT);
    }
    free(used);
}

void draw_frames(struct ui_model *m, struct dbg *d, const struct osview *os)
{
    struct pen p = panel_pen(m, P_FRAMES);
    struct mmu *mmu = machine_mmu(d->m);
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t nframes = mmu_ram_size(mmu) / PAGE;
    if (p.h < 3 || p.w < 8)
        return;
    uint8_t *owner = calloc(nframes ? nframes : 1, 1);
    if (!owner)
        return;
    const struct boot_layout *bl = machine_boot_layout(d->m);
    for (uint64_t f = bl->kernel_phys_lo / PAGE; f < (bl->kernel_phys_hi + PAGE - 1) / PAGE && f < nframes; f++)
        owner[f] = OWN_KERNEL;
    /* Each known address space: its user pages, and every page-table
     * frame (the kernel half's tables too; its leaves map all of RAM). */
    uint64_t cr3s[65];
    uint8_t owners[65];
    int n = 0;
    cr3s[n] = cpu->cr3, owners[n++] = OWN_PROC;
    for (size_t i = 0; i < os->nproc; i++)
        if (os->proc[i].cr3 && !os->proc[i].exited && os->proc[i].cr3 != cpu->cr3) {
            cr3s[n] = os->proc[i].cr3;
            owners[n++] = (uint8_t)(OWN_PROC + 1 + i % 3);
        }
    if (cpu->cr0 & CR0_PG)
        for (int i = 0; i < n; i++) {
            struct owner_mark om = {owner, nframes, owners[i], true, 4 * nframes};
            mmu_visit(mmu, cr3s[i], 0, USER_TOP, MMU_VISIT_PAGES | MMU_VISIT_TABLES, mark_owner, &om);
            om.leaves = false;
            mmu_visit(mmu, cr3s[i], KERNEL_BASE, ~0ull, MMU_VISIT_TABLES, mark_owner, &om);
        }
    int grid_rows = p.h - 4;
    uint64_t cells = (uint64_t)grid_rows * p.w;
    uint64_t per_cell = cells ? (nframes + cells - 1) / cells : 1;
    pen_color(&p, C_DIM, C_BG);
    pen_printf(&p, "%llu frames of 4 KiB, %llu per cell, address 0 at the top left",
               (unsigned long long)nframes, (unsigned long long)per_cell);
    pen_line(&p);
    uint64_t used[OWN_PROC + 4] = {0};
    for (uint64_t f = 0; f < nframes; f++)
        used[owner[f]]++;
    for (uint64_t c = 0; c < cells && c * per_cell < nframes; c++) {
        int count[OWN_PROC + 4] = {0};
        for (uint64_t f = c * per_cell; f < (c + 1) * per_cell && f < nframes; f++)
            count[owner[f]]++;
        int best = OWN_FREE;
        for (int k = 1; k < OWN_PROC + 4; k++)
            if (count[k] && (best == OWN_FREE || count[k] > count[best]))
                best = k;
        uint8_t color = best == OWN_FREE ? C_OWN_FREE : best == OWN_KERNEL ? C_OWN_KERNEL
                        : best == OWN_TABLES ? C_OWN_TABLES : (uint8_t)(C_OWN_PROC0 + (best - OWN_PROC));
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
    draw_swap_slots(&p, d, os);
    p.y = p.h - 2;
    p.x = 0;
    static const struct { uint8_t color; const char *name; int owner; } legend[] = {
        {C_OWN_KERNEL, "kernel image", OWN_KERNEL}, {C_OWN_TABLES, "page tables", OWN_TABLES},
        {C_OWN_PROC0, "this process", OWN_PROC}, {C_OWN_PROC1, "other processes", OWN_PROC + 1},
        {C_OWN_FREE, "free / kernel data", OWN_FREE},
    };
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        pen_color(&p, legend[i].color, C_BG);
        pen_char(&p, FONT_BLOCK);
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, " %s %llu  ", legend[i].name, (unsigned long long)used[legend[i].owner]);
        if (i == 2)
            pen_line(&p);
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

void draw_walk(struct ui_model *m, struct dbg *d)
{
    struct pen p = panel_pen(m, P_WALK);
    struct mmu *mmu = machine_mmu(d->m);
    /* The walk of the last data access (or the fetch), probed now. */
    uint64_t va;
    const char *kind;
    unsigned size = 0;
    bool from_fault = false;
    if (d->fault_walk) {
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
        va = d->now.rip;
        kind = "instruction fetch";
    }
    struct mmu_peek w;
    bool ok = mmu_peek(mmu, machine_cpu(d->m)->cr3, va, &w);
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
    static const char *const level_names[4] = {"PML4", "PDPT", "PD", "PT"};
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
        pen_printf(&p, "%-4s", level_names[l]);
        pen_color(&p, C_DIM, C_BG);
        pen_printf(&p, "[%3u] @%09llx ", idx[l], (unsigned long long)w.entry_addr[l]);
        pen_color(&p, C_TEXT, C_BG);
        pen_printf(&p, "%016llx", (unsigned long long)w.entry[l]);
        entry_flags(&p, w.entry[l], leaf);
        pen_line(&p);
    }
    bool hit = false;
    if (!from_fault) {
        struct tlb_entry e[TLB_SETS * TLB_WAYS];
        size_t n = mmu_tlb_entries(mmu, e, TLB_SETS * TLB_WAYS);
        for (size_t i = 0; i < n && i < TLB_SETS * TLB_WAYS; i++)
            hit |= e[i].vpn == va >> 12;
        bool walked = d->have_walk && (d->walk.va >> 12) == (va >> 12);
        pen_color(&p, walked ? C_WARN : C_GOOD, C_BG);
        pen_text(&p, walked ? "TLB miss: the MMU walked the 4 levels and filled the TLB"
                            : hit ? "TLB hit: translation came from the TLB, no walk" : "not in the TLB now");
        pen_line(&p);
    }
    if (ok) {
        pen_color(&p, C_GOOD, C_BG);
        pen_printf(&p, "physical address 0x%llx (frame 0x%llx + 0x%03llx)", (unsigned long long)w.pa,
                   (unsigned long long)(w.pa >> 12), (unsigned long long)(w.pa & 0xfff));
    } else {
        pen_color(&p, C_PS_GUARD, C_BG);
        pen_printf(&p, "no translation: #PF (entry at level %d not present)", w.levels);
    }
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
    const char *cause = *d->flush_cause ? d->flush_cause : "none seen yet";
    for (size_t i = 0; cause[i] && !pen_full(&p); i++) {
        if (p.x >= p.w) {
            pen_line(&p);
            pen_color(&p, C_TEXT, C_BG);
            p.x = 2;
        }
        pen_char(&p, (uint8_t)cause[i]);
    }
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
