/* procfs.h — the "magic" symbolic links of /proc (os/procfs.c).
 *
 * /proc/self/exe and /proc/PID/exe name a process's program, and
 * /proc/self/fd/N (/proc/PID/fd/N) the file behind a descriptor.  They are
 * not inodes: like Linux's proc_pid_get_link, a path walk that follows them
 * jumps to what they name, so open, stat and execve of /proc/self/exe reach
 * the program (busybox's shell runs its applets that way). */
#ifndef OS_PROCFS_H
#define OS_PROCFS_H
#include <stdbool.h>
#include <stddef.h>
#include "file.h"

/* If path (absolute, normalized) is one of those links, copy its target
 * into target (size bytes) and return true; false otherwise (also for a
 * pid or descriptor that does not exist: *missing is set then). */
bool procfs_link(const char *path, char *target, size_t size, bool *missing);

/* /proc/self/fd/N (or /proc/PID/fd/N): the inode of that descriptor's
 * file, even one with no name left (O_TMPFILE, unlinked); NULL otherwise. */
struct inode *procfs_fd_inode(const char *path);
/* The open file itself (opening /proc/self/fd/N of a pipe reaches the pipe). */
struct file *procfs_fd_file(const char *path);

/* /proc/self/status and /proc/PID/status (a zombie's too): the process
 * it names, or NULL (not such a path, or no such pid: *missing then). */
struct proc *procfs_status_proc(const char *path, bool *missing);
/* Its text as Linux's proc(5) gives it (Name, State, Tgid, Pid, PPid,
 * Threads, ...) into buf; returns the length (snprintf's). */
int procfs_status_text(struct proc *p, char *buf, size_t size);
/* /proc/self/task and /proc/PID/task: the process whose threads it lists
 * (one directory per thread, named by its tid), or NULL as above. */
struct proc *procfs_task_proc(const char *path, bool *missing);
/* The tids of p's live threads into tids (at most max); the count. */
int procfs_task_tids(struct proc *p, int *tids, int max);

#endif
