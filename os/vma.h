/* vma.h — address spaces and their virtual memory areas (os/vma.c).
 *
 * The lifecycle of a page of user memory (the states of the seeds):
 *   reserved   inside an area with prot = PROT_NONE: address space only;
 *              any access is a segmentation fault
 *   committed  inside an area with access rights but no frame yet: the
 *              first touch page-faults and gets a zero-filled frame
 *              (demand-zero)
 *   resident   the PTE is present and points at a frame
 *   decommitted  madvise(MADV_DONTNEED): frame freed, back to committed
 *   released   munmap: the area is gone
 * On the Linux ABI: mmap(PROT_NONE) reserves, mmap/mprotect with rights
 * commits, madvise(MADV_DONTNEED) decommits, munmap releases.
 * An area may map a shared memory object (memobj.h): MAP_SHARED areas and
 * file mappings find their pages there (PTE_OBJ entries) instead of in
 * private frames; such a page is "swapped" in its object, not in a PTE. */
#ifndef OS_VMA_H
#define OS_VMA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

enum vma_kind { VMA_PROGRAM, VMA_HEAP, VMA_STACK, VMA_GUARD, VMA_ANON };

/* vma.flags */
#define VMA_SHARED 1u   /* MAP_SHARED: stores reach the object (and every other mapping of it) */
#define VMA_MAYWRITE 2u /* mprotect may add PROT_WRITE (a shared file mapping needs a writable fd) */
#define VMA_LOCKED 4u   /* mlock: pages are never evicted to the pagefile */

struct memobj;

struct vma {
    uint64_t start, end;  /* [start, end), page aligned */
    uint32_t prot;        /* PROT_* (PROT_NONE = reserved) */
    uint32_t kind;        /* enum vma_kind: for messages and /proc-style listings */
    struct memobj *obj;   /* the object behind a shared or file mapping (a reference), else NULL */
    uint64_t pgoff;       /* the object's page index at start */
    uint32_t flags;       /* VMA_* */
};

#define MAX_VMAS 160

struct mm {
    uint64_t *pml4;            /* direct-map address of the top-level table */
    struct vma vmas[MAX_VMAS]; /* sorted by start, never overlapping */
    int nvmas;
    uint64_t brk_start, brk;   /* the heap: [brk_start, brk) */
    int users;                 /* threads sharing this address space */
    bool lock_future;          /* mlockall(MCL_FUTURE): new areas are locked */
    bool lock_on_fault;        /* ... with MCL_ONFAULT: but not made resident at once */
};

struct mm *mm_new(void);
void mm_free(struct mm *mm);
/* fork: a copy of every area; written pages become copy-on-write. */
struct mm *mm_clone(struct mm *mm);
uint64_t mm_cr3(const struct mm *mm);

struct vma *vma_find(struct mm *mm, uint64_t addr);
/* Create an area over [start, start+len), replacing whatever was there
 * (MAP_FIXED semantics).  0 or -errno. */
int vma_map(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, enum vma_kind kind);
/* The same for a mapping of obj from page pgoff (takes its own reference);
 * flags VMA_SHARED for MAP_SHARED, else copy-on-write from the object. */
int vma_map_object(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags, struct memobj *obj,
                   uint64_t pgoff);
int vma_unmap(struct mm *mm, uint64_t start, uint64_t len);
int vma_protect(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot);
int vma_decommit(struct mm *mm, uint64_t start, uint64_t len);
/* mremap: resize the mapping at old (one area), in place if the
 * neighbourhood allows, else (may_move) at a new address with its pages
 * moved (their PTEs change place, no data is copied).  The (new) address,
 * or -errno. */
int64_t vma_remap(struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len, bool may_move);
/* A free gap of len bytes, searching down from USER_MMAP_TOP; 0 if none. */
uint64_t vma_find_free(struct mm *mm, uint64_t len);
bool vma_range_free(struct mm *mm, uint64_t start, uint64_t len);
/* Every page of [start, start+len) is in some area. */
bool vma_range_mapped(struct mm *mm, uint64_t start, uint64_t len);

/* Make the page at va resident for a user access (write or not): demand
 * zero or copy-on-write.  Returns its physical address, or 0 when the
 * access is not allowed (or memory ran out).  The kernel's copyin/copyout
 * use this; the page-fault handler too. */
uint64_t vma_user_page(struct mm *mm, uint64_t va, bool write);

/* The areas as text in the format of Linux's /proc/PID/maps (a reserved
 * area shows as ---p; the guard below the stack as [stack guard]):
 *   00400000-00401000 r-xp 00000000 00:00 0                   /bin/hello
 * Fills at most size bytes; returns the length the whole text needs. */
uint64_t vma_describe(struct mm *mm, const char *exe, char *buf, uint64_t size);

/* The page at va for the kernel to fill (the ELF loader, file mappings)
 * whatever the area's rights: resident, and marked dirty (D), so that the
 * page replacer writes what the kernel put there to the pagefile instead
 * of dropping the page as clean.  Its physical address, or 0. */
uint64_t vma_fill_page(struct mm *mm, uint64_t va);

/* The #PF handler for a fault in user mode: 0 if resolved (the faulting
 * instruction is retried); else the signal (SIGSEGV, or SIGBUS for a page
 * wholly past the end of a mapped file), its si_code in *code, and a
 * reason ("segmentation fault at 0x..., user write to not-present page")
 * for the kill. */
int vma_page_fault(struct mm *mm, uint64_t addr, uint32_t err, char *why, size_t whylen, int *code);

/* mlock / munlock of [start, start+len) (page aligned; every page mapped,
 * else -ENOMEM): set or clear VMA_LOCKED, and (populate) make the locked
 * pages resident now. */
int vma_lock(struct mm *mm, uint64_t start, uint64_t len, bool lock, bool populate);
/* mlockall(MCL_CURRENT) / munlockall: every area. */
int vma_lock_all(struct mm *mm, bool lock, bool populate);
/* mincore: is the page at va resident (mapped here, or in the page cache
 * of the object behind the area)?  va must be in an area. */
bool vma_page_resident(struct mm *mm, uint64_t va);
/* Unmap pages [first, last] of obj from every address space (truncate,
 * hole punching), so the next access faults on the object again; with
 * even_cows also the private copies made from them (truncate, as Linux). */
void vma_zap_object(struct memobj *obj, uint64_t first, uint64_t last, bool even_cows);
/* Some area maps obj shared and may write it (F_SEAL_WRITE is refused). */
bool vma_object_writably_mapped(struct memobj *obj);
/* The page replacer's hand over a PTE_OBJ entry of area v: second chance
 * (clear Accessed), else unmap it and let the object write the page out
 * if nothing else maps it.  True if a frame was freed. */
bool vma_reclaim_object_pte(struct mm *mm, struct vma *v, uint64_t va, uint64_t *pte);

#endif
