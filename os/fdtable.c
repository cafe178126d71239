/* fdtable.c — per-process descriptor tables (see fdtable.h). */
#include "fdtable.h"
#include "errno.h"
#include "file.h"
#include "kheap.h"
#include "lock.h"
#include "string.h"

#define FD_INITIAL 64
#define FLAG_CLOEXEC 1

static uint64_t table_bytes(int n) { return (uint64_t)n * (sizeof(struct file *) + 1); }

/* One allocation holds the pointers and, after them, the flag bytes. */
static int resize(struct proc *p, int n)
{
    struct file **files = kheap_alloc(table_bytes(n));
    if (!files)
        return -ENOMEM;
    uint8_t *flags = (uint8_t *)(files + n);
    if (p->files) {
        memcpy(files, p->files, (uint64_t)p->nfiles * sizeof *files);
        memcpy(flags, p->fd_flags, (uint64_t)p->nfiles);
        kheap_free(p->files, table_bytes(p->nfiles));
    }
    p->files = files;
    p->fd_flags = flags;
    p->nfiles = n;
    return 0;
}

int fd_table_init(struct proc *p)
{
    p->files = 0;
    p->nfiles = 0;
    p->nofile_cur = NOFILE_DEFAULT;
    p->nofile_max = NOFILE_MAX;
    return resize(p, FD_INITIAL);
}

void fd_table_free(struct proc *p)
{
    if (p->files)
        kheap_free(p->files, table_bytes(p->nfiles));
    p->files = 0;
    p->fd_flags = 0;
    p->nfiles = 0;
}

int fd_table_copy(struct proc *child, const struct proc *parent)
{
    if (child->nfiles < parent->nfiles && resize(child, parent->nfiles))
        return -ENOMEM;
    for (int fd = 0; fd < parent->nfiles; fd++) {
        child->files[fd] = parent->files[fd] ? file_dup(parent->files[fd]) : 0;
        child->fd_flags[fd] = parent->fd_flags[fd];
    }
    child->nofile_cur = parent->nofile_cur;
    child->nofile_max = parent->nofile_max;
    return 0;
}

struct file *fd_get(struct proc *p, uint64_t fd) { return fd < (uint64_t)p->nfiles ? p->files[fd] : 0; }

/* Room for descriptor fd (below the limit). */
static int reach(struct proc *p, uint64_t fd)
{
    if (fd < (uint64_t)p->nfiles)
        return 0;
    uint64_t n = p->nfiles ? (uint64_t)p->nfiles : FD_INITIAL;
    while (n <= fd)
        n *= 2;
    if (n > NOFILE_MAX)
        n = NOFILE_MAX;
    return resize(p, (int)n);
}

int fd_alloc(struct proc *p, struct file *f, uint64_t lowest, bool cloexec)
{
    for (uint64_t fd = lowest; fd < p->nofile_cur; fd++) {
        if (fd < (uint64_t)p->nfiles && p->files[fd])
            continue;
        if (reach(p, fd))
            return -ENOMEM;
        p->files[fd] = f;
        p->fd_flags[fd] = cloexec ? FLAG_CLOEXEC : 0;
        return (int)fd;
    }
    return -EMFILE;
}

int fd_install_at(struct proc *p, uint64_t fd, struct file *f, bool cloexec)
{
    if (fd >= p->nofile_cur)
        return -EBADF;
    if (reach(p, fd))
        return -ENOMEM;
    if (p->files[fd])
        fd_close(p, fd);
    p->files[fd] = f;
    p->fd_flags[fd] = cloexec ? FLAG_CLOEXEC : 0;
    return 0;
}

void fd_close(struct proc *p, uint64_t fd)
{
    struct file *f = fd_get(p, fd);
    if (!f)
        return;
    p->files[fd] = 0;
    p->fd_flags[fd] = 0;
    lock_release_posix(p, f); /* POSIX: closing any descriptor of a file drops the process's locks on it */
    file_close(f);
}

void fd_close_all(struct proc *p)
{
    for (int fd = 0; fd < p->nfiles; fd++)
        fd_close(p, (uint64_t)fd);
}

void fd_close_on_exec(struct proc *p)
{
    for (int fd = 0; fd < p->nfiles; fd++)
        if (p->fd_flags[fd] & FLAG_CLOEXEC)
            fd_close(p, (uint64_t)fd);
}

bool fd_cloexec(const struct proc *p, uint64_t fd)
{
    return fd < (uint64_t)p->nfiles && (p->fd_flags[fd] & FLAG_CLOEXEC);
}

void fd_set_cloexec(struct proc *p, uint64_t fd, bool on)
{
    if (fd < (uint64_t)p->nfiles)
        p->fd_flags[fd] = on ? FLAG_CLOEXEC : 0;
}

int fd_count(const struct proc *p)
{
    int n = 0;
    for (int fd = 0; fd < p->nfiles; fd++)
        n += p->files[fd] != 0;
    return n;
}
