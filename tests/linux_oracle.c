/* linux_oracle.c — the same static program natively and on the guest
 * kernel (linux_oracle.h). */
#include "linux_oracle.h"
#include <check.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char workdir[64];

const char *oracle_ringscope(void)
{
    static char path[PATH_MAX + 16];
    if (!path[0]) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        ck_assert_int_gt(n, 0);
        self[n] = 0;
        *strrchr(self, '/') = 0; /* BUILD/tests */
        *strrchr(self, '/') = 0; /* BUILD */
        snprintf(path, sizeof path, "%s/ringscope", self);
    }
    return path;
}

const char *oracle_workdir(void)
{
    if (!workdir[0]) {
        strcpy(workdir, "/tmp/ringscope-oracle-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(workdir));
    }
    return workdir;
}

const char *oracle_compile(const char *name, const char *compiler, const char *source)
{
    static char exe[16][256];
    static int next;
    char src[256], cmd[1024];
    oracle_workdir();
    char *out = exe[next++ % 16];
    snprintf(src, sizeof src, "%s/%s.c", workdir, name);
    snprintf(out, 256, "%s/%s", workdir, name);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs(source, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s -O1 -w -o %s %s -lpthread >/dev/null 2>&1", compiler, out, src);
    ck_assert_msg(system(cmd) == 0, "compiling %s with %s failed", name, compiler);
    return out;
}

const char *oracle_musl(const char *name, const char *source) { return oracle_compile(name, "musl-gcc -static", source); }
const char *oracle_glibc(const char *name, const char *source) { return oracle_compile(name, "gcc -static", source); }

void oracle_output_free(struct oracle_output *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
    o->len = o->err_len = 0;
}

/* Append n bytes to a growing, NUL-terminated buffer. */
static void grow_append(char **buf, size_t *len, size_t *cap, const void *bytes, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n + 1)
            c *= 2;
        *buf = realloc(*buf, c);
        ck_assert_ptr_nonnull(*buf);
        *cap = c;
    }
    if (n) /* bytes may be NULL then (an empty capture) */
        memcpy(*buf + *len, bytes, n);
    *len += n;
    (*buf)[*len] = 0;
}

struct oracle_output oracle_run_native(const char *path, int argc, char *const *args, const void *input,
                                       size_t input_len)
{
    struct oracle_output r = {0};
    size_t cap = 0, err_cap = 0;
    grow_append(&r.out, &r.len, &cap, "", 0);
    grow_append(&r.err, &r.err_len, &err_cap, "", 0);
    int out[2], in[2], err[2];
    ck_assert_int_eq(pipe(out), 0);
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(err), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char argv0[256];
        const char *base = strrchr(path, '/');
        snprintf(argv0, sizeof argv0, "/bin/%s", base ? base + 1 : path);
        char *argv[64] = {argv0};
        for (int i = 0; i < argc && i < 62; i++)
            argv[i + 1] = args[i];
        dup2(out[1], 1);
        dup2(in[0], 0);
        dup2(err[1], 2);
        close(out[0]), close(out[1]), close(in[0]), close(in[1]), close(err[0]), close(err[1]);
        execv(path, argv);
        _exit(127);
    }
    close(out[1]);
    close(in[0]);
    close(err[1]);
    /* A writer process feeds stdin, so a program that writes before it has
     * read everything can never deadlock against us. */
    pid_t feeder = fork();
    ck_assert_int_ge(feeder, 0);
    if (feeder == 0) {
        close(out[0]);
        close(err[0]);
        const char *p = input;
        size_t left = input ? input_len : 0;
        while (left) {
            ssize_t n = write(in[1], p, left);
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
        _exit(0);
    }
    close(in[1]);
    /* Both output pipes at once: a program may fill either first. */
    char buf[65536];
    struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
            } else if (i == 0) {
                grow_append(&r.out, &r.len, &cap, buf, (size_t)n);
            } else {
                grow_append(&r.err, &r.err_len, &err_cap, buf, (size_t)n);
            }
        }
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    waitpid(feeder, NULL, 0);
    return r;
}

struct machine *oracle_boot(const char *path, int argc, char *const *argv, struct machine_config c)
{
    char err[256];
    c.kernel_path = ORACLE_KERNEL;
    c.program_path = path;
    c.argc = argc;
    c.argv = argv;
    if (!c.ram_size)
        c.ram_size = 32ull << 20;
    struct machine *m = machine_new(&c, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_new: %s", err);
    return m;
}

int64_t oracle_run_to_exit(struct machine *m)
{
    struct machine_until u = {.max_insns = ORACLE_BUDGET, .vector = -1};
    struct machine_stop s = machine_run(m, &u);
    ck_assert_msg(s.event == MEV_EXIT, "stopped with event %d at RIP 0x%llx", s.event, (unsigned long long)s.rip);
    return machine_exit_status(m);
}

/* A NUL-terminated copy in *buf (grown as needed, kept for the next call). */
static const char *copy_text(char **buf, size_t *cap, const uint8_t *bytes, size_t n, size_t *len)
{
    size_t used = 0;
    grow_append(buf, &used, cap, bytes, n);
    if (len)
        *len = n;
    return *buf;
}

const char *oracle_console(struct machine *m, size_t *len)
{
    static char *buf;
    static size_t cap;
    size_t n;
    const uint8_t *out = machine_console(m, &n);
    return copy_text(&buf, &cap, out, n, len);
}

const char *oracle_stderr(struct machine *m, size_t *len)
{
    static char *buf;
    static size_t cap;
    size_t n;
    const uint8_t *out = machine_stderr(m, &n);
    return copy_text(&buf, &cap, out, n, len);
}

const char *oracle_kernel_log(struct machine *m)
{
    static char *buf;
    static size_t cap;
    size_t n;
    const uint8_t *out = machine_kernel_log(m, &n);
    return copy_text(&buf, &cap, out, n, NULL);
}

/* The first differing byte, with some context, for a readable failure. */
static void assert_same_bytes(const char *what, const char *got, size_t got_len, const char *want, size_t want_len)
{
    size_t i = 0;
    while (i < got_len && i < want_len && got[i] == want[i])
        i++;
    if (i == got_len && i == want_len)
        return;
    size_t from = i > 40 ? i - 40 : 0;
    ck_abort_msg("%s differs at byte %zu of %zu (native has %zu):\n ringscope: %.80s\n native:    %.80s", what, i,
                 got_len, want_len, got + from, want + from);
}

struct machine *oracle_same_as_native(const char *path, int argc, char *const *argv, const void *input,
                                      size_t input_len)
{
    struct oracle_output nat = oracle_run_native(path, argc, argv, input, input_len);
    struct machine_config c = {.input = input, .input_len = input ? input_len : 0, .input_ends = true};
    struct machine *m = oracle_boot(path, argc, argv, c);
    int64_t status = oracle_run_to_exit(m);
    size_t len;
    const char *out = oracle_console(m, &len);
    assert_same_bytes("stdout", out, len, nat.out, nat.len);
    out = oracle_stderr(m, &len);
    assert_same_bytes("stderr", out, len, nat.err, nat.err_len);
    ck_assert_int_eq(status, nat.status);
    oracle_output_free(&nat);
    return m;
}

void oracle_cleanup(void)
{
    if (!workdir[0])
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", workdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
    workdir[0] = 0;
}
