/* sysflags.h — names of the Linux x86-64 ABI's flag words and enum values
 * (PROT_*, MAP_*, O_*, AT_*, CLONE_*, signals, fcntl and ioctl commands,
 * whence, futex operations, clocks...), as strace prints them.  The
 * argument decoder (syscalls.c) prints a flag word by going through its
 * table in order, naming every entry whose bits are all set. */
#ifndef RINGSCOPE_TRACE_SYSFLAGS_H
#define RINGSCOPE_TRACE_SYSFLAGS_H
#include <stddef.h>
#include <stdint.h>

struct sys_name {
    uint64_t value;
    const char *name;
};

/* Each table ends with {0, NULL}. */
extern const struct sys_name sys_prot_flags[], sys_map_types[], sys_map_flags[],
    sys_open_access[], sys_open_flags[], sys_at_flags[], sys_clone_flags[], sys_fcntl_cmds[],
    sys_fd_flags[], sys_ioctl_cmds[], sys_whence[], sys_futex_ops[], sys_clocks[],
    sys_timer_flags[], sys_sigmask_how[], sys_sa_flags[], sys_poll_events[],
    sys_arch_prctl_codes[], sys_wait_options[], sys_madvice[], sys_mremap_flags[],
    sys_msync_flags[], sys_socket_families[], sys_socket_types[], sys_socket_type_flags[],
    sys_pipe_flags[], sys_rlimits[], sys_access_modes[], sys_wait_idtypes[], sys_child_codes[],
    sys_statx_sync[], sys_statx_at_flags[], sys_statx_mask[], sys_termios_iflags[],
    sys_termios_oflags[], sys_termios_cflags[], sys_termios_lflags[], sys_termios_bauds[];

/* The name of value v in an enum table, or NULL. */
const char *sys_lookup(const struct sys_name *table, uint64_t v);

/* "SIGINT", "SIGRTMIN", "SIGRT_3", or the number. Returns the length. */
size_t sys_signal_name(uint64_t sig, char *buf, size_t cap);

#endif
