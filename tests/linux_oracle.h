/* linux_oracle.h — test support: the same static Linux program run natively
 * on the host and on ringscope's guest kernel, so a test can compare the
 * two (the host's Linux is the oracle).  Programs are compiled from source
 * into a per-test temporary directory; every buffer grows as needed, so
 * tests can push megabytes through stdin and stdout.  Tests run from the
 * repository root (they boot build/os/kernel.elf). */
#ifndef RINGSCOPE_TEST_LINUX_ORACLE_H
#define RINGSCOPE_TEST_LINUX_ORACLE_H
#include <stddef.h>
#include <stdint.h>
#include "machine/machine.h"

#define ORACLE_KERNEL "build/os/kernel.elf"
#define ORACLE_BUDGET 400000000ull   /* instructions before a run counts as hung */

/* Compile source with compiler ("musl-gcc -static", "gcc -static",
 * "gcc -static-pie") into the temporary directory; returns the program's
 * path (valid until oracle_cleanup).  Fails the test if compiling fails. */
const char *oracle_compile(const char *name, const char *compiler, const char *source);
const char *oracle_musl(const char *name, const char *source);
const char *oracle_glibc(const char *name, const char *source);

/* What a run produced.  out (stdout) and err (stderr) are NUL-terminated
 * (and may hold NULs before their lengths); status is the exit code, or
 * 128 + the signal that killed it, as the machine reports it.  Free with
 * oracle_output_free. */
struct oracle_output {
    char *out;
    size_t len;
    char *err;
    size_t err_len;
    int status;
};
void oracle_output_free(struct oracle_output *o);

/* Run path natively with argv[0] = "/bin/NAME" (as the guest sees it),
 * args, and input (input_len bytes) on a pipe as stdin; stdout and stderr
 * are two more pipes. */
struct oracle_output oracle_run_native(const char *path, int argc, char *const *args, const void *input,
                                       size_t input_len);

/* Boot path on the guest kernel (c.ram_size 0 = 32 MiB), not yet run.
 * c.input_ends = true makes the input end like a pipe's (carrier drop). */
struct machine *oracle_boot(const char *path, int argc, char *const *argv, struct machine_config c);
/* Run to the guest's exit within ORACLE_BUDGET instructions (the test fails
 * otherwise); returns the exit status. */
int64_t oracle_run_to_exit(struct machine *m);
/* The console (COM1 TX: the guest's stdout), stderr (COM2 TX) and kernel
 * log so far as NUL-terminated text (len: the byte count, NULs included),
 * each valid until the next call of the same function. */
const char *oracle_console(struct machine *m, size_t *len);
const char *oracle_stderr(struct machine *m, size_t *len);
const char *oracle_kernel_log(struct machine *m);

/* Run on both with the same stdin bytes (on the guest: the console's
 * input, then a carrier drop — end of file, as a pipe's end natively):
 * stdout must equal the console (COM1) and stderr must equal COM2, each
 * byte for byte, and the statuses must agree (the test fails with the
 * first difference otherwise).  Returns the machine, still inspectable;
 * the caller frees it. */
struct machine *oracle_same_as_native(const char *path, int argc, char *const *argv, const void *input,
                                      size_t input_len);

/* The ringscope binary of the build under test: BUILD/ringscope beside this
 * test's BUILD/tests/ (build/ or build/asan/). */
const char *oracle_ringscope(void);

/* The temporary directory (made on first use). */
const char *oracle_workdir(void);
/* Remove the temporary directory (a Check fixture's teardown). */
void oracle_cleanup(void);

#endif
