/* procfs.c — /proc/PID/exe and /proc/PID/fd/N (see procfs.h). */
#include "procfs.h"
#include "proc.h"
#include "string.h"

/* Parse a decimal number ending at '/' or the end; the rest in *end. */
static bool parse_number(const char *s, long *out, const char **end)
{
    long v = 0;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > 1000000000)
            return false;
    }
    *out = v;
    *end = s;
    return *s == 0 || *s == '/';
}

static struct proc *proc_by_pid(long pid)
{
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state == PROC_ALIVE && p->pid == pid)
            return p;
    }
    return 0;
}

bool procfs_link(const char *path, char *target, size_t size, bool *missing)
{
    *missing = false;
    if (strncmp(path, "/proc/", 6))
        return false;
    const char *rest = path + 6;
    struct proc *p;
    if (!strncmp(rest, "self", 4) && (rest[4] == '/' || !rest[4])) {
        p = current_proc();
        rest += 4;
    } else {
        long pid;
        if (!parse_number(rest, &pid, &rest))
            return false;
        p = proc_by_pid(pid);
        if (!p) {
            *missing = true;
            return false;
        }
    }
    if (!strcmp(rest, "/exe")) {
        strlcpy(target, p->exe, size);
        return true;
    }
    if (!strncmp(rest, "/fd/", 4)) {
        long fd;
        const char *end;
        if (!parse_number(rest + 4, &fd, &end) || *end)
            return false;
        struct file *f = fd < p->nfiles ? p->files[fd] : 0;
        if (!f) {
            *missing = true;
            return false;
        }
        if (f->kind != FILE_INODE) {
            strlcpy(target, "pipe:[0]", size); /* what readlink shows; not a path */
            return true;
        }
        strlcpy(target, f->inode->path, size);
        return true;
    }
    return false;
}
