/* sys_memfd.c — memfd_create, fallocate and file seals: files that are
 * only memory (their bytes are a shared memory object, memobj.h, like
 * every file in /tmp). */
#include "errno.h"
#include "fdtable.h"
#include "file.h"
#include "fs.h"
#include "proc.h"
#include "syscall.h"
#include "uaccess.h"
#include "vma.h"

#define MFD_CLOEXEC 0x0001u
#define MFD_ALLOW_SEALING 0x0002u
#define MFD_NAME_MAX 249 /* memfd_create(2): longer names are EINVAL */
#define F_SEAL_ALL (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

/* memfd_create(name, flags): an anonymous file, open for reading and
 * writing, in no directory ("/memfd:NAME (deleted)" in /proc/PID/maps). */
long sys_memfd_create(struct trapframe *tf)
{
    uint32_t flags = (uint32_t)ARG1(tf);
    if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING))
        return -EINVAL; /* MFD_HUGETLB and friends are not supported */
    char name[MFD_NAME_MAX + 2];
    long len = get_user_string(name, ARG0(tf), sizeof name);
    if (len < 0)
        return len == -ENAMETOOLONG ? -EINVAL : len;
    if (len > MFD_NAME_MAX)
        return -EINVAL;
    struct inode *ino = fs_create_memfd(name, flags & MFD_ALLOW_SEALING);
    if (!ino)
        return -ENOMEM;
    struct file *f = file_open(ino, O_RDWR);
    if (!f) {
        fs_opened(ino);
        fs_closed(ino); /* unlinked: the inode goes */
        return -ENFILE;
    }
    int fd = fd_alloc(current_proc(), f, 0, flags & MFD_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

/* fallocate(fd, mode, offset, len). */
long sys_fallocate(struct trapframe *tf)
{
    struct file *f = fd_get(current_proc(), ARG0(tf));
    int64_t off = (int64_t)ARG2(tf), len = (int64_t)ARG3(tf);
    if (!f)
        return -EBADF;
    if (off < 0 || len <= 0)
        return -EINVAL;
    if (!file_writable(f))
        return -EBADF;
    if (f->kind != FILE_INODE) /* pipes and FIFOs; sockets, eventfds and the like */
        return f->kind == FILE_PIPE ? -ESPIPE : -ENODEV;
    if (f->inode->type == INODE_DIR)
        return -EISDIR;
    return fs_allocate(f->inode, (int)ARG1(tf), (uint64_t)off, (uint64_t)len);
}

long file_seals(struct file *f, bool add, uint32_t seals)
{
    if (f->kind != FILE_INODE || !f->inode->memfd)
        return -EINVAL;
    struct inode *ino = f->inode;
    if (!add)
        return ino->seals;
    if (seals & ~F_SEAL_ALL)
        return -EINVAL;
    if (!file_writable(f) || (ino->seals & F_SEAL_SEAL))
        return -EPERM;
    if ((seals & F_SEAL_WRITE) && !(ino->seals & F_SEAL_WRITE) && ino->obj && vma_object_writably_mapped(ino->obj))
        return -EBUSY; /* a shared writable mapping could still change it */
    ino->seals |= seals;
    return 0;
}
