/* initrd.c — the cpio "newc" archive the loader builds (machine/cpio.h).
 *
 * Each entry: a 110-byte ASCII header ("070701" and 13 eight-digit hex
 * fields: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
 * rdevmajor, rdevminor, namesize, check), the name (namesize bytes with its
 * NUL), padding to a multiple of 4, the data, padding to a multiple of 4.
 * "TRAILER!!!" ends the archive.  File bytes stay in the archive: the fs
 * points at them. */
#include "initrd.h"
#include "fs.h"
#include "printf.h"
#include "string.h"

#define HEADER_SIZE 110
#define MODE_TYPE_MASK 0170000
#define MODE_REGULAR 0100000
#define MODE_DIRECTORY 0040000

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR,
       F_RDEVMINOR, F_NAMESIZE, F_CHECK };

static bool hex_field(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

static uint64_t align4(uint64_t v) { return (v + 3) & ~3ull; }

int initrd_unpack(const void *archive, uint64_t size)
{
    const char *base = archive;
    uint64_t off = 0;
    int files = 0;
    while (off + HEADER_SIZE <= size) {
        const char *h = base + off;
        uint32_t f[13];
        if (memcmp(h, "070701", 6))
            return -1;
        for (int i = 0; i < 13; i++)
            if (!hex_field(h + 6 + 8 * i, &f[i]))
                return -1;
        uint64_t name_off = off + HEADER_SIZE;
        uint64_t data_off = align4(name_off + f[F_NAMESIZE]);
        if (f[F_NAMESIZE] == 0 || data_off > size || f[F_FILESIZE] > size - data_off ||
            base[name_off + f[F_NAMESIZE] - 1] != 0)
            return -1;
        const char *name = base + name_off;
        if (!strcmp(name, "TRAILER!!!"))
            return files;
        char path[FS_PATH_MAX];
        if (fs_resolve("/", name, path) == 0) {
            if ((f[F_MODE] & MODE_TYPE_MASK) == MODE_REGULAR && fs_add_file(path, base + data_off, f[F_FILESIZE], f[F_MODE]))
                files++;
            else if ((f[F_MODE] & MODE_TYPE_MASK) == MODE_DIRECTORY)
                fs_make_dirs(path);
        }
        off = align4(data_off + f[F_FILESIZE]);
    }
    return -1;
}

int initrd_argv(char *argv[], int max)
{
    struct inode *ino = fs_lookup("/boot/argv");
    if (!ino || ino->size == 0)
        return 0;
    char *p = (char *)ino->data, *end = p + ino->size;
    int argc = 0;
    while (p < end && argc < max) {
        size_t len = strnlen(p, end - p);
        if (p + len == end)
            break; /* last string not NUL-terminated: ignore it */
        argv[argc++] = p;
        p += len + 1;
    }
    return argc;
}
