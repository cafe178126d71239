/* lock.h — advisory file locks (os/lock.c): POSIX record locks
 * (fcntl F_SETLK/F_SETLKW/F_GETLK), open-file-description locks
 * (F_OFD_SETLK/F_OFD_SETLKW/F_OFD_GETLK) and flock(2).
 *
 * Record locks (POSIX and OFD share one space: they conflict with each
 * other) cover byte ranges of an inode; a POSIX lock belongs to a process
 * and goes away when that process closes ANY descriptor of the file or
 * exits; an OFD lock belongs to the open file and goes away with its last
 * descriptor.  flock locks are a separate space, whole-file, owned by the
 * open file as well (Linux: fs/locks.c). */
#ifndef OS_LOCK_H
#define OS_LOCK_H
#include <stdint.h>
#include "file.h"

struct proc;

/* fcntl's lock commands: cmd is F_GETLK/F_SETLK/F_SETLKW or the F_OFD_
 * ones, uflock the user's struct flock.  0 or -errno. */
long lock_fcntl(struct file *f, int cmd, uint64_t uflock);
/* flock(fd, operation). */
long lock_flock(struct file *f, int operation);
/* Close of a descriptor of f by p: p's POSIX locks on the file go. */
void lock_release_posix(struct proc *p, struct file *f);
/* The last reference to an open file is gone: its OFD and flock locks go. */
void lock_release_file(struct file *f);

#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38

#endif
