/* test_programs.c — native parity of the bundled programs: each one is run
 * natively on the host (the oracle: the real Linux kernel and a real CPU run
 * the very same static binary) and under `ringscope run`, and both runs must
 * print the same bytes and end with the same exit status.
 *
 * Three kinds of case:
 *   - exact parity (hello, stack, heap, arena, pool, vmem, isolation, threads,
 *     pagefile, the last also with less guest RAM than it uses): same bytes,
 *     same exit status;
 *   - programs killed on purpose (overflow, kernelpeek, privileged): the
 *     same stdout; on stderr ringscope's kernel adds a line saying why,
 *     Linux prints nothing, so the native stderr lines must appear in order
 *     among ringscope's, plus one extra line per kill;
 *   - tour: the same steps and the same final verdict on both sides.
 * Left out, by design: keystroke (the key query is ringscope's own system
 * call; natively it exits 2 with ENOSYS).  The programs print
 * relative facts rather than addresses that differ between machines (see
 * programs/README.md), so any difference is a difference in behaviour.
 *
 * How the two sides are made comparable:
 *   - argv[0]: ringscope's kernel starts a program as /bin/NAME, so the native
 *     run gets argv[0] = "/bin/NAME" too (hello prints its argv);
 *   - output: the guest's stdout (COM1) is ringscope's stdout and its
 *     stderr (COM2) ringscope's stderr, so each is compared with the native
 *     run's own stream (ringscope's messages, if any, are on stderr too);
 *   - exit status: a process killed by signal n counts as 128+n on both sides
 *     (ringscope exits with 128+n when its kernel kills the program).
 *
 * The programs are build/programs/NAME (the Makefile builds them with
 * musl-gcc -static) and the kernel build/os/kernel.elf; ringscope is
 * BUILD/ringscope next to this test binary (build/ or build/asan/).
 * No timing is asserted; ringscope runs with --max-insns so that a guest that
 * loops forever ends the case (exit 124, a mismatch) instead of hanging it. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 8
#define OUTPUT_MAX (256 * 1024)
#define GUEST_INSN_LIMIT "2000000000"
#define NATIVE_STACK_LIMIT (8u << 20)

struct parity_case {
    const char *program;
    int native_status;                    /* what the host run must end with */
    const char *args[MAX_ARGS];           /* program arguments, NULL-terminated */
    const char *ringscope_opts[MAX_ARGS]; /* options for `ringscope run` only */
    int kills;                            /* processes the kernel kills (killed_cases) */
};

static const struct parity_case cases[] = {
    {"hello", 0, {NULL}, {NULL}, 0},
    {"hello", 7, {"7", "two words", NULL}, {NULL}, 0},
    {"stack", 0, {NULL}, {NULL}, 0},
    {"heap", 0, {NULL}, {NULL}, 0},
    {"arena", 0, {NULL}, {NULL}, 0},
    {"pool", 0, {NULL}, {NULL}, 0},
    {"vmem", 0, {NULL}, {NULL}, 0},
    {"isolation", 0, {NULL}, {NULL}, 0},
    {"threads", 0, {NULL}, {NULL}, 0},
    /* 24 MiB fits in the default 256 MiB guest ... */
    {"pagefile", 0, {"24", NULL}, {NULL}, 0},
    /* ... and with 16 MiB of guest RAM it cannot: pages go out to the pagefile
     * and come back, and the output must still be the same. */
    {"pagefile", 0, {"24", NULL}, {"--ram", "16M", NULL}, 0},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* Programs killed on purpose.  Linux kills silently (the shell prints
 * "Segmentation fault"); ringscope's kernel prints why on the console.  So
 * here the native output must appear in ringscope's, line by line and in
 * order, with at least one extra line (the kernel's reason) per kill, and the
 * exit statuses must be equal: 139 = 128 + SIGSEGV for overflow and
 * kernelpeek, 0 for privileged, whose parent reports each child's SIGSEGV.
 * overflow's depth lines match because both stacks are 8 MiB (the native run
 * gets that limit, see run_to_files). */
static const struct parity_case killed_cases[] = {
    {"overflow", 139, {NULL}, {NULL}, 1},
    {"kernelpeek", 139, {NULL}, {NULL}, 1},
    {"privileged", 0, {NULL}, {NULL}, 3},
    {"privileged", 0, {"cr3", NULL}, {NULL}, 1},
};
#define NKILLED ((int)(sizeof killed_cases / sizeof killed_cases[0]))

static char build_dir[PATH_MAX];    /* BUILD: where ringscope is */
static char programs_dir[PATH_MAX + 32]; /* where the musl-gcc binaries are */
static char kernel[PATH_MAX + 32];       /* the guest kernel ELF */
static char tmpdir[64];

struct run {
    char output[OUTPUT_MAX + 1]; /* stdout */
    size_t length;
    char messages[OUTPUT_MAX + 1]; /* stderr: the program's, and ringscope's own messages */
    size_t messages_length;
    int status;          /* exit code, or 128 + signal */
};
static struct run native, emulated;

static void read_file(const char *path, char *buf, size_t cap, size_t *length)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    ck_assert_msg(fgetc(f) == EOF, "%s: more than %zu bytes of output", path, cap - 1);
    fclose(f);
    if (length)
        *length = n;
}

/* Run PATH with ARGV; stdout to OUT_FILE, stderr to ERR_FILE (or also to
 * OUT_FILE when ERR_FILE is NULL).  Returns the exit status, 128+n if killed
 * by signal n. */
static int run_to_files(const char *path, char *const argv[], const char *out_file, const char *err_file)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = err_file ? open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644) : out;
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(120);
        /* Linux's usual 8 MiB stack limit, whatever this host's ulimit -s:
         * the guest kernel gives every program that much (os/memlayout.h),
         * and overflow's depth depends on it. */
        struct rlimit stack;
        if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_max >= NATIVE_STACK_LIMIT) {
            stack.rlim_cur = NATIVE_STACK_LIMIT;
            setrlimit(RLIMIT_STACK, &stack);
        }
        execv(path, argv);
        _exit(121);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static void run_native(const struct parity_case *c, const char *binary, struct run *r)
{
    char argv0[64], out[128];
    char *argv[MAX_ARGS + 2];
    int n = 0;
    snprintf(argv0, sizeof argv0, "/bin/%s", c->program); /* as ringscope's kernel names it */
    argv[n++] = argv0;
    for (int i = 0; c->args[i]; i++)
        argv[n++] = (char *)c->args[i];
    argv[n] = NULL;
    char err[128];
    snprintf(out, sizeof out, "%s/native.out", tmpdir);
    snprintf(err, sizeof err, "%s/native.err", tmpdir);
    r->status = run_to_files(binary, argv, out, err);
    read_file(out, r->output, sizeof r->output, &r->length);
    read_file(err, r->messages, sizeof r->messages, &r->messages_length);
}

static void run_ringscope(const struct parity_case *c, const char *binary, struct run *r)
{
    char ringscope[PATH_MAX + 16], out[128], err[128];
    char *argv[3 * MAX_ARGS + 8];
    int n = 0;
    snprintf(ringscope, sizeof ringscope, "%s/ringscope", build_dir);
    argv[n++] = ringscope;
    argv[n++] = "run";
    argv[n++] = "--max-insns";
    argv[n++] = GUEST_INSN_LIMIT;
    argv[n++] = "--kernel";
    argv[n++] = kernel;
    for (int i = 0; c->ringscope_opts[i]; i++)
        argv[n++] = (char *)c->ringscope_opts[i];
    argv[n++] = (char *)binary;
    for (int i = 0; c->args[i]; i++)
        argv[n++] = (char *)c->args[i];
    argv[n] = NULL;
    snprintf(out, sizeof out, "%s/ringscope.out", tmpdir);
    snprintf(err, sizeof err, "%s/ringscope.err", tmpdir);
    r->status = run_to_files(ringscope, argv, out, err);
    read_file(out, r->output, sizeof r->output, &r->length);
    read_file(err, r->messages, sizeof r->messages, &r->messages_length);
}

/* The first line where A and B differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *msg, size_t cap)
{
    int line = 1;
    const char *la = a, *lb = b;
    while (*a && *a == *b) {
        if (*a == '\n') {
            line++;
            la = a + 1;
            lb = b + 1;
        }
        a++, b++;
    }
    snprintf(msg, cap, "line %d:\n  native:    %.*s\n  ringscope: %.*s", line, (int)strcspn(la, "\n"), la,
             (int)strcspn(lb, "\n"), lb);
}

static void describe(const struct parity_case *c, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "ringscope run");
    for (int i = 0; c->ringscope_opts[i] && n < (int)cap; i++)
        n += snprintf(buf + n, cap - n, " %s", c->ringscope_opts[i]);
    if (n < (int)cap)
        n += snprintf(buf + n, cap - n, " %s", c->program);
    for (int i = 0; c->args[i] && n < (int)cap; i++)
        n += snprintf(buf + n, cap - n, " '%s'", c->args[i]);
}

/* Run case C natively (checking the oracle's own exit status) and in ringscope. */
static void run_both(const struct parity_case *c, char *what, size_t what_len)
{
    char binary[PATH_MAX + 96];
    snprintf(binary, sizeof binary, "%s/%s", programs_dir, c->program);
    ck_assert_msg(access(binary, X_OK) == 0, "%s is missing: make programs first", binary);
    describe(c, what, what_len);

    run_native(c, binary, &native);
    /* The oracle itself must be sane before it judges ringscope. */
    ck_assert_msg(native.status == c->native_status, "%s natively: exit status %d, expected %d\n%s", what,
                  native.status, c->native_status, native.output);
    ck_assert_msg(native.length > 0, "%s printed nothing natively", c->program);
    run_ringscope(c, binary, &emulated);
}

START_TEST(same_output_natively_and_in_ringscope)
{
    char what[256], diff[1024];
    run_both(&cases[_i], what, sizeof what);
    first_difference(native.output, emulated.output, diff, sizeof diff);
    ck_assert_msg(native.length == emulated.length && memcmp(native.output, emulated.output, native.length) == 0,
                  "%s: output differs from the native run at %s\n(ringscope's stderr: %s)", what, diff,
                  emulated.messages);
    first_difference(native.messages, emulated.messages, diff, sizeof diff);
    ck_assert_msg(native.messages_length == emulated.messages_length &&
                      memcmp(native.messages, emulated.messages, native.messages_length) == 0,
                  "%s: stderr differs from the native run at %s", what, diff);
    ck_assert_msg(native.status == emulated.status, "%s: exit status %d, natively %d\n(ringscope's stderr: %s)", what,
                  emulated.status, native.status, emulated.messages);
}
END_TEST

/* Count the lines of TEXT. */
static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

START_TEST(killed_the_same_way_natively_and_in_ringscope)
{
    const struct parity_case *c = &killed_cases[_i];
    char what[256], diff[1024];
    run_both(c, what, sizeof what);
    first_difference(native.output, emulated.output, diff, sizeof diff);
    ck_assert_msg(native.length == emulated.length && memcmp(native.output, emulated.output, native.length) == 0,
                  "%s: stdout differs from the native run at %s\n(ringscope's stderr: %s)", what, diff,
                  emulated.messages);
    /* Walk ringscope's stderr lines, matching the native ones in order. */
    const char *want = native.messages, *have = emulated.messages;
    while (*want && *have) {
        size_t want_len = strcspn(want, "\n") + 1, have_len = strcspn(have, "\n") + 1;
        if (want_len == have_len && memcmp(want, have, want_len) == 0)
            want += want_len;
        have += have_len;
    }
    ck_assert_msg(*want == 0, "%s: the native stderr line \"%.*s\" is missing from ringscope's stderr:\n%s", what,
                  (int)strcspn(want, "\n"), want, emulated.messages);
    int extra = count_lines(emulated.messages) - count_lines(native.messages);
    ck_assert_msg(extra >= c->kills, "%s: %d kill%s but %d extra stderr line%s (the kernel's reasons):\n%s", what,
                  c->kills, c->kills == 1 ? "" : "s", extra, extra == 1 ? "" : "s", emulated.messages);
    ck_assert_msg(native.status == emulated.status, "%s: exit status %d, natively %d\n(ringscope's stderr: %s)", what,
                  emulated.status, native.status, emulated.messages);
}
END_TEST

/* tour runs the other programs with fork + execve from its own directory:
 * natively build/programs, in ringscope /bin.  `ringscope run` puts every
 * program of the programs/ folder next to its binary into /bin by itself;
 * the sanitizer build's ringscope (build/asan/) has no such folder, so it
 * gets them with --file.  Both runs must show the same steps, end with the
 * same verdict line (every step ended as expected) and exit 0.  The steps'
 * own output differs on purpose: the kernel's kill messages, keystroke's
 * ENOSYS natively. */
static const char *const tour_programs[] = {"hello", "stack", "heap", "arena", "pool", "vmem", "pagefile",
                                            "isolation", "threads", "overflow", "kernelpeek", "privileged",
                                            "keystroke"};
#define NTOUR ((int)(sizeof tour_programs / sizeof tour_programs[0]))

/* The lines of TEXT that start with PREFIX, concatenated into OUT. */
static void lines_starting(const char *text, const char *prefix, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (const char *line = text; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
        size_t len = strcspn(line, "\n");
        if (strncmp(line, prefix, strlen(prefix)) == 0 && used + len + 2 < cap) {
            memcpy(out + used, line, len);
            used += len;
            out[used++] = '\n';
            out[used] = 0;
        }
    }
}

START_TEST(tour_ends_as_expected_natively_and_in_ringscope)
{
    static char files[NTOUR][2 * PATH_MAX];
    static char native_steps[8192], emulated_steps[8192], native_end[256], emulated_end[256];
    char tour[PATH_MAX + 96], ringscope[PATH_MAX + 16], out[128], err[128], expected_end[96];
    char *argv[2 * NTOUR + 8];
    snprintf(tour, sizeof tour, "%s/tour", programs_dir);
    snprintf(out, sizeof out, "%s/native.out", tmpdir);
    argv[0] = tour;
    argv[1] = NULL;
    char native_err[128];
    snprintf(native_err, sizeof native_err, "%s/native.err", tmpdir);
    native.status = run_to_files(tour, argv, out, native_err);
    read_file(out, native.output, sizeof native.output, &native.length);
    snprintf(expected_end, sizeof expected_end, "tour: done, %d of %d steps ended as expected\n", NTOUR, NTOUR);
    ck_assert_msg(native.status == 0 && strstr(native.output, expected_end), "tour natively: status %d\n%s",
                  native.status, native.output);

    int n = 0;
    snprintf(ringscope, sizeof ringscope, "%s/ringscope", build_dir);
    argv[n++] = ringscope;
    argv[n++] = "run";
    argv[n++] = "--max-insns";
    argv[n++] = GUEST_INSN_LIMIT;
    argv[n++] = "--kernel";
    argv[n++] = kernel;
    char bundled[PATH_MAX + 16];
    snprintf(bundled, sizeof bundled, "%s/programs", build_dir);
    for (int i = 0; i < NTOUR && access(bundled, F_OK) != 0; i++) {
        snprintf(files[i], sizeof files[i], "%s/%s:/bin/%s", programs_dir, tour_programs[i], tour_programs[i]);
        argv[n++] = "--file";
        argv[n++] = files[i];
    }
    argv[n++] = tour;
    argv[n] = NULL;
    snprintf(out, sizeof out, "%s/ringscope.out", tmpdir);
    snprintf(err, sizeof err, "%s/ringscope.err", tmpdir);
    emulated.status = run_to_files(ringscope, argv, out, err);
    read_file(out, emulated.output, sizeof emulated.output, &emulated.length);
    read_file(err, emulated.messages, sizeof emulated.messages, NULL);

    lines_starting(native.output, "=== ", native_steps, sizeof native_steps);
    lines_starting(emulated.output, "=== ", emulated_steps, sizeof emulated_steps);
    ck_assert_str_eq(emulated_steps, native_steps);
    lines_starting(native.output, "tour: done", native_end, sizeof native_end);
    lines_starting(emulated.output, "tour: done", emulated_end, sizeof emulated_end);
    ck_assert_msg(strcmp(native_end, emulated_end) == 0 && emulated.status == 0,
                  "tour in ringscope: status %d, verdict \"%s\"\n%s\n(ringscope's stderr: %s)", emulated.status,
                  emulated_end, emulated.output, emulated.messages);
}
END_TEST

/* BUILD is the directory above this binary (build/ for build/tests/test_X,
 * build/asan/ for the sanitizer build); the programs and the guest kernel are
 * built once, in build/programs and build/os, which are under BUILD or under
 * BUILD/.. . */
static void find_paths(void)
{
    ssize_t n = readlink("/proc/self/exe", build_dir, sizeof build_dir - 1);
    if (n <= 0) {
        fprintf(stderr, "test_programs: cannot read /proc/self/exe\n");
        exit(1);
    }
    build_dir[n] = 0;
    *strrchr(build_dir, '/') = 0; /* BUILD/tests */
    *strrchr(build_dir, '/') = 0; /* BUILD */
    snprintf(programs_dir, sizeof programs_dir, "%s/programs", build_dir);
    if (access(programs_dir, F_OK) != 0)
        snprintf(programs_dir, sizeof programs_dir, "%s/../programs", build_dir);
    snprintf(kernel, sizeof kernel, "%s/os/kernel.elf", build_dir);
    if (access(kernel, F_OK) != 0)
        snprintf(kernel, sizeof kernel, "%s/../os/kernel.elf", build_dir);
}

int main(void)
{
    find_paths();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rs-parity-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    Suite *s = suite_create("programs");
    TCase *tc = tcase_create("native parity");
    tcase_set_timeout(tc, 300); /* per case; a case normally takes seconds */
    tcase_add_loop_test(tc, same_output_natively_and_in_ringscope, 0, NCASES);
    tcase_add_loop_test(tc, killed_the_same_way_natively_and_in_ringscope, 0, NKILLED);
    tcase_add_test(tc, tour_ends_as_expected_natively_and_in_ringscope);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        failed++;
    return failed ? 1 : 0;
}
