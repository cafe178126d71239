/* kinfo.c — the table a debugger reads to find the kernel's processes,
 * threads, address spaces and frames (abi/kinfo.h), like Linux's
 * VMCOREINFO: addresses of the tables and offsetof the fields it needs. */
#include "kinfo.h"

#include <stddef.h>

#include "memlayout.h"
#include "paging.h"
#include "proc.h"
#include "trap.h"
#include "vma.h"

/* The debugger finds it by this name in the kernel's symbol table. */
struct kinfo kernel_kinfo;

void kinfo_init(void)
{
    struct kinfo *k = &kernel_kinfo;
    k->version = KINFO_VERSION;
    k->size = sizeof *k;
    k->direct_map_base = DIRECT_MAP_BASE;
    k->proc_state = offsetof(struct proc, state);
    k->proc_pid = offsetof(struct proc, pid);
    k->proc_parent = offsetof(struct proc, parent);
    k->proc_mm = offsetof(struct proc, mm);
    k->proc_nthreads = offsetof(struct proc, nthreads);
    k->proc_exit_status = offsetof(struct proc, exit_status);
    k->proc_name = offsetof(struct proc, name);
    k->proc_name_size = PROC_NAME_MAX;
    k->proc_stopped = offsetof(struct proc, stopped);
    k->proc_state_alive = PROC_ALIVE;
    k->proc_state_zombie = PROC_ZOMBIE;
    k->thread_state = offsetof(struct thread, state);
    k->thread_tid = offsetof(struct thread, tid);
    k->thread_proc = offsetof(struct thread, proc);
    k->thread_sleep_chan = offsetof(struct thread, sleep_chan);
    k->thread_wake_ns = offsetof(struct thread, wake_ns);
    k->thread_fs_base = offsetof(struct thread, fs_base);
    k->thread_syscall_nr = offsetof(struct thread, syscall_nr);
    k->thread_tf = offsetof(struct thread, tf);
    k->thread_state_runnable = THREAD_RUNNABLE;
    k->thread_state_running = THREAD_RUNNING;
    k->thread_state_sleeping = THREAD_SLEEPING;
    k->thread_state_dead = THREAD_DEAD;
    k->tf_rip = offsetof(struct trapframe, rip);
    k->tf_rsp = offsetof(struct trapframe, rsp);
    k->tf_cs = offsetof(struct trapframe, cs);
    k->mm_pml4 = offsetof(struct mm, pml4);
    k->mm_vmas = offsetof(struct mm, vmas);
    k->mm_nvmas = offsetof(struct mm, nvmas);
    k->mm_brk_start = offsetof(struct mm, brk_start);
    k->mm_brk = offsetof(struct mm, brk);
    k->vma_size = sizeof(struct vma);
    k->vma_start = offsetof(struct vma, start);
    k->vma_end = offsetof(struct vma, end);
    k->vma_prot = offsetof(struct vma, prot);
    k->vma_kind = offsetof(struct vma, kind);
    k->vma_flags = offsetof(struct vma, flags);
    k->vma_obj = offsetof(struct vma, obj);
    k->vma_kind_program = VMA_PROGRAM;
    k->vma_kind_heap = VMA_HEAP;
    k->vma_kind_stack = VMA_STACK;
    k->vma_kind_guard = VMA_GUARD;
    k->vma_kind_anon = VMA_ANON;
    k->vma_flag_shared = VMA_SHARED;
    k->prot_read = PROT_READ;
    k->prot_write = PROT_WRITE;
    k->prot_exec = PROT_EXEC;
    k->pte_swapped_mask = PTE_SWAP;
    vm_kinfo(k);
    frame_kinfo(k);
    swap_kinfo(k);
    proc_kinfo(k);
    /* Last: a reader sees either nothing or the whole table. */
    __atomic_store_n(&k->magic, KINFO_MAGIC, __ATOMIC_RELEASE);
}
