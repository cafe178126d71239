/* sys_file.c — file system calls: descriptors, reads and writes, opening,
 * directories, stat, pipes, poll/select.  The descriptor table is per process
 * (proc->files); several descriptors may share one open file (file.h).
 * Data moves between user memory and the kernel through uaccess.c in
 * chunks of a small kernel buffer. */
#include "errno.h"
#include "file.h"
#include "fs.h"
#include "memlayout.h"
#include "proc.h"
#include "string.h"
#include "syscall.h"
#include "signal.h"
#include "timer.h"
#include "tty.h"
#include "uaccess.h"

#define CHUNK 1024
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EMPTY_PATH 0x1000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define IOV_MAX 1024

static struct file *fd_file(uint64_t fd)
{
    struct proc *p = current_proc();
    return fd < MAX_FDS ? p->files[fd] : 0;
}

static int fd_install(struct file *f, int lowest, bool cloexec)
{
    struct proc *p = current_proc();
    for (int fd = lowest; fd < MAX_FDS; fd++) {
        if (!p->files[fd]) {
            p->files[fd] = f;
            if (cloexec)
                p->cloexec |= 1ull << fd;
            else
                p->cloexec &= ~(1ull << fd);
            return fd;
        }
    }
    return -EMFILE;
}

static void fd_clear(int fd)
{
    struct proc *p = current_proc();
    file_close(p->files[fd]);
    p->files[fd] = 0;
    p->cloexec &= ~(1ull << fd);
}

/* Streams (pipes, the console, the keyboard) return what one read
 * produced; files and memory devices (/dev/zero...) give all n bytes, up
 * to the end. */
static bool is_stream(const struct file *f)
{
    return f->kind == FILE_PIPE || f->inode->type == INODE_CONSOLE || f->inode->type == INODE_KBD ||
           f->inode->type == INODE_COM1_RAW || f->inode->type == INODE_COM2;
}

/* The range check Linux calls access_ok: done before anything blocks, so
 * read(0, kernel_pointer, n) fails at once instead of after the input. */
static bool user_range(uint64_t ubuf, uint64_t n) { return ubuf < USER_END && n <= USER_END - ubuf; }

static long read_to_user(struct file *f, uint64_t ubuf, uint64_t n)
{
    char buf[CHUNK];
    if (!user_range(ubuf, n))
        return -EFAULT;
    uint64_t done = 0;
    while (done < n) {
        uint64_t want = n - done < CHUNK ? n - done : CHUNK;
        long got = file_read(f, buf, want);
        if (got < 0)
            return done ? (long)done : got;
        if (got > 0 && put_user(ubuf + done, buf, (uint64_t)got))
            return done ? (long)done : -EFAULT;
        done += (uint64_t)got;
        if ((uint64_t)got < want || is_stream(f))
            break;
    }
    return (long)done;
}

static long write_from_user(struct file *f, uint64_t ubuf, uint64_t n)
{
    char buf[CHUNK];
    if (!user_range(ubuf, n))
        return -EFAULT;
    uint64_t done = 0;
    while (done < n) {
        uint64_t len = n - done < CHUNK ? n - done : CHUNK;
        if (get_user(buf, ubuf + done, len))
            return done ? (long)done : -EFAULT;
        long put = file_write(f, buf, len);
        if (put < 0)
            return done ? (long)done : put;
        done += (uint64_t)put;
        if ((uint64_t)put < len)
            break;
    }
    return (long)done;
}

long sys_read(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    return f ? read_to_user(f, ARG1(tf), ARG2(tf)) : -EBADF;
}

long sys_write(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    return f ? write_from_user(f, ARG1(tf), ARG2(tf)) : -EBADF;
}

struct iovec {
    uint64_t base, len;
};

static long vector_io(struct trapframe *tf, bool write)
{
    struct file *f = fd_file(ARG0(tf));
    uint64_t iov_addr = ARG1(tf), count = ARG2(tf);
    if (!f)
        return -EBADF;
    if (count > IOV_MAX)
        return -EINVAL;
    long total = 0;
    for (uint64_t i = 0; i < count; i++) {
        struct iovec iov;
        if (get_user(&iov, iov_addr + i * sizeof iov, sizeof iov))
            return total ? total : -EFAULT;
        if (!iov.len)
            continue;
        long n = write ? write_from_user(f, iov.base, iov.len) : read_to_user(f, iov.base, iov.len);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < iov.len)
            break;
    }
    return total;
}

long sys_readv(struct trapframe *tf) { return vector_io(tf, false); }
long sys_writev(struct trapframe *tf) { return vector_io(tf, true); }

static long positioned_io(struct trapframe *tf, bool write)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    if (f->kind != FILE_INODE || f->inode->type != INODE_FILE)
        return -ESPIPE;
    if ((int64_t)ARG3(tf) < 0)
        return -EINVAL;
    uint64_t saved = f->offset;
    uint32_t saved_flags = f->flags;
    f->offset = ARG3(tf);
    f->flags &= ~O_APPEND;
    long n = write ? write_from_user(f, ARG1(tf), ARG2(tf)) : read_to_user(f, ARG1(tf), ARG2(tf));
    f->offset = saved;
    f->flags = saved_flags;
    return n;
}

long sys_pread64(struct trapframe *tf) { return positioned_io(tf, false); }
long sys_pwrite64(struct trapframe *tf) { return positioned_io(tf, true); }

/* An absolute path for (dirfd, user path); with follow, a symbolic link
 * in its last component is replaced by what it names. */
static long user_path_at(int64_t dirfd, uint64_t upath, char *out, bool allow_empty, bool follow)
{
    char path[FS_PATH_MAX];
    long len = get_user_string(path, upath, sizeof path);
    if (len < 0)
        return len;
    if (len == 0 && !allow_empty)
        return -ENOENT;
    const char *base = current_proc()->cwd;
    if (path[0] != '/' && dirfd != AT_FDCWD) {
        struct file *d = dirfd >= 0 ? fd_file((uint64_t)dirfd) : 0;
        if (!d)
            return -EBADF;
        if (d->kind != FILE_INODE || d->inode->type != INODE_DIR)
            return len == 0 ? 0 : -ENOTDIR;
        base = d->inode->path;
    }
    if (len == 0)
        return 0;
    long err = fs_resolve(base, path, out);
    return err || !follow ? err : fs_follow(out);
}

static long open_at(int64_t dirfd, uint64_t upath, uint32_t flags, uint32_t mode)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, !(flags & O_NOFOLLOW) && !(flags & O_EXCL));
    if (err)
        return err;
    struct inode *ino = fs_lookup(path);
    if (ino && ino->type == INODE_SYMLINK)
        return (flags & O_CREAT) && (flags & O_EXCL) ? -EEXIST : -ELOOP; /* O_NOFOLLOW on a link */
    if (ino && (flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (!ino && (flags & O_CREAT)) {
        int cerr;
        ino = fs_create(path, INODE_FILE, &cerr);
        if (!ino)
            return cerr;
        ino->mode = mode & ~current_proc()->umask & 07777;
    }
    if (!ino)
        return -ENOENT;
    if ((flags & O_DIRECTORY) && ino->type != INODE_DIR)
        return -ENOTDIR;
    if (ino->type == INODE_DIR && (flags & O_ACCMODE) != O_RDONLY)
        return -EISDIR;
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && ino->type == INODE_FILE) {
        int terr = fs_truncate(ino, 0);
        if (terr)
            return terr;
    }
    if ((flags & O_ACCMODE) != O_RDONLY && ino->type == INODE_FILE && ino->data && !ino->capacity)
        return -EROFS;
    struct file *f = file_open(ino, flags);
    if (!f)
        return -ENFILE;
    int fd = fd_install(f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

long sys_open(struct trapframe *tf) { return open_at(AT_FDCWD, ARG0(tf), (uint32_t)ARG1(tf), (uint32_t)ARG2(tf)); }
long sys_openat(struct trapframe *tf)
{
    return open_at((int32_t)ARG0(tf), ARG1(tf), (uint32_t)ARG2(tf), (uint32_t)ARG3(tf));
}

long sys_close(struct trapframe *tf)
{
    if (!fd_file(ARG0(tf)))
        return -EBADF;
    fd_clear((int)ARG0(tf));
    return 0;
}

long sys_lseek(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    if (f->kind != FILE_INODE || (f->inode->type != INODE_FILE && f->inode->type != INODE_DIR))
        return -ESPIPE;
    int64_t off = (int64_t)ARG1(tf), base;
    switch (ARG2(tf)) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->offset; break;
    case SEEK_END: base = (int64_t)f->inode->size; break;
    default: return -EINVAL;
    }
    if (base + off < 0)
        return -EINVAL;
    f->offset = (uint64_t)(base + off);
    return (long)f->offset;
}

/* struct stat of the x86-64 Linux ABI (144 bytes). */
struct kstat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    int64_t reserved[3];
};
_Static_assert(sizeof(struct kstat) == 144, "struct stat layout");

#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000

static long stat_inode(const struct inode *ino, uint64_t ubuf)
{
    struct kstat st;
    memset(&st, 0, sizeof st);
    st.dev = 1;
    st.ino = (uint64_t)ino->ino;
    st.nlink = 1;
    st.blksize = PAGE_SIZE;
    switch (ino->type) {
    case INODE_DIR: st.mode = S_IFDIR | ino->mode; st.nlink = 2; break;
    case INODE_FILE: st.mode = S_IFREG | ino->mode; st.size = (int64_t)ino->size; break;
    case INODE_SYMLINK: st.mode = S_IFLNK | 0777; st.size = (int64_t)ino->size; break;
    case INODE_CONSOLE: st.mode = S_IFCHR | 0620; st.rdev = (5 << 8) | 1; break;
    default: st.mode = S_IFCHR | 0666; st.rdev = (1 << 8) | 3; break;
    }
    st.blocks = (st.size + 511) / 512;
    return put_user(ubuf, &st, sizeof st);
}

static long stat_file(struct file *f, uint64_t ubuf)
{
    if (f->kind == FILE_INODE)
        return stat_inode(f->inode, ubuf);
    struct kstat st;
    memset(&st, 0, sizeof st);
    st.mode = S_IFIFO | 0600;
    st.nlink = 1;
    st.blksize = PAGE_SIZE;
    return put_user(ubuf, &st, sizeof st);
}

long sys_fstat(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    return f ? stat_file(f, ARG1(tf)) : -EBADF;
}

static long stat_at(int64_t dirfd, uint64_t upath, uint64_t ubuf, uint64_t flags)
{
    char path[FS_PATH_MAX] = "";
    long err = user_path_at(dirfd, upath, path, flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW));
    if (err)
        return err;
    if (!path[0]) { /* AT_EMPTY_PATH: the descriptor itself */
        if (dirfd == AT_FDCWD) {
            struct inode *cwd = fs_lookup(current_proc()->cwd);
            return cwd ? stat_inode(cwd, ubuf) : -ENOENT;
        }
        struct file *f = fd_file((uint64_t)dirfd);
        return f ? stat_file(f, ubuf) : -EBADF;
    }
    struct inode *ino = fs_lookup(path);
    return ino ? stat_inode(ino, ubuf) : -ENOENT;
}

long sys_stat(struct trapframe *tf) { return stat_at(AT_FDCWD, ARG0(tf), ARG1(tf), 0); }
long sys_lstat(struct trapframe *tf) { return stat_at(AT_FDCWD, ARG0(tf), ARG1(tf), AT_SYMLINK_NOFOLLOW); }
long sys_newfstatat(struct trapframe *tf) { return stat_at((int32_t)ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf)); }

/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name[]. */
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

static uint8_t dirent_type(const struct inode *ino)
{
    return ino->type == INODE_DIR ? DT_DIR : ino->type == INODE_FILE ? DT_REG : ino->type == INODE_SYMLINK ? DT_LNK : DT_CHR;
}

long sys_getdents64(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    if (f->kind != FILE_INODE || f->inode->type != INODE_DIR)
        return -ENOTDIR;
    uint64_t ubuf = ARG1(tf), room = ARG2(tf), used = 0;
    for (;;) {
        uint64_t index = f->offset;
        const char *name;
        const struct inode *ino = f->inode;
        if (index == 0)
            name = ".";
        else if (index == 1)
            name = "..";
        else {
            ino = fs_dir_entry(f->inode, (int)(index - 2));
            if (!ino)
                break;
            name = fs_basename(ino->path);
        }
        uint64_t namelen = strlen(name);
        uint64_t reclen = (19 + namelen + 1 + 7) & ~7ull;
        if (used + reclen > room)
            return used ? (long)used : -EINVAL;
        uint8_t rec[FS_PATH_MAX + 32];
        memset(rec, 0, reclen);
        uint64_t ino_nr = (uint64_t)ino->ino, next = index + 1;
        uint16_t len16 = (uint16_t)reclen;
        memcpy(rec, &ino_nr, 8);
        memcpy(rec + 8, &next, 8);
        memcpy(rec + 16, &len16, 2);
        rec[18] = dirent_type(ino);
        memcpy(rec + 19, name, namelen);
        if (put_user(ubuf + used, rec, reclen))
            return -EFAULT;
        used += reclen;
        f->offset = next;
    }
    return (long)used;
}

#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

/* The serial lines answer through the tty layer: a terminal when the
 * host's side is one, else ENOTTY as for a pipe, so isatty() and stdio's
 * buffering choice are what they would be natively (tty.h). */
long sys_ioctl(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    uint64_t request = ARG1(tf), arg = ARG2(tf);
    if (!f)
        return -EBADF;
    switch (request) { /* the generic requests every descriptor takes (ioctl_list(2)) */
    case FIONBIO: {
        int32_t on;
        if (get_user(&on, arg, sizeof on))
            return -EFAULT;
        f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
        return 0;
    }
    case FIOCLEX:
    case FIONCLEX: {
        uint64_t bit = 1ull << ARG0(tf);
        struct proc *p = current_proc();
        p->cloexec = request == FIOCLEX ? p->cloexec | bit : p->cloexec & ~bit;
        return 0;
    }
    }
    if (f->kind == FILE_PIPE) {
        if (request != FIONREAD)
            return -ENOTTY;
        uint32_t n = f->pipe_writer ? 0 : (uint32_t)(f->pipe->write_pos - f->pipe->read_pos);
        return put_user(arg, &n, sizeof n) ? -EFAULT : 0;
    }
    switch (f->inode->type) {
    case INODE_CONSOLE:
        return tty_ioctl(TTY_CONSOLE, request, arg);
    case INODE_COM1_RAW:
        return tty_ioctl(TTY_COM1_RAW, request, arg);
    case INODE_COM2:
        return tty_ioctl(TTY_COM2, request, arg);
    default:
        return -ENOTTY;
    }
}

long sys_fcntl(struct trapframe *tf)
{
    struct proc *p = current_proc();
    uint64_t fd = ARG0(tf);
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    switch (ARG1(tf)) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (ARG2(tf) >= MAX_FDS)
            return -EINVAL;
        int nfd = fd_install(f, (int)ARG2(tf), ARG1(tf) == F_DUPFD_CLOEXEC);
        if (nfd >= 0)
            file_dup(f);
        return nfd;
    }
    case F_GETFD:
        return (p->cloexec >> fd) & 1 ? FD_CLOEXEC : 0;
    case F_SETFD:
        if (ARG2(tf) & FD_CLOEXEC)
            p->cloexec |= 1ull << fd;
        else
            p->cloexec &= ~(1ull << fd);
        return 0;
    case F_GETFL:
        return f->flags & ~O_CLOEXEC;
    case F_SETFL:
        f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (ARG2(tf) & (O_APPEND | O_NONBLOCK));
        return 0;
    default:
        return -EINVAL;
    }
}

long sys_dup(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    int fd = fd_install(f, 0, false);
    if (fd >= 0)
        file_dup(f);
    return fd;
}

static long dup_to(uint64_t oldfd, uint64_t newfd, bool cloexec)
{
    struct file *f = fd_file(oldfd);
    if (!f || newfd >= MAX_FDS)
        return -EBADF;
    struct proc *p = current_proc();
    if (oldfd == newfd)
        return (long)newfd;
    if (p->files[newfd])
        fd_clear((int)newfd);
    p->files[newfd] = file_dup(f);
    if (cloexec)
        p->cloexec |= 1ull << newfd;
    return (long)newfd;
}

long sys_dup2(struct trapframe *tf)
{
    if (ARG0(tf) == ARG1(tf))
        return fd_file(ARG0(tf)) ? (long)ARG1(tf) : -EBADF;
    return dup_to(ARG0(tf), ARG1(tf), false);
}

long sys_dup3(struct trapframe *tf)
{
    if (ARG0(tf) == ARG1(tf) || (ARG2(tf) & ~(uint64_t)O_CLOEXEC))
        return -EINVAL;
    return dup_to(ARG0(tf), ARG1(tf), ARG2(tf) & O_CLOEXEC);
}

static long make_pipe(uint64_t ufds, uint64_t flags)
{
    if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct file *ends[2];
    int err = file_pipe(ends);
    if (err)
        return err;
    int fds[2];
    fds[0] = fd_install(ends[0], 0, flags & O_CLOEXEC);
    fds[1] = fds[0] >= 0 ? fd_install(ends[1], 0, flags & O_CLOEXEC) : -EMFILE;
    if (fds[1] < 0 || put_user(ufds, fds, sizeof fds)) {
        if (fds[0] >= 0)
            fd_clear(fds[0]);
        else
            file_close(ends[0]);
        if (fds[1] >= 0)
            fd_clear(fds[1]);
        else
            file_close(ends[1]);
        return fds[1] < 0 ? -EMFILE : -EFAULT;
    }
    return 0;
}

long sys_pipe(struct trapframe *tf) { return make_pipe(ARG0(tf), 0); }
long sys_pipe2(struct trapframe *tf) { return make_pipe(ARG0(tf), ARG1(tf)); }

static long access_at(int64_t dirfd, uint64_t upath)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, true);
    if (err)
        return err;
    return fs_lookup(path) ? 0 : -ENOENT;
}

long sys_access(struct trapframe *tf) { return access_at(AT_FDCWD, ARG0(tf)); }
long sys_faccessat(struct trapframe *tf) { return access_at((int32_t)ARG0(tf), ARG1(tf)); }

/* readlink: a symbolic link's target; /proc/self/exe is the running
 * program's path. */
static long readlink_at(int64_t dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, false);
    if (err)
        return err;
    struct inode *ino = fs_lookup(path);
    const char *target;
    uint64_t len;
    if (!strcmp(path, "/proc/self/exe")) {
        target = current_proc()->exe;
        len = strlen(target);
    } else if (ino && ino->type == INODE_SYMLINK) {
        target = (const char *)ino->data;
        len = ino->size;
    } else {
        return ino ? -EINVAL : -ENOENT;
    }
    if (len > size)
        len = size;
    return put_user(ubuf, target, len) ? -EFAULT : (long)len;
}

long sys_readlink(struct trapframe *tf) { return readlink_at(AT_FDCWD, ARG0(tf), ARG1(tf), ARG2(tf)); }
long sys_readlinkat(struct trapframe *tf)
{
    return readlink_at((int32_t)ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf));
}

long sys_getcwd(struct trapframe *tf)
{
    const char *cwd = current_proc()->cwd;
    uint64_t len = strlen(cwd) + 1;
    if (ARG1(tf) < len)
        return -ERANGE;
    return put_user(ARG0(tf), cwd, len) ? -EFAULT : (long)len;
}

long sys_chdir(struct trapframe *tf)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(AT_FDCWD, ARG0(tf), path, false, true);
    if (err)
        return err;
    struct inode *ino = fs_lookup(path);
    if (!ino)
        return -ENOENT;
    if (ino->type != INODE_DIR)
        return -ENOTDIR;
    strlcpy(current_proc()->cwd, path, sizeof current_proc()->cwd);
    return 0;
}

static long mkdir_at(int64_t dirfd, uint64_t upath)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, false);
    if (err)
        return err;
    int cerr;
    return fs_create(path, INODE_DIR, &cerr) ? 0 : cerr;
}

long sys_mkdir(struct trapframe *tf) { return mkdir_at(AT_FDCWD, ARG0(tf)); }
long sys_mkdirat(struct trapframe *tf) { return mkdir_at((int32_t)ARG0(tf), ARG1(tf)); }

static long unlink_at(int64_t dirfd, uint64_t upath, bool dir)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, false);
    return err ? err : fs_unlink(path, dir);
}

long sys_unlink(struct trapframe *tf) { return unlink_at(AT_FDCWD, ARG0(tf), false); }
long sys_rmdir(struct trapframe *tf) { return unlink_at(AT_FDCWD, ARG0(tf), true); }
long sys_unlinkat(struct trapframe *tf)
{
    return unlink_at((int32_t)ARG0(tf), ARG1(tf), ARG2(tf) & AT_REMOVEDIR);
}

static long rename_at(int64_t olddir, uint64_t uold, int64_t newdir, uint64_t unew)
{
    char from[FS_PATH_MAX], to[FS_PATH_MAX];
    long err = user_path_at(olddir, uold, from, false, false);
    if (!err)
        err = user_path_at(newdir, unew, to, false, false);
    return err ? err : fs_rename(from, to);
}

long sys_rename(struct trapframe *tf) { return rename_at(AT_FDCWD, ARG0(tf), AT_FDCWD, ARG1(tf)); }
long sys_renameat(struct trapframe *tf)
{
    return rename_at((int32_t)ARG0(tf), ARG1(tf), (int32_t)ARG2(tf), ARG3(tf));
}

long sys_ftruncate(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    if (f->kind != FILE_INODE || f->inode->type != INODE_FILE || !file_writable(f))
        return -EINVAL;
    if ((int64_t)ARG1(tf) < 0)
        return -EINVAL;
    return fs_truncate(f->inode, ARG1(tf));
}

long sys_truncate(struct trapframe *tf)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(AT_FDCWD, ARG0(tf), path, false, true);
    if (err)
        return err;
    struct inode *ino = fs_lookup(path);
    if (!ino)
        return -ENOENT;
    if (ino->type == INODE_DIR)
        return -EISDIR;
    if ((int64_t)ARG1(tf) < 0)
        return -EINVAL;
    return fs_truncate(ino, ARG1(tf));
}

/* Files live in RAM: there is nothing to flush. */
long sys_fsync(struct trapframe *tf)
{
    return fd_file(ARG0(tf)) ? 0 : -EBADF;
}

static long chmod_at(int64_t dirfd, uint64_t upath, uint32_t mode)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, true);
    if (err)
        return err;
    struct inode *ino = fs_lookup(path);
    if (!ino)
        return -ENOENT;
    ino->mode = mode & 07777;
    return 0;
}

long sys_chmod(struct trapframe *tf) { return chmod_at(AT_FDCWD, ARG0(tf), (uint32_t)ARG1(tf)); }
long sys_fchmodat(struct trapframe *tf) { return chmod_at((int32_t)ARG0(tf), ARG1(tf), (uint32_t)ARG2(tf)); }
long sys_fchmod(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    if (f->kind == FILE_INODE)
        f->inode->mode = (uint32_t)ARG1(tf) & 07777;
    return 0;
}

/* utimensat(dirfd, path, times, flags): no timestamps are kept, but the
 * file must exist (touch creates it when this says ENOENT).  A NULL path
 * is futimens on dirfd. */
long sys_utimensat(struct trapframe *tf)
{
    if (!ARG1(tf))
        return fd_file(ARG0(tf)) ? 0 : -EBADF;
    char path[FS_PATH_MAX];
    long err = user_path_at((int32_t)ARG0(tf), ARG1(tf), path, false, !(ARG3(tf) & AT_SYMLINK_NOFOLLOW));
    if (err)
        return err;
    return fs_lookup(path) ? 0 : -ENOENT;
}

static long symlink_at(uint64_t utarget, int64_t dirfd, uint64_t upath)
{
    char target[FS_PATH_MAX], path[FS_PATH_MAX];
    long len = get_user_string(target, utarget, sizeof target);
    if (len < 0)
        return len;
    long err = user_path_at(dirfd, upath, path, false, false);
    return err ? err : fs_symlink(path, target);
}

long sys_symlink(struct trapframe *tf) { return symlink_at(ARG0(tf), AT_FDCWD, ARG1(tf)); }
long sys_symlinkat(struct trapframe *tf) { return symlink_at(ARG0(tf), (int32_t)ARG1(tf), ARG2(tf)); }

long sys_umask(struct trapframe *tf)
{
    struct proc *p = current_proc();
    uint32_t old = p->umask;
    p->umask = (uint32_t)ARG0(tf) & 0777;
    return old;
}

/* ---- waiting for descriptors: poll, ppoll, select, pselect6 ----------
 * The readiness of each file comes from file_poll().  While nothing is
 * ready the caller sleeps until the next timer tick (or its timeout) and
 * looks again: one sleep channel cannot name several files, and a tick is
 * 10 ms of virtual time. */

#define POLL_MAX 256
#define FD_SETSIZE_BITS 1024

struct pollfd {
    int32_t fd;
    int16_t events, revents;
};

static int poll_once(struct pollfd *fds, uint64_t n)
{
    int ready = 0;
    for (uint64_t i = 0; i < n; i++) {
        fds[i].revents = 0;
        if (fds[i].fd < 0)
            continue;
        struct file *f = fd_file((uint64_t)fds[i].fd);
        unsigned r = f ? file_poll(f) : POLLNVAL;
        fds[i].revents = (int16_t)(r & ((unsigned)fds[i].events | POLLERR | POLLHUP | POLLNVAL));
        ready += fds[i].revents != 0;
    }
    return ready;
}

/* Sleep a tick (or until deadline, 0 = none); false once the deadline passed
 * or a signal is waiting. */
static bool wait_a_tick(uint64_t deadline)
{
    static const char ticking;
    uint64_t now = timer_ns();
    if ((deadline && now >= deadline) || signal_interrupted())
        return false;
    uint64_t next_tick = timer_tick_ns() + 1000000000ull / TIMER_HZ;
    sleep_until(&ticking, deadline && deadline < next_tick ? deadline : next_tick);
    return true;
}

/* timeout_ns: < 0 forever, 0 just look. */
static long do_poll(uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
    if (n > POLL_MAX)
        return -EINVAL;
    struct pollfd fds[POLL_MAX];
    if (n && get_user(fds, ufds, n * sizeof fds[0]))
        return -EFAULT;
    uint64_t deadline = timeout_ns > 0 ? timer_ns() + (uint64_t)timeout_ns : 0;
    int ready;
    while (!(ready = poll_once(fds, n)) && timeout_ns != 0) {
        if (!wait_a_tick(deadline)) {
            if (signal_interrupted())
                return -EINTR;
            break;
        }
    }
    if (n && put_user(ufds, fds, n * sizeof fds[0]))
        return -EFAULT;
    return ready;
}

long sys_poll(struct trapframe *tf)
{
    int64_t ms = (int32_t)ARG2(tf);
    return do_poll(ARG0(tf), ARG1(tf), ms < 0 ? -1 : ms * 1000000);
}

static long timeout_from_timespec(uint64_t uts, int64_t *ns)
{
    int64_t ts[2];
    if (!uts) {
        *ns = -1;
        return 0;
    }
    if (get_user(ts, uts, sizeof ts))
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
        return -EINVAL;
    *ns = ts[0] > INT64_MAX / 2000000000 ? INT64_MAX / 2 : ts[0] * 1000000000 + ts[1];
    return 0;
}

/* ppoll(fds, n, timeout, sigmask): the signal mask argument is ignored. */
long sys_ppoll(struct trapframe *tf)
{
    int64_t ns;
    long err = timeout_from_timespec(ARG2(tf), &ns);
    return err ? err : do_poll(ARG0(tf), ARG1(tf), ns);
}

/* select in terms of poll: each fd set bit becomes a pollfd. */
static long do_select(uint64_t nfds, uint64_t ureadfds, uint64_t uwritefds, uint64_t uexceptfds, int64_t timeout_ns)
{
    if (nfds > FD_SETSIZE_BITS)
        return -EINVAL;
    uint64_t sets[3][FD_SETSIZE_BITS / 64] = {{0}};
    uint64_t addr[3] = {ureadfds, uwritefds, uexceptfds};
    uint64_t bytes = (nfds + 63) / 64 * 8;
    for (int k = 0; k < 3; k++)
        if (addr[k] && bytes && get_user(sets[k], addr[k], bytes))
            return -EFAULT;
    uint64_t watched = 0;
    for (uint64_t fd = 0; fd < nfds; fd++)
        if ((sets[0][fd / 64] | sets[1][fd / 64] | sets[2][fd / 64]) >> (fd % 64) & 1) {
            if (!fd_file(fd))
                return -EBADF;
            watched++;
        }
    if (watched > POLL_MAX)
        return -EINVAL;
    uint64_t deadline = timeout_ns > 0 ? timer_ns() + (uint64_t)timeout_ns : 0;
    uint64_t result[3][FD_SETSIZE_BITS / 64];
    long ready;
    for (;;) {
        memset(result, 0, sizeof result);
        ready = 0;
        for (uint64_t fd = 0; fd < nfds; fd++) {
            if (!((sets[0][fd / 64] | sets[1][fd / 64] | sets[2][fd / 64]) >> (fd % 64) & 1))
                continue;
            struct file *f = fd_file(fd); /* another thread may have closed it meanwhile */
            unsigned r = f ? file_poll(f) : POLLERR;
            bool bits[3] = {(r & (POLLIN | POLLHUP | POLLERR)) != 0, (r & (POLLOUT | POLLERR)) != 0, false};
            for (int k = 0; k < 3; k++)
                if ((sets[k][fd / 64] >> (fd % 64) & 1) && bits[k]) {
                    result[k][fd / 64] |= 1ull << (fd % 64);
                    ready++;
                }
        }
        if (ready || timeout_ns == 0 || !wait_a_tick(deadline))
            break;
    }
    if (!ready && signal_interrupted())
        return -EINTR;
    for (int k = 0; k < 3; k++)
        if (addr[k] && bytes && put_user(addr[k], result[k], bytes))
            return -EFAULT;
    return ready;
}

long sys_select(struct trapframe *tf)
{
    int64_t ns = -1;
    if (ARG4(tf)) {
        int64_t tv[2];
        if (get_user(tv, ARG4(tf), sizeof tv))
            return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
            return -EINVAL;
        ns = tv[0] > INT64_MAX / 2000000000 ? INT64_MAX / 2 : tv[0] * 1000000000 + tv[1] * 1000;
    }
    return do_select(ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf), ns);
}

long sys_pselect6(struct trapframe *tf)
{
    int64_t ns;
    long err = timeout_from_timespec(ARG4(tf), &ns);
    return err ? err : do_select(ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf), ns);
}
