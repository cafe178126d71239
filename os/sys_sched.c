/* sys_sched.c — scheduling queries and small process-wide settings:
 * sched_getparam/setparam/getscheduler/setscheduler,
 * sched_get_priority_max/min, sched_rr_get_interval, personality,
 * membarrier.
 *
 * There is one policy, SCHED_OTHER at static priority 0, run round robin
 * by the timer tick (proc.c); real-time policies are refused with EPERM,
 * as Linux refuses them to an unprivileged caller.  There is one CPU, so
 * every memory barrier membarrier could ask for already holds once the
 * caller is back in user mode. */
#include "errno.h"
#include "proc.h"
#include "syscall.h"
#include "timer.h"
#include "uaccess.h"

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define PER_LINUX 0
#define PERSONALITY_QUERY 0xffffffffu

/* A pid argument of the sched_* calls: 0 (the caller) or a live process. */
static long check_pid(int64_t pid)
{
    if (pid < 0)
        return -EINVAL;
    if (pid == 0)
        return 0;
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state == PROC_ALIVE && p->pid == pid)
            return 0;
    }
    return thread_by_tid((int)pid) ? 0 : -ESRCH;
}

static bool known_policy(uint64_t policy)
{
    return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_BATCH ||
           policy == SCHED_IDLE;
}

long sys_sched_getscheduler(struct trapframe *tf)
{
    long err = check_pid((int32_t)ARG0(tf));
    return err ? err : SCHED_OTHER;
}

long sys_sched_getparam(struct trapframe *tf)
{
    long err = check_pid((int32_t)ARG0(tf));
    if (err)
        return err;
    int32_t priority = 0;
    return put_user(ARG1(tf), &priority, sizeof priority) ? -EFAULT : 0;
}

/* The only priority of SCHED_OTHER is 0. */
static long set_param(int64_t pid, uint64_t policy, uint64_t uparam)
{
    long err = check_pid(pid);
    if (err)
        return err;
    int32_t priority;
    if (!uparam || get_user(&priority, uparam, sizeof priority))
        return -EFAULT;
    if (!known_policy(policy))
        return -EINVAL;
    bool realtime = policy == SCHED_FIFO || policy == SCHED_RR;
    if (realtime ? priority < 1 || priority > 99 : priority != 0)
        return -EINVAL;
    return realtime ? -EPERM : 0; /* BATCH and IDLE behave as OTHER here */
}

long sys_sched_setparam(struct trapframe *tf) { return set_param((int32_t)ARG0(tf), SCHED_OTHER, ARG1(tf)); }
long sys_sched_setscheduler(struct trapframe *tf)
{
    return set_param((int32_t)ARG0(tf), ARG1(tf) & ~0x40000000ull /* SCHED_RESET_ON_FORK */, ARG2(tf));
}

long sys_sched_get_priority_max(struct trapframe *tf)
{
    uint64_t policy = ARG0(tf);
    if (!known_policy(policy) && policy != SCHED_DEADLINE)
        return -EINVAL;
    return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

long sys_sched_get_priority_min(struct trapframe *tf)
{
    uint64_t policy = ARG0(tf);
    if (!known_policy(policy) && policy != SCHED_DEADLINE)
        return -EINVAL;
    return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

/* The time slice: one timer tick. */
long sys_sched_rr_get_interval(struct trapframe *tf)
{
    long err = check_pid((int32_t)ARG0(tf));
    if (err)
        return err;
    int64_t ts[2] = {0, 1000000000 / TIMER_HZ};
    return put_user(ARG1(tf), ts, sizeof ts) ? -EFAULT : 0;
}

/* personality(2): every process runs as PER_LINUX. */
long sys_personality(struct trapframe *tf)
{
    uint32_t persona = (uint32_t)ARG0(tf);
    if (persona == PERSONALITY_QUERY || persona == PER_LINUX)
        return PER_LINUX;
    return -EINVAL;
}

/* membarrier(cmd, flags, cpu_id) on one CPU: the commands Linux offers
 * without registration, and the private expedited ones with it. */
#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL 1
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED 2
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED 4
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_SUPPORTED                                                                                   \
    (MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |     \
     MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)

long sys_membarrier(struct trapframe *tf)
{
    uint64_t cmd = ARG0(tf);
    if (ARG1(tf))
        return -EINVAL;
    if (cmd == MEMBARRIER_CMD_QUERY)
        return MEMBARRIER_SUPPORTED;
    if (cmd & (cmd - 1) || !(cmd & MEMBARRIER_SUPPORTED))
        return -EINVAL;
    return 0; /* one CPU: the caller's own order is the only order */
}
