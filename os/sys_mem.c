/* sys_mem.c — memory system calls: brk, mmap, mremap, munmap, mprotect,
 * madvise.
 * They are thin: the areas and their states live in vma.c.
 *   mmap(PROT_NONE)          reserve
 *   mmap(prot) / mprotect    commit (pages come on first touch)
 *   madvise(MADV_DONTNEED)   decommit
 *   munmap                   release */
#include "errno.h"
#include "fdtable.h"
#include "file.h"
#include "frame.h"
#include "memlayout.h"
#include "paging.h"
#include "uaccess.h"
#include "proc.h"
#include "swap.h"
#include "syscall.h"
#include "vma.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_NORESERVE 0x4000

/* Linux's heuristic overcommit (vm.overcommit_memory = 0, the default):
 * a private writable mapping is "accounted", and one that alone asks for
 * more pages than RAM and swap together is refused with ENOMEM; anything
 * smaller is granted, whatever is in use already (pages come on first
 * touch).  MAP_NORESERVE, read-only and PROT_NONE mappings are not
 * accounted (mm/util.c __vm_enough_memory, OVERCOMMIT_GUESS). */
static bool overcommit_refuses(uint64_t len, uint64_t prot, uint64_t flags)
{
    bool accounted = !(flags & (MAP_SHARED | MAP_NORESERVE)) && (prot & PROT_WRITE);
    return accounted && len / PAGE_SIZE > frames_total_count() + swap_total_slots();
}
#define MADV_DONTNEED 4
#define MADV_FREE 8

/* brk(addr): move the end of the heap; returns the (new or unchanged) end.
 * The heap is one area right above the program, grown and shrunk a page
 * at a time; its pages commit on first touch like any anonymous memory. */
long sys_brk(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t want = ARG0(tf);
    if (want < mm->brk_start || want >= USER_MMAP_TOP)
        return (long)mm->brk;
    uint64_t old_end = PAGE_ROUND_UP(mm->brk), new_end = PAGE_ROUND_UP(want);
    if (new_end > old_end) {
        if (!vma_range_free(mm, old_end, new_end - old_end) ||
            vma_map(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_HEAP))
            return (long)mm->brk;
    } else if (new_end < old_end) {
        vma_unmap(mm, new_end, old_end - new_end);
    }
    mm->brk = want;
    return (long)want;
}

/* A private file mapping gets a copy of the file's bytes. */
static long map_file(struct mm *mm, uint64_t addr, uint64_t len, uint64_t fd, uint64_t offset)
{
    struct proc *p = current_proc();
    struct file *f = fd_get(p, fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_INODE || f->inode->type != INODE_FILE)
        return -ENODEV;
    struct inode *ino = f->inode;
    for (uint64_t done = 0; done < len && offset + done < ino->size; done += PAGE_SIZE) {
        uint64_t pa = vma_fill_page(mm, addr + done);
        if (!pa)
            return -ENOMEM;
        fs_read(ino, offset + done, p2v(pa), PAGE_SIZE);
    }
    return 0;
}

long sys_mmap(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t addr = ARG0(tf), len = PAGE_ROUND_UP(ARG1(tf)), prot = ARG2(tf), flags = ARG3(tf);
    if (!ARG1(tf) || !len || (prot & ~7ull) || (addr & (PAGE_SIZE - 1)) || (ARG5(tf) & (PAGE_SIZE - 1)))
        return -EINVAL;
    if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
        return -EINVAL;
    if (overcommit_refuses(len, prot, flags))
        return -ENOMEM;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr < USER_MIN_ADDR || addr >= USER_END || len > USER_END - addr)
            return -ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !vma_range_free(mm, addr, len))
            return -EEXIST;
    } else if (!addr || addr < USER_MIN_ADDR || addr >= USER_END || len > USER_END - addr ||
               !vma_range_free(mm, addr, len)) {
        addr = vma_find_free(mm, len);
        if (!addr)
            return -ENOMEM;
    }
    int err = vma_map(mm, addr, len, (uint32_t)prot, VMA_ANON);
    if (err)
        return err;
    if (!(flags & MAP_ANONYMOUS)) {
        long ferr = map_file(mm, addr, len, ARG4(tf), ARG5(tf));
        if (ferr) {
            vma_unmap(mm, addr, len);
            return ferr;
        }
    }
    return (long)addr;
}

#define MREMAP_MAYMOVE 1

/* mremap(old, old_len, new_len, flags): grow or shrink a mapping, moving it
 * if MREMAP_MAYMOVE allows (realloc of large blocks in musl and glibc).
 * MREMAP_FIXED (a chosen destination) is not supported: -EINVAL. */
long sys_mremap(struct trapframe *tf)
{
    if (ARG3(tf) & ~(uint64_t)MREMAP_MAYMOVE)
        return -EINVAL;
    return vma_remap(current_proc()->mm, ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf) & MREMAP_MAYMOVE);
}

long sys_munmap(struct trapframe *tf)
{
    return vma_unmap(current_proc()->mm, ARG0(tf), ARG1(tf));
}

long sys_mprotect(struct trapframe *tf)
{
    if (ARG2(tf) & ~7ull)
        return -EINVAL;
    if (ARG1(tf) == 0)
        return (ARG0(tf) & (PAGE_SIZE - 1)) ? -EINVAL : 0;
    return vma_protect(current_proc()->mm, ARG0(tf), ARG1(tf), (uint32_t)ARG2(tf));
}

long sys_madvise(struct trapframe *tf)
{
    if (ARG0(tf) & (PAGE_SIZE - 1))
        return -EINVAL;
    if (ARG1(tf) == 0)
        return 0;
    if (ARG0(tf) >= USER_END || ARG1(tf) > USER_END - ARG0(tf) ||
        !vma_range_mapped(current_proc()->mm, ARG0(tf), ARG1(tf)))
        return -ENOMEM; /* as Linux: advice about unmapped addresses */
    if (ARG2(tf) == MADV_DONTNEED || ARG2(tf) == MADV_FREE)
        return vma_decommit(current_proc()->mm, ARG0(tf), ARG1(tf));
    return 0; /* other advice is only a hint */
}

/* mincore(addr, len, vec): one byte per page, 1 if it is resident now (not
 * committed-but-untouched, not swapped out).  ENOMEM if part of the range
 * is in no area. */
long sys_mincore(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t addr = ARG0(tf), len = ARG1(tf), uvec = ARG2(tf);
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (addr >= USER_END || len > USER_END - addr)
        return -ENOMEM;
    uint64_t pages = PAGE_ROUND_UP(len) / PAGE_SIZE;
    if (!vma_range_mapped(mm, addr, pages * PAGE_SIZE))
        return -ENOMEM;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t hole;
        uint64_t *pte = pte_find(mm->pml4, addr + i * PAGE_SIZE, &hole);
        uint8_t resident = pte && (*pte & PTE_P);
        if (put_user(uvec + i, &resident, 1))
            return -EFAULT;
    }
    return 0;
}

/* mlock(addr, len): the pages are made resident now (committed, read in
 * from the pagefile).  The page replacer does not know about locks yet:
 * under memory pressure a locked page can still be written out. */
long sys_mlock(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t start = PAGE_ROUND_DOWN(ARG0(tf)), end = PAGE_ROUND_UP(ARG0(tf) + ARG1(tf));
    if (ARG0(tf) >= USER_END || ARG1(tf) > USER_END - ARG0(tf))
        return -ENOMEM;
    if (!vma_range_mapped(mm, start, end - start))
        return -ENOMEM;
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        struct vma *v = vma_find(mm, va);
        if (v && v->prot != PROT_NONE && !vma_user_page(mm, va, false))
            return -ENOMEM;
    }
    return 0;
}

long sys_munlock(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t start = PAGE_ROUND_DOWN(ARG0(tf)), end = PAGE_ROUND_UP(ARG0(tf) + ARG1(tf));
    if (ARG0(tf) >= USER_END || ARG1(tf) > USER_END - ARG0(tf))
        return -ENOMEM;
    return vma_range_mapped(mm, start, end - start) ? 0 : -ENOMEM;
}

/* mlockall(flags): the flags are checked; as for mlock, nothing is pinned. */
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
long sys_mlockall(struct trapframe *tf)
{
    uint64_t flags = ARG0(tf);
    if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
        return -EINVAL;
    return 0;
}

long sys_munlockall(struct trapframe *tf)
{
    (void)tf;
    return 0;
}
