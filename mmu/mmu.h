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

/* translate.c: a recent successful walk that ended in a 2 MiB page, kept
 * so a TLB miss in that page can skip the walk when the walk provably
 * would give the same result and change nothing (see translate.c). */
struct walk_memo {
    bool valid;
    uint64_t va_2m;                    /* va >> 21 */
    uint64_t cr0, cr3, cr4, efer;      /* the controls the walk ran under */
    uint64_t entry_addr[3], entry[3];  /* PML4E, PDPTE, PDE after the walk's A/D updates */
    uint64_t page_pa;                  /* physical address of the 2 MiB page */
    bool user, writable, nx, global;   /* the walk's effective rights */
};
#define WALK_MEMO_SLOTS 16

struct mmu {
    uint8_t *ram;
    uint64_t ram_size;
    struct bus *bus;
    uint64_t cr0, cr3, cr4, efer;
    struct tlb_entry tlb[TLB_SETS][TLB_WAYS];
    uint8_t tlb_next_victim[TLB_SETS];
    struct tlb_stats stats;
    /* Frames holding decoded instructions: a write to one must invalidate
     * the CPU's decoded-instruction cache (self-modifying code, program
     * loading).  TLB entries never allow fast writes to such a frame. */
    uint8_t *code_frame;                         /* one byte per RAM frame */
    void (*on_code_write)(void *ctx, uint64_t pfn);
    void *code_ctx;
    const struct mmu_observer *observer;         /* NULL: no tracing */
    /* tlb.c: access_allow_mask() remembered by the six inputs it depends
     * on (allow_memo_key); bit k of allow_memo_known: allow_memo[k] is set. */
    uint32_t allow_memo[64];
    uint64_t allow_memo_known;
    /* Bumped by tlb.c whenever an entry is filled, dropped or loses rights:
     * while it is unchanged, a translation once found in the TLB would be
     * found again the same (the CPU's fetch relies on it, cpu/run.c). */
    uint64_t tlb_gen;
    struct walk_memo walk_memo[WALK_MEMO_SLOTS];
};

/* A 48-bit linear address is canonical when bits 63:47 are all equal
 * (SDM Vol. 1 §3.3.7.1); using anything else is #GP(0) (#SS(0) on the
 * stack). */
static inline bool va_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* Lifecycle.  Returns 0, or -1 with a message in err. */
int mmu_init(struct mmu *m, uint64_t ram_size, struct bus *bus, char *err, size_t errlen);
void mmu_free(struct mmu *m);

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

/* Inline fast path: the host pointer for va if the TLB already permits
 * `access` on that page without a walk, else NULL (then call
 * mmu_translate). Costs one set index and up to TLB_WAYS compares. */
static inline uint8_t *tlb_fast(struct mmu *m, uint64_t va, unsigned access);

/* Physical memory, used by the loader, devices and tests.  Writes
 * invalidate decoded code in the frames they touch. Return false if the
 * range is not RAM. */
bool mmu_phys_read(struct mmu *m, uint64_t pa, void *dst, size_t len);
bool mmu_phys_write(struct mmu *m, uint64_t pa, const void *src, size_t len);

/* Mark a frame as holding decoded instructions (called by the CPU's
 * decoded-instruction cache); later writes to it call on_code_write. */
void mmu_mark_code(struct mmu *m, uint64_t pfn);

/* The walk alone, without touching the TLB or A/D bits — for debuggers
 * showing "what would this address map to". */
bool mmu_probe(struct mmu *m, uint64_t va, struct page_walk *out);

/* The valid TLB entries, in set/way order, for the debugger: copies up to
 * max of them into out and returns how many there are in all. */
size_t mmu_tlb_entries(const struct mmu *m, struct tlb_entry *out, size_t max);

#include "tlb_fast.h"
#endif
