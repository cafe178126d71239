/* cpio.c — writing cpio newc archives and assembling the initrd (see
 * cpio.h for the format and the initrd's contents). */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest --file we copy into the guest's initrd. */
#define INITRD_FILE_MAX (1ull << 30)

void cpio_init(struct cpio_writer *w)
{
    memset(w, 0, sizeof *w);
    w->next_ino = 1;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void cpio_free(struct cpio_writer *w)
{
    free(w->data);
    free_list(w->dirs, w->ndirs);
    free_list(w->files, w->nfiles);
    memset(w, 0, sizeof *w);
}

void cpio_init_sink(struct cpio_writer *w, void *(*span)(void *ctx, size_t offset, size_t n), void *ctx,
                    size_t limit)
{
    cpio_init(w);
    w->span = span;
    w->span_ctx = ctx;
    w->limit = limit;
}

/* Where the next n bytes of the archive go: *dst, or NULL when they lie
 * past the sink's limit (counted, never written).  n is cut so that the
 * bytes are all below the limit or all past it.  False: out of memory. */
static bool reserve(struct cpio_writer *w, size_t *n, uint8_t **dst)
{
    if (*n > SIZE_MAX - w->len)
        return false;
    if (w->span) {
        *dst = NULL;
        if (w->len < w->limit) {
            if (*n > w->limit - w->len)
                *n = w->limit - w->len;
            if (*n)
                *dst = w->span(w->span_ctx, w->len, *n);
        }
        return true;
    }
    if (w->len + *n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + *n)
            cap *= 2;
        uint8_t *d = realloc(w->data, cap);
        if (!d)
            return false;
        w->data = d;
        w->cap = cap;
    }
    *dst = w->data + w->len;
    return true;
}

static bool append(struct cpio_writer *w, const void *src, size_t n)
{
    for (const uint8_t *s = src; n;) {
        size_t part = n;
        uint8_t *dst;
        if (!reserve(w, &part, &dst))
            return false;
        if (dst)
            memcpy(dst, s, part);
        w->len += part, s += part, n -= part;
    }
    return true;
}

static bool pad4(struct cpio_writer *w)
{
    static const uint8_t zeros[4];
    return append(w, zeros, (4 - (w->len & 3)) & 3);
}

/* An entry's header, name and padding: its data comes next. */
static bool write_header(struct cpio_writer *w, const char *name, uint32_t mode, uint32_t nlink, size_t size)
{
    char hdr[CPIO_HEADER_SIZE + 1];
    size_t namesize = strlen(name) + 1;
    snprintf(hdr, sizeof hdr, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             CPIO_NEWC_MAGIC, w->next_ino++, mode, 0u, 0u, nlink, 0u, (unsigned)size, 0u, 0u, 0u,
             0u, (unsigned)namesize, 0u);
    return append(w, hdr, CPIO_HEADER_SIZE) && append(w, name, namesize) && pad4(w);
}

/* One entry: header, name, padding, data, padding. */
static bool write_entry(struct cpio_writer *w, const char *name, uint32_t mode, uint32_t nlink,
                        const void *data, size_t size)
{
    return write_header(w, name, mode, nlink, size) && append(w, data, size) && pad4(w);
}

static bool listed(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static bool remember(char ***list, size_t *n, const char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return false;
    *list = l;
    if (!(l[*n] = strdup(s)))
        return false;
    (*n)++;
    return true;
}

/* Normalise "/a/b" to "a/b" into out; reject empty, ".", ".." components. */
static int normalise(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    while (*path == '/')
        path++;
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (n == 0) {
        snprintf(err, errlen, "guest path is empty");
        return -1;
    }
    if (n >= outlen) {
        snprintf(err, errlen, "guest path is longer than %zu bytes", outlen - 1);
        return -1;
    }
    memcpy(out, path, n);
    out[n] = 0;
    for (const char *c = out; *c;) {
        const char *slash = strchr(c, '/');
        size_t len = slash ? (size_t)(slash - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) {
            snprintf(err, errlen, "guest path /%s has an empty, \".\" or \"..\" component", out);
            return -1;
        }
        c += len + (slash != NULL);
    }
    return 0;
}

/* Check path, write its missing parent directories and remember the
 * file: the caller writes its entry next.  The normalised name is in name. */
static int begin_file(struct cpio_writer *w, const char *path, size_t size, char name[CPIO_NAME_MAX],
                      char *err, size_t errlen)
{
    if (normalise(path, name, CPIO_NAME_MAX, err, errlen) != 0)
        return -1;
    if (size > UINT32_MAX) {
        snprintf(err, errlen, "/%s is too large for a cpio newc entry (4 GiB)", name);
        return -1;
    }
    if (listed(w->files, w->nfiles, name) || listed(w->dirs, w->ndirs, name)) {
        snprintf(err, errlen, "/%s is given twice", name);
        return -1;
    }
    /* Parent directories first, each once (mode 040755, nlink 2). */
    for (char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        bool clash = listed(w->files, w->nfiles, name);
        bool ok = clash || listed(w->dirs, w->ndirs, name) ||
                  (write_entry(w, name, S_IFDIR | 0755, 2, NULL, 0) && remember(&w->dirs, &w->ndirs, name));
        if (clash)
            snprintf(err, errlen, "/%s is a file, it cannot also be a directory", name);
        *slash = '/';
        if (clash)
            return -1;
        if (!ok)
            goto oom;
    }
    if (remember(&w->files, &w->nfiles, name))
        return 0;
oom:
    snprintf(err, errlen, "out of host memory building the initrd");
    return -1;
}

int cpio_add_file(struct cpio_writer *w, const char *path, uint32_t perm, const void *data,
                  size_t size, char *err, size_t errlen)
{
    char name[CPIO_NAME_MAX];
    if (begin_file(w, path, size, name, err, errlen) != 0)
        return -1;
    if (write_entry(w, name, S_IFREG | (perm & 07777), 1, data, size))
        return 0;
    snprintf(err, errlen, "out of host memory building the initrd");
    return -1;
}

int cpio_finish(struct cpio_writer *w, char *err, size_t errlen)
{
    if (write_entry(w, CPIO_TRAILER, 0, 1, NULL, 0))
        return 0;
    snprintf(err, errlen, "out of host memory building the initrd");
    return -1;
}

static const char *base_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *b = path + n;
    while (b > path && b[-1] != '/')
        b--;
    return b;
}

void initrd_program_path(const char *program_path, char *out, size_t outlen)
{
    snprintf(out, outlen, "/bin/%s", base_name(program_path));
}

/* One --file: the host file read into its entry where the archive is (into
 * guest RAM when w has a sink: the file is copied once, by the host kernel,
 * and no host buffer the size of the file is allocated, faulted in and
 * freed). */
static int add_host_file(struct cpio_writer *w, const char *guest, const char *path, char *err, size_t errlen)
{
    char name[CPIO_NAME_MAX], why[256];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "--file %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    bool stat_ok = fstat(fd, &st) == 0;
    if (!stat_ok || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > INITRD_FILE_MAX) {
        snprintf(err, errlen, "--file %s: %s", path,
                 !stat_ok ? strerror(errno) : !S_ISREG(st.st_mode) ? "not a regular file" : "larger than 1 GiB");
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (begin_file(w, guest, size, name, why, sizeof why) != 0) {
        snprintf(err, errlen, "--file %s: %s", path, why);
        close(fd);
        return -1;
    }
    /* read(2) straight into the archive's memory: guest RAM with a sink. */
    bool ok = write_header(w, name, S_IFREG | (st.st_mode & 0777), 1, size);
    for (size_t left = size; ok && left;) {
        size_t part = left;
        uint8_t *dst;
        if (!(ok = reserve(w, &part, &dst)))
            break;
        ssize_t got = dst ? read(fd, dst, part) : (ssize_t)part; /* past the limit: only counted */
        if (got < 0 && errno == EINTR)
            continue;
        if (!(ok = got > 0))
            break;
        w->len += (size_t)got;
        left -= (size_t)got;
    }
    close(fd);
    if (ok && pad4(w))
        return 0;
    snprintf(err, errlen, "--file %s: cannot read it", path);
    return -1;
}

int initrd_build(struct cpio_writer *w, const char *program_path, const void *program,
                 size_t program_size, int argc, char *const argv[], const struct initrd_file *files,
                 size_t nfiles, char *err, size_t errlen)
{
    cpio_init(w);
    return initrd_build_into(w, program_path, program, program_size, argc, argv, files, nfiles, err, errlen);
}

int initrd_build_into(struct cpio_writer *w, const char *program_path, const void *program,
                      size_t program_size, int argc, char *const argv[], const struct initrd_file *files,
                      size_t nfiles, char *err, size_t errlen)
{
    char guest_prog[CPIO_NAME_MAX], why[256];
    initrd_program_path(program_path, guest_prog, sizeof guest_prog);
    if (cpio_add_file(w, guest_prog, 0755, program, program_size, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", program_path, why);
        goto fail;
    }

    /* boot/argv: "/bin/NAME\0arg1\0arg2\0". */
    size_t argv_len = strlen(guest_prog) + 1;
    for (int i = 0; i < argc; i++)
        argv_len += strlen(argv[i]) + 1;
    char *args = malloc(argv_len), *p = args;
    if (!args) {
        snprintf(err, errlen, "out of host memory building the initrd");
        goto fail;
    }
    p = stpcpy(p, guest_prog) + 1;
    for (int i = 0; i < argc; i++)
        p = stpcpy(p, argv[i]) + 1;
    int rc = cpio_add_file(w, "/boot/argv", 0644, args, argv_len, why, sizeof why);
    free(args);
    if (rc != 0) {
        snprintf(err, errlen, "arguments: %s", why);
        goto fail;
    }

    for (size_t i = 0; i < nfiles; i++) {
        char guest[CPIO_NAME_MAX];
        if (files[i].guest_path)
            snprintf(guest, sizeof guest, "%s", files[i].guest_path);
        else
            snprintf(guest, sizeof guest, "/%s", base_name(files[i].host_path));
        if (add_host_file(w, guest, files[i].host_path, err, errlen) != 0)
            goto fail;
    }
    if (cpio_finish(w, err, errlen) == 0)
        return 0;
fail:
    cpio_free(w);
    return -1;
}
