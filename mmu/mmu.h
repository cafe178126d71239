/* mmu.h — guest physical memory, the 4-level page walk and the TLB.
 *
 * Owns: guest RAM (one host allocation), translation of linear addresses
 * through the page tables rooted at CR3 (SDM Vol. 3A §4.5, 4-level paging),
 * Accessed/Dirty updates, permission checks (U/S, R/W, NX, CR0.WP, SMEP,
 * SMAP + RFLAGS.AC), #PF error codes, and a set-associative TLB whose
 * entries hold host pointers so the CPU's memory fast path is one lookup.
 *
 * The MMU keeps its own copy of the paging controls (CR0, CR3, CR4, EFER);
 * the CPU calls mmu_set_control() whenever one of them is written. */
#ifndef RINGSCOPE_MMU_H
#define RINGSCOPE_MMU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bus.h"
#include "../os/abi/msr.h"

/* Access kinds (bit set).  ACC_USER marks an access made at CPL 3 that is
 * not an implicit supervisor access (GDT/IDT/TSS reads are supervisor
 * accesses even at CPL 3: SDM §4.6). ACC_AC is RFLAGS.AC (for SMAP). */
enum {
    ACC_READ = 1u << 0,
    ACC_WRITE = 1u << 1,
    ACC_EXEC = 1u << 2,
    ACC_USER = 1u << 3,
    ACC_AC = 1u << 4,
};

/* #PF error code bits (SDM Vol. 3A §4.7, Figure 4-12). */
enum {
    PF_P = 1u << 0,    /* 0: not-present page; 1: protection violation */
    PF_W = 1u << 1,    /* the access was a write */
    PF_U = 1u << 2,    /* the access was a user-mode access */
    PF_RSVD = 1u << 3, /* a reserved bit was set in a paging entry */
    PF_I = 1u << 4,    /* the access was an instruction fetch */
};

/* Page-table entry bits (SDM Vol. 3A Table 4-19 and neighbours). */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Control-register bits the MMU cares about. */
#define CR0_PE (1ull << 0)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
/* EFER bits (EFER_NXE, ...): os/abi/msr.h. */

/* A failed translation: what the CPU must raise.  vector is 14 (#PF) with
 * error/addr (addr goes to CR2), or 13 (#GP(0)) for a non-canonical
 * address. */
struct mmu_fault {
    uint8_t vector;
    uint32_t error;
    uint64_t addr;
};

/* One TLB entry (a cached translation of one 4 KiB virtual page; larger
 * pages are cached per 4 KiB piece, like many real TLBs).  `host` points at
 * the frame in RAM, or is NULL for a non-RAM (MMIO) frame. */
struct tlb_entry {
    uint64_t vpn;      /* virtual page number (va >> 12); TLB_INVALID if empty */
    uint64_t pfn;      /* physical frame number */
    uint8_t *host;     /* host address of the frame, NULL for MMIO */
    uint32_t allow;    /* access-kind combinations this entry permits without a walk (mmu-private encoding) */
    uint8_t flags;     /* TLBF_* below, for display */
    uint8_t level;     /* page size: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
};
#define TLB_INVALID (~0ull)
enum { TLBF_W = 1, TLBF_U = 2, TLBF_NX = 4, TLBF_G = 8, TLBF_D = 16 };

#define TLB_SETS 256
#define TLB_WAYS 4

/* Physical-address width of the modelled part (CPUID 0x80000008 EAX[7:0]);
 * paging-entry bits 51:MMU_MAXPHYADDR are reserved (SDM Vol. 3A §4.5.4). */
#define MMU_MAXPHYADDR 46

struct tlb_stats {
    uint64_t hits, misses, walks, flushes, invlpgs, faults;
};

/* What the MMU reports to its observer (installed by the board's
 * observation layer, machine/watch.h, with mmu_set_observer). */
enum tlb_event_kind { TLB_HIT, TLB_MISS, TLB_FILL, TLB_FLUSH_ALL, TLB_FLUSH_NONGLOBAL, TLB_FLUSH_PAGE };
/* Why entries were dropped: the write that caused a flush (SDM Vol. 3A
 * §4.10.4.1) — told by the CPU, which knows which register it wrote. */
enum tlb_flush_cause {
    TLB_CAUSE_NONE,      /* not a flush */
    TLB_CAUSE_CR0,       /* MOV to CR0 changed PG or WP */
    TLB_CAUSE_CR3,       /* MOV to CR3 (a new address space, or the same one again) */
    TLB_CAUSE_CR4,       /* MOV to CR4 changed PGE, PAE, SMEP or SMAP */
    TLB_CAUSE_EFER,      /* WRMSR IA32_EFER changed NXE */
    TLB_CAUSE_INVLPG,    /* INVLPG of one page */
    TLB_CAUSE_EXTERNAL,  /* set from outside the guest (boot loader, snapshot restore) */
};
struct page_walk {
    uint64_t va;
    unsigned access;         /* ACC_* */
    int levels;              /* entries read (1..4) */
    uint64_t entry_addr[4];  /* physical address of the PML4E, PDPTE, PDE, PTE */
    uint64_t entry[4];       /* value read (after A/D update) */
    uint64_t entry_before[4];/* value before this walk set Accessed/Dirty bits */
    bool ok;
    uint64_t pa;             /* result when ok */
    struct mmu_fault fault;  /* when !ok */
};
struct mmu_observer {
    void *ctx;
    /* e: the entry hit or filled (NULL otherwise); cause: for flushes. */
    void (*tlb)(void *ctx, enum tlb_event_kind kind, uint64_t va, const struct tlb_entry *e,
                enum tlb_flush_cause cause);
    void (*walk)(void *ctx, const struct page_walk *w);
};

/* The MMU itself is private to mmu/ (and cpu/, for its inline TLB fast
 * path): everything else holds a pointer and asks the queries below. */
struct mmu;

/* A 48-bit linear address is canonical when bits 63:47 are all equal
 * (SDM Vol. 1 §3.3.7.1); using anything else is #GP(0) (#SS(0) on the
 * stack). */
static inline bool va_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* Lifecycle.  ram_size is rounded up to whole 4 KiB frames; NULL with a
 * message in err when it is out of range or host memory runs out. */
struct mmu *mmu_new(uint64_t ram_size, struct bus *bus, char *err, size_t errlen);
void mmu_free(struct mmu *m); /* NULL is fine */

/* Load new paging controls; flushes the TLB as the SDM requires
 * (CR3 write: non-global entries; CR0.PG/WP, CR4.PGE/SMEP/SMAP/PAE change:
 * everything).  cause: which write it was, for the flush event. */
void mmu_set_control(struct mmu *m, uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer,
                     enum tlb_flush_cause cause);
/* Install the observer (NULL: none; then walks may be memoised and nothing
 * is reported).  Only the board's observation layer calls this. */
void mmu_set_observer(struct mmu *m, const struct mmu_observer *o);
void mmu_invlpg(struct mmu *m, uint64_t va);
void mmu_flush_all(struct mmu *m);

/* Translate one linear address for one access.  Consults the TLB, walks on
 * a miss (setting A/D), fills the TLB.  On success returns true with *pa and
 * *host (host pointer to the byte, or NULL if the physical address is not
 * RAM). On failure returns false with *fault filled.  Paging off (CR0.PG=0):
 * identity. */
bool mmu_translate(struct mmu *m, uint64_t va, unsigned access, uint64_t *pa, uint8_t **host,
                   struct mmu_fault *fault);

/* Physical memory, used by the loader, devices and tests.  Writes
 * invalidate decoded code in the frames they touch. Return false if the
 * range is not RAM. */
bool mmu_phys_read(struct mmu *m, uint64_t pa, void *dst, size_t len);
bool mmu_phys_write(struct mmu *m, uint64_t pa, const void *src, size_t len);
/* RAM [pa, pa + len) for the caller to fill in place, as a loader or a DMA
 * transfer does (e.g. read(2) from a file straight into guest memory): the
 * frames count as written now (decoded code in them is dropped), so fill
 * them before the CPU runs again.  NULL if the range is not all RAM. */
void *mmu_phys_fill(struct mmu *m, uint64_t pa, size_t len);
/* Whether RAM at [pa, pa + len) holds exactly these bytes (false when the
 * range is not all RAM): a snapshot's page comparison, without a copy. */
bool mmu_phys_equal(const struct mmu *m, uint64_t pa, const void *bytes, size_t len);

/* ---- queries: no side effects on the machine ---------------------------
 * None of these sets an Accessed/Dirty bit, changes the TLB or its
 * counters, reports an observer event or touches a device. */

/* Bytes of guest RAM (a multiple of 4 KiB); RAM is physical [0, size). */
uint64_t mmu_ram_size(const struct mmu *m);

/* The paging controls the MMU translates with (its copy of what the CPU
 * last loaded with mmu_set_control). */
struct mmu_controls {
    uint64_t cr0, cr3, cr4, efer;
};
void mmu_get_controls(const struct mmu *m, struct mmu_controls *out);

/* TLB counters since the MMU was made (or as a snapshot restored them). */
void mmu_tlb_stats(const struct mmu *m, struct tlb_stats *out);

/* The valid TLB entries, in set/way order, for the debugger: copies up to
 * max of them into out and returns how many there are in all.  (`host` is
 * left NULL and `allow` 0 in the copies: they are the MMU's business.) */
size_t mmu_tlb_entries(const struct mmu *m, struct tlb_entry *out, size_t max);

/* What a translation of one address would find, in any address space.
 * The walk starts at the given CR3 (not necessarily the current one) and
 * follows the rules of the current CR0/CR4/EFER (NXE, PGE, reserved
 * bits).  It reports presence and reserved bits; whether a given access
 * kind would be allowed follows from the effective rights. */
enum mmu_peek_result {
    PEEK_MAPPED,         /* a complete walk: pa, page_size and rights are valid */
    PEEK_PAGING_OFF,     /* CR0.PG = 0: linear = physical (pa = va) */
    PEEK_NON_CANONICAL,  /* bits 63:47 differ: #GP(0) before paging (no entries read) */
    PEEK_NOT_PRESENT,    /* entry[levels-1] has P = 0: #PF with P = 0 */
    PEEK_RESERVED,       /* entry[levels-1] has a reserved bit set: #PF with P|RSVD */
};
struct mmu_peek {
    uint64_t va, cr3;
    enum mmu_peek_result result;
    bool ok;                 /* PEEK_MAPPED or PEEK_PAGING_OFF: pa is where va goes */
    int levels;              /* entries read, 0..4; a fault is at entry[levels - 1] */
    uint64_t entry_addr[4];  /* physical address of the PML4E, PDPTE, PDE, PTE */
    uint64_t entry[4];       /* their values as they are in memory now */
    uint64_t pa;             /* when ok */
    uint64_t page_size;      /* PEEK_MAPPED: 4 KiB, 2 MiB or 1 GiB */
    /* PEEK_MAPPED: the rights of every level combined (SDM Vol. 3A §4.6.1:
     * U and R/W ANDed, XD ORed and meaningful only with EFER.NXE = 1), G of
     * the final entry with CR4.PGE = 1, D and A of the final entry. */
    bool user, writable, nx, global, dirty, accessed;
    /* When !ok: what an access would raise (vector 13, or 14 with error
     * P/RSVD as found; the access-kind bits W/U/I depend on the access). */
    struct mmu_fault fault;
    /* Only when cr3 is the current CR3: the TLB holds an entry for this
     * page, and the physical address it gives (it may be stale: a PTE
     * changed without INVLPG still translates the old way, as on
     * hardware).  The CPU uses this translation, not the walk's. */
    bool in_tlb;
    uint64_t tlb_pa;
};
bool mmu_peek(const struct mmu *m, uint64_t cr3, uint64_t va, struct mmu_peek *out);

/* Only the physical address an access to va in the address space at cr3
 * would use now — the TLB's translation when cr3 is current and the TLB
 * holds the page, else the walk's — without the rest of mmu_peek's report
 * (a tracer asks this for every instruction).  False: no translation. */
bool mmu_peek_pa(const struct mmu *m, uint64_t cr3, uint64_t va, uint64_t *pa);
/* mmu_peek_pa and, when len bytes from there lie in va's page and in RAM,
 * a copy of them into dst (true).  False, having read nothing: no
 * translation, or not all RAM (then use mmu_peek_pa and mmu_phys_read). */
bool mmu_peek_read(const struct mmu *m, uint64_t cr3, uint64_t va, void *dst, size_t len, uint64_t *pa);

/* Every mapped page of the address space at cr3 that overlaps [lo, hi)
 * (canonical addresses, hi exclusive), in address order — what
 * QEMU's `info tab` lists.  The walk obeys the same rules as mmu_peek:
 * entries with P = 0 or a reserved bit set (and tables outside RAM, which
 * read as open bus) map nothing.  With MMU_VISIT_TABLES the page-table
 * frames reached are reported too, each before the entries it holds.
 * fn returns false to stop.  Guest tables may point back at themselves (a
 * recursive PML4 slot), so at most 4 Mi entries are looked at.  Returns
 * false when fn or that limit stopped the visit.  The tables are read
 * whether or not paging is on. */
enum mmu_visit_kind { MMU_VISIT_PAGE, MMU_VISIT_TABLE };
struct mmu_mapping {
    enum mmu_visit_kind kind;
    int level;               /* PAGE: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB; TABLE: 4 = PML4 .. 1 = PT */
    uint64_t va;             /* PAGE: the page's first (canonical) address */
    uint64_t size;           /* PAGE: page size in bytes; TABLE: 4096 */
    uint64_t pa;             /* PAGE: the frame; TABLE: the table's physical address */
    uint64_t entry;          /* PAGE: the final entry as in memory (A, D, G, PAT, ...) */
    uint64_t entry_addr;     /* PAGE: its physical address */
    bool user, writable, nx, global; /* PAGE: combined over the levels, as mmu_peek */
};
enum { MMU_VISIT_PAGES = 1, MMU_VISIT_TABLES = 2 };
bool mmu_visit(const struct mmu *m, uint64_t cr3, uint64_t lo, uint64_t hi, unsigned what,
               bool (*fn)(void *ctx, const struct mmu_mapping *map), void *ctx);

/* The walk alone for the current CR3, as a struct page_walk (the form the
 * observer's walk events use).  New code uses mmu_peek. */
bool mmu_probe(const struct mmu *m, uint64_t va, struct page_walk *out);

/* ---- snapshots ------------------------------------------------------------
 * The state that decides future translations and counts besides RAM: the
 * paging controls, the TLB's entries and victim choice, the counters, and
 * which frames hold decoded code (they decide which writes take the slow
 * path).  mmu_save writes mmu_state_size(m) bytes into block (aligned as
 * malloc aligns); mmu_restore puts them back into the same MMU (RAM is the
 * caller's: restore it first, through mmu_phys_write).  A frame that holds
 * decoded code now but did not then is reported to the CPU's
 * decoded-instruction cache as written.  Host links (RAM, bus, observer,
 * the code-write callback) are not part of it. */
size_t mmu_state_size(const struct mmu *m);
void mmu_save(const struct mmu *m, void *block);
void mmu_restore(struct mmu *m, const void *block);

#endif
