/* lock.c — advisory file locks (see lock.h).
 *
 * One table of held locks.  A request first looks for a lock of another
 * owner that overlaps its range in the same space and conflicts (a write
 * lock conflicts with everything, read locks only with writes).  Without
 * one, the owner's own locks in the range are cut away (split when the new
 * range lies inside one) and the new lock is added — so a process can turn
 * a read lock into a write lock, or unlock the middle of a range.  With
 * one, F_SETLK and LOCK_NB fail with EAGAIN, and F_SETLKW / flock sleep
 * until a lock of that inode is released, then look again.  Before a POSIX
 * waiter sleeps it follows the chain "the holder is itself waiting for a
 * lock held by ..." and fails with EDEADLK if the chain comes back to it,
 * as Linux's posix_locks_deadlock does. */
#include "lock.h"
#include "errno.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "uaccess.h"

#define MAX_LOCKS 512
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define OFFSET_MAX INT64_MAX
#define DEADLOCK_DEPTH 10
#define MAX_LOCK_WAITERS 256

enum lock_kind { LOCK_FREE, LOCK_POSIX, LOCK_OFD, LOCK_FLOCK };

struct lock {
    enum lock_kind kind;
    int type;                 /* F_RDLCK or F_WRLCK */
    struct inode *inode;
    uint64_t start, end;      /* inclusive */
    struct proc *proc;        /* LOCK_POSIX: the owner; others: who set it (for l_pid) */
    struct file *file;        /* LOCK_OFD, LOCK_FLOCK: the owner */
};

static struct lock locks[MAX_LOCKS];
/* Slots from here on have never held a lock (still LOCK_FREE): the loops
 * that look for a file's or a process's locks stop here, so the close of
 * a file when nobody uses locks (nearly always) costs no scan of the table. */
static int locks_ever_used;

/* Which process waits (F_SETLKW) for a lock held by which: deadlock detection. */
static struct {
    struct proc *waiter, *holder;
} waits[MAX_LOCK_WAITERS];

/* flock's space is separate from the record locks'. */
static bool same_space(enum lock_kind a, enum lock_kind b) { return (a == LOCK_FLOCK) == (b == LOCK_FLOCK); }

static bool same_owner(const struct lock *l, const struct lock *req)
{
    if (l->kind == LOCK_POSIX && req->kind == LOCK_POSIX)
        return l->proc == req->proc;
    if (l->kind != LOCK_POSIX && req->kind != LOCK_POSIX)
        return l->file == req->file;
    return false;
}

static bool overlaps(const struct lock *l, const struct lock *req) { return l->start <= req->end && req->start <= l->end; }

static struct lock *find_conflict(const struct lock *req)
{
    for (int i = 0; i < locks_ever_used; i++) {
        struct lock *l = &locks[i];
        if (l->kind == LOCK_FREE || l->inode != req->inode || !same_space(l->kind, req->kind) ||
            same_owner(l, req) || !overlaps(l, req))
            continue;
        if (l->type == F_WRLCK || req->type == F_WRLCK)
            return l;
    }
    return 0;
}

static struct lock *free_slot(void)
{
    for (int i = 0; i < MAX_LOCKS; i++)
        if (locks[i].kind == LOCK_FREE) {
            if (i >= locks_ever_used)
                locks_ever_used = i + 1;
            return &locks[i];
        }
    return 0;
}

/* Cut the owner's locks out of req's range, then add req (unless it is an
 * unlock).  Checks for room first so that a failure changes nothing. */
static long apply(const struct lock *req, int type)
{
    int free = 0, need = type == F_UNLCK ? 0 : 1;
    for (int i = 0; i < MAX_LOCKS; i++) {
        struct lock *l = &locks[i];
        free += l->kind == LOCK_FREE;
        if (l->kind != LOCK_FREE && l->inode == req->inode && same_space(l->kind, req->kind) &&
            same_owner(l, req) && l->start < req->start && l->end > req->end)
            need++; /* split in two */
    }
    if (free < need)
        return -ENOLCK;
    bool released = false;
    for (int i = 0; i < MAX_LOCKS; i++) {
        struct lock *l = &locks[i];
        if (l->kind == LOCK_FREE || l->inode != req->inode || !same_space(l->kind, req->kind) ||
            !same_owner(l, req) || !overlaps(l, req))
            continue;
        released = true;
        if (l->start < req->start && l->end > req->end) {
            struct lock *right = free_slot();
            *right = *l;
            right->start = req->end + 1;
            l->end = req->start - 1;
        } else if (l->start < req->start) {
            l->end = req->start - 1;
        } else if (l->end > req->end) {
            l->start = req->end + 1;
        } else {
            l->kind = LOCK_FREE;
        }
    }
    if (type != F_UNLCK) {
        struct lock *l = free_slot();
        *l = *req;
        l->type = type;
    }
    if (released)
        wakeup(req->inode); /* waiters look again */
    return 0;
}

static struct proc *waiting_for(const struct proc *p)
{
    for (unsigned i = 0; i < sizeof waits / sizeof waits[0]; i++)
        if (waits[i].waiter == p)
            return waits[i].holder;
    return 0;
}

static bool would_deadlock(struct proc *me, struct proc *holder)
{
    for (int depth = 0; holder && depth < DEADLOCK_DEPTH; depth++) {
        if (holder == me)
            return true;
        holder = waiting_for(holder);
    }
    return false;
}

static void set_waiting(struct proc *me, struct proc *holder)
{
    for (unsigned i = 0; i < sizeof waits / sizeof waits[0]; i++)
        if (waits[i].waiter == me)
            waits[i].waiter = 0;
    if (!holder)
        return;
    for (unsigned i = 0; i < sizeof waits / sizeof waits[0]; i++)
        if (!waits[i].waiter) {
            waits[i].waiter = me;
            waits[i].holder = holder;
            return;
        }
}

/* Set (or wait for) req of the given type. */
static long set_lock(const struct lock *req, int type, bool wait)
{
    struct lock want = *req;
    want.type = type;
    for (;;) {
        struct lock *c = type == F_UNLCK ? 0 : find_conflict(&want);
        if (!c)
            break;
        if (!wait)
            return -EAGAIN;
        if (req->kind == LOCK_POSIX && c->kind == LOCK_POSIX && would_deadlock(req->proc, c->proc))
            return -EDEADLK;
        if (signal_interrupted())
            return -ERESTARTSYS;
        if (req->kind == LOCK_POSIX && c->kind == LOCK_POSIX)
            set_waiting(req->proc, c->proc);
        sleep_on(req->inode);
        set_waiting(req->proc, 0);
    }
    return apply(req, type);
}

/* struct flock (x86-64): l_type, l_whence, l_start, l_len, l_pid. */
struct kflock {
    int16_t type, whence;
    int32_t pad;
    int64_t start, len;
    int32_t pid, pad2;
};
_Static_assert(sizeof(struct kflock) == 32, "struct flock layout");

/* The byte range of a struct flock: l_start from l_whence, l_len 0 = to
 * the end of any file size, a negative l_len = the bytes before l_start. */
static long flock_range(const struct file *f, const struct kflock *fl, uint64_t *start, uint64_t *end)
{
    int64_t base;
    switch (fl->whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->offset; break;
    case SEEK_END: base = (int64_t)f->inode->size; break;
    default: return -EINVAL;
    }
    if (fl->start > OFFSET_MAX - base)
        return -EOVERFLOW;
    int64_t s = base + fl->start, e;
    if (s < 0)
        return -EINVAL;
    if (fl->len > 0) {
        if (fl->len - 1 > OFFSET_MAX - s)
            return -EOVERFLOW;
        e = s + fl->len - 1;
    } else if (fl->len < 0) {
        e = s - 1;
        s += fl->len;
        if (s < 0)
            return -EINVAL;
    } else {
        e = OFFSET_MAX;
    }
    *start = (uint64_t)s;
    *end = (uint64_t)e;
    return 0;
}

long lock_fcntl(struct file *f, int cmd, uint64_t uflock)
{
    struct kflock fl;
    if (get_user(&fl, uflock, sizeof fl))
        return -EFAULT;
    if (f->kind != FILE_INODE)
        return -EBADF; /* no locks on pipes here */
    bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    if (ofd && fl.pid != 0)
        return -EINVAL;
    if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK)
        return -EINVAL;
    struct lock req = {.kind = ofd ? LOCK_OFD : LOCK_POSIX, .inode = f->inode, .proc = current_proc(), .file = f};
    long err = flock_range(f, &fl, &req.start, &req.end);
    if (err)
        return err;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        if (fl.type == F_UNLCK)
            return -EINVAL;
        req.type = fl.type;
        struct lock *c = find_conflict(&req);
        if (!c) {
            fl.type = F_UNLCK;
        } else {
            fl.type = (int16_t)c->type;
            fl.whence = SEEK_SET;
            fl.start = (int64_t)c->start;
            fl.len = c->end == OFFSET_MAX ? 0 : (int64_t)(c->end - c->start + 1);
            fl.pid = c->kind == LOCK_POSIX ? c->proc->pid : -1;
        }
        return put_user(uflock, &fl, sizeof fl) ? -EFAULT : 0;
    }
    if ((fl.type == F_RDLCK && !file_readable(f)) || (fl.type == F_WRLCK && !file_writable(f)))
        return -EBADF;
    return set_lock(&req, fl.type, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

long lock_flock(struct file *f, int operation)
{
    if (f->kind != FILE_INODE)
        return -EINVAL;
    struct lock req = {.kind = LOCK_FLOCK, .inode = f->inode, .proc = current_proc(), .file = f,
                       .start = 0, .end = OFFSET_MAX};
    int type;
    switch (operation & ~LOCK_NB) {
    case LOCK_SH: type = F_RDLCK; break;
    case LOCK_EX: type = F_WRLCK; break;
    case LOCK_UN: type = F_UNLCK; break;
    default: return -EINVAL;
    }
    long err = set_lock(&req, type, !(operation & LOCK_NB));
    return err == -EAGAIN ? -EWOULDBLOCK : err;
}

void lock_release_posix(struct proc *p, struct file *f)
{
    if (f->kind != FILE_INODE)
        return;
    bool released = false;
    for (int i = 0; i < locks_ever_used; i++)
        if (locks[i].kind == LOCK_POSIX && locks[i].proc == p && locks[i].inode == f->inode) {
            locks[i].kind = LOCK_FREE;
            released = true;
        }
    if (released)
        wakeup(f->inode);
}

void lock_release_file(struct file *f)
{
    if (f->kind != FILE_INODE)
        return;
    bool released = false;
    for (int i = 0; i < locks_ever_used; i++)
        if ((locks[i].kind == LOCK_OFD || locks[i].kind == LOCK_FLOCK) && locks[i].file == f) {
            locks[i].kind = LOCK_FREE;
            released = true;
        }
    if (released)
        wakeup(f->inode);
}
