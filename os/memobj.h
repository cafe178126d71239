/* memobj.h — shared memory objects: the page cache of a file in /tmp or
 * of a memfd, and the memory behind a MAP_SHARED|MAP_ANONYMOUS mapping
 * (os/memobj.c).
 *
 * An object is a sparse array of pages indexed by page number (offset /
 * 4096).  Every mapping of the object and every read()/write() reach the
 * same frames, so a store through one MAP_SHARED mapping is seen by
 * read(), by another process's mapping, and the other way round.  Each
 * entry is one of
 *   0                    a hole: reads as zeros, takes no memory
 *   pa | PTE_P           resident in the frame pa (the object holds one
 *                        reference; each PTE mapping it holds another)
 *   swap_pte(slot)       evicted to the pagefile: the object owns the slot
 * so a shared page is swapped and found again through its object, never
 * through the page tables of the processes that map it. */
#ifndef OS_MEMOBJ_H
#define OS_MEMOBJ_H
#include <stdbool.h>
#include <stdint.h>

#define MEMOBJ_NAME_MAX 256
#define MEMOBJ_MAX_PAGES (1ull << 36) /* 256 TiB: four levels of 512 entries */

struct memobj {
    uint64_t *root;               /* top table (direct-map address), NULL while empty */
    int refs;                     /* the inode that owns it + every area mapping it */
    bool tmpfs;                   /* file data: counts against the /tmp limit */
    uint64_t pages;               /* entries that are not holes (resident or swapped) */
    uint64_t swapped;             /* of which in the pagefile */
    uint64_t size;                /* bytes: the file's size (an access to a page wholly
                                     past it is SIGBUS); a shared anonymous area's length */
    bool deleted;                 /* unlinked (a memfd, a shared anonymous area): "(deleted)" */
    char name[MEMOBJ_NAME_MAX];   /* what /proc/PID/maps shows for its mappings */
};

/* A new, empty object (reference count 1), or NULL without memory. */
struct memobj *memobj_new(const char *name, bool tmpfs);
void memobj_get(struct memobj *obj);
/* Drop a reference; the last one frees every page and pagefile slot. */
void memobj_put(struct memobj *obj);

/* The entry for page index (0, pa | PTE_P or a swapped entry). */
uint64_t memobj_entry(struct memobj *obj, uint64_t index);
/* The frame of page index, made resident: paged in from the pagefile, or
 * (when create) a new zero-filled page for a hole.  0 for a hole without
 * create, or when memory (or the /tmp limit, for file data) runs out. */
uint64_t memobj_page(struct memobj *obj, uint64_t index, bool create, uint64_t va);
/* Free the pages [first, last] (holes again).  Mappings must have been
 * unmapped first (vma_zap_object). */
void memobj_punch(struct memobj *obj, uint64_t first, uint64_t last);
/* Write page index to the pagefile and free its frame, if no mapping uses
 * the frame any more; true if a frame was freed (the page replacer). */
bool memobj_evict(struct memobj *obj, uint64_t index, uint64_t va);

/* Byte-granular access for read()/write() (holes read as zeros).
 * memobj_write returns n, or -ENOSPC / -ENOMEM if a page could not be had. */
void memobj_read(struct memobj *obj, uint64_t off, void *dst, uint64_t n);
long memobj_write(struct memobj *obj, uint64_t off, const void *src, uint64_t n);
/* Zero [off, off+n) without allocating pages for holes. */
void memobj_zero(struct memobj *obj, uint64_t off, uint64_t n);

/* Pages held by file data (/tmp and memfd) and the bound, like tmpfs's
 * default size: half of RAM. */
uint64_t memobj_tmpfs_pages(void);
uint64_t memobj_tmpfs_limit(void);

#endif
