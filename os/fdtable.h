/* fdtable.h — a process's descriptor table (os/fdtable.c).
 *
 * Descriptors index proc->files, which grows from the kernel heap (doubling)
 * up to the soft RLIMIT_NOFILE; a new descriptor is the lowest free one at
 * or above the lowest asked for (POSIX), EMFILE at the limit.  Each
 * descriptor also has its FD_CLOEXEC flag. */
#ifndef OS_FDTABLE_H
#define OS_FDTABLE_H
#include <stdbool.h>
#include <stdint.h>
#include "proc.h"

int fd_table_init(struct proc *p);   /* 0 or -ENOMEM */
void fd_table_free(struct proc *p);  /* after fd_close_all */
/* fork: the child shares every open file of the parent (same flags). */
int fd_table_copy(struct proc *child, const struct proc *parent);
struct file *fd_get(struct proc *p, uint64_t fd);
/* Install f at the lowest free descriptor >= lowest: the descriptor, or
 * -EMFILE (none free below RLIMIT_NOFILE), -ENOMEM. */
int fd_alloc(struct proc *p, struct file *f, uint64_t lowest, bool cloexec);
/* Put f at exactly fd (closing what was there): 0, -EBADF past the limit. */
int fd_install_at(struct proc *p, uint64_t fd, struct file *f, bool cloexec);
void fd_close(struct proc *p, uint64_t fd);
void fd_close_all(struct proc *p);
void fd_close_on_exec(struct proc *p);
bool fd_cloexec(const struct proc *p, uint64_t fd);
void fd_set_cloexec(struct proc *p, uint64_t fd, bool on);
/* How many descriptors are open (the table may be larger). */
int fd_count(const struct proc *p);

#endif
