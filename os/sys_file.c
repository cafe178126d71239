/* sys_file.c — file system calls: descriptors, reads and writes, opening,
 * directories, stat, pipes, poll/select.  The descriptor table is per process
 * (proc->files); several descriptors may share one open file (file.h).
 * Data moves between user memory and the kernel through uaccess.c in
 * chunks of a small kernel buffer. */
#include "errno.h"
#include "fdtable.h"
#include "file.h"
#include "lock.h"
#include "printf.h"
#include "procfs.h"
#include "frame.h"
#include "fileops.h"
#include "fs.h"
#include "memlayout.h"
#include "memobj.h"
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
#define O_NOCTTY 0400
#define O_LARGEFILE 0100000

struct file *fd_file(uint64_t fd) { return fd_get(current_proc(), fd); }

int fd_install(struct file *f, int lowest, bool cloexec)
{
    return fd_alloc(current_proc(), f, (uint64_t)lowest, cloexec);
}

void fd_clear(int fd) { fd_close(current_proc(), (uint64_t)fd); }

/* Streams (pipes, the console, the keyboard) return what one read
 * produced; files and memory devices (/dev/zero...) give all n bytes, up
 * to the end. */
static bool is_stream(const struct file *f)
{
    return f->kind != FILE_INODE || f->inode->type == INODE_CONSOLE || f->inode->type == INODE_KBD ||
           f->inode->type == INODE_COM1_RAW || f->inode->type == INODE_COM2;
}

/* The range check Linux calls access_ok: done before anything blocks, so
 * read(0, kernel_pointer, n) fails at once instead of after the input. */
static bool user_range(uint64_t ubuf, uint64_t n) { return ubuf < USER_END && n <= USER_END - ubuf; }

/* Kinds with an operations table read and write the user's buffers
 * themselves, all of one request at once (a datagram is one record). */
static long ops_io(struct file *f, struct user_buf *u, bool write)
{
    if (write ? !file_writable(f) : !file_readable(f))
        return -EBADF;
    long (*fn)(struct file *, struct user_buf *) = write ? f->ops->write : f->ops->read;
    return fn ? fn(f, u) : -EINVAL;
}

static long read_to_user(struct file *f, uint64_t ubuf, uint64_t n)
{
    char buf[CHUNK];
    if (!user_range(ubuf, n))
        return -EFAULT;
    if (f->kind == FILE_PIPE) {
        struct user_buf b;
        user_buf_single(&b, ubuf, n);
        return file_pipe_read(f, &b);
    }
    if (f->kind == FILE_OPS) {
        struct user_buf b;
        user_buf_single(&b, ubuf, n);
        return ops_io(f, &b, false);
    }
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
    if (f->kind == FILE_PIPE) {
        struct user_buf b;
        user_buf_single(&b, ubuf, n);
        return file_pipe_write(f, &b);
    }
    if (f->kind == FILE_OPS) {
        struct user_buf b;
        user_buf_single(&b, ubuf, n);
        return ops_io(f, &b, true);
    }
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

static long vector_io_file(struct file *f, uint64_t iov_addr, uint64_t count, bool write);

static long vector_io(struct trapframe *tf, bool write)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    return vector_io_file(f, ARG1(tf), ARG2(tf), write);
}

static long vector_io_file(struct file *f, uint64_t iov_addr, uint64_t count, bool write)
{
    if (count > IOV_MAX)
        return -EINVAL;
    if (f->kind == FILE_PIPE || f->kind == FILE_OPS) { /* the whole vector is one request, as on Linux */
        struct user_buf b;
        long err = user_buf_iovec(&b, iov_addr, count);
        if (err)
            return err;
        if (f->kind == FILE_OPS)
            return ops_io(f, &b, write);
        return write ? file_pipe_write(f, &b) : file_pipe_read(f, &b);
    }
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

/* preadv/pwritev(fd, iov, count, pos_l, pos_h): readv/writev at a position
 * (on x86-64 the whole offset is in pos_l), the file offset untouched;
 * preadv2/pwritev2 add flags (only 0 here: RWF_* hints are EOPNOTSUPP)
 * and take offset -1 as "at the file offset, and move it", like readv. */
static long positioned_vector_io(struct trapframe *tf, bool write, uint64_t flags)
{
    struct file *f = fd_file(ARG0(tf));
    int64_t pos = (int64_t)ARG3(tf);
    if (!f)
        return -EBADF;
    if (flags)
        return -EOPNOTSUPP;
    if (pos == -1 && (write ? file_writable(f) : file_readable(f)))
        return vector_io_file(f, ARG1(tf), ARG2(tf), write);
    if (write ? !file_writable(f) : !file_readable(f))
        return -EBADF;
    if (f->kind != FILE_INODE || f->inode->type != INODE_FILE)
        return -ESPIPE;
    if (pos < 0)
        return -EINVAL;
    uint64_t saved = f->offset;
    uint32_t saved_flags = f->flags;
    f->offset = (uint64_t)pos;
    f->flags &= ~O_APPEND;
    long n = vector_io_file(f, ARG1(tf), ARG2(tf), write);
    f->offset = saved;
    f->flags = saved_flags;
    return n;
}

/* readahead(fd, offset, count): files are in RAM already. */
long sys_readahead(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    return f->kind == FILE_INODE && f->inode->type == INODE_FILE ? 0 : -EINVAL;
}

long sys_preadv(struct trapframe *tf) { return ARG3(tf) == (uint64_t)-1 ? -EINVAL : positioned_vector_io(tf, false, 0); }
long sys_pwritev(struct trapframe *tf) { return ARG3(tf) == (uint64_t)-1 ? -EINVAL : positioned_vector_io(tf, true, 0); }
long sys_preadv2(struct trapframe *tf) { return positioned_vector_io(tf, false, ARG5(tf)); }
long sys_pwritev2(struct trapframe *tf) { return positioned_vector_io(tf, true, ARG5(tf)); }

/* Why path does not exist: ENOTDIR when a leading component is a file
 * (/proc/self/exe/x included), else ENOENT. */
static long missing_error(const char *path)
{
    char prefix[FS_PATH_MAX], target[FS_PATH_MAX];
    bool missing;
    for (size_t i = 1; path[i]; i++) {
        if (path[i] != '/')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        if (procfs_link(prefix, target, sizeof target, &missing)) {
            struct inode *ino = fs_lookup(target);
            return ino && ino->type == INODE_DIR ? -ENOENT : -ENOTDIR;
        }
    }
    return fs_missing_error(path);
}

/* Follow the symbolic links and /proc's magic links (procfs.h) that
 * path ends in. */
static long follow_links(char *path)
{
    for (int hops = 0; hops < 8; hops++) {
        long err = fs_follow(path);
        bool missing;
        char target[FS_PATH_MAX];
        if (err || !procfs_link(path, target, sizeof target, &missing))
            return err;
        if (target[0] != '/')
            return -ENOENT; /* pipe:[N] and the like name no path */
        strlcpy(path, target, FS_PATH_MAX);
    }
    return -ELOOP;
}

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
    if (!err && (follow || path[len - 1] == '/')) /* a trailing slash follows a link, as Linux */
        err = follow_links(out);
    if (!err && path[len - 1] == '/') {
        /* "file/": the name must be a directory (path_resolution(7)). */
        const struct inode *ino = fs_lookup(out);
        if (ino && ino->type != INODE_DIR)
            return -ENOTDIR;
    }
    return err;
}

#define O_TMPFILE_BIT 020000000 /* O_TMPFILE is this | O_DIRECTORY */

/* open(dir, O_TMPFILE | O_RDWR): a file with no name in dir, gone at its
 * last close unless linkat gives it one (not with O_EXCL). */
static long open_tmpfile(const char *dir, uint32_t flags, uint32_t mode)
{
    if ((flags & O_ACCMODE) == O_RDONLY || (flags & O_CREAT) || !(flags & O_DIRECTORY))
        return -EINVAL;
    int err;
    struct inode *ino = fs_create_tmpfile(dir, !(flags & O_EXCL), &err);
    if (!ino)
        return err;
    ino->mode = mode & ~current_proc()->umask & 07777;
    struct file *f = file_open(ino, flags & ~(O_DIRECTORY | O_TMPFILE_BIT));
    if (!f) {
        fs_opened(ino);
        fs_closed(ino); /* nameless and unopened: freed */
        return -ENFILE;
    }
    int fd = fd_install(f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

static long open_fifo(struct inode *ino, uint32_t flags)
{
    int err;
    struct file *f = file_open_fifo(ino, flags, &err);
    if (!f)
        return err;
    int fd = fd_install(f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_close(f);
    return fd;
}

static long open_at(int64_t dirfd, uint64_t upath, uint32_t flags, uint32_t mode)
{
    char path[FS_PATH_MAX];
    if (!(flags & O_NOFOLLOW)) {
        /* /proc/self/fd/N (or /dev/stdin, a link to it) of a pipe: the pipe
         * itself, as another descriptor of the same end. */
        char raw[FS_PATH_MAX];
        struct file *pf = 0;
        if (!user_path_at(dirfd, upath, raw, false, false) && !fs_follow(raw))
            pf = procfs_fd_file(raw);
        if (pf && pf->kind == FILE_OPS && !strcmp(pf->ops->name, "socket"))
            return -ENXIO; /* a socket cannot be opened (sock_no_open) */
        if (pf && pf->kind == FILE_PIPE) {
            int fd = fd_install(file_dup(pf), 0, flags & O_CLOEXEC);
            if (fd < 0)
                file_close(pf);
            return fd;
        }
    }
    long err = user_path_at(dirfd, upath, path, false, !(flags & O_NOFOLLOW) && !(flags & O_EXCL));
    if (err)
        return err;
    if (flags & O_TMPFILE_BIT)
        return open_tmpfile(path, flags, mode);
    bool no_pid;
    struct proc *tasks_of = procfs_task_proc(path, &no_pid);
    if (no_pid)
        return -ENOENT;
    if (tasks_of) { /* /proc/PID/task: a directory of its threads */
        if ((flags & O_ACCMODE) != O_RDONLY)
            return -EISDIR;
        struct file *f = file_open_task_dir(fs_lookup("/proc/self/task"), tasks_of, flags);
        if (!f)
            return -ENOMEM;
        int fd = fd_install(f, 0, flags & O_CLOEXEC);
        if (fd < 0)
            file_close(f);
        return fd;
    }
    struct proc *status_of = procfs_status_proc(path, &no_pid);
    if (no_pid)
        return -ENOENT;
    if (status_of) { /* /proc/PID/status: that process's, through the one inode */
        if ((flags & O_ACCMODE) != O_RDONLY)
            return -EACCES;
        struct file *f = file_open_status(fs_lookup("/proc/self/status"), status_of, flags);
        if (!f)
            return -ENOMEM;
        int fd = fd_install(f, 0, flags & O_CLOEXEC);
        if (fd < 0)
            file_close(f);
        return fd;
    }
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
        return missing_error(path);
    if (ino->type == INODE_SOCKET)
        return -ENXIO; /* a socket's name is reached with connect(), not open() */
    if (ino->type == INODE_CONSOLE && !tty_is_terminal() && !strcmp(ino->path, "/dev/tty"))
        return -ENXIO; /* no controlling terminal (tty_open's ENXIO, as natively under a pipe) */
    if ((flags & O_DIRECTORY) && ino->type != INODE_DIR)
        return -ENOTDIR;
    if (ino->type == INODE_DIR && (flags & O_ACCMODE) != O_RDONLY)
        return -EISDIR;
    if (ino->type == INODE_FIFO)
        return open_fifo(ino, flags);
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
long sys_creat(struct trapframe *tf) { return open_at(AT_FDCWD, ARG0(tf), O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)ARG1(tf)); }
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

/* close_range(first, last, flags): close (or with CLOSE_RANGE_CLOEXEC mark
 * close-on-exec) every open descriptor in [first, last]. */
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4
long sys_close_range(struct trapframe *tf)
{
    uint64_t first = (uint32_t)ARG0(tf), last = (uint32_t)ARG1(tf), flags = ARG2(tf);
    if (first > last || (flags & ~(uint64_t)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
        return -EINVAL;
    struct proc *p = current_proc();
    for (uint64_t fd = first; fd <= last && fd < (uint64_t)p->nfiles; fd++) {
        if (!fd_get(p, fd))
            continue;
        if (flags & CLOSE_RANGE_CLOEXEC)
            fd_set_cloexec(p, fd, true);
        else
            fd_clear((int)fd);
    }
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
#define S_IFSOCK 0140000
#define S_IFCHR 0020000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000

/* Linux's device numbers: major in bits 8-19, minor in 0-7 and 20-31. */
static uint64_t makedev(uint32_t major, uint32_t minor)
{
    return (uint64_t)(minor & 0xff) | (uint64_t)(major & 0xfff) << 8 | (uint64_t)(minor & ~0xffu) << 12;
}

/* Each mount its own st_dev, as the anonymous devices Linux gives its
 * in-memory file systems: the initrd's root, /dev, /proc, /tmp. */
static uint64_t mount_dev(const char *path)
{
    if (!strncmp(path, "/dev/", 5) || !strcmp(path, "/dev"))
        return makedev(0, 5);
    if (!strncmp(path, "/proc/", 6) || !strcmp(path, "/proc"))
        return makedev(0, 22);
    if (!strncmp(path, "/tmp/", 5) || !strcmp(path, "/tmp"))
        return makedev(0, 32);
    return makedev(0, 2);
}

/* A character device's mode and number (Documentation/admin-guide/devices.txt). */
static void device_identity(const struct inode *ino, struct kstat *st)
{
    switch (ino->type) {
    case INODE_CONSOLE:
        if (!strcmp(ino->path, "/dev/tty")) {
            st->mode = S_IFCHR | 0666;
            st->rdev = makedev(5, 0);
        } else {
            st->mode = S_IFCHR | 0600;
            st->rdev = makedev(5, 1);
        }
        break;
    case INODE_ZERO: st->mode = S_IFCHR | 0666; st->rdev = makedev(1, 5); break;
    case INODE_RANDOM:
        st->mode = S_IFCHR | 0666;
        st->rdev = makedev(1, strcmp(ino->path, "/dev/random") ? 9 : 8);
        break;
    case INODE_KBD: st->mode = S_IFCHR | 0640; st->rdev = makedev(13, 64); break; /* an input event device */
    case INODE_COM1_RAW: st->mode = S_IFCHR | 0660; st->rdev = makedev(4, 64); break; /* /dev/ttyS0 */
    case INODE_COM2: st->mode = S_IFCHR | 0660; st->rdev = makedev(4, 65); break;     /* /dev/ttyS1 */
    case INODE_NULL: st->mode = S_IFCHR | 0666; st->rdev = makedev(1, 3); break;
    default: st->mode = S_IFREG | 0444; break; /* /proc's generated files */
    }
}

#define TMPFS_DIRENT_SIZE 20 /* tmpfs counts a directory's size in 20-byte "entries" (BOGO_DIRENT_SIZE) */

static void inode_kstat(const struct inode *ino, struct kstat *out)
{
    struct kstat st;
    int entries, subdirs;
    memset(&st, 0, sizeof st);
    st.dev = mount_dev(ino->path);
    st.ino = (uint64_t)ino->ino;
    st.nlink = ino->nlink > 0 ? (uint64_t)ino->nlink : 0;
    st.uid = 0;
    st.gid = 0;
    st.blksize = PAGE_SIZE;
    switch (ino->type) {
    case INODE_DIR:
        fs_dir_counts(ino, &entries, &subdirs);
        st.mode = S_IFDIR | ino->mode;
        st.nlink = 2 + (uint64_t)subdirs; /* "." and its name, and each subdirectory's ".." */
        st.size = (int64_t)(2 + entries) * TMPFS_DIRENT_SIZE;
        break;
    case INODE_FILE: st.mode = S_IFREG | ino->mode; st.size = (int64_t)ino->size; break;
    case INODE_SYMLINK: st.mode = S_IFLNK | 0777; st.size = (int64_t)ino->size; break;
    case INODE_FIFO: st.mode = S_IFIFO | ino->mode; break;
    case INODE_SOCKET: st.mode = S_IFSOCK | ino->mode; break;
    default: device_identity(ino, &st); break;
    }
    st.blocks = ino->type == INODE_FILE ? (int64_t)PAGE_ROUND_UP(ino->size) / 512 : 0;
    *out = st;
}

static long stat_inode(const struct inode *ino, uint64_t ubuf)
{
    struct kstat st;
    inode_kstat(ino, &st);
    return put_user(ubuf, &st, sizeof st);
}

static void file_kstat(struct file *f, struct kstat *st)
{
    if (f->inode) { /* files, and FIFOs (pipe ends with an inode) */
        inode_kstat(f->inode, st);
        return;
    }
    memset(st, 0, sizeof *st);
    st->mode = f->kind == FILE_OPS ? f->ops->stat_mode : S_IFIFO | 0600;
    st->nlink = 1;
    st->blksize = PAGE_SIZE;
}

static long stat_file(struct file *f, uint64_t ubuf)
{
    struct kstat st;
    file_kstat(f, &st);
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
    if (ino)
        return stat_inode(ino, ubuf);
    char target[FS_PATH_MAX];
    bool missing;
    if (procfs_link(path, target, sizeof target, &missing)) { /* lstat of /proc/self/exe: the link itself */
        struct kstat st;
        memset(&st, 0, sizeof st);
        st.dev = mount_dev(path);
        st.nlink = 1;
        st.mode = S_IFLNK | 0777; /* size 0: /proc's links have no stored target */
        st.blksize = PAGE_SIZE;
        return put_user(ubuf, &st, sizeof st) ? -EFAULT : 0;
    }
    return missing_error(path);
}

long sys_stat(struct trapframe *tf) { return stat_at(AT_FDCWD, ARG0(tf), ARG1(tf), 0); }

/* statx(dirfd, path, flags, mask, buf): the same facts as stat, in struct
 * statx (256 bytes); every basic field is filled whatever the mask. */
struct statx_time {
    int64_t sec;
    uint32_t nsec;
    int32_t reserved;
};
struct statx64 {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    struct statx_time atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint32_t dio_mem_align, dio_offset_align;
    uint64_t spare3[12];
};
_Static_assert(sizeof(struct statx64) == 256, "struct statx layout");
#define STATX_BASIC_STATS 0x7ffu
#define AT_STATX_SYNC_TYPE 0x6000

long sys_statx(struct trapframe *tf)
{
    int64_t dirfd = (int32_t)ARG0(tf);
    uint64_t flags = ARG2(tf);
    if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE | 0x800 /* AT_NO_AUTOMOUNT */))
        return -EINVAL;
    char path[FS_PATH_MAX] = "";
    long err = user_path_at(dirfd, ARG1(tf), path, flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW));
    if (err)
        return err;
    struct kstat st;
    if (path[0]) {
        struct inode *ino = fs_lookup(path);
        if (!ino)
            return -ENOENT;
        inode_kstat(ino, &st);
    } else if (dirfd == AT_FDCWD) {
        struct inode *cwd = fs_lookup(current_proc()->cwd);
        if (!cwd)
            return -ENOENT;
        inode_kstat(cwd, &st);
    } else {
        struct file *f = fd_file((uint64_t)dirfd);
        if (!f)
            return -EBADF;
        file_kstat(f, &st);
    }
    struct statx64 x;
    memset(&x, 0, sizeof x);
    x.mask = STATX_BASIC_STATS;
    x.blksize = (uint32_t)st.blksize;
    x.nlink = (uint32_t)st.nlink;
    x.uid = st.uid;
    x.gid = st.gid;
    x.mode = (uint16_t)st.mode;
    x.ino = st.ino;
    x.size = (uint64_t)st.size;
    x.blocks = (uint64_t)st.blocks;
    x.atime = (struct statx_time){st.atime, (uint32_t)st.atime_ns, 0};
    x.mtime = (struct statx_time){st.mtime, (uint32_t)st.mtime_ns, 0};
    x.ctime = (struct statx_time){st.ctime, (uint32_t)st.ctime_ns, 0};
    x.rdev_major = (uint32_t)(st.rdev >> 8);
    x.rdev_minor = (uint32_t)(st.rdev & 0xff);
    x.dev_minor = (uint32_t)st.dev;
    return put_user(ARG4(tf), &x, sizeof x) ? -EFAULT : 0;
}
long sys_lstat(struct trapframe *tf) { return stat_at(AT_FDCWD, ARG0(tf), ARG1(tf), AT_SYMLINK_NOFOLLOW); }
long sys_newfstatat(struct trapframe *tf) { return stat_at((int32_t)ARG0(tf), ARG1(tf), ARG2(tf), ARG3(tf)); }

/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name[]. */
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

#define DT_FIFO 1
static uint8_t dirent_type(const struct inode *ino)
{
    return ino->type == INODE_DIR ? DT_DIR : ino->type == INODE_FILE ? DT_REG : ino->type == INODE_SYMLINK ? DT_LNK
         : ino->type == INODE_FIFO ? DT_FIFO : DT_CHR;
}

/* getdents64, or with old the original getdents, whose struct linux_dirent
 * has no d_type field before the name: the type is the record's last byte. */
static long read_dirents(struct trapframe *tf, bool old)
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
        else if (f->snapshot) { /* /proc/PID/task: the tids taken at open, each a directory */
            static char tid_name[16];
            uint64_t k = index - 2;
            if (k >= f->snapshot_size / sizeof(int))
                break;
            int tid = ((const int *)f->snapshot)[k];
            ksnprintf(tid_name, sizeof tid_name, "%d", tid);
            name = tid_name;
        } else {
            struct inode *entry = fs_dir_entry(f->inode, (int)(index - 2));
            if (!entry)
                break;
            name = fs_basename(entry->path);
            ino = fs_resolved(entry); /* a hard link shows its file's number and type */
        }
        uint64_t namelen = strlen(name);
        uint64_t reclen = old ? (18 + namelen + 2 + 7) & ~7ull : (19 + namelen + 1 + 7) & ~7ull;
        if (used + reclen > room)
            return used ? (long)used : -EINVAL;
        uint8_t rec[FS_PATH_MAX + 32];
        memset(rec, 0, reclen);
        uint64_t ino_nr = (uint64_t)ino->ino, next = index + 1;
        uint16_t len16 = (uint16_t)reclen;
        memcpy(rec, &ino_nr, 8);
        memcpy(rec + 8, &next, 8);
        memcpy(rec + 16, &len16, 2);
        if (old) {
            memcpy(rec + 18, name, namelen);
            rec[reclen - 1] = dirent_type(ino);
        } else {
            rec[18] = dirent_type(ino);
            memcpy(rec + 19, name, namelen);
        }
        if (put_user(ubuf + used, rec, reclen))
            return -EFAULT;
        used += reclen;
        f->offset = next;
    }
    return (long)used;
}

long sys_getdents64(struct trapframe *tf) { return read_dirents(tf, false); }
long sys_getdents(struct trapframe *tf) { return read_dirents(tf, true); }

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
        fd_set_cloexec(current_proc(), ARG0(tf), request == FIOCLEX);
        return 0;
    }
    }
    if (f->kind == FILE_OPS)
        return f->ops->ioctl ? f->ops->ioctl(f, request, arg) : -ENOTTY;
    if (f->kind == FILE_PIPE) { /* FIONREAD: the bytes in the pipe, from either end (Linux's pipe_ioctl) */
        if (request != FIONREAD)
            return -ENOTTY;
        uint32_t n = (uint32_t)(f->pipe->bytes_written - f->pipe->bytes_read);
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
        if (ARG2(tf) >= p->nofile_cur)
            return -EINVAL;
        int nfd = fd_install(f, (int)ARG2(tf), ARG1(tf) == F_DUPFD_CLOEXEC);
        if (nfd >= 0)
            file_dup(f);
        return nfd;
    }
    case F_GETFD:
        return fd_cloexec(p, fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
        fd_set_cloexec(p, fd, ARG2(tf) & FD_CLOEXEC);
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return lock_fcntl(f, (int)ARG1(tf), ARG2(tf));
    case F_GETFL: /* open-time flags are forgotten; open() on a 64-bit kernel adds O_LARGEFILE
                   * (force_o_largefile), pipe2, socket, eventfd... do not */
        return (f->flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC)) | (f->inode ? O_LARGEFILE : 0);
    case F_SETFL:
        f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (ARG2(tf) & (O_APPEND | O_NONBLOCK));
        return 0;
    case F_ADD_SEALS:
    case F_GET_SEALS:
        return file_seals(f, ARG1(tf) == F_ADD_SEALS, (uint32_t)ARG2(tf));
    default:
        return -EINVAL;
    }
}

long sys_flock(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    return f ? lock_flock(f, (int)ARG1(tf)) : -EBADF;
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
    if (!f)
        return -EBADF;
    if (oldfd == newfd)
        return (long)newfd;
    int err = fd_install_at(current_proc(), newfd, file_dup(f), cloexec);
    if (err) {
        file_close(f);
        return err;
    }
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
    int err = file_pipe(ends, (uint32_t)flags);
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
    return fs_lookup(path) ? 0 : missing_error(path);
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
    char magic[FS_PATH_MAX];
    bool missing;
    if (procfs_link(path, magic, sizeof magic, &missing)) {
        target = magic;
        len = strlen(target);
    } else if (missing) {
        return -ENOENT;
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
        return missing_error(path);
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

/* renameat2(olddir, old, newdir, new, flags): RENAME_NOREPLACE fails with
 * EEXIST rather than replace; RENAME_EXCHANGE swaps two existing names. */
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
long sys_renameat2(struct trapframe *tf)
{
    uint64_t flags = ARG4(tf);
    if ((flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
        ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL; /* overlay file systems' whiteouts: not kept here */
    char from[FS_PATH_MAX], to[FS_PATH_MAX];
    long err = user_path_at((int32_t)ARG0(tf), ARG1(tf), from, false, false);
    if (!err)
        err = user_path_at((int32_t)ARG2(tf), ARG3(tf), to, false, false);
    if (err)
        return err;
    if (flags & RENAME_EXCHANGE) {
        if (!fs_lookup_name(from))
            return missing_error(from);
        if (!fs_lookup_name(to))
            return missing_error(to);
        return fs_exchange(from, to);
    }
    if (flags & RENAME_NOREPLACE) {
        if (!fs_lookup_name(from))
            return missing_error(from);
        if (fs_lookup_name(to))
            return -EEXIST;
    }
    return fs_rename(from, to);
}

/* link / linkat(olddir, old, newdir, new, flags): a new name for a file.
 * AT_SYMLINK_FOLLOW links what a symbolic link names (and the file behind
 * /proc/self/fd/N, how an O_TMPFILE file gets a name); AT_EMPTY_PATH links
 * the file of descriptor olddir itself. */
#define AT_SYMLINK_FOLLOW 0x400
static long link_at(int64_t olddir, uint64_t uold, int64_t newdir, uint64_t unew, uint64_t flags)
{
    char from[FS_PATH_MAX] = "", to[FS_PATH_MAX];
    if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct inode *target = 0;
    long err = user_path_at(olddir, uold, from, flags & AT_EMPTY_PATH, false);
    if (err)
        return err;
    if (!from[0]) {
        struct file *f = fd_file((uint64_t)olddir);
        if (!f || !f->inode)
            return -EBADF;
        target = f->inode;
    } else if (flags & AT_SYMLINK_FOLLOW) {
        struct inode *open_file = procfs_fd_inode(from);
        if (open_file)
            target = open_file;
        else if ((err = follow_links(from)))
            return err;
    }
    if (!target) {
        target = fs_lookup(from);
        if (!target)
            return missing_error(from);
    }
    err = user_path_at(newdir, unew, to, false, false);
    if (err)
        return err;
    if (fs_lookup_name(to))
        return -EEXIST;
    if (target->type != INODE_FILE && target->type != INODE_SYMLINK && target->type != INODE_FIFO &&
        target->type != INODE_DIR)
        return -EXDEV; /* devices live in another file system (/dev) */
    if (mount_dev(target->path) != mount_dev(to))
        return -EXDEV;
    return fs_link(target, to);
}

long sys_link(struct trapframe *tf) { return link_at(AT_FDCWD, ARG0(tf), AT_FDCWD, ARG1(tf), 0); }
long sys_linkat(struct trapframe *tf)
{
    return link_at((int32_t)ARG0(tf), ARG1(tf), (int32_t)ARG2(tf), ARG3(tf), ARG4(tf));
}

/* mknod / mknodat(dir, path, mode, dev): FIFOs and regular files.  Device
 * nodes would need drivers behind them: EPERM. */
#define S_IFMT 0170000
static long mknod_at(int64_t dirfd, uint64_t upath, uint32_t mode)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, false);
    if (err)
        return err;
    enum inode_type type;
    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG: type = INODE_FILE; break;
    case S_IFIFO: type = INODE_FIFO; break;
    case S_IFCHR:
    case 0060000: /* S_IFBLK */
    case 0140000: /* S_IFSOCK */
        return -EPERM;
    default: return -EINVAL;
    }
    int cerr;
    struct inode *ino = fs_create(path, type, &cerr);
    if (!ino)
        return cerr;
    ino->mode = mode & ~current_proc()->umask & 07777;
    return 0;
}

long sys_mknod(struct trapframe *tf) { return mknod_at(AT_FDCWD, ARG0(tf), (uint32_t)ARG1(tf)); }
long sys_mknodat(struct trapframe *tf) { return mknod_at((int32_t)ARG0(tf), ARG1(tf), (uint32_t)ARG2(tf)); }

/* statfs / fstatfs: every file system here lives in memory, so the answer
 * is tmpfs's (TMPFS_MAGIC, 4 KiB blocks: the /tmp limit and its pages in use, inodes
 * from the inode table), and /proc's PROC_SUPER_MAGIC. */
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define ST_NOSUID 0x0002
#define ST_NODEV 0x0004
#define ST_RELATIME 0x0400
#define ST_VALID 0x0020
struct kstatfs {
    int64_t type, bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    int64_t namelen, frsize, flags, spare[4];
};
_Static_assert(sizeof(struct kstatfs) == 120, "struct statfs layout");

static long statfs_of(const char *path, uint64_t ubuf)
{
    struct kstatfs sf;
    memset(&sf, 0, sizeof sf);
    uint64_t dev = mount_dev(path);
    bool proc = !strncmp(path, "/proc/", 6) || !strcmp(path, "/proc");
    sf.type = proc ? PROC_SUPER_MAGIC : TMPFS_MAGIC;
    sf.bsize = sf.frsize = PAGE_SIZE;
    if (!proc) {
        /* tmpfs's size (half of RAM) and what its files' pages leave of it
         * (memobj.c keeps the count the /tmp limit is enforced with). */
        uint64_t used = memobj_tmpfs_pages();
        sf.blocks = memobj_tmpfs_limit();
        sf.bfree = sf.bavail = used < sf.blocks ? sf.blocks - used : 0;
        sf.files = FS_MAX_INODES;
        sf.ffree = FS_MAX_INODES - (uint64_t)fs_inodes_used();
    }
    sf.fsid[0] = (int32_t)dev;
    sf.namelen = 255;
    sf.flags = ST_VALID | ST_RELATIME | (proc || dev == makedev(0, 32) ? ST_NOSUID | ST_NODEV : 0);
    return put_user(ubuf, &sf, sizeof sf) ? -EFAULT : 0;
}

long sys_statfs(struct trapframe *tf)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(AT_FDCWD, ARG0(tf), path, false, true);
    if (err)
        return err;
    if (!fs_lookup(path))
        return missing_error(path);
    return statfs_of(path, ARG1(tf));
}

long sys_fstatfs(struct trapframe *tf)
{
    struct file *f = fd_file(ARG0(tf));
    if (!f)
        return -EBADF;
    return statfs_of(f->inode ? f->inode->path : "/pipe", ARG1(tf)); /* pipes: pipefs, counted as memory too */
}
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
/* utime(path, times), utimes(path, tv), futimesat(dirfd, path, tv): as
 * utimensat, the file must exist and nothing is recorded. */
static long touch_at(int64_t dirfd, uint64_t upath)
{
    char path[FS_PATH_MAX];
    long err = user_path_at(dirfd, upath, path, false, true);
    if (err)
        return err;
    return fs_lookup(path) ? 0 : -ENOENT;
}

long sys_utime(struct trapframe *tf) { return touch_at(AT_FDCWD, ARG0(tf)); }
long sys_utimes(struct trapframe *tf) { return touch_at(AT_FDCWD, ARG0(tf)); }
long sys_futimesat(struct trapframe *tf) { return touch_at((int32_t)ARG0(tf), ARG1(tf)); }

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
 * The readiness of each file comes from file_poll(), the same state its
 * read and write act on.  While nothing is ready the caller sleeps on the
 * one poll channel (file_poll_channel), which every change of a pipe,
 * FIFO, socket, eventfd or timerfd wakes, until its timeout; a set that
 * holds a file reporting no changes (the console, a signalfd) is also
 * looked at again on every timer tick (10 ms of virtual time). */

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
        /* Linux reports the NORM bits with the plain ones */
        r |= (r & POLLIN ? POLLRDNORM : 0) | (r & POLLOUT ? POLLWRNORM : 0);
        fds[i].revents = (int16_t)(r & ((unsigned)fds[i].events | POLLERR | POLLHUP | POLLNVAL));
        ready += fds[i].revents != 0;
    }
    return ready;
}

/* Sleep until a watched file changes (file_poll_notify wakes the poll channel), the
 * deadline (0 = none) or, when a watched file does not report its changes
 * (pipes, the console), the next tick; false once the deadline passed or a
 * signal is waiting. */
static bool wait_a_tick(uint64_t deadline, bool tick)
{
    uint64_t now = timer_ns();
    if ((deadline && now >= deadline) || signal_interrupted())
        return false;
    uint64_t next_tick = timer_tick_ns() + 1000000000ull / TIMER_HZ;
    uint64_t wake = tick ? next_tick : 0;
    if (deadline && (!wake || deadline < wake))
        wake = deadline;
    sleep_until(file_poll_channel(), wake);
    return true;
}

/* Must a poller of these descriptors look again every tick? */
static bool needs_tick(const struct pollfd *fds, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        struct file *f = fds[i].fd >= 0 ? fd_file((uint64_t)fds[i].fd) : 0;
        if (f && !file_notifies(f))
            return true;
    }
    return false;
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
        if (!wait_a_tick(deadline, needs_tick(fds, n))) {
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
        bool tick = false;
        for (uint64_t fd = 0; fd < nfds && !tick; fd++)
            if ((sets[0][fd / 64] | sets[1][fd / 64] | sets[2][fd / 64]) >> (fd % 64) & 1)
                tick = fd_file(fd) && !file_notifies(fd_file(fd));
        if (ready || timeout_ns == 0 || !wait_a_tick(deadline, tick))
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
