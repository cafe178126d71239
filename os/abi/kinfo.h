/* kinfo.h — where a debugger finds the guest kernel's own bookkeeping, like
 * Linux's VMCOREINFO for crash dumps: the kernel publishes one table, the
 * global `kernel_kinfo` in its image, giving the addresses of its process,
 * thread and frame tables and the offsets of the fields a debugger reads
 * (the kernel fills them with offsetof, so the layout can change freely).
 * Shared ABI between the guest kernel (os/kinfo.c) and the host
 * (debugger/kstate.c): plain stdint, nothing else.
 *
 * All addresses are kernel virtual addresses, readable through the page
 * tables at kernel_pml4 (the upper half is the same in every address
 * space).  The host reads the tables while the machine is stopped, so what
 * it shows is exactly the kernel's state at that instruction.  Until the
 * kernel has filled the table, magic is 0. */
#ifndef RINGSCOPE_ABI_KINFO_H
#define RINGSCOPE_ABI_KINFO_H
#include <stdint.h>

#define KINFO_MAGIC 0x4f464e494b53524bull /* "KRSKINFO" little-endian */
#define KINFO_VERSION 1
#define KINFO_SYMBOL "kernel_kinfo"

struct kinfo {
    uint64_t magic;             /* KINFO_MAGIC once filled */
    uint32_t version, size;     /* KINFO_VERSION, sizeof(struct kinfo) */
    uint64_t kernel_pml4;       /* physical address of the kernel's own top-level page table */
    uint64_t direct_map_base;   /* virtual address of physical 0 */

    /* Processes and threads: arrays of pointers with a count of the slots
     * in use (NULL slots are free). */
    uint64_t procs, nprocs;     /* struct proc *[]; int */
    uint64_t threads, nthreads; /* struct thread *[]; int */
    uint64_t running;           /* struct thread *: on the CPU (NULL: the scheduler) */
    uint32_t proc_state, proc_pid, proc_parent, proc_mm, proc_nthreads, proc_exit_status, proc_name,
        proc_name_size, proc_stopped;
    uint32_t proc_state_alive, proc_state_zombie;   /* enum proc_state values */
    uint32_t thread_state, thread_tid, thread_proc, thread_sleep_chan, thread_wake_ns, thread_fs_base,
        thread_syscall_nr, thread_tf;
    uint32_t thread_state_runnable, thread_state_running, thread_state_sleeping, thread_state_dead;
    uint32_t tf_rip, tf_rsp, tf_cs;                 /* struct trapframe */

    /* Address spaces (struct mm) and their areas (struct vma). */
    uint32_t mm_pml4;           /* uint64_t *: direct-map address of the top-level table */
    uint32_t mm_vmas, mm_nvmas, mm_brk_start, mm_brk;
    uint32_t vma_size, vma_start, vma_end, vma_prot, vma_kind, vma_flags, vma_obj;
    uint32_t vma_kind_program, vma_kind_heap, vma_kind_stack, vma_kind_guard, vma_kind_anon;
    uint32_t vma_flag_shared;
    uint32_t prot_read, prot_write, prot_exec;
    /* A not-present user PTE with these bits set holds a pagefile slot
     * number in bits 51:12: the page was swapped out. */
    uint64_t pte_swapped_mask;

    /* Physical frames (frame.c): a reference count per frame number,
     * 0 = free or never handed out; the counts the allocator keeps. */
    uint64_t frame_refcount;    /* uint16_t **: the array's address is stored here */
    uint64_t frame_limit;       /* uint64_t *: frames in the array */
    uint64_t frame_free_count;  /* uint64_t * */
    uint64_t frame_total_count; /* uint64_t * */
    uint64_t swap_nslots;       /* uint64_t *: pagefile slots (0: no pagefile) */
    uint64_t swap_slots_free;   /* uint64_t *: of which free (slot 0 counts as used, never free) */
    uint64_t swap_slot_used;    /* uint64_t **: bitmap, bit s set while slot s is in use (or is slot 0) */
};

#endif
