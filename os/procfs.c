/* procfs.c — /proc/PID/exe, /proc/PID/fd/N and /proc/PID/status (see procfs.h). */
#include "procfs.h"
#include "fileops.h"
#include "printf.h"
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
        /* what readlink shows for files with no path (not paths themselves):
         * pipe:[N], socket:[N], anon_inode:[eventfd] (fileops.h kinds) */
        if (f->kind == FILE_OPS) {
            if (!strcmp(f->ops->name, "socket"))
                strlcpy(target, "socket:[0]", size);
            else
                ksnprintf(target, size, "anon_inode:[%s]", f->ops->name);
            return true;
        }
        if (!f->inode) {
            strlcpy(target, "pipe:[0]", size);
            return true;
        }
        strlcpy(target, f->inode->path, size);
        return true;
    }
    return false;
}

struct inode *procfs_fd_inode(const char *path)
{
    struct file *f = procfs_fd_file(path);
    return f ? f->inode : 0;
}

struct file *procfs_fd_file(const char *path)
{
    char target[FS_PATH_MAX];
    bool missing;
    if (!procfs_link(path, target, sizeof target, &missing) || strncmp(path, "/proc/", 6))
        return 0;
    const char *fd_part = 0;
    for (const char *p = path; *p; p++)
        if (!strncmp(p, "/fd/", 4))
            fd_part = p + 4;
    if (!fd_part)
        return 0;
    long fd = 0;
    for (; *fd_part >= '0' && *fd_part <= '9'; fd_part++)
        fd = fd * 10 + (*fd_part - '0');
    struct proc *p = current_proc();
    if (strncmp(path, "/proc/self/", 11)) { /* /proc/PID/fd/N */
        long pid = 0;
        for (const char *s = path + 6; *s >= '0' && *s <= '9'; s++)
            pid = pid * 10 + (*s - '0');
        p = proc_by_pid(pid);
    }
    return p && fd < p->nfiles ? p->files[fd] : 0;
}

/* /proc/self/FILE or /proc/PID/FILE: that process (a zombie's too). */
static struct proc *proc_file_owner(const char *path, const char *file, bool *missing)
{
    *missing = false;
    if (!strncmp(path, "/proc/self/", 11) && !strcmp(path + 11, file))
        return current_proc();
    long pid;
    const char *rest;
    if (strncmp(path, "/proc/", 6) || !parse_number(path + 6, &pid, &rest) || rest[0] != '/' ||
        strcmp(rest + 1, file))
        return 0;
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state != PROC_UNUSED && p->pid == pid)
            return p;
    }
    *missing = true;
    return 0;
}

struct proc *procfs_status_proc(const char *path, bool *missing) { return proc_file_owner(path, "status", missing); }
struct proc *procfs_task_proc(const char *path, bool *missing) { return proc_file_owner(path, "task", missing); }

int procfs_task_tids(struct proc *p, int *tids, int max)
{
    int n = 0;
    for (int i = 0; i < thread_slots() && n < max; i++) {
        struct thread *t = thread_table(i);
        if (t->proc == p && t->state != THREAD_UNUSED && t->state != THREAD_DEAD)
            tids[n++] = t->tid;
    }
    return n;
}

/* The process's state as proc(5) words it: a zombie is Z; a process
 * stopped by a signal T; otherwise its main thread's (the one whose tid
 * is the pid, else the first left): R running or runnable, S sleeping in
 * an interruptible wait (every wait of this kernel can be interrupted by a
 * signal). */
static const char *status_state(struct proc *p)
{
    if (p->state == PROC_ZOMBIE)
        return "Z (zombie)";
    if (p->stopped)
        return "T (stopped)";
    struct thread *main = 0;
    for (int i = 0; i < thread_slots(); i++) {
        struct thread *t = thread_table(i);
        if (t->proc != p || t->state == THREAD_UNUSED || t->state == THREAD_DEAD)
            continue;
        if (!main || t->tid == p->pid)
            main = t;
    }
    if (!main)
        return "X (dead)";
    return main->state == THREAD_SLEEPING ? "S (sleeping)" : "R (running)";
}

int procfs_status_text(struct proc *p, char *buf, size_t size)
{
    return ksnprintf(buf, size,
                     "Name:\t%s\nUmask:\t%04u\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
                     "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nThreads:\t%d\n",
                     p->name, (p->umask >> 6 & 7) * 100 + (p->umask >> 3 & 7) * 10 + (p->umask & 7), status_state(p), p->pid, p->pid, p->parent ? p->parent->pid : 0, p->ruid,
                     p->euid, p->suid, p->euid, p->rgid, p->egid, p->sgid, p->egid,
                     p->state == PROC_ZOMBIE ? 1 : p->nthreads);
}
