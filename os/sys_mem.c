/* sys_mem.c — memory system calls: brk, mmap, mremap, munmap, mprotect,
 * madvise, msync, mincore, mlock/munlock/mlockall/munlockall.
 * They are thin: the areas and their states live in vma.c, shared pages
 * in memobj.c.
 *   mmap(PROT_NONE)          reserve
 *   mmap(prot) / mprotect    commit (pages come on first touch)
 *   madvise(MADV_DONTNEED)   decommit
 *   munmap                   release
 * MAP_SHARED maps a shared object: a file's page cache, or (anonymous) a
 * new object that fork shares with the children. */
#include "errno.h"
#include "fdtable.h"
#include "file.h"
#include "frame.h"
#include "memlayout.h"
#include "memobj.h"
#include "paging.h"
#include "uaccess.h"
#include "proc.h"
#include "swap.h"
#include "syscall.h"
#include "uaccess.h"
#include "vma.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_NORESERVE 0x4000

/* Linux's heuristic overcommit (vm.overcommit_memory = 0, the default):
 * a mapping that is "accounted" and alone asks for more pages than RAM
 * and swap together is refused with ENOMEM; anything smaller is granted,
 * whatever is in use already (pages come on first touch).  Accounted are
 * private writable mappings (mm/util.c __vm_enough_memory,
 * OVERCOMMIT_GUESS) and shared anonymous ones, /dev/zero's included,
 * whatever their protection (shmem_acct_size charges the whole object);
 * never MAP_NORESERVE ones, nor shared mappings of a file (tmpfs charges
 * its pages as they are written: the /tmp limit). */
static bool overcommit_refuses(uint64_t len, uint64_t prot, uint64_t flags, bool anonymous)
{
    bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
    bool accounted = !(flags & MAP_NORESERVE) && (shared ? anonymous : (prot & PROT_WRITE) != 0);
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

/* A mapping of a read-only initrd file gets a copy of the file's bytes
 * (the file can never change: shared or private look the same). */
static long copy_file(struct mm *mm, uint64_t addr, uint64_t len, struct inode *ino, uint64_t offset)
{
    for (uint64_t done = 0; done < len && offset + done < ino->size; done += PAGE_SIZE) {
        uint64_t pa = vma_fill_page(mm, addr + done);
        if (!pa)
            return -ENOMEM;
        fs_read(ino, offset + done, p2v(pa), PAGE_SIZE);
    }
    return 0;
}

/* What a file descriptor lets mmap map: its object and the area flags, or
 * -errno (mmap(2): EACCES for a descriptor not open for reading, or a
 * shared writable mapping of one not open for writing). */
static long file_object(uint64_t fd, bool shared, uint64_t prot, struct inode **inode, uint32_t *vflags)
{
    struct file *f = fd_get(current_proc(), fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_INODE)
        return -ENODEV;
    struct inode *ino = f->inode;
    if (ino->type != INODE_FILE && ino->type != INODE_ZERO)
        return -ENODEV;
    if (!file_readable(f))
        return -EACCES;
    *inode = ino;
    *vflags = VMA_MAYWRITE;
    if (shared) {
        *vflags = VMA_SHARED | (file_writable(f) && !(f->flags & O_APPEND) ? VMA_MAYWRITE : 0);
        if ((prot & PROT_WRITE) && !(*vflags & VMA_MAYWRITE))
            return -EACCES;
        if ((prot & PROT_WRITE) && (ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
            return -EPERM;
    }
    return 0;
}

/* Put the new area over [addr, addr+len): an object mapping, a copy of an
 * initrd file, or anonymous memory. */
static long map_area(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint64_t flags, uint64_t fd,
                     uint64_t offset)
{
    bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
    struct inode *ino = 0;
    uint32_t vflags = VMA_MAYWRITE;
    if (!(flags & MAP_ANONYMOUS)) {
        long err = file_object(fd, shared, prot, &ino, &vflags);
        if (err)
            return err;
        if (ino->type == INODE_ZERO)
            ino = 0; /* /dev/zero maps like anonymous memory */
    }
    /* Linux accounts the mapping once the descriptor passed its checks
     * (mmap_region, after do_mmap's). */
    if (overcommit_refuses(len, prot, flags, !ino))
        return -ENOMEM;
    if (ino && !ino->data) { /* a /tmp file or memfd: its page cache */
        struct memobj *obj = fs_file_object(ino);
        if (!obj)
            return -ENOMEM;
        return vma_map_object(mm, addr, len, prot, vflags, obj, offset / PAGE_SIZE);
    }
    if (!ino && shared) { /* shared anonymous: a new object, shared with children by fork */
        struct memobj *obj = memobj_new("/dev/zero", false);
        if (!obj)
            return -ENOMEM;
        obj->size = len;
        obj->deleted = true; /* Linux shows "/dev/zero (deleted)" */
        int err = vma_map_object(mm, addr, len, prot, VMA_SHARED | VMA_MAYWRITE, obj, 0);
        memobj_put(obj);
        return err;
    }
    int err = vma_map(mm, addr, len, prot, VMA_ANON);
    if (err || !ino)
        return err;
    long ferr = copy_file(mm, addr, len, ino, offset);
    if (ferr)
        vma_unmap(mm, addr, len);
    return ferr;
}

long sys_mmap(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t addr = ARG0(tf), len = PAGE_ROUND_UP(ARG1(tf)), prot = ARG2(tf), flags = ARG3(tf);
    if (!ARG1(tf) || (prot & ~7ull) || (addr & (PAGE_SIZE - 1)) || (ARG5(tf) & (PAGE_SIZE - 1)))
        return -EINVAL;
    uint64_t type = flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (!len || len > USER_END)
        return -ENOMEM; /* the length rounds up to 0, or is more than the address space */
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
    /* Linux's file_mmap_ok (checked once an address was found): the mapped
     * range must lie below the largest file size, 2^63 - 1. */
    if (!(flags & MAP_ANONYMOUS) && ARG5(tf) > INT64_MAX - len)
        return -EOVERFLOW;
    long err = map_area(mm, addr, len, (uint32_t)prot, flags, ARG4(tf), ARG5(tf));
    if (err)
        return err;
    if (mm->lock_future)
        vma_lock(mm, addr, len, true, !mm->lock_on_fault); /* mlockall(MCL_FUTURE): locked (and populated) */
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

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* msync(addr, len, flags): the page cache is the file, so there is
 * nothing to write back; what remains is Linux's argument checking —
 * EINVAL for bad flags or an unaligned address, ENOMEM for a range with
 * unmapped pages, EBUSY for MS_INVALIDATE over locked pages. */
long sys_msync(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t start = ARG0(tf), flags = ARG2(tf);
    if ((flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (start & (PAGE_SIZE - 1)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    uint64_t len = PAGE_ROUND_UP(ARG1(tf)), end = start + len;
    if (end < start)
        return -ENOMEM;
    long err = 0;
    for (uint64_t a = start; a < end;) {
        struct vma *v = a < USER_END ? vma_find(mm, a) : 0;
        if (!v) {
            /* Linux goes on to the next area and reports ENOMEM at the end. */
            err = -ENOMEM;
            uint64_t next = end;
            for (int i = 0; i < mm->nvmas; i++)
                if (mm->vmas[i].start > a) {
                    next = mm->vmas[i].start < end ? mm->vmas[i].start : end;
                    break;
                }
            a = next;
            continue;
        }
        if ((flags & MS_INVALIDATE) && (v->flags & VMA_LOCKED))
            return -EBUSY;
        a = v->end;
    }
    return err;
}

/* mincore(addr, len, vec): one byte per page, bit 0 set when the page is
 * resident (the page cache counts for shared and file mappings). */
long sys_mincore(struct trapframe *tf)
{
    struct mm *mm = current_proc()->mm;
    uint64_t start = ARG0(tf), len = ARG1(tf), vec = ARG2(tf);
    if (start & (PAGE_SIZE - 1))
        return -EINVAL;
    if (start >= USER_END || len > USER_END - start)
        return -ENOMEM;
    uint64_t pages = PAGE_ROUND_UP(len) / PAGE_SIZE;
    if (vec >= USER_END || pages > USER_END - vec)
        return -EFAULT;
    uint8_t chunk[256];
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < sizeof chunk ? pages - done : sizeof chunk;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t va = start + (done + i) * PAGE_SIZE;
            if (!vma_find(mm, va))
                return -ENOMEM;
            chunk[i] = vma_page_resident(mm, va);
        }
        if (put_user(vec + done, chunk, n))
            return -EFAULT;
        done += n;
    }
    return 0;
}

/* mlock(addr, len): Linux rounds the range out to whole pages. */
static long lock_range(struct trapframe *tf, bool lock, bool populate)
{
    /* Linux's arithmetic, wrapping included: a length that wraps to 0 locks nothing. */
    uint64_t start = PAGE_ROUND_DOWN(ARG0(tf));
    uint64_t len = PAGE_ROUND_UP(ARG1(tf) + (ARG0(tf) - start));
    if (start + len < start)
        return -EINVAL;
    return vma_lock(current_proc()->mm, start, len, lock, populate);
}

long sys_mlock(struct trapframe *tf) { return lock_range(tf, true, true); }
long sys_munlock(struct trapframe *tf) { return lock_range(tf, false, false); }

#define MLOCK_ONFAULT 1

/* mlock2(addr, len, flags): MLOCK_ONFAULT locks the pages as they are
 * touched instead of making them resident now. */
long sys_mlock2(struct trapframe *tf)
{
    if (ARG2(tf) & ~(uint64_t)MLOCK_ONFAULT)
        return -EINVAL;
    return lock_range(tf, true, !(ARG2(tf) & MLOCK_ONFAULT));
}

#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

/* mlockall(flags).  RLIMIT_MEMLOCK does not limit us: like root (who has
 * CAP_IPC_LOCK) any amount may be locked, as long as RAM lasts. */
long sys_mlockall(struct trapframe *tf)
{
    uint64_t flags = ARG0(tf);
    if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
        return -EINVAL;
    struct mm *mm = current_proc()->mm;
    int err = flags & MCL_CURRENT ? vma_lock_all(mm, true, !(flags & MCL_ONFAULT)) : 0;
    if (!err && (flags & MCL_FUTURE)) {
        mm->lock_future = true;
        mm->lock_on_fault = flags & MCL_ONFAULT;
    }
    return err;
}

long sys_munlockall(struct trapframe *tf)
{
    (void)tf;
    struct mm *mm = current_proc()->mm;
    mm->lock_future = false;
    return vma_lock_all(mm, false, false);
}
