/* syscalls.h — the Linux x86-64 system-call ABI as the tracer shows it:
 * call names by number (arch/x86/entry/syscalls/syscall_64.tbl, 0..450),
 * errno names (include/uapi/asm-generic/errno*.h), and argument decoding
 * for the calls static musl/glibc programs make: paths and short buffers
 * are read from guest memory and shown as quoted C strings. */
#ifndef RINGSCOPE_TRACE_SYSCALLS_H
#define RINGSCOPE_TRACE_SYSCALLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYSCALL_MAX_NR 450

/* "write", or NULL for a number Linux does not define. */
const char *syscall_name(uint64_t nr);
/* "ENOENT" for 2, or NULL. */
const char *errno_name(uint64_t e);

/* Reads guest virtual memory without side effects; false if unmapped. */
typedef bool (*guest_read_fn)(void *ctx, uint64_t va, void *dst, size_t len);

/* The arguments of call nr as text, e.g. `1, "hi\n", 3` for write or
 * `AT_FDCWD, "/tmp/x", 0x241, 0644` for openat; calls without a known
 * signature show six hex values.  Returns the length (buf NUL-terminated). */
size_t syscall_format_args(uint64_t nr, const uint64_t args[6], guest_read_fn read, void *ctx,
                           char *buf, size_t cap);

/* The arguments as strace shows them when the call returns `result`:
 * what the call wrote (a read's buffer, a stat, a timespec, pipe fds) is
 * read from guest memory then; when it failed, such pointers show as
 * addresses. */
size_t syscall_format_exit_args(uint64_t nr, const uint64_t args[6], int64_t result,
                                guest_read_fn read, void *ctx, char *buf, size_t cap);

/* The result as strace shows it: `-1 ENOENT`, an address in hex for calls
 * that return one (mmap, brk, mremap, shmat), else decimal, with poll's
 * ready descriptors or `(Timeout)` and fcntl's flags. */
size_t syscall_format_result(uint64_t nr, const uint64_t args[6], int64_t result,
                             guest_read_fn read, void *ctx, char *buf, size_t cap);
bool syscall_returns_address(uint64_t nr);

/* Guest bytes as a quoted C string with escapes, at most max bytes shown
 * (then `...`); stop_at_nul ends at the first NUL (paths).  Returns the
 * length written. */
size_t format_guest_string(uint64_t va, size_t len, bool stop_at_nul, size_t max,
                           guest_read_fn read, void *ctx, char *buf, size_t cap);

#endif
