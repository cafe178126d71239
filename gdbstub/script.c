/* script.c — the gdb command file of --gdb-script: symbols of the guest
 * kernel and of the program at the addresses they run at, then the
 * connection.  Both are linked where they run (the kernel at its link
 * address in the upper half, a static program at its own), so gdb reads
 * the addresses from the files: `file` for the program, `add-symbol-file`
 * for the kernel. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gdbstub_write_script(const struct gdbstub *s, const char *path, const char *kernel_path,
                         const char *program_path, char *err, size_t errlen)
{
    char kernel[PATH_MAX], program[PATH_MAX];
    if (!realpath(kernel_path, kernel))
        snprintf(kernel, sizeof kernel, "%s", kernel_path);
    if (program_path && !realpath(program_path, program))
        snprintf(program, sizeof program, "%s", program_path);
    /* Written aside and renamed: whoever waits for the file sees it whole. */
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "--gdb-script %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# ringscope: the guest kernel's and the program's symbols, then the stub.\n");
    fprintf(f, "set pagination off\nset confirm off\n");
    if (program_path)
        fprintf(f, "file %s\n", program);
    fprintf(f, "add-symbol-file %s\n", kernel);
    fprintf(f, "target remote %s:%u\n", s->host, s->port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "--gdb-script %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
