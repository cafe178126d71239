/* monitor.c — `monitor` commands (qRcmd): what gdb cannot ask natively.
 *
 *   walk ADDR        the page walk of ADDR in the current address space: the
 *                    four entries with their flags, the frame, the TLB's view
 *   tlb              TLB counters and the valid entries
 *   ps               the guest's processes and threads (kernel OS events)
 *   maps [PID]       a process's memory areas with their state
 *   phys ADDR LEN    physical memory, hex and ASCII (LEN <= 4096)
 *   ring             the current privilege level and what runs there
 *   events [N]       the last N events of the session's log, explained
 *
 * Everything is read without side effects (mmu_peek, mmu_visit-free
 * queries, the session's own records). */
#include "internal.h"

#include "../debugger/kstate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../os/abi/osevent.h"

struct text {
    char *buf;
    size_t cap, len;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t)n < t->cap ? t->len + (size_t)n : t->cap - 1;
}

static bool parse_number(struct gdbstub *s, const char *text, uint64_t *v)
{
    /* A symbol or an address, as the session reads them ("0x401000",
     * "main"; "&counter" as one would write it in gdb). */
    if (text && *text == '&')
        text++;
    return text && *text && dbg_parse_address(s->d, text, v);
}

static void entry_flags(struct text *t, uint64_t e, bool last)
{
    say(t, "%s%s%s%s%s%s%s%s", e & PTE_P ? "P" : "-", e & PTE_W ? " W" : " R", e & PTE_U ? " U" : " S",
        e & PTE_A ? " A" : "", e & PTE_D ? " D" : "", e & PTE_PS ? " PS" : "", last && (e & PTE_G) ? " G" : "",
        e & PTE_NX ? " NX" : "");
}

static void walk(struct gdbstub *s, struct text *t, const char *arg)
{
    static const char *const level[] = {"PML4E", "PDPTE", "PDE", "PTE"};
    uint64_t va;
    if (!parse_number(s, arg, &va)) {
        say(t, "usage: monitor walk ADDR (hex or a symbol)\n");
        return;
    }
    struct cpu *cpu = machine_cpu(s->d->m);
    struct mmu_peek p;
    mmu_peek(machine_mmu(s->d->m), cpu->cr3, va, &p);
    say(t, "walk of 0x%016" PRIx64 " with CR3 0x%" PRIx64 "\n", va, (uint64_t)(cpu->cr3 & PTE_ADDR_MASK));
    if (p.result == PEEK_NON_CANONICAL) {
        say(t, "  not canonical (bits 63:47 differ): #GP(0) before any walk\n");
        return;
    }
    if (p.result == PEEK_PAGING_OFF) {
        say(t, "  paging is off: physical = linear\n");
        return;
    }
    for (int i = 0; i < p.levels; i++) {
        unsigned index = (unsigned)((va >> (39 - 9 * i)) & 511);
        say(t, "  %-5s[%3u] @ phys 0x%09" PRIx64 " = 0x%016" PRIx64 "  ", level[i], index, p.entry_addr[i],
            p.entry[i]);
        entry_flags(t, p.entry[i], i == p.levels - 1);
        say(t, "\n");
    }
    if (p.ok)
        say(t, "  -> phys 0x%" PRIx64 " (%s page, %s, %s%s)%s\n", p.pa,
            p.page_size == (1ull << 30) ? "1 GiB" : p.page_size == (2ull << 20) ? "2 MiB" : "4 KiB",
            p.user ? "user" : "supervisor", p.writable ? "writable" : "read-only", p.nx ? ", no-execute" : "",
            p.in_tlb ? (p.tlb_pa == p.pa ? "; in the TLB" : "; the TLB still holds an older translation") : "");
    else
        say(t, "  -> #PF: %s\n", p.result == PEEK_RESERVED ? "a reserved bit is set" : "not present");
}

static void tlb(struct gdbstub *s, struct text *t)
{
    struct mmu *mmu = machine_mmu(s->d->m);
    struct tlb_stats st;
    mmu_tlb_stats(mmu, &st);
    say(t, "TLB: %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64 " walks, %" PRIu64 " flushes, %" PRIu64
           " invlpg, %" PRIu64 " faults\n",
        st.hits, st.misses, st.walks, st.flushes, st.invlpgs, st.faults);
    struct tlb_entry e[TLB_SETS * TLB_WAYS];
    size_t n = mmu_tlb_entries(mmu, e, TLB_SETS * TLB_WAYS);
    say(t, "%zu valid entries:\n", n);
    for (size_t i = 0; i < n && i < 64; i++)
        say(t, "  0x%016" PRIx64 " -> 0x%09" PRIx64 " %s%s%s%s%s\n", e[i].vpn << 12, e[i].pfn << 12,
            e[i].flags & TLBF_W ? "W" : "R", e[i].flags & TLBF_U ? " U" : " S", e[i].flags & TLBF_NX ? " NX" : "",
            e[i].flags & TLBF_G ? " G" : "", e[i].flags & TLBF_D ? " D" : "");
    if (n > 64)
        say(t, "  ... %zu more\n", n - 64);
}

/* The kernel's processes and threads at this instant (debugger/kstate.h,
 * what the window's Processes and threads panel shows). */
static void ps(struct gdbstub *s, struct text *t)
{
    static struct kstate ks;
    if (!kstate_read(&ks, s->d->m)) {
        say(t, "no processes: %s\n", ks.why_not);
        return;
    }
    struct gdb_thread th[256];
    size_t nt = gdb_threads(s, th, 256);
    say(t, "  PID  NAME              CR3         STATE          THREADS\n");
    for (size_t i = 0; i < ks.nproc; i++) {
        const struct kproc *p = &ks.proc[i];
        say(t, "%5u  %-16s  0x%-9" PRIx64 " %-14s", p->pid, p->name, p->cr3, kproc_status_state(&ks, p));
        for (size_t k = 0; k < nt; k++)
            if (th[k].pid == (int32_t)p->pid)
                say(t, " %d%s", th[k].tid, th[k].on_cpu ? "*" : "");
        say(t, "\n");
    }
    say(t, "(* on the CPU)\n");
}

static void maps(struct gdbstub *s, struct text *t, const char *arg)
{
    const struct osview *v = &s->d->view;
    uint64_t pid = v->current_pid;
    if (arg && *arg) {
        char *end;
        pid = strtoull(arg, &end, 10);
        if (*end) {
            say(t, "usage: monitor maps [PID]\n");
            return;
        }
    }
    const struct osview_process *p = osview_process(v, (uint32_t)pid);
    say(t, "memory areas of pid %" PRIu64 " (%s), as the kernel reported them:\n", pid, p ? p->name : "unknown");
    size_t shown = 0;
    for (size_t i = 0; i < v->narea; i++) {
        const struct osview_area *a = &v->area[i];
        if (a->pid != pid)
            continue;
        say(t, "  0x%012" PRIx64 "-0x%012" PRIx64 " %c%c%c %-9s %8" PRIu64 " KiB\n", a->start, a->end,
            a->prot & OSEV_PROT_READ ? 'r' : '-', a->prot & OSEV_PROT_WRITE ? 'w' : '-',
            a->prot & OSEV_PROT_EXEC ? 'x' : '-', a->committed ? "committed" : "reserved", (a->end - a->start) >> 10);
        shown++;
    }
    if (!shown)
        say(t, "  (none reported)\n");
}

static void phys(struct gdbstub *s, struct text *t, const char *args)
{
    char a[64] = "", b[64] = "";
    uint64_t pa, len;
    if (!args || sscanf(args, "%63s %63s", a, b) != 2 || !parse_number(s, a, &pa)) {
        say(t, "usage: monitor phys ADDR LEN\n");
        return;
    }
    char *end;
    len = strtoull(b, &end, 0);
    if (*end || len == 0 || len > 4096) {
        say(t, "monitor phys: LEN is 1..4096\n");
        return;
    }
    uint8_t buf[4096];
    if (!mmu_phys_read(machine_mmu(s->d->m), pa, buf, (size_t)len)) {
        say(t, "monitor phys: [0x%" PRIx64 ", +%" PRIu64 ") is not all RAM\n", pa, len);
        return;
    }
    for (uint64_t i = 0; i < len; i += 16) {
        say(t, "%09" PRIx64 ": ", pa + i);
        for (uint64_t k = i; k < i + 16; k++)
            k < len ? say(t, "%02x ", buf[k]) : say(t, "   ");
        say(t, " ");
        for (uint64_t k = i; k < i + 16 && k < len; k++)
            say(t, "%c", buf[k] >= 32 && buf[k] < 127 ? buf[k] : '.');
        say(t, "\n");
    }
}

static void ring(struct gdbstub *s, struct text *t)
{
    struct cpu *cpu = machine_cpu(s->d->m);
    char sym[96];
    dbg_symbol(s->d, cpu->rip, sym, sizeof sym);
    say(t, "ring %u (%s): CS 0x%x, RIP 0x%" PRIx64 "%s%s%s, CR3 0x%" PRIx64 ", instruction %" PRIu64 "\n",
        cpu->cpl, cpu->cpl == 0 ? "kernel" : cpu->cpl == 3 ? "user" : "?", cpu->seg[SEG_CS].sel, cpu->rip,
        *sym ? " (" : "", sym, *sym ? ")" : "", cpu->cr3, cpu->icount);
}

static void events(struct gdbstub *s, struct text *t, const char *arg)
{
    uint64_t n = 10;
    if (arg && *arg) {
        char *end;
        n = strtoull(arg, &end, 10);
        if (*end || n == 0) {
            say(t, "usage: monitor events [N]\n");
            return;
        }
    }
    if (n > 64)
        n = 64;
    size_t have = 0;
    while (have < n && dbg_event_newest(s->d, have))
        have++;
    if (!have)
        say(t, "no events yet\n");
    for (size_t i = have; i-- > 0;) {
        const struct dbg_event *e = dbg_event_newest(s->d, i);
        say(t, "#%" PRIu64 " %s\n", e->icount, e->text);
        if (e->explain[0])
            say(t, "    %s\n", e->explain);
    }
}

void gdb_monitor(struct gdbstub *s, const char *line, char *out, size_t cap)
{
    struct text t = {out, cap, 0};
    out[0] = 0;
    char cmd[32] = "";
    const char *p = line;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (*p && *p != ' ' && n < sizeof cmd - 1)
        cmd[n++] = *p++;
    cmd[n] = 0;
    while (*p == ' ')
        p++;
    const char *arg = *p ? p : NULL;
    if (strcmp(cmd, "walk") == 0)
        walk(s, &t, arg);
    else if (strcmp(cmd, "tlb") == 0)
        tlb(s, &t);
    else if (strcmp(cmd, "ps") == 0)
        ps(s, &t);
    else if (strcmp(cmd, "maps") == 0)
        maps(s, &t, arg);
    else if (strcmp(cmd, "phys") == 0)
        phys(s, &t, arg);
    else if (strcmp(cmd, "ring") == 0)
        ring(s, &t);
    else if (strcmp(cmd, "events") == 0)
        events(s, &t, arg);
    else
        say(&t, "monitor commands: walk ADDR, tlb, ps, maps [PID], phys ADDR LEN, ring, events [N]\n");
}
