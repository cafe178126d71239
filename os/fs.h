/* fs.h — the in-memory file system (os/fs.c).
 *
 * A flat table of inodes named by absolute path.  Files from the initrd are
 * read-only and their bytes stay where the loader put the archive; /tmp is
 * writable (contents in kernel-heap buffers); /dev holds the devices. */
#ifndef OS_FS_H
#define OS_FS_H
#include <stdbool.h>
#include <stdint.h>

#define FS_MAX_INODES 2048
#define FS_PATH_MAX 256

enum inode_type { INODE_FREE, INODE_FILE, INODE_DIR, INODE_SYMLINK, INODE_CONSOLE, INODE_NULL, INODE_ZERO, INODE_RANDOM, INODE_KBD,
                  INODE_COM1_RAW, INODE_COM2, /* /dev/ttyS0, /dev/ttyS1 (tty.h) */
                  INODE_PROC_MAPS, INODE_PROC_MEMINFO /* /proc files: text generated at open */ };

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
};

void fs_init(void);
/* path must be absolute and normalized. */
struct inode *fs_lookup(const char *path);
/* A directory and its missing parents (NULL if a file is in the way). */
struct inode *fs_make_dirs(const char *path);
/* Initrd file (read-only, bytes used in place); parent directories are made. */
struct inode *fs_add_file(const char *path, const void *data, uint64_t size, uint32_t mode);
/* New empty file or directory in a writable directory: inode or NULL with *err = -errno. */
struct inode *fs_create(const char *path, enum inode_type type, int *err);
int fs_truncate(struct inode *ino, uint64_t size);
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
