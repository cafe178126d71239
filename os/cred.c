/* cred.c — credentials and their system calls (see cred.h): getuid,
 * geteuid, getgid, getegid, setuid, setgid, setreuid, setregid, setresuid,
 * setresgid, getresuid, getresgid, getgroups, setgroups. */
#include "cred.h"
#include "errno.h"
#include "fs.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

#define NO_CHANGE 0xFFFFFFFFu /* (uid_t)-1: "leave this id as it is" */
#define NGROUPS_KEPT ((int)(sizeof ((struct proc *)0)->groups / sizeof(uint32_t)))

void cred_copy(struct proc *child, const struct proc *parent)
{
    child->ruid = parent->ruid, child->euid = parent->euid, child->suid = parent->suid;
    child->rgid = parent->rgid, child->egid = parent->egid, child->sgid = parent->sgid;
    child->ngroups = parent->ngroups;
    memcpy(child->groups, parent->groups, sizeof child->groups);
}

void cred_base_files(void)
{
    static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
    static const char group[] = "root:x:0:\n";
    if (!fs_lookup("/etc/passwd"))
        fs_add_file("/etc/passwd", passwd, sizeof passwd - 1, 0644);
    if (!fs_lookup("/etc/group"))
        fs_add_file("/etc/group", group, sizeof group - 1, 0644);
}

long sys_getuid(struct trapframe *tf) { (void)tf; return current_proc()->ruid; }
long sys_geteuid(struct trapframe *tf) { (void)tf; return current_proc()->euid; }
long sys_getgid(struct trapframe *tf) { (void)tf; return current_proc()->rgid; }
long sys_getegid(struct trapframe *tf) { (void)tf; return current_proc()->egid; }

/* The three ids of one kind: user (ids[0..2] = real, effective, saved). */
struct idset {
    uint32_t *real, *eff, *saved;
};

static struct idset user_ids(struct proc *p) { return (struct idset){&p->ruid, &p->euid, &p->suid}; }
static struct idset group_ids(struct proc *p) { return (struct idset){&p->rgid, &p->egid, &p->sgid}; }

static bool privileged(void) { return current_proc()->euid == 0; }

static bool one_of_own(struct idset s, uint32_t id) { return id == *s.real || id == *s.eff || id == *s.saved; }

/* setuid(id): root sets all three; others only the effective id, to their
 * real or saved one. */
static long set_id(struct idset s, uint32_t id)
{
    if (id == NO_CHANGE)
        return -EINVAL;
    if (privileged()) {
        *s.real = *s.eff = *s.saved = id;
        return 0;
    }
    if (id != *s.real && id != *s.saved)
        return -EPERM;
    *s.eff = id;
    return 0;
}

/* setreuid(r, e): the saved id follows the new effective one when the
 * real id is set or the effective one becomes other than the old real. */
static long set_re_id(struct idset s, uint32_t r, uint32_t e)
{
    uint32_t old_real = *s.real;
    if (!privileged()) {
        if (r != NO_CHANGE && r != *s.real && r != *s.eff)
            return -EPERM;
        if (e != NO_CHANGE && !one_of_own(s, e))
            return -EPERM;
    }
    if (r != NO_CHANGE)
        *s.real = r;
    if (e != NO_CHANGE)
        *s.eff = e;
    if (r != NO_CHANGE || (e != NO_CHANGE && e != old_real))
        *s.saved = *s.eff;
    return 0;
}

static long set_res_id(struct idset s, uint32_t r, uint32_t e, uint32_t sv)
{
    if (!privileged() && ((r != NO_CHANGE && !one_of_own(s, r)) || (e != NO_CHANGE && !one_of_own(s, e)) ||
                          (sv != NO_CHANGE && !one_of_own(s, sv))))
        return -EPERM;
    if (r != NO_CHANGE)
        *s.real = r;
    if (e != NO_CHANGE)
        *s.eff = e;
    if (sv != NO_CHANGE)
        *s.saved = sv;
    return 0;
}

static long get_res_id(struct idset s, uint64_t ur, uint64_t ue, uint64_t us)
{
    if (put_user(ur, s.real, 4) || put_user(ue, s.eff, 4) || put_user(us, s.saved, 4))
        return -EFAULT;
    return 0;
}

/* The privilege check comes first (setuid may drop it); the user ids are
 * checked against euid 0, group ids too (CAP_SETGID goes with root). */
long sys_setuid(struct trapframe *tf) { return set_id(user_ids(current_proc()), (uint32_t)ARG0(tf)); }
long sys_setgid(struct trapframe *tf) { return set_id(group_ids(current_proc()), (uint32_t)ARG0(tf)); }
long sys_setreuid(struct trapframe *tf)
{
    return set_re_id(user_ids(current_proc()), (uint32_t)ARG0(tf), (uint32_t)ARG1(tf));
}
long sys_setregid(struct trapframe *tf)
{
    return set_re_id(group_ids(current_proc()), (uint32_t)ARG0(tf), (uint32_t)ARG1(tf));
}
long sys_setresuid(struct trapframe *tf)
{
    return set_res_id(user_ids(current_proc()), (uint32_t)ARG0(tf), (uint32_t)ARG1(tf), (uint32_t)ARG2(tf));
}
long sys_setresgid(struct trapframe *tf)
{
    return set_res_id(group_ids(current_proc()), (uint32_t)ARG0(tf), (uint32_t)ARG1(tf), (uint32_t)ARG2(tf));
}
long sys_getresuid(struct trapframe *tf) { return get_res_id(user_ids(current_proc()), ARG0(tf), ARG1(tf), ARG2(tf)); }
long sys_getresgid(struct trapframe *tf) { return get_res_id(group_ids(current_proc()), ARG0(tf), ARG1(tf), ARG2(tf)); }

/* getgroups(size, list): size 0 asks only for the count. */
long sys_getgroups(struct trapframe *tf)
{
    struct proc *p = current_proc();
    int64_t size = (int32_t)ARG0(tf);
    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return p->ngroups;
    if (size < p->ngroups)
        return -EINVAL;
    if (p->ngroups && put_user(ARG1(tf), p->groups, (uint64_t)p->ngroups * 4))
        return -EFAULT;
    return p->ngroups;
}

/* setgroups(size, list): root only.  Linux takes up to NGROUPS_MAX (65536);
 * this kernel keeps 32 and says EINVAL past that. */
long sys_setgroups(struct trapframe *tf)
{
    struct proc *p = current_proc();
    uint64_t size = ARG0(tf);
    uint32_t groups[NGROUPS_KEPT];
    if (!privileged())
        return -EPERM;
    if (size > (uint64_t)NGROUPS_KEPT)
        return -EINVAL;
    if (size && get_user(groups, ARG1(tf), size * 4))
        return -EFAULT;
    for (uint64_t i = 1; i < size; i++) /* kept sorted, as Linux's groups_sort */
        for (uint64_t j = i; j > 0 && groups[j - 1] > groups[j]; j--) {
            uint32_t g = groups[j];
            groups[j] = groups[j - 1];
            groups[j - 1] = g;
        }
    memcpy(p->groups, groups, size * 4);
    p->ngroups = (int)size;
    return 0;
}
