/* cpio.h — the initrd: a cpio "newc" archive built in memory at boot from
 * the program to run, its arguments and any extra files.
 *
 * Format (the "new ASCII" format, magic 070701, the one Linux's initramfs
 * reads — Documentation/driver-api/early-userspace/buffer-format.rst): each
 * entry is a 110-byte header of "070701" and 13 eight-digit hex fields (ino,
 * mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
 * rdevminor, namesize including the NUL, check = 0), the name, NUL padding
 * to a multiple of 4, the data, NUL padding to a multiple of 4; the last
 * entry is named "TRAILER!!!".  Names are relative ("bin/hello"), parent
 * directories come before their contents, and every timestamp, uid and gid
 * is 0 so the same inputs give the same bytes.
 *
 * What the initrd holds (see also os/abi/bootinfo.h):
 *   bin/NAME   the program (NAME = the basename of PROGRAM), mode 0755
 *   boot/argv  argv as consecutive NUL-terminated strings, argv[0] = "/bin/NAME"
 *   GUEST      each --file HOST[:GUEST] (GUEST defaults to /BASENAME of HOST),
 *              with the host file's permission bits */
#ifndef RINGSCOPE_CPIO_H
#define RINGSCOPE_CPIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_NAME_MAX 1024

struct cpio_writer {
    uint8_t *data;         /* the archive in host memory (no sink) */
    size_t len, cap;       /* len: the archive's size so far, with or without a sink */
    /* A sink instead of data (cpio_init_sink): the bytes at offsets below
     * limit are written where span() says; past it nothing is written, but
     * len still counts, so the caller learns the size the archive needed. */
    void *(*span)(void *ctx, size_t offset, size_t n);
    void *span_ctx;
    size_t limit;
    uint32_t next_ino;
    char **dirs;           /* directories already written (no leading slash) */
    size_t ndirs;
    char **files;          /* files already written, to refuse duplicates */
    size_t nfiles;
};

void cpio_init(struct cpio_writer *w);
/* An archive written straight to where it is used (the initrd into guest
 * RAM) instead of into a growing host buffer: no second copy, and no host
 * pages of a buffer to fault in and free.  span(ctx, offset, n) gives the
 * memory for the archive's bytes [offset, offset + n), never past limit;
 * file contents are read(2) into it. */
void cpio_init_sink(struct cpio_writer *w, void *(*span)(void *ctx, size_t offset, size_t n), void *ctx,
                    size_t limit);
void cpio_free(struct cpio_writer *w);
/* Add a regular file at guest path `path` ("/bin/x" or "bin/x"), writing
 * its missing parent directories first.  Returns 0, or -1 with a reason
 * in err (bad path: empty, "." or ".." component, too long; duplicate; out of memory). */
int cpio_add_file(struct cpio_writer *w, const char *path, uint32_t perm, const void *data,
                  size_t size, char *err, size_t errlen);
/* Append the trailer; the archive is then w->data[0 .. w->len). */
int cpio_finish(struct cpio_writer *w, char *err, size_t errlen);

/* One --file option. */
struct initrd_file {
    const char *host_path;
    const char *guest_path; /* NULL: "/" + basename(host_path) */
};

/* Build the whole initrd described above: the program's bytes (already
 * read and validated by the caller) under "/bin/" + basename(program_path),
 * argv[0..argc) the guest's arguments after the program name, and the
 * --file files read from the host.  Returns 0 with the archive in *w
 * (cpio_free it), or -1 with a one-line reason in err naming the offending
 * file. */
int initrd_build(struct cpio_writer *w, const char *program_path, const void *program,
                 size_t program_size, int argc, char *const argv[], const struct initrd_file *files,
                 size_t nfiles, char *err, size_t errlen);
/* The same archive, byte for byte, into a writer already set up with
 * cpio_init_sink: on success w->len is its size, which may exceed
 * w->limit (then only its first limit bytes were written: it does not
 * fit).  -1 as above; cpio_free(w) either way. */
int initrd_build_into(struct cpio_writer *w, const char *program_path, const void *program,
                      size_t program_size, int argc, char *const argv[], const struct initrd_file *files,
                      size_t nfiles, char *err, size_t errlen);

/* The guest path of the program inside the initrd: "/bin/" + basename. */
void initrd_program_path(const char *program_path, char *out, size_t outlen);

#endif
