/* fs.c — the in-memory file system (see fs.h). */
#include "fs.h"
#include "errno.h"
#include "kheap.h"
#include "memlayout.h"
#include "memobj.h"
#include "printf.h"
#include "string.h"
#include "tty.h"
#include "vma.h"

#define FILE_MAX_BYTES (MEMOBJ_MAX_PAGES * PAGE_SIZE) /* beyond: EFBIG */

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

/* The name index: every inode in use is on the chain of its path's hash
 * (the idea of Linux's dentry hash, fs/dcache.c d_hash), so a lookup
 * compares a few names instead of scanning the whole table.  Whoever
 * changes an inode's path or frees it takes it off its chain first
 * (unindex) and puts it back after (index). */
#define NAME_BUCKETS 256
static struct inode *name_chain[NAME_BUCKETS];
/* No inode below this index is free: new_inode starts looking here. */
static int first_maybe_free;

static unsigned name_hash(const char *path)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *path; path++)
        h = (h ^ (uint8_t)*path) * 16777619u;
    return (h ^ h >> 16) % NAME_BUCKETS;
}

static void index_name(struct inode *ino)
{
    struct inode **chain = &name_chain[name_hash(ino->path)];
    ino->name_next = *chain;
    *chain = ino;
}

static void unindex_name(struct inode *ino)
{
    for (struct inode **p = &name_chain[name_hash(ino->path)]; *p; p = &(*p)->name_next)
        if (*p == ino) {
            *p = ino->name_next;
            return;
        }
}

/* Back to INODE_FREE. */
static void free_inode(struct inode *ino)
{
    unindex_name(ino);
    if (ino->ino - 1 < first_maybe_free)
        first_maybe_free = ino->ino - 1;
    memset(ino, 0, sizeof *ino);
}

static struct inode *new_inode(const char *path, enum inode_type type)
{
    for (int i = first_maybe_free; i < inode_count() || grow_table(); i++) {
        if (inode_at(i)->type == INODE_FREE) {
            struct inode *ino = inode_at(i);
            memset(ino, 0, sizeof *ino);
            ino->type = type;
            ino->ino = i + 1;
            ino->mode = type == INODE_DIR ? 0755 : 0644;
            ino->nlink = 1;
            strlcpy(ino->path, path, sizeof ino->path);
            index_name(ino);
            first_maybe_free = i + 1;
            return ino;
        }
    }
    return 0;
}

/* The named inode that is first in the table (the lowest number), as a
 * scan of the table would find it. */
struct inode *fs_lookup_name(const char *path)
{
    struct inode *found = 0;
    for (struct inode *ino = name_chain[name_hash(path)]; ino; ino = ino->name_next)
        if (!ino->unlinked && (!found || ino->ino < found->ino) && !strcmp(ino->path, path))
            found = ino;
    return found;
}

struct inode *fs_resolved(struct inode *entry)
{
    return entry && entry->type == INODE_HARDLINK ? entry->link_to : entry;
}

struct inode *fs_lookup(const char *path) { return fs_resolved(fs_lookup_name(path)); }

int fs_missing_error(const char *path)
{
    char prefix[FS_PATH_MAX];
    size_t len = strnlen(path, FS_PATH_MAX - 1);
    for (size_t i = 1; i < len; i++) {
        if (path[i] != '/')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        struct inode *ino = fs_lookup(prefix);
        if (!ino)
            return -ENOENT;
        if (ino->type != INODE_DIR && ino->type != INODE_SYMLINK)
            return -ENOTDIR;
    }
    return -ENOENT;
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
    new_inode("/dev/tty", INODE_CONSOLE); /* opens only at a terminal (ENXIO otherwise: open_at) */
    new_inode("/dev/ttyS0", INODE_COM1_RAW);
    new_inode("/dev/ttyS1", INODE_COM2);
    new_inode("/dev/null", INODE_NULL);
    new_inode("/dev/zero", INODE_ZERO);
    new_inode("/dev/urandom", INODE_RANDOM);
    new_inode("/dev/random", INODE_RANDOM);
    new_inode("/dev/kbd", INODE_KBD);
    /* /dev/stdin, stdout, stderr: symbolic links to the descriptors, as udev makes them. */
    static const char *const std_links[][2] = {
        {"/dev/stdin", "/proc/self/fd/0"}, {"/dev/stdout", "/proc/self/fd/1"}, {"/dev/stderr", "/proc/self/fd/2"}};
    for (unsigned i = 0; i < sizeof std_links / sizeof std_links[0]; i++) {
        struct inode *link = new_inode(std_links[i][0], INODE_SYMLINK);
        if (link) {
            link->data = (uint8_t *)std_links[i][1]; /* read-only bytes, like the initrd's */
            link->size = strlen(std_links[i][1]);
            link->mode = 0777;
        }
    }
    fs_make_dirs("/proc/self");
    new_inode("/proc/self/maps", INODE_PROC_MAPS);
    new_inode("/proc/meminfo", INODE_PROC_MEMINFO);
    new_inode("/proc/self/status", INODE_PROC_STATUS); /* also opened as /proc/PID/status (procfs.c) */
    fs_make_dirs("/proc/self/task"); /* its entries are the threads' tids, taken at open (file_open_task_dir) */
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
        *err = fs_missing_error(path);
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

/* A writable regular file keeps its bytes in a memory object; symbolic
 * links keep their target in a heap buffer; initrd files are read-only. */
static bool object_file(const struct inode *ino) { return ino->type == INODE_FILE && !ino->data; }

struct memobj *fs_file_object(struct inode *ino)
{
    if (!object_file(ino))
        return 0;
    if (!ino->obj) {
        ino->obj = memobj_new(ino->path, true);
        if (!ino->obj)
            return 0;
        ino->obj->size = ino->size;
        ino->obj->deleted = ino->unlinked;
    }
    return ino->obj;
}

static void set_size(struct inode *ino, uint64_t size)
{
    ino->size = size;
    if (ino->obj)
        ino->obj->size = size;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Growing the file: the bytes between the old end and the end of its last
 * page may hold what a shared mapping stored past the end; they read as
 * zeros now (mmap(2): such stores are not written to the file). */
static void zero_tail(struct memobj *obj, uint64_t old_size, uint64_t new_size)
{
    uint64_t end = min_u64(new_size, PAGE_ROUND_UP(old_size));
    if (end > old_size)
        memobj_zero(obj, old_size, end - old_size);
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
    return object_file(ino) || ino->capacity || (ino->size == 0 && !ino->data);
}

int fs_truncate(struct inode *ino, uint64_t size)
{
    if (ino->type != INODE_FILE)
        return -EINVAL;
    if (!writable_file(ino))
        return -EROFS;
    if (size > FILE_MAX_BYTES)
        return -EFBIG;
    if ((size < ino->size && (ino->seals & F_SEAL_SHRINK)) || (size > ino->size && (ino->seals & F_SEAL_GROW)))
        return -EPERM;
    if (object_file(ino)) {
        struct memobj *obj = fs_file_object(ino);
        if (!obj)
            return -ENOMEM;
        if (size < ino->size) {
            /* Pages wholly past the new end go (from every mapping too, so
             * that touching them is SIGBUS, private copies included, as
             * Linux's truncate); the rest of the last page reads as zeros. */
            uint64_t keep = PAGE_ROUND_UP(size) / PAGE_SIZE;
            vma_zap_object(obj, keep, MEMOBJ_MAX_PAGES - 1, true);
            memobj_punch(obj, keep, MEMOBJ_MAX_PAGES - 1);
            memobj_zero(obj, size, PAGE_ROUND_UP(size) - size);
        } else {
            zero_tail(obj, ino->size, size);
        }
        set_size(ino, size);
        return 0;
    }
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
    if (object_file(ino)) {
        if (ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
            return -EPERM;
        if (off + n > ino->size && (ino->seals & F_SEAL_GROW))
            return -EPERM;
        if (off + n > FILE_MAX_BYTES)
            return -EFBIG;
        struct memobj *obj = fs_file_object(ino);
        if (!obj)
            return -ENOSPC;
        zero_tail(obj, ino->size, off);
        long put = memobj_write(obj, off, src, n);
        if (put > 0 && off + (uint64_t)put > ino->size)
            set_size(ino, off + (uint64_t)put);
        return put;
    }
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
    if (object_file(ino)) {
        if (ino->obj)
            memobj_read(ino->obj, off, dst, n);
        else
            memset(dst, 0, n);
        return (long)n;
    }
    memcpy(dst, ino->data + off, n);
    return (long)n;
}

int fs_allocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
        return -EOPNOTSUPP; /* fallocate(2): a hole never changes the size */
    if (ino->type != INODE_FILE)
        return -ENODEV;
    if (!object_file(ino))
        return -EROFS;
    if (off > INT64_MAX || len > INT64_MAX - off)
        return -EFBIG; /* vfs_fallocate: past the largest file size */
    uint64_t end = off + len;
    if (mode & FALLOC_FL_PUNCH_HOLE) {
        if (ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
            return -EPERM;
        if (!ino->obj)
            return 0; /* all holes already */
        if (off >= FILE_MAX_BYTES)
            return 0; /* nothing can be stored there */
        end = min_u64(end, FILE_MAX_BYTES);
        uint64_t first = PAGE_ROUND_UP(off) / PAGE_SIZE, stop = end / PAGE_SIZE;
        if (first < stop) {
            /* Mappings see zeros again; private copies stay (Linux). */
            vma_zap_object(ino->obj, first, stop - 1, false);
            memobj_punch(ino->obj, first, stop - 1);
        }
        uint64_t head_end = min_u64(end, PAGE_ROUND_UP(off));
        memobj_zero(ino->obj, off, head_end - off);
        if (end > head_end) {
            uint64_t tail = PAGE_ROUND_DOWN(end) > head_end ? PAGE_ROUND_DOWN(end) : head_end;
            memobj_zero(ino->obj, tail, end - tail);
        }
        return 0;
    }
    if (end > FILE_MAX_BYTES)
        return -ENOSPC; /* more than an object can hold */
    bool grows = !(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size;
    if (grows && (ino->seals & F_SEAL_GROW))
        return -EPERM;
    struct memobj *obj = fs_file_object(ino);
    if (!obj)
        return -ENOSPC;
    for (uint64_t index = off / PAGE_SIZE; index < PAGE_ROUND_UP(end) / PAGE_SIZE; index++)
        if (!memobj_page(obj, index, true, 0))
            return -ENOSPC;
    if (grows) {
        zero_tail(obj, ino->size, end);
        set_size(ino, end);
    }
    return 0;
}

struct inode *fs_create_memfd(const char *name, bool allow_sealing)
{
    char path[FS_PATH_MAX];
    ksnprintf(path, sizeof path, "/memfd:%s", name);
    struct inode *ino = new_inode(path, INODE_FILE);
    if (!ino)
        return 0;
    ino->unlinked = true; /* in no directory: gone with its last descriptor */
    ino->nlink = 0;
    ino->memfd = true;
    ino->mode = 0777;
    ino->seals = allow_sealing ? 0 : F_SEAL_SEAL;
    if (!fs_file_object(ino)) {
        free_inode(ino);
        return 0;
    }
    return ino;
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

static void destroy(struct inode *ino);

/* A name of ino is gone: the file goes with its last name and last close. */
static void drop_name(struct inode *ino)
{
    if (--ino->nlink <= 0 && ino->opens == 0)
        destroy(ino);
}

static void destroy(struct inode *ino)
{
    if (ino->capacity)
        kheap_free(ino->data, ino->capacity);
    if (ino->obj)
        memobj_put(ino->obj); /* mappings keep their own references */
    free_inode(ino);
}

int fs_unlink(const char *path, bool dir)
{
    struct inode *entry = fs_lookup_name(path), *ino = fs_resolved(entry);
    char parent[FS_PATH_MAX];
    parent_of(path, parent);
    struct inode *pdir = fs_lookup(parent);
    if (!ino)
        return fs_missing_error(path);
    if (!pdir || !pdir->writable_dir)
        return -EROFS;
    if (dir && ino->type != INODE_DIR)
        return -ENOTDIR;
    if (!dir && ino->type == INODE_DIR)
        return -EISDIR;
    if (dir && fs_dir_entry(ino, 0))
        return -ENOTEMPTY;
    if (entry != ino) { /* a hard link: the entry goes, the file loses a name */
        destroy(entry);
    } else {
        ino->unlinked = true;
        if (ino->obj)
            ino->obj->deleted = true; /* what /proc/PID/maps says of its mappings */
    }
    drop_name(ino);
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
    if (--ino->opens == 0 && ino->nlink <= 0)
        destroy(ino);
}

int fs_link(struct inode *target, const char *path)
{
    if (target->type == INODE_DIR)
        return -EPERM;
    if (target->nlink <= 0 && !target->linkable)
        return -ENOENT; /* a deleted file cannot be brought back */
    int err;
    struct inode *entry = fs_create(path, INODE_HARDLINK, &err);
    if (!entry)
        return err;
    entry->link_to = target;
    entry->mode = 0;
    target->nlink++;
    target->linkable = false;
    return 0;
}

struct inode *fs_create_tmpfile(const char *dir, bool linkable, int *err)
{
    static int serial;
    char path[FS_PATH_MAX];
    struct inode *d = fs_lookup(dir);
    if (!d)
        *err = fs_missing_error(dir);
    else if (d->type != INODE_DIR)
        *err = -ENOTDIR;
    else if (!d->writable_dir)
        *err = -EOPNOTSUPP;
    else
        *err = 0;
    if (*err)
        return 0;
    ksnprintf(path, sizeof path, "%s/#tmpfile%d", strcmp(dir, "/") ? dir : "", ++serial);
    struct inode *ino = new_inode(path, INODE_FILE);
    if (!ino) {
        *err = -ENOSPC;
        return 0;
    }
    ino->unlinked = true; /* no name: invisible to lookups and listings */
    ino->nlink = 0;
    ino->linkable = linkable;
    return ino;
}

static const char *below(const char *path, const char *prefix);
static int move_trees(const char *a, const char *b, bool exchange);

int fs_exchange(const char *a, const char *b)
{
    struct inode *ea = fs_lookup_name(a), *eb = fs_lookup_name(b);
    if (!ea || !eb)
        return -ENOENT;
    char parent[FS_PATH_MAX];
    parent_of(a, parent);
    struct inode *da = fs_lookup(parent);
    parent_of(b, parent);
    struct inode *db = fs_lookup(parent);
    if (!da || !db || !da->writable_dir || !db->writable_dir)
        return -EROFS;
    if (below(a, b) || below(b, a))
        return -EINVAL; /* one inside the other */
    return move_trees(a, b, true);
}

int fs_inodes_used(void)
{
    int n = 0;
    for (int i = 0; i < inode_count(); i++)
        n += inode_at(i)->type != INODE_FREE;
    return n;
}

void fs_dir_counts(const struct inode *dir, int *entries, int *subdirs)
{
    *entries = *subdirs = 0;
    for (int i = 0; i < inode_count(); i++) {
        struct inode *ino = inode_at(i);
        if (ino->type != INODE_FREE && !ino->unlinked && is_child(dir, ino)) {
            ++*entries;
            *subdirs += ino->type == INODE_DIR;
        }
    }
}

/* The rest of path after prefix (a directory's path), or NULL when path
 * is not prefix or below it. */
static const char *below(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) || (path[n] && path[n] != '/'))
        return 0;
    return path + n;
}

/* Names are paths, so moving a directory renames everything below it:
 * the tree at a goes to b and (exchange) the tree at b to a.  Lengths are
 * checked first, so a failure changes nothing. */
static int move_trees(const char *a, const char *b, bool exchange)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < inode_count(); i++) {
            struct inode *ino = inode_at(i);
            if (ino->type == INODE_FREE)
                continue;
            const char *rest = below(ino->path, a), *to = b;
            if (!rest && exchange && (rest = below(ino->path, b)))
                to = a;
            if (!rest)
                continue;
            if (strlen(to) + strlen(rest) >= FS_PATH_MAX)
                return -ENAMETOOLONG;
            if (pass == 1) {
                char path[FS_PATH_MAX];
                ksnprintf(path, sizeof path, "%s%s", to, rest);
                unindex_name(ino);
                strlcpy(ino->path, path, sizeof ino->path);
                index_name(ino);
                if (ino->obj)
                    strlcpy(ino->obj->name, path, sizeof ino->obj->name);
            }
        }
    }
    return 0;
}

/* rename(2) of a directory: not into itself; over an empty directory only. */
static int rename_dir(const char *from, const char *to)
{
    if (below(to, from))
        return -EINVAL;
    struct inode *old = fs_lookup(to);
    if (old && old->type != INODE_DIR)
        return -ENOTDIR;
    if (old) {
        int err = fs_unlink(to, true);
        if (err)
            return err;
    }
    return move_trees(from, to, false);
}

int fs_rename(const char *from, const char *to)
{
    struct inode *ino = fs_lookup_name(from);
    if (!ino)
        return fs_missing_error(from);
    char parent[FS_PATH_MAX];
    parent_of(from, parent);
    struct inode *from_dir = fs_lookup(parent);
    parent_of(to, parent);
    struct inode *to_dir = fs_lookup(parent);
    if (!to_dir)
        return -ENOENT;
    if (!from_dir->writable_dir || !to_dir->writable_dir)
        return -EROFS;
    struct inode *old = fs_lookup_name(to);
    if (old && fs_resolved(old) == fs_resolved(ino))
        return 0; /* two names of one file: rename(2) does nothing */
    if (ino->type == INODE_DIR)
        return rename_dir(from, to);
    if (old && old != ino) {
        int err = fs_unlink(to, false);
        if (err)
            return err;
    }
    unindex_name(ino);
    strlcpy(ino->path, to, sizeof ino->path);
    index_name(ino);
    if (ino->obj)
        strlcpy(ino->obj->name, to, sizeof ino->obj->name);
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
