/* fs.c — the in-memory file system (see fs.h). */
#include "fs.h"
#include "errno.h"
#include "kheap.h"
#include "printf.h"
#include "string.h"
#include "tty.h"

/* The inode table grows in chunks from the kernel heap, so a small
 * machine does not pay for a big table it never fills. */
#define CHUNK_INODES 64
static struct inode *chunks[FS_MAX_INODES / CHUNK_INODES];
static int nchunks;

static struct inode *inode_at(int i) { return &chunks[i / CHUNK_INODES][i % CHUNK_INODES]; }
static int inode_count(void) { return nchunks * CHUNK_INODES; }

static bool grow_table(void)
{
    if (nchunks == (int)(sizeof chunks / sizeof chunks[0]))
        return false;
    chunks[nchunks] = kheap_alloc(CHUNK_INODES * sizeof(struct inode)); /* zeroed: INODE_FREE */
    if (!chunks[nchunks])
        return false;
    nchunks++;
    return true;
}

static struct inode *new_inode(const char *path, enum inode_type type)
{
    for (int i = 0; i < inode_count() || grow_table(); i++) {
        if (inode_at(i)->type == INODE_FREE) {
            struct inode *ino = inode_at(i);
            memset(ino, 0, sizeof *ino);
            ino->type = type;
            ino->ino = i + 1;
            ino->mode = type == INODE_DIR ? 0755 : 0644;
            strlcpy(ino->path, path, sizeof ino->path);
            return ino;
        }
    }
    return 0;
}

struct inode *fs_lookup(const char *path)
{
    for (int i = 0; i < inode_count(); i++) {
        struct inode *ino = inode_at(i);
        if (ino->type != INODE_FREE && !ino->unlinked && !strcmp(ino->path, path))
            return ino;
    }
    return 0;
}

static void parent_of(const char *path, char *out)
{
    strlcpy(out, path, FS_PATH_MAX);
    char *slash = out;
    for (char *p = out; *p; p++)
        if (*p == '/')
            slash = p;
    slash[slash == out ? 1 : 0] = 0; /* "/a" -> "/", "/a/b" -> "/a" */
}

const char *fs_basename(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' && p[1])
            base = p + 1;
    return base;
}

/* Create each missing directory along path, shortest prefix first
 * (a loop, not recursion: the kernel stack is small and paths are not). */
struct inode *fs_make_dirs(const char *path)
{
    char prefix[FS_PATH_MAX];
    size_t len = strnlen(path, FS_PATH_MAX - 1);
    struct inode *dir = fs_lookup("/");
    for (size_t i = 1; i <= len; i++) {
        if (i < len && path[i] != '/')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        dir = fs_lookup(prefix);
        if (!dir)
            dir = new_inode(prefix, INODE_DIR);
        if (!dir || dir->type != INODE_DIR)
            return 0;
    }
    return dir;
}

void fs_init(void)
{
    new_inode("/", INODE_DIR);
    fs_make_dirs("/bin");
    fs_make_dirs("/tmp")->writable_dir = true;
    fs_make_dirs("/dev");
    new_inode("/dev/console", INODE_CONSOLE);
    if (tty_is_terminal()) /* without a terminal there is no controlling tty to open */
        new_inode("/dev/tty", INODE_CONSOLE);
    new_inode("/dev/ttyS0", INODE_COM1_RAW);
    new_inode("/dev/ttyS1", INODE_COM2);
    new_inode("/dev/null", INODE_NULL);
    new_inode("/dev/zero", INODE_ZERO);
    new_inode("/dev/urandom", INODE_RANDOM);
    new_inode("/dev/random", INODE_RANDOM);
    new_inode("/dev/kbd", INODE_KBD);
    fs_make_dirs("/proc/self");
    new_inode("/proc/self/maps", INODE_PROC_MAPS);
    new_inode("/proc/meminfo", INODE_PROC_MEMINFO);
}

struct inode *fs_add_file(const char *path, const void *data, uint64_t size, uint32_t mode)
{
    char parent[FS_PATH_MAX];
    parent_of(path, parent);
    if (!fs_make_dirs(parent) || fs_lookup(path))
        return 0;
    struct inode *ino = new_inode(path, INODE_FILE);
    if (ino) {
        ino->data = (uint8_t *)data;
        ino->size = size;
        ino->mode = mode & 07777;
    }
    return ino;
}

struct inode *fs_create(const char *path, enum inode_type type, int *err)
{
    char parent[FS_PATH_MAX];
    parent_of(path, parent);
    struct inode *dir = fs_lookup(parent);
    *err = 0;
    if (fs_lookup(path))
        *err = -EEXIST; /* first, as Linux: "mkdir -p" relies on it for "/" */
    else if (!dir)
        *err = -ENOENT;
    else if (dir->type != INODE_DIR)
        *err = -ENOTDIR;
    else if (!dir->writable_dir)
        *err = -EROFS;
    if (*err)
        return 0;
    struct inode *ino = new_inode(path, type);
    if (!ino) {
        *err = -ENOSPC;
        return 0;
    }
    ino->writable_dir = type == INODE_DIR;
    return ino;
}

/* Make room for size bytes: a bigger heap buffer (doubling), old bytes copied. */
static int reserve(struct inode *ino, uint64_t size)
{
    if (size <= ino->capacity)
        return 0;
    uint64_t cap = ino->capacity ? ino->capacity : 4096;
    while (cap < size)
        cap *= 2;
    uint8_t *data = kheap_alloc(cap);
    if (!data)
        return -ENOSPC;
    memcpy(data, ino->data, ino->size);
    if (ino->capacity)
        kheap_free(ino->data, ino->capacity);
    ino->data = data;
    ino->capacity = cap;
    return 0;
}

static bool writable_file(const struct inode *ino)
{
    return ino->capacity || (ino->size == 0 && !ino->data);
}

int fs_truncate(struct inode *ino, uint64_t size)
{
    if (ino->type != INODE_FILE)
        return -EINVAL;
    if (!writable_file(ino))
        return -EROFS;
    int err = reserve(ino, size);
    if (err)
        return err;
    if (size > ino->size)
        memset(ino->data + ino->size, 0, size - ino->size);
    ino->size = size;
    return 0;
}

long fs_write(struct inode *ino, uint64_t off, const void *src, uint64_t n)
{
    if (!writable_file(ino))
        return -EROFS;
    if (off + n < off)
        return -EFBIG;
    int err = reserve(ino, off + n);
    if (err)
        return err;
    if (off > ino->size)
        memset(ino->data + ino->size, 0, off - ino->size);
    memcpy(ino->data + off, src, n);
    if (off + n > ino->size)
        ino->size = off + n;
    return (long)n;
}

long fs_read(struct inode *ino, uint64_t off, void *dst, uint64_t n)
{
    if (off >= ino->size)
        return 0;
    if (n > ino->size - off)
        n = ino->size - off;
    memcpy(dst, ino->data + off, n);
    return (long)n;
}

static bool is_child(const struct inode *dir, const struct inode *ino)
{
    size_t len = strlen(dir->path);
    if (ino == dir || strncmp(ino->path, dir->path, len))
        return false;
    const char *rest = ino->path + len;
    if (len > 1) {
        if (*rest != '/')
            return false;
        rest++;
    }
    for (; *rest; rest++)
        if (*rest == '/')
            return false;
    return true;
}

struct inode *fs_dir_entry(const struct inode *dir, int index)
{
    for (int i = 0; i < inode_count(); i++) {
        struct inode *ino = inode_at(i);
        if (ino->type != INODE_FREE && !ino->unlinked && is_child(dir, ino) && index-- == 0)
            return ino;
    }
    return 0;
}

static void destroy(struct inode *ino)
{
    if (ino->capacity)
        kheap_free(ino->data, ino->capacity);
    memset(ino, 0, sizeof *ino); /* INODE_FREE */
}

int fs_unlink(const char *path, bool dir)
{
    struct inode *ino = fs_lookup(path);
    char parent[FS_PATH_MAX];
    parent_of(path, parent);
    struct inode *pdir = fs_lookup(parent);
    if (!ino)
        return -ENOENT;
    if (!pdir || !pdir->writable_dir)
        return -EROFS;
    if (dir && ino->type != INODE_DIR)
        return -ENOTDIR;
    if (!dir && ino->type == INODE_DIR)
        return -EISDIR;
    if (dir && fs_dir_entry(ino, 0))
        return -ENOTEMPTY;
    ino->unlinked = true;
    if (ino->opens == 0)
        destroy(ino);
    return 0;
}

int fs_symlink(const char *path, const char *target)
{
    size_t len = strlen(target);
    if (len == 0)
        return -ENOENT;
    if (len >= FS_PATH_MAX)
        return -ENAMETOOLONG;
    int err;
    struct inode *ino = fs_create(path, INODE_SYMLINK, &err);
    if (!ino)
        return err;
    ino->mode = 0777;
    long put = fs_write(ino, 0, target, len);
    if (put < 0) {
        destroy(ino);
        return (int)put;
    }
    return 0;
}

int fs_follow(char *path)
{
    for (int hops = 0; hops < 8; hops++) {
        struct inode *ino = fs_lookup(path);
        if (!ino || ino->type != INODE_SYMLINK)
            return 0;
        char target[FS_PATH_MAX], dir[FS_PATH_MAX];
        memcpy(target, ino->data, ino->size);
        target[ino->size] = 0;
        parent_of(path, dir);
        int err = fs_resolve(dir, target, path); /* a relative target is relative to the link's directory */
        if (err)
            return err;
    }
    return -ELOOP;
}

void fs_opened(struct inode *ino) { ino->opens++; }

void fs_closed(struct inode *ino)
{
    if (--ino->opens == 0 && ino->unlinked)
        destroy(ino);
}

int fs_rename(const char *from, const char *to)
{
    struct inode *ino = fs_lookup(from);
    if (!ino)
        return -ENOENT;
    if (ino->type == INODE_DIR)
        return -EBUSY; /* moving a directory would need its children renamed too */
    char parent[FS_PATH_MAX];
    parent_of(from, parent);
    struct inode *from_dir = fs_lookup(parent);
    parent_of(to, parent);
    struct inode *to_dir = fs_lookup(parent);
    if (!to_dir)
        return -ENOENT;
    if (!from_dir->writable_dir || !to_dir->writable_dir)
        return -EROFS;
    struct inode *old = fs_lookup(to);
    if (old && old != ino) {
        int err = fs_unlink(to, false);
        if (err)
            return err;
    }
    strlcpy(ino->path, to, sizeof ino->path);
    return 0;
}

int fs_resolve(const char *cwd, const char *path, char *out)
{
    char buf[2 * FS_PATH_MAX];
    if (!*path)
        return -ENOENT;
    if (path[0] == '/')
        strlcpy(buf, path, sizeof buf);
    else
        ksnprintf(buf, sizeof buf, "%s/%s", cwd, path);
    size_t n = 0;
    out[n++] = '/';
    for (char *p = buf; *p;) {
        while (*p == '/')
            p++;
        char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = p - seg;
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (n > 1 && out[n - 1] != '/')
                n--;
            if (n > 1)
                n--;
            continue;
        }
        if (n + (n > 1) + len + 1 > FS_PATH_MAX)
            return -ENAMETOOLONG;
        if (n > 1)
            out[n++] = '/';
        memcpy(out + n, seg, len);
        n += len;
    }
    out[n] = 0;
    return 0;
}
