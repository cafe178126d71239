/* kstate.c — reading the guest kernel's processes, threads, areas and
 * frames from its memory through the table it publishes (kstate.h). */
#include "kstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../machine/elf.h"
#include "../os/abi/osevent.h"

const char *kthread_state_name(enum kthread_state s)
{
    static const char *const names[] = {"ready", "running", "blocked", "dead"};
    return s <= KTHREAD_DEAD ? names[s] : "?";
}

const char *kproc_status_state(const struct kstate *ks, const struct kproc *p)
{
    if (p->state == KPROC_ZOMBIE)
        return "Z (zombie)";
    if (p->stopped)
        return "T (stopped)";
    const struct kthread *main = NULL;
    for (size_t i = 0; i < ks->nthread; i++) {
        const struct kthread *t = &ks->thread[i];
        if (t->pid != p->pid || t->state == KTHREAD_DEAD)
            continue;
        if (!main || t->tid == p->pid)
            main = t;
    }
    if (!main)
        return "X (dead)";
    return main->state == KTHREAD_SLEEPING ? "S (sleeping)" : "R (running)";
}

const char *karea_kind_name(enum karea_kind k)
{
    static const char *const names[] = {"program", "heap", "stack", "guard", "anonymous"};
    return k <= KAREA_ANON ? names[k] : "?";
}

/* The physical address of the kernel image's symbol `name`: its value
 * moved from the segment's p_vaddr to its p_paddr. */
static bool kernel_symbol_pa(const struct elf_file *k, const char *name, uint64_t *pa)
{
    const Elf64_Sym *syms;
    size_t n, strsz;
    const char *str;
    if (!k || !elf_symtab(k, &syms, &n, &str, &strsz))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(elf_symbol_name(&syms[i], str, strsz), name) != 0)
            continue;
        uint64_t va = syms[i].st_value;
        for (int s = 0; s < k->phnum; s++) {
            const Elf64_Phdr *ph = &k->phdr[s];
            if (ph->p_type == PT_LOAD && va >= ph->p_vaddr && va < ph->p_vaddr + ph->p_memsz) {
                *pa = va - ph->p_vaddr + ph->p_paddr;
                return true;
            }
        }
    }
    return false;
}

/* Reads of kernel memory through the kernel's own page tables. */
static bool kread(const struct kstate *ks, struct machine *m, uint64_t va, void *dst, size_t n)
{
    uint8_t *out = dst;
    while (n) {
        size_t chunk = 4096 - (va & 4095);
        if (chunk > n)
            chunk = n;
        uint64_t pa;
        if (!mmu_peek_pa(machine_mmu(m), ks->ki.kernel_pml4, va, &pa) ||
            !mmu_phys_read(machine_mmu(m), pa, out, chunk))
            return false;
        va += chunk, out += chunk, n -= chunk;
    }
    return true;
}

static uint64_t kread64(const struct kstate *ks, struct machine *m, uint64_t va, bool *ok)
{
    uint64_t v = 0;
    if (!kread(ks, m, va, &v, 8))
        *ok = false;
    return v;
}

static uint32_t kread32(const struct kstate *ks, struct machine *m, uint64_t va, bool *ok)
{
    uint32_t v = 0;
    if (!kread(ks, m, va, &v, 4))
        *ok = false;
    return v;
}

static bool read_proc(struct kstate *ks, struct machine *m, uint64_t pva, struct kproc *out)
{
    const struct kinfo *k = &ks->ki;
    bool ok = true;
    memset(out, 0, sizeof *out);
    uint32_t state = kread32(ks, m, pva + k->proc_state, &ok);
    if (!ok || (state != k->proc_state_alive && state != k->proc_state_zombie))
        return false; /* a free slot */
    out->state = state == k->proc_state_zombie ? KPROC_ZOMBIE : KPROC_ALIVE;
    out->pid = kread32(ks, m, pva + k->proc_pid, &ok);
    uint64_t parent = kread64(ks, m, pva + k->proc_parent, &ok);
    if (parent)
        out->ppid = kread32(ks, m, parent + k->proc_pid, &ok);
    out->exit_status = (int)kread32(ks, m, pva + k->proc_exit_status, &ok);
    out->nthreads = (int)kread32(ks, m, pva + k->proc_nthreads, &ok);
    uint8_t stopped = 0;
    kread(ks, m, pva + k->proc_stopped, &stopped, 1);
    out->stopped = stopped;
    size_t nlen = k->proc_name_size < sizeof out->name - 1 ? k->proc_name_size : sizeof out->name - 1;
    if (!kread(ks, m, pva + k->proc_name, out->name, nlen))
        ok = false;
    out->name[nlen] = 0;
    out->mm = kread64(ks, m, pva + k->proc_mm, &ok);
    if (out->mm) {
        uint64_t pml4 = kread64(ks, m, out->mm + k->mm_pml4, &ok);
        out->cr3 = pml4 ? pml4 - k->direct_map_base : 0;
        out->brk_start = kread64(ks, m, out->mm + k->mm_brk_start, &ok);
        out->brk = kread64(ks, m, out->mm + k->mm_brk, &ok);
    }
    return ok;
}

static bool read_thread(struct kstate *ks, struct machine *m, uint64_t tva, uint64_t running, struct kthread *out)
{
    const struct kinfo *k = &ks->ki;
    bool ok = true;
    memset(out, 0, sizeof *out);
    uint32_t state = kread32(ks, m, tva + k->thread_state, &ok);
    if (!ok)
        return false;
    if (state == k->thread_state_runnable)
        out->state = KTHREAD_RUNNABLE;
    else if (state == k->thread_state_running)
        out->state = KTHREAD_RUNNING;
    else if (state == k->thread_state_sleeping)
        out->state = KTHREAD_SLEEPING;
    else if (state == k->thread_state_dead)
        out->state = KTHREAD_DEAD;
    else
        return false; /* unused slot */
    out->tid = kread32(ks, m, tva + k->thread_tid, &ok);
    uint64_t proc = kread64(ks, m, tva + k->thread_proc, &ok);
    if (proc)
        out->pid = kread32(ks, m, proc + k->proc_pid, &ok);
    out->on_cpu = tva == running;
    out->sleep_chan = kread64(ks, m, tva + k->thread_sleep_chan, &ok);
    out->wake_ns = kread64(ks, m, tva + k->thread_wake_ns, &ok);
    out->fs_base = kread64(ks, m, tva + k->thread_fs_base, &ok);
    out->syscall_nr = kread64(ks, m, tva + k->thread_syscall_nr, &ok);
    uint64_t tf = kread64(ks, m, tva + k->thread_tf, &ok);
    out->tf = tf;
    if (tf) {
        bool tf_ok = true;
        out->user_rip = kread64(ks, m, tf + k->tf_rip, &tf_ok);
        out->user_rsp = kread64(ks, m, tf + k->tf_rsp, &tf_ok);
        if (!tf_ok)
            out->user_rip = out->user_rsp = 0;
    }
    return ok;
}

bool kstate_read(struct kstate *ks, struct machine *m)
{
    memset(ks, 0, sizeof *ks);
    uint64_t pa;
    if (!kernel_symbol_pa(machine_kernel(m), KINFO_SYMBOL, &pa)) {
        snprintf(ks->why_not, sizeof ks->why_not, "the kernel image has no %s table", KINFO_SYMBOL);
        return false;
    }
    if (!mmu_phys_read(machine_mmu(m), pa, &ks->ki, sizeof ks->ki) || ks->ki.magic != KINFO_MAGIC) {
        snprintf(ks->why_not, sizeof ks->why_not, "the kernel is still booting");
        return false;
    }
    if (ks->ki.version != KINFO_VERSION || ks->ki.size != sizeof ks->ki) {
        snprintf(ks->why_not, sizeof ks->why_not, "the kernel's table is version %u, this debugger reads %u",
                 ks->ki.version, KINFO_VERSION);
        return false;
    }
    const struct kinfo *k = &ks->ki;
    bool ok = true;
    uint64_t running = kread64(ks, m, k->running, &ok);
    int nprocs = (int)kread32(ks, m, k->nprocs, &ok);
    int nthreads = (int)kread32(ks, m, k->nthreads, &ok);
    for (int i = 0; ok && i < nprocs; i++) {
        uint64_t p = kread64(ks, m, k->procs + 8ull * i, &ok);
        if (!p)
            continue;
        if (ks->nproc == KSTATE_MAX_PROCS) {
            ks->truncated = true;
            break;
        }
        if (read_proc(ks, m, p, &ks->proc[ks->nproc]))
            ks->nproc++;
    }
    for (int i = 0; ok && i < nthreads; i++) {
        uint64_t t = kread64(ks, m, k->threads + 8ull * i, &ok);
        if (!t)
            continue;
        if (ks->nthread == KSTATE_MAX_THREADS) {
            ks->truncated = true;
            break;
        }
        if (read_thread(ks, m, t, running, &ks->thread[ks->nthread])) {
            if (ks->thread[ks->nthread].on_cpu)
                ks->running_tid = ks->thread[ks->nthread].tid;
            ks->nthread++;
        }
    }
    ks->frames_free = kread64(ks, m, k->frame_free_count, &ok);
    ks->frames_total = kread64(ks, m, k->frame_total_count, &ok);
    ks->frame_limit = kread64(ks, m, k->frame_limit, &ok);
    ks->swap_slots = kread64(ks, m, k->swap_nslots, &ok);
    ks->swap_free = kread64(ks, m, k->swap_slots_free, &ok);
    if (!ok) {
        snprintf(ks->why_not, sizeof ks->why_not, "the kernel's process tables cannot be read (not mapped)");
        return false;
    }
    ks->ready = true;
    return true;
}

const struct kproc *kstate_proc(const struct kstate *ks, uint32_t pid)
{
    for (size_t i = 0; i < ks->nproc; i++)
        if (ks->proc[i].pid == pid)
            return &ks->proc[i];
    return NULL;
}

const struct kthread *kstate_thread(const struct kstate *ks, uint32_t tid)
{
    for (size_t i = 0; i < ks->nthread; i++)
        if (ks->thread[i].tid == tid)
            return &ks->thread[i];
    return NULL;
}

bool kstate_thread_frame(const struct kstate *ks, struct machine *m, const struct kthread *t, struct trapframe *tf)
{
    if (!ks->ready || !t->tf || !kread(ks, m, t->tf, tf, sizeof *tf))
        return false;
    return (tf->cs & 3) == 3;
}

const struct kproc *kstate_proc_by_cr3(const struct kstate *ks, uint64_t cr3)
{
    for (size_t i = 0; i < ks->nproc; i++)
        if (ks->proc[i].cr3 && ks->proc[i].cr3 == (cr3 & ~0xfffull))
            return &ks->proc[i];
    return NULL;
}

int kstate_areas(const struct kstate *ks, struct machine *m, const struct kproc *p, struct karea *out, size_t max)
{
    if (!ks->ready || !p || !p->mm)
        return 0;
    const struct kinfo *k = &ks->ki;
    bool ok = true;
    int n = (int)kread32(ks, m, p->mm + k->mm_nvmas, &ok);
    if (!ok || n < 0)
        return -1;
    int got = 0;
    uint8_t v[256];
    if (k->vma_size > sizeof v)
        return -1;
    for (int i = 0; i < n && (size_t)got < max; i++) {
        if (!kread(ks, m, p->mm + k->mm_vmas + (uint64_t)i * k->vma_size, v, k->vma_size))
            return -1;
        struct karea *a = &out[got++];
        uint32_t prot, kind, flags;
        uint64_t obj;
        memcpy(&a->start, v + k->vma_start, 8);
        memcpy(&a->end, v + k->vma_end, 8);
        memcpy(&prot, v + k->vma_prot, 4);
        memcpy(&kind, v + k->vma_kind, 4);
        memcpy(&flags, v + k->vma_flags, 4);
        memcpy(&obj, v + k->vma_obj, 8);
        a->prot = (prot & k->prot_read ? OSEV_PROT_READ : 0) | (prot & k->prot_write ? OSEV_PROT_WRITE : 0) |
                  (prot & k->prot_exec ? OSEV_PROT_EXEC : 0);
        a->kind = kind == k->vma_kind_program ? KAREA_PROGRAM
                  : kind == k->vma_kind_heap ? KAREA_HEAP
                  : kind == k->vma_kind_stack ? KAREA_STACK
                  : kind == k->vma_kind_guard ? KAREA_GUARD : KAREA_ANON;
        a->shared = flags & k->vma_flag_shared;
        a->object = obj != 0;
    }
    return got;
}

bool kstate_frame_refs(const struct kstate *ks, struct machine *m, uint64_t pa, unsigned *refs)
{
    if (!ks->ready || pa / 4096 >= ks->frame_limit)
        return false;
    bool ok = true;
    uint64_t array = kread64(ks, m, ks->ki.frame_refcount, &ok);
    uint16_t r = 0;
    if (!ok || !array || !kread(ks, m, array + pa / 4096 * 2, &r, 2))
        return false;
    *refs = r;
    return true;
}

uint16_t *kstate_frame_refcounts(const struct kstate *ks, struct machine *m, uint64_t *count)
{
    if (!ks->ready || !ks->frame_limit)
        return NULL;
    bool ok = true;
    uint64_t array = kread64(ks, m, ks->ki.frame_refcount, &ok);
    uint16_t *r = malloc(ks->frame_limit * 2);
    if (!ok || !array || !r || !kread(ks, m, array, r, ks->frame_limit * 2)) {
        free(r);
        return NULL;
    }
    *count = ks->frame_limit;
    return r;
}

const struct karea *karea_at(const struct karea *areas, int n, uint64_t va)
{
    for (int i = 0; i < n; i++)
        if (va >= areas[i].start && va < areas[i].end)
            return &areas[i];
    return NULL;
}

enum page_state kstate_page_state(const struct kstate *ks, struct machine *m, const struct kproc *p,
                                  const struct karea *areas, int n, uint64_t va, uint64_t *slot)
{
    struct mmu_peek w;
    if (slot)
        *slot = 0;
    if (!p || !p->cr3)
        return PS_UNMAPPED;
    if (mmu_peek(machine_mmu(m), p->cr3, va, &w) && w.result == PEEK_MAPPED)
        return PS_RESIDENT;
    /* A 4 KiB entry that is not present: the kernel's marking says if the
     * page is in the pagefile. */
    if (w.result == PEEK_NOT_PRESENT && w.levels == 4 && ks->ki.pte_swapped_mask &&
        (w.entry[3] & ks->ki.pte_swapped_mask) == ks->ki.pte_swapped_mask) {
        if (slot)
            *slot = (w.entry[3] & 0x000ffffffffff000ull) >> 12;
        return PS_SWAPPED;
    }
    const struct karea *a = karea_at(areas, n, va);
    if (!a)
        return PS_UNMAPPED;
    if (a->kind == KAREA_GUARD)
        return PS_GUARD;
    return a->prot ? PS_COMMITTED : PS_RESERVED;
}

const char *karea_label(const struct karea *a)
{
    switch (a->kind) {
    case KAREA_PROGRAM:
        return a->prot & OSEV_PROT_EXEC ? "code (text)" : a->prot & OSEV_PROT_WRITE ? "data / BSS" : "read-only data";
    case KAREA_HEAP: return "heap \x81 grows up";
    case KAREA_STACK: return "stack \x82 grows down";
    case KAREA_GUARD: return "guard pages";
    default:
        if (a->object)
            return a->shared ? "shared mapping" : "file mapping";
        return a->prot ? (a->shared ? "shared anon" : "mmap area") : "reserved (mmap)";
    }
}

uint64_t *kstate_swap_bitmap(const struct kstate *ks, struct machine *m)
{
    if (!ks->ready || ks->swap_slots < 2)
        return NULL;
    bool ok = true;
    uint64_t array = kread64(ks, m, ks->ki.swap_slot_used, &ok);
    size_t words = (ks->swap_slots + 63) / 64;
    uint64_t *bits = malloc(words * 8);
    if (!ok || !array || !bits || !kread(ks, m, array, bits, words * 8)) {
        free(bits);
        return NULL;
    }
    return bits;
}
