/* fs.h — the in-memory file system (os/fs.c).
 *
 * A flat table of inodes named by absolute path.  Files from the initrd are
 * read-only and their bytes stay where the loader put the archive; /tmp is
 * writable, like Linux's tmpfs: a file's contents are its page cache, a
 * shared memory object (memobj.h) that read(), write() and every mmap of
 * the file share, sparse (holes take no memory), and bounded by RAM (half
 * of it, tmpfs's default size: then ENOSPC); /dev holds the devices.
 *
 * Hard links: the first name of a file is its inode's own path; every
 * further name (link, linkat) is an INODE_HARDLINK entry pointing at it.
 * fs_lookup resolves such an entry, so callers see the file; nlink counts
 * the names, and an inode lives while it has a name or an open file. */
#ifndef OS_FS_H
#define OS_FS_H
#include <stdbool.h>
#include <stdint.h>

#define FS_MAX_INODES 2048
#define FS_PATH_MAX 256

enum inode_type { INODE_FREE, INODE_FILE, INODE_DIR, INODE_SYMLINK, INODE_CONSOLE, INODE_NULL, INODE_ZERO, INODE_RANDOM, INODE_KBD,
                  INODE_COM1_RAW, INODE_COM2, /* /dev/ttyS0, /dev/ttyS1 (tty.h) */
                  INODE_PROC_MAPS, INODE_PROC_MEMINFO, INODE_PROC_STATUS /* /proc files: text generated at open */,
                  INODE_FIFO /* a named pipe (mkfifo) */, INODE_HARDLINK /* a further name of link_to */,
                  INODE_SOCKET /* a bound AF_UNIX socket's name (socket.c) */ };

struct pipe;

struct inode {
    enum inode_type type;
    char path[FS_PATH_MAX];
    uint8_t *data;
    uint64_t size, capacity;  /* capacity 0: data is read-only (the initrd's) */
    uint32_t mode;            /* permission bits */
    bool writable_dir;        /* a directory where files can be created */
    int ino;
    int opens;                /* open files referring to it */
    bool unlinked;            /* removed from the tree, kept until the last close */
    int nlink;                /* names (its own path and hard links) */
    struct inode *link_to;    /* INODE_HARDLINK: the file this name refers to */
    bool linkable;            /* O_TMPFILE without O_EXCL: linkat may give it a name */
    struct pipe *fifo;        /* INODE_FIFO: the pipe while it is open */
    uint32_t fifo_reader_opens, fifo_writer_opens; /* opens ever, so a waiting open sees a peer come and go */
    struct memobj *obj;       /* a writable regular file's pages (made on first use), else NULL */
    bool memfd;               /* made by memfd_create: seals apply */
    uint32_t seals;           /* F_SEAL_* (memfd) */
    struct inode *name_next;  /* the next inode whose path hashes alike (fs.c's name index) */
};

/* fcntl(F_ADD_SEALS) bits (Linux values) */
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#define F_SEAL_FUTURE_WRITE 0x0010
/* fallocate(2) modes */
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02

void fs_init(void);
/* path must be absolute and normalized.  A hard link resolves to its file. */
struct inode *fs_lookup(const char *path);
/* The name entry itself (a hard link is not resolved). */
struct inode *fs_lookup_name(const char *path);
/* The file a directory entry names (fs_dir_entry may give hard links). */
struct inode *fs_resolved(struct inode *entry);
/* A new name for an existing file (not a directory): 0 or -errno. */
int fs_link(struct inode *target, const char *path);
/* An O_TMPFILE file in directory dir: nameless (nlink 0) until linkat. */
struct inode *fs_create_tmpfile(const char *dir, bool linkable, int *err);
/* renameat2(RENAME_EXCHANGE): the two names trade places. */
int fs_exchange(const char *a, const char *b);
/* Directory sizes as tmpfs reports them: entries (not . and ..) and
 * how many of them are directories. */
void fs_dir_counts(const struct inode *dir, int *entries, int *subdirs);
/* Inodes in use (statfs's f_files - f_ffree). */
int fs_inodes_used(void);
/* Why path (absolute, normalized) does not exist: -ENOTDIR when one of
 * its leading components is not a directory ("file/x"), else -ENOENT. */
int fs_missing_error(const char *path);
/* A directory and its missing parents (NULL if a file is in the way). */
struct inode *fs_make_dirs(const char *path);
/* Initrd file (read-only, bytes used in place); parent directories are made. */
struct inode *fs_add_file(const char *path, const void *data, uint64_t size, uint32_t mode);
/* New empty file or directory in a writable directory: inode or NULL with *err = -errno. */
struct inode *fs_create(const char *path, enum inode_type type, int *err);
int fs_truncate(struct inode *ino, uint64_t size);
/* fallocate: mode 0 allocates [off, off+len) (the file grows to cover it),
 * FALLOC_FL_KEEP_SIZE without growing, FALLOC_FL_PUNCH_HOLE |
 * FALLOC_FL_KEEP_SIZE frees it (reads as zeros).  0 or -errno. */
int fs_allocate(struct inode *ino, int mode, uint64_t off, uint64_t len);
/* The page cache of a writable regular file (made on first use), NULL for
 * a read-only initrd file or without memory. */
struct memobj *fs_file_object(struct inode *ino);
/* memfd_create: an unnamed file (never in a directory), "/memfd:NAME". */
struct inode *fs_create_memfd(const char *name, bool allow_sealing);
/* Write bytes at off (growing the file). */
long fs_write(struct inode *ino, uint64_t off, const void *src, uint64_t n);
long fs_read(struct inode *ino, uint64_t off, void *dst, uint64_t n);
int fs_unlink(const char *path, bool dir);
/* A symbolic link at path (in a writable directory) holding target. */
int fs_symlink(const char *path, const char *target);
/* Replace path by what it names once symbolic links in its last component
 * are followed (at most 8); 0, or -ELOOP / -ENAMETOOLONG.  Links in the
 * middle of a path are not followed. */
int fs_follow(char *path);
/* Open-file accounting: an unlinked file lives until its last close. */
void fs_opened(struct inode *ino);
void fs_closed(struct inode *ino);
int fs_rename(const char *from, const char *to);
/* The index-th entry of directory dir (name only), NULL past the end. */
struct inode *fs_dir_entry(const struct inode *dir, int index);
const char *fs_basename(const char *path);
/* Join cwd and path, fold "." and ".." and repeated slashes into out. */
int fs_resolve(const char *cwd, const char *path, char *out);

#endif
