/* test_kernel_console.c — the guest's console against Linux's.
 *
 * Two oracles, both the host's own kernel running the same static program:
 *   - a pipe (linux_oracle.h): stdin is a pipe that ends, stdout and
 *     stderr two more pipes.  The guest console must then pass every byte
 *     through untouched and in order (no '\r' -> '\n', no ^D), end with
 *     the carrier drop, say it is no terminal (ENOTTY), and keep stderr on
 *     COM2 apart from stdout on COM1.
 *   - a pseudo-terminal (forkpty(3)): the program is a session leader in
 *     the foreground of a fresh pty whose line discipline is Linux's N_TTY
 *     in its default settings; the machine is booted with "stdin, stdout
 *     and stderr are a terminal".  What the terminal shows (echo, erase
 *     sequences, "\r\n", "^C") and what the program reads must be the
 *     same bytes.
 * Every program is built with musl and with glibc.  Sizes go past every
 * buffer: the kernel's 4 KiB tty buffer, the UART's 4 KiB host queue, the
 * machine's 16 MiB capture.  The last test drives `ringscope run
 * /bin/busybox sh` through a pty the way a person would. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "linux_oracle.h"

#define SLICE 2000000ull /* instructions between looks at the console */

typedef const char *compile_fn(const char *name, const char *source);
static compile_fn *const compilers[] = {oracle_musl, oracle_glibc};

static void teardown(void) { oracle_cleanup(); }

/* ---- programs ---------------------------------------------------------- */

static const char lines_src[] =
    "#include <stdio.h>\n#include <string.h>\n"
    "int main(void) {\n"
    "    static char b[1 << 16]; long lines = 0, bytes = 0;\n"
    "    while (fgets(b, sizeof b, stdin)) { lines++; bytes += strlen(b); }\n"
    "    printf(\"%ld lines, %ld bytes\\n\", lines, bytes);\n"
    "    return 0;\n"
    "}\n";

/* cat: read(2)/write(2) with a big buffer. */
static const char echo_src[] =
    "#include <unistd.h>\n"
    "int main(void) {\n"
    "    static char b[65536]; ssize_t n;\n"
    "    while ((n = read(0, b, sizeof b)) > 0)\n"
    "        for (ssize_t o = 0; o < n;) { ssize_t w = write(1, b + o, n - o); if (w <= 0) return 1; o += w; }\n"
    "    return n < 0 ? 2 : 0;\n"
    "}\n";

/* Count and FNV-1a hash of all of stdin (for inputs larger than any
 * capture), and how many reads it took. */
static const char hash_src[] =
    "#include <stdio.h>\n#include <stdint.h>\n#include <unistd.h>\n"
    "int main(void) {\n"
    "    static unsigned char b[65536]; ssize_t n; uint64_t h = 1469598103934665603ull, total = 0;\n"
    "    while ((n = read(0, b, sizeof b)) > 0) {\n"
    "        for (ssize_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ull; }\n"
    "        total += (uint64_t)n;\n"
    "    }\n"
    "    printf(\"%llu bytes, fnv1a %016llx, last read %zd\\n\", (unsigned long long)total, (unsigned long long)h, n);\n"
    "    return 0;\n"
    "}\n";

/* What a program can learn about its standard streams. */
static const char probe_src[] =
    "#include <errno.h>\n#include <stdio.h>\n#include <string.h>\n#include <termios.h>\n#include <unistd.h>\n"
    "#include <sys/ioctl.h>\n"
    "int main(void) {\n"
    "    for (int fd = 0; fd < 3; fd++) {\n"
    "        struct termios t; struct winsize w; errno = 0;\n"
    "        int a = isatty(fd), e1 = errno; errno = 0;\n"
    "        int g = tcgetattr(fd, &t), e2 = errno; errno = 0;\n"
    "        int z = ioctl(fd, TIOCGWINSZ, &w), e3 = errno; errno = 0;\n"
    "        int p = tcgetpgrp(fd), e4 = errno;\n"
    "        printf(\"fd %d: isatty %d (%s) tcgetattr %d (%s) TIOCGWINSZ %d (%s) tcgetpgrp %d (%s)\\n\", fd, a,\n"
    "               strerror(e1), g, strerror(e2), z, strerror(e3), p < 0 ? p : 0, strerror(e4));\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

/* stdout and stderr interleaved, buffered and not. */
static const char streams_src[] =
    "#include <stdio.h>\n#include <unistd.h>\n"
    "int main(void) {\n"
    "    printf(\"out 1\\n\");\n"
    "    fprintf(stderr, \"err 1\\n\");\n"
    "    write(2, \"err 2 (write)\\n\", 14);\n"
    "    for (int i = 0; i < 3000; i++) printf(\"out line %d\\n\", i);\n"
    "    for (int i = 0; i < 3000; i++) fprintf(stderr, \"err line %d\\n\", i);\n"
    "    write(1, \"out last\\n\", 9);\n"
    "    return 5;\n"
    "}\n";

/* O_NONBLOCK: EAGAIN when nothing is there, poll/select agree with read;
 * then waits (blocking poll) for the input the test gives late. */
static const char nonblock_src[] =
    "#include <errno.h>\n#include <fcntl.h>\n#include <poll.h>\n#include <stdio.h>\n#include <unistd.h>\n"
    "#include <sys/select.h>\n"
    "static const char *err(ssize_t r) { return r >= 0 ? \"ok\" : errno == EAGAIN ? \"EAGAIN\" : \"other\"; }\n"
    "int main(void) {\n"
    "    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);\n"
    "    char c[8]; ssize_t r = read(0, c, 1);\n"
    "    printf(\"read %zd %s\\n\", r, err(r));\n"
    "    struct pollfd p = {0, POLLIN, 0};\n"
    "    printf(\"poll(0) %d revents %x\\n\", poll(&p, 1, 0), p.revents);\n"
    "    fd_set s; FD_ZERO(&s); FD_SET(0, &s); struct timeval tv = {0, 0};\n"
    "    printf(\"select(0) %d\\n\", select(1, &s, 0, 0, &tv));\n"
    "    printf(\"ready\\n\"); fflush(stdout);\n"
    "    int n = poll(&p, 1, -1);\n"
    "    printf(\"poll %d revents %x\\n\", n, p.revents);\n"
    "    FD_ZERO(&s); FD_SET(0, &s); tv.tv_sec = 5;\n"
    "    printf(\"select %d\\n\", select(1, &s, 0, 0, &tv));\n"
    "    r = read(0, c, 8); printf(\"read %zd %.*s\\n\", r, r > 0 ? (int)r : 0, c);\n"
    "    r = read(0, c, 8); printf(\"again %zd %s\\n\", r, err(r));\n"
    "    return 0;\n"
    "}\n";

/* The canonical line discipline: what each read returns until end of file. */
static const char canon_src[] =
    "#include <stdio.h>\n#include <unistd.h>\n"
    "int main(void) {\n"
    "    printf(\"ready\\n\"); fflush(stdout);\n"
    "    char b[256]; ssize_t n;\n"
    "    while ((n = read(0, b, sizeof b)) > 0) {\n"
    "        printf(\"[%zd:\", n);\n"
    "        for (ssize_t i = 0; i < n; i++) printf(b[i] < 32 || b[i] == 127 ? \"\\\\%03o\" : \"%c\", (unsigned char)b[i]);\n"
    "        printf(\"]\\n\"); fflush(stdout);\n"
    "    }\n"
    "    printf(\"eof %zd\\n\", n);\n"
    "    return 0;\n"
    "}\n";

/* Raw mode (ICANON, ECHO, ISIG, ICRNL, IXON off; VMIN 1, VTIME 0): single
 * bytes as they are typed; then VMIN 0 / VTIME 2: a read that times out. */
static const char raw_src[] =
    "#include <stdio.h>\n#include <termios.h>\n#include <unistd.h>\n"
    "int main(void) {\n"
    "    struct termios old, t; tcgetattr(0, &old); t = old;\n"
    "    t.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN); t.c_iflag &= ~(ICRNL | IXON);\n"
    "    t.c_cc[VMIN] = 1; t.c_cc[VTIME] = 0;\n"
    "    tcsetattr(0, TCSANOW, &t);\n"
    "    printf(\"ready\\n\"); fflush(stdout);\n"
    "    for (int i = 0; i < 7; i++) { unsigned char c; ssize_t n = read(0, &c, 1); printf(\"%zd:%02x \", n, c); }\n"
    "    printf(\"\\n\");\n"
    "    t.c_cc[VMIN] = 0; t.c_cc[VTIME] = 2; tcsetattr(0, TCSANOW, &t);\n"
    "    unsigned char c; printf(\"timed read %zd\\n\", read(0, &c, 1));\n"
    "    tcsetattr(0, TCSANOW, &old);\n"
    "    printf(\"restored %d\\n\", (old.c_lflag & ICANON) != 0);\n"
    "    return 0;\n"
    "}\n";

/* The termios requests one by one: TCSETSW (tcsetattr TCSADRAIN) takes
 * effect, FIONREAD counts what waits, TCSETSF (TCSAFLUSH) throws it away;
 * TIOCGPGRP/TIOCSPGRP hand the terminal to a child's group and back, and
 * refuse a group that does not exist (ESRCH) or is in another session
 * (EPERM: a child that called setsid). */
static const char ioctls_src[] =
    "#include <errno.h>\n#include <signal.h>\n#include <stdio.h>\n#include <string.h>\n#include <termios.h>\n"
    "#include <unistd.h>\n#include <sys/ioctl.h>\n#include <sys/wait.h>\n"
    "int main(void) {\n"
    "    struct termios old, t, back; tcgetattr(0, &old); t = old;\n"
    "    t.c_lflag &= ~(ICANON | ECHO); t.c_cc[VMIN] = 3; t.c_cc[VTIME] = 0;\n"
    "    int r = tcsetattr(0, TCSADRAIN, &t); tcgetattr(0, &back);\n"
    "    printf(\"TCSETSW %d icanon %d echo %d vmin %d\\n\", r, !!(back.c_lflag & ICANON), !!(back.c_lflag & ECHO), back.c_cc[VMIN]);\n"
    "    int q = -1; ioctl(0, FIONREAD, &q); printf(\"FIONREAD before %d\\n\", q);\n"
    "    printf(\"ready\\n\"); fflush(stdout);\n"
    "    char b[16]; ssize_t n = read(0, b, 3);\n"
    "    q = -1; r = ioctl(0, FIONREAD, &q);\n"
    "    printf(\"read %zd %.3s, FIONREAD %d %d\\n\", n, b, r, q);\n"
    "    r = tcsetattr(0, TCSAFLUSH, &t); q = -1; ioctl(0, FIONREAD, &q);\n"
    "    printf(\"TCSETSF %d, FIONREAD %d\\n\", r, q);\n"
    "    signal(SIGTTOU, SIG_IGN);\n"
    "    pid_t me = getpgrp();\n"
    "    printf(\"foreground is me %d\\n\", tcgetpgrp(0) == me);\n"
    "    int go[2]; pipe(go);\n"
    "    pid_t c = fork();\n"
    "    if (c == 0) { setpgid(0, 0); char x; read(go[0], &x, 1); _exit(0); }\n"
    "    setpgid(c, c);\n"
    "    r = tcsetpgrp(0, c);\n"
    "    printf(\"to the child %d, foreground is the child %d\\n\", r, tcgetpgrp(0) == c);\n"
    "    r = tcsetpgrp(0, me);\n"
    "    printf(\"back %d, foreground is me %d\\n\", r, tcgetpgrp(0) == me);\n"
    "    errno = 0; r = tcsetpgrp(0, 4000000); printf(\"no such group %d %s\\n\", r, strerror(errno));\n"
    "    errno = 0; r = tcsetpgrp(0, -2); printf(\"negative %d %s\\n\", r, strerror(errno));\n"
    "    int up[2]; pipe(up);\n"
    "    pid_t other = fork();\n"
    "    if (other == 0) { setsid(); write(up[1], \"s\", 1); char x; read(go[0], &x, 1); _exit(0); }\n"
    "    char s; read(up[0], &s, 1);\n"
    "    errno = 0; r = tcsetpgrp(0, other); printf(\"another session %d %s\\n\", r, strerror(errno));\n"
    "    write(go[1], \"xx\", 2); int st; waitpid(other, &st, 0); waitpid(c, &st, 0);\n"
    "    tcsetattr(0, TCSANOW, &old);\n"
    "    printf(\"child %d, foreground is me %d\\n\", WEXITSTATUS(st), tcgetpgrp(0) == me);\n"
    "    return 0;\n"
    "}\n";

/* The terminal's signals: handlers for SIGTSTP and SIGQUIT, then ^C kills.
 * NOFLSH: Linux flushes the pty's output after sending the signal, which
 * races with the handler's output natively. */
static const char signals_src[] =
    "#include <signal.h>\n#include <stdio.h>\n#include <termios.h>\n#include <unistd.h>\n"
    "static volatile sig_atomic_t got;\n"
    "static void on(int s) { got = s; }\n"
    "int main(void) {\n"
    "    sigset_t both, none; sigemptyset(&none); sigemptyset(&both);\n"
    "    sigaddset(&both, SIGTSTP); sigaddset(&both, SIGQUIT); sigprocmask(SIG_BLOCK, &both, 0);\n"
    "    signal(SIGTSTP, on); signal(SIGQUIT, on);\n"
    "    struct termios t; tcgetattr(0, &t); t.c_lflag |= NOFLSH; tcsetattr(0, TCSANOW, &t);\n"
    "    printf(\"ready %d\\n\", tcgetpgrp(0) == getpgrp()); fflush(stdout);\n"
    "    for (int seen = 0; seen < 2; seen++) { sigsuspend(&none); printf(\"got %d\\n\", got); fflush(stdout); }\n"
    "    printf(\"waiting for ^C\\n\"); fflush(stdout);\n"
    "    for (;;) pause();\n"
    "}\n";

/* ---- the pipe oracle ----------------------------------------------------- */

static char *repeated_lines(int n, size_t *len)
{
    size_t cap = (size_t)n * 8 + 1, used = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    for (int i = 1; i <= n; i++)
        used += (size_t)snprintf(s + used, cap - used, "%d\n", i);
    *len = used;
    return s;
}

START_TEST(three_thousand_lines_all_arrive)
{
    const char *exe = compilers[_i]("lines", lines_src);
    size_t len;
    char *input = repeated_lines(3000, &len);
    struct machine *m = oracle_same_as_native(exe, 0, NULL, input, len);
    ck_assert_str_eq(oracle_console(m, NULL), "3000 lines, 13893 bytes\n");
    machine_free(m);
    free(input);
}
END_TEST

/* 120,000 bytes echoed back: the console's output is the input. */
START_TEST(bytes_past_every_buffer_come_back_in_order)
{
    const char *exe = compilers[_i]("echo", echo_src);
    size_t n = 120000;
    char *input = malloc(n);
    ck_assert_ptr_nonnull(input);
    for (size_t i = 0; i < n; i++)
        input[i] = "abcdefghijklmnopqrstuvwxyz\n"[i % 27];
    struct machine *m = oracle_same_as_native(exe, 0, NULL, input, n);
    size_t got;
    const char *out = oracle_console(m, &got);
    ck_assert_uint_eq(got, n);
    ck_assert_int_eq(memcmp(out, input, n), 0);
    machine_free(m);
    free(input);
}
END_TEST

/* Every byte value, '\r', 0x04 and NUL included, 64 times over. */
START_TEST(all_256_byte_values_pass_untouched)
{
    const char *exe = compilers[_i]("echo", echo_src);
    size_t n = 256 * 64;
    unsigned char *input = malloc(n);
    ck_assert_ptr_nonnull(input);
    for (size_t i = 0; i < n; i++)
        input[i] = (unsigned char)(i * 7 + i / 256);
    struct machine *m = oracle_same_as_native(exe, 0, NULL, input, n);
    size_t got;
    const char *out = oracle_console(m, &got);
    ck_assert_uint_eq(got, n);
    ck_assert_int_eq(memcmp(out, input, n), 0);
    machine_free(m);
    free(input);
}
END_TEST

/* 24 MiB of binary data, more than the machine's 16 MiB capture: the
 * program hashes it; same count, same hash, end of file after the last
 * byte. */
START_TEST(megabytes_of_binary_data_arrive_whole)
{
    const char *exe = compilers[_i]("hash", hash_src);
    size_t n = 24u << 20;
    unsigned char *input = malloc(n);
    ck_assert_ptr_nonnull(input);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) { /* xorshift32: every byte value, no pattern */
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        input[i] = (unsigned char)x;
    }
    struct oracle_output nat = oracle_run_native(exe, 0, NULL, input, n);
    struct machine_config c = {.input = input, .input_len = n, .input_ends = true};
    struct machine *m = oracle_boot(exe, 0, NULL, c);
    struct machine_until u = {.max_insns = 20ull * ORACLE_BUDGET, .vector = -1};
    ck_assert_int_eq(machine_run(m, &u).event, MEV_EXIT);
    ck_assert_str_eq(oracle_console(m, NULL), nat.out);
    ck_assert_ptr_nonnull(strstr(nat.out, "25165824 bytes"));
    machine_free(m);
    oracle_output_free(&nat);
    free(input);
}
END_TEST

START_TEST(a_pipe_is_not_a_terminal)
{
    const char *exe = compilers[_i]("probe", probe_src);
    struct machine *m = oracle_same_as_native(exe, 0, NULL, "x\n", 2);
    ck_assert_ptr_nonnull(strstr(oracle_console(m, NULL), "fd 0: isatty 0 "));
    machine_free(m);
}
END_TEST

START_TEST(stderr_is_not_stdout)
{
    const char *exe = compilers[_i]("streams", streams_src);
    struct machine *m = oracle_same_as_native(exe, 0, NULL, NULL, 0);
    ck_assert_ptr_null(strstr(oracle_console(m, NULL), "err"));
    ck_assert_ptr_nonnull(strstr(oracle_stderr(m, NULL), "err line 2999\n"));
    machine_free(m);
}
END_TEST

/* Job control (signal(7), wait(2)): SIGTSTP and SIGSTOP stop a child, the
 * parent's waitpid(WUNTRACED) sees it once, SIGCONT continues it
 * (WCONTINUED), a signal sent while stopped waits for the continue, and
 * SIGKILL ends a stopped child. */
static const char jobs_src[] =
    "#include <signal.h>\n#include <stdio.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
    "static void show(const char *what, pid_t r, int st) {\n"
    "    printf(\"%s: %s\", what, r > 0 ? \"child\" : r == 0 ? \"nothing\" : \"error\");\n"
    "    if (r > 0 && WIFSTOPPED(st)) printf(\" stopped by %d\", WSTOPSIG(st));\n"
    "    if (r > 0 && WIFCONTINUED(st)) printf(\" continued\");\n"
    "    if (r > 0 && WIFEXITED(st)) printf(\" exited %d\", WEXITSTATUS(st));\n"
    "    if (r > 0 && WIFSIGNALED(st)) printf(\" killed by %d\", WTERMSIG(st));\n"
    "    printf(\"\\n\"); fflush(stdout);\n"
    "}\n"
    "int main(void) {\n"
    "    int st; pid_t r, c = fork();\n"
    "    if (c == 0) { for (;;) pause(); }\n"
    "    kill(c, SIGTSTP); r = waitpid(c, &st, WUNTRACED); show(\"SIGTSTP\", r, st);\n"
    "    r = waitpid(c, &st, WUNTRACED | WNOHANG); show(\"again\", r, st);\n"
    "    kill(c, SIGCONT); r = waitpid(c, &st, WCONTINUED); show(\"SIGCONT\", r, st);\n"
    "    kill(c, SIGSTOP); r = waitpid(c, &st, WUNTRACED); show(\"SIGSTOP\", r, st);\n"
    "    kill(c, SIGTERM); r = waitpid(c, &st, WNOHANG); show(\"SIGTERM while stopped\", r, st);\n"
    "    kill(c, SIGCONT); r = waitpid(c, &st, 0); show(\"then SIGCONT\", r, st);\n"
    "    pid_t d = fork();\n"
    "    if (d == 0) { raise(SIGSTOP); printf(\"never\\n\"); return 3; }\n"
    "    r = waitpid(d, &st, WUNTRACED); show(\"raise(SIGSTOP)\", r, st);\n"
    "    kill(d, SIGKILL); r = waitpid(d, &st, 0); show(\"SIGKILL\", r, st);\n"
    "    return 0;\n"
    "}\n";

START_TEST(stop_signals_stop_and_sigcont_continues)
{
    const char *exe = compilers[_i]("jobs", jobs_src);
    struct machine *m = oracle_same_as_native(exe, 0, NULL, NULL, 0);
    ck_assert_ptr_nonnull(strstr(oracle_console(m, NULL), "SIGTSTP: child stopped by 20\nagain: nothing\n"
                                                           "SIGCONT: child continued\n"));
    machine_free(m);
}
END_TEST

/* Job control meets main's calls (the console merge): waitid sees stops
 * and continues (WSTOPPED, WCONTINUED, WNOWAIT), SIGCHLD carries
 * CLD_STOPPED with the signal in si_status, kill(-pgid) and
 * waitpid(-pgid) share setpgid's groups, and the generic ioctls (FIONBIO,
 * FIOCLEX, FIONCLEX) work on every descriptor, FIONREAD on both pipe ends. */
static const char merged_src[] =
    "#include <errno.h>\n#include <fcntl.h>\n#include <signal.h>\n#include <stdio.h>\n#include <string.h>\n"
    "#include <unistd.h>\n#include <sys/ioctl.h>\n#include <sys/socket.h>\n#include <sys/wait.h>\n"
    "static volatile int codes[8], statuses[8], n;\n"
    "static void on_chld(int s, siginfo_t *si, void *u) { (void)s; (void)u;\n"
    "    if (n < 8) { codes[n] = si->si_code; statuses[n] = si->si_status; n++; } }\n"
    "int main(void) {\n"
    "    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = on_chld; sa.sa_flags = SA_SIGINFO | SA_RESTART;\n"
    "    sigaction(SIGCHLD, &sa, 0);\n"
    "    siginfo_t si; int r, st; pid_t c = fork();\n"
    "    if (c == 0) { for (;;) pause(); }\n"
    "    kill(c, SIGSTOP);\n"
    "    memset(&si, 0, sizeof si); r = waitid(P_PID, c, &si, WSTOPPED | WNOWAIT);\n"
    "    printf(\"WNOWAIT %d code %d status %d pid %d\\n\", r, si.si_code, si.si_status, si.si_pid == c);\n"
    "    memset(&si, 0, sizeof si); r = waitid(P_PID, c, &si, WSTOPPED);\n"
    "    printf(\"WSTOPPED %d code %d status %d\\n\", r, si.si_code, si.si_status);\n"
    "    printf(\"SIGCHLD:\"); for (int i = 0; i < n; i++) printf(\" %d/%d\", codes[i], statuses[i]); printf(\"\\n\");\n"
    "    memset(&si, 0, sizeof si); r = waitid(P_PID, c, &si, WSTOPPED | WNOHANG); printf(\"again %d pid %d\\n\", r, si.si_pid);\n"
    "    kill(c, SIGCONT);\n"
    "    memset(&si, 0, sizeof si); r = waitid(P_ALL, 0, &si, WCONTINUED);\n"
    "    printf(\"WCONTINUED %d code %d status %d\\n\", r, si.si_code, si.si_status);\n"
    "    kill(c, SIGKILL); waitpid(c, &st, 0);\n"
    "    signal(SIGCHLD, SIG_DFL); /* the continue's SIGCHLD comes when the child runs again: racy natively */\n"
    "    pid_t g = fork(); if (g == 0) { setpgid(0, 0); for (;;) pause(); }\n"
    "    setpgid(g, g);\n"
    "    pid_t h = fork(); if (h == 0) { for (;;) pause(); }\n"
    "    printf(\"join %d\\n\", setpgid(h, g));\n"
    "    printf(\"groups %d %d %d\\n\", getpgid(g) == g, getpgid(h) == g, getsid(h) == getsid(0));\n"
    "    printf(\"kill group %d\\n\", kill(-g, SIGTERM));\n"
    "    int k = 0; while (waitpid(-g, &st, 0) > 0) k++; printf(\"reaped %d killed by %d, then %d\\n\", k, WTERMSIG(st), errno == ECHILD);\n"
    "    int p[2]; pipe(p); write(p[1], \"hello\", 5); int a = -1, b = -1;\n"
    "    ioctl(p[0], FIONREAD, &a); ioctl(p[1], FIONREAD, &b); printf(\"FIONREAD %d %d\\n\", a, b);\n"
    "    char buf[8]; int on = 1; printf(\"FIONBIO %d\\n\", ioctl(p[0], FIONBIO, &on)); read(p[0], buf, 8);\n"
    "    errno = 0; r = (int)read(p[0], buf, 8); printf(\"empty %d %d nonblock %d\\n\", r, errno == EAGAIN, (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);\n"
    "    on = 0; ioctl(p[0], FIONBIO, &on); printf(\"off %d\\n\", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);\n"
    "    int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv); on = 1; ioctl(sv[0], FIONBIO, &on);\n"
    "    errno = 0; r = (int)read(sv[0], buf, 8); printf(\"socket %d %d\\n\", r, errno == EAGAIN);\n"
    "    int nul = open(\"/dev/null\", O_RDWR); r = ioctl(nul, FIONBIO, &on);\n"
    "    printf(\"null FIONBIO %d nonblock %d\\n\", r, (fcntl(nul, F_GETFL) & O_NONBLOCK) != 0);\n"
    "    ioctl(p[0], FIOCLEX); printf(\"FIOCLEX %d\\n\", fcntl(p[0], F_GETFD));\n"
    "    ioctl(p[0], FIONCLEX); printf(\"FIONCLEX %d\\n\", fcntl(p[0], F_GETFD));\n"
    "    errno = 0; r = ioctl(99, FIONBIO, &on); printf(\"bad fd %d %d\\n\", r, errno == EBADF);\n"
    "    return 0;\n"
    "}\n";

START_TEST(job_control_waitid_groups_and_generic_ioctls)
{
    const char *exe = compilers[_i]("merged", merged_src);
    struct machine *m = oracle_same_as_native(exe, 0, NULL, NULL, 0);
    const char *out = oracle_console(m, NULL);
    ck_assert_ptr_nonnull(strstr(out, "WSTOPPED 0 code 5 status 19\n"));
    ck_assert_ptr_nonnull(strstr(out, "WCONTINUED 0 code 6 status 18\n"));
    ck_assert_ptr_nonnull(strstr(out, "WSTOPPED 0 code 5 status 19\nSIGCHLD: 5/19\n"));
    ck_assert_ptr_nonnull(strstr(out, "reaped 2 killed by 15"));
    ck_assert_ptr_nonnull(strstr(out, "FIONREAD 5 5\nFIONBIO 0\nempty -1 1 nonblock 1\n"));
    ck_assert_ptr_nonnull(strstr(out, "null FIONBIO 0 nonblock 1\n"));
    machine_free(m);
}
END_TEST

/* ---- input that comes late --------------------------------------------- */

/* Run until the console shows marker (or the guest exits). */
static void run_until_console_has(struct machine *m, const char *marker)
{
    for (int i = 0; i < 2000; i++) {
        if (strstr(oracle_console(m, NULL), marker))
            return;
        struct machine_until u = {.max_insns = SLICE, .vector = -1};
        enum machine_event e = machine_run(m, &u).event;
        ck_assert_msg(e == MEV_BUDGET || e == MEV_IDLE, "stopped with event %d before \"%s\"", e, marker);
    }
    ck_abort_msg("the guest never printed \"%s\"; console: %s", marker, oracle_console(m, NULL));
}

/* Natively: stdin is a pipe we keep open; after marker appears on stdout,
 * input is written, and the pipe stays open until the program exits. */
static struct oracle_output native_late_input(const char *path, const char *marker, const char *input)
{
    struct oracle_output r = {0};
    int in[2], out[2];
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(out), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    char buf[4096];
    size_t cap = 65536;
    r.out = calloc(1, cap);
    bool sent = false;
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) {
        ck_assert_uint_lt(r.len + (size_t)n, cap);
        memcpy(r.out + r.len, buf, (size_t)n);
        r.len += (size_t)n;
        if (!sent && strstr(r.out, marker)) {
            ck_assert_int_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
            sent = true;
        }
    }
    int st;
    waitpid(pid, &st, 0);
    close(in[1]), close(out[0]);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

START_TEST(nonblocking_reads_say_eagain_and_poll_agrees)
{
    const char *exe = compilers[_i]("nonblock", nonblock_src);
    struct oracle_output nat = native_late_input(exe, "ready\n", "xyz");
    struct machine *m = oracle_boot(exe, 0, NULL, (struct machine_config){0}); /* the line stays up */
    run_until_console_has(m, "ready\n");
    ck_assert_uint_eq(machine_input(m, "xyz", 3), 3);
    ck_assert_int_eq(oracle_run_to_exit(m), nat.status);
    ck_assert_str_eq(oracle_console(m, NULL), nat.out);
    ck_assert_ptr_nonnull(strstr(nat.out, "read -1 EAGAIN\npoll(0) 0 revents 0\nselect(0) 0\n"));
    ck_assert_ptr_nonnull(strstr(nat.out, "again -1 EAGAIN\n"));
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

/* /dev/kbd (the PS/2 keyboard's characters; ringscope's own device, so the
 * expectation is Linux's rule for any character device): EAGAIN with
 * O_NONBLOCK until a key is typed, and poll says so too. */
static const char kbd_src[] =
    "#include <errno.h>\n#include <fcntl.h>\n#include <poll.h>\n#include <stdio.h>\n#include <unistd.h>\n"
    "int main(void) {\n"
    "    int fd = open(\"/dev/kbd\", O_RDONLY | O_NONBLOCK); char c;\n"
    "    ssize_t r = read(fd, &c, 1);\n"
    "    struct pollfd p = {fd, POLLIN, 0}; int n = poll(&p, 1, 0);\n"
    "    printf(\"read %zd %s, poll %d\\n\", r, r < 0 && errno == EAGAIN ? \"EAGAIN\" : \"?\", n);\n"
    "    n = poll(&p, 1, -1); r = read(fd, &c, 1);\n"
    "    printf(\"poll %d revents %x, read %zd '%c'\\n\", n, p.revents, r, c);\n"
    "    return 0;\n"
    "}\n";

START_TEST(nonblocking_keyboard_reads_say_eagain)
{
    const char *exe = compilers[_i]("kbd", kbd_src);
    struct machine *m = oracle_boot(exe, 0, NULL, (struct machine_config){.keys_script = "@50ms q press"});
    oracle_run_to_exit(m);
    ck_assert_str_eq(oracle_console(m, NULL), "read -1 EAGAIN, poll 0\npoll 1 revents 1, read 1 'q'\n");
    machine_free(m);
}
END_TEST

/* ---- the pseudo-terminal oracle ------------------------------------------ */

/* Natively: the program on a fresh pty (cols x rows) as its session's
 * foreground; input is typed once marker has been shown.  Returns what
 * the terminal showed. */
static struct oracle_output native_pty(const char *path, const char *marker, const char *input, size_t input_len)
{
    struct oracle_output r = {0};
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char argv0[256];
        snprintf(argv0, sizeof argv0, "/bin/%s", strrchr(path, '/') + 1);
        execl(path, argv0, (char *)NULL);
        _exit(127);
    }
    size_t cap = 65536;
    r.out = calloc(1, cap);
    bool sent = marker == NULL;
    if (sent)
        ck_assert_int_eq(write(master, input, input_len), (ssize_t)input_len);
    char buf[4096];
    for (;;) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0)
            break; /* EIO: the program is gone */
        ck_assert_uint_lt(r.len + (size_t)n, cap);
        memcpy(r.out + r.len, buf, (size_t)n);
        r.len += (size_t)n;
        if (!sent && strstr(r.out, marker)) {
            ck_assert_int_eq(write(master, input, input_len), (ssize_t)input_len);
            sent = true;
        }
    }
    int st;
    waitpid(pid, &st, 0);
    close(master);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

/* The guest with a terminal on stdin, stdout and stderr (100 x 30). */
static struct machine *guest_pty(const char *path, const char *marker, const char *input, size_t input_len)
{
    struct machine_config c = {.stdin_is_terminal = true, .stdout_is_terminal = true, .stderr_is_terminal = true,
                               .term_cols = 100, .term_rows = 30};
    struct machine *m = oracle_boot(path, 0, NULL, c);
    if (marker)
        run_until_console_has(m, marker);
    ck_assert_uint_eq(machine_input(m, input, input_len), input_len);
    return m;
}

static void same_as_native_pty(const char *exe, const char *marker, const char *input, size_t len,
                               const char *must_show)
{
    struct oracle_output nat = native_pty(exe, marker, input, len);
    struct machine *m = guest_pty(exe, marker, input, len);
    ck_assert_int_eq(oracle_run_to_exit(m), nat.status);
    size_t got;
    const char *out = oracle_console(m, &got);
    size_t i = 0;
    while (i < got && i < nat.len && out[i] == nat.out[i])
        i++;
    ck_assert_msg(got == nat.len && i == got, "terminal output differs at byte %zu (0x%02x, natively 0x%02x):\n ringscope: %s\n native:    %s",
                  i, i < got ? (unsigned char)out[i] : 0, i < nat.len ? (unsigned char)nat.out[i] : 0, out, nat.out);
    ck_assert_msg(strstr(out, must_show), "\"%s\" not in %s", must_show, out);
    machine_free(m);
    oracle_output_free(&nat);
}

/* A terminal: isatty, termios, the window size, the foreground group. */
START_TEST(a_terminal_is_a_terminal)
{
    const char *exe = compilers[_i]("probe", probe_src);
    same_as_native_pty(exe, NULL, "", 0, "fd 2: isatty 1 ");
}
END_TEST

static const char winsize_src[] =
    "#include <stdio.h>\n#include <sys/ioctl.h>\n"
    "int main(void) { struct winsize w; ioctl(1, TIOCGWINSZ, &w); printf(\"%d cols %d rows\\n\", w.ws_col, w.ws_row);\n"
    "    w.ws_col = 132; ioctl(1, TIOCSWINSZ, &w); ioctl(0, TIOCGWINSZ, &w); printf(\"now %d cols\\n\", w.ws_col); return 0; }\n";

START_TEST(the_window_size_is_the_hosts)
{
    const char *exe = compilers[_i]("winsize", winsize_src);
    same_as_native_pty(exe, NULL, "", 0, "100 cols 30 rows\r\nnow 132 cols\r\n");
}
END_TEST

/* Echo, erase (DEL), word erase (^W), kill (^U), literal next (^V), a line
 * ended by ^D with text before it, then ^D alone: end of file. */
START_TEST(canonical_mode_edits_lines_like_linux)
{
    const char *exe = compilers[_i]("canon", canon_src);
    static const char input[] = "hello wo\027world\177\177LD\r"
                                "abc\025xyz\n"
                                "quote \026\003 and \026\177.\n"
                                "tail\004"
                                "\004";
    same_as_native_pty(exe, "ready\r\n", input, sizeof input - 1, "[12:hello worLD\\012]");
}
END_TEST

START_TEST(raw_mode_reads_single_bytes)
{
    const char *exe = compilers[_i]("raw", raw_src);
    same_as_native_pty(exe, "ready\r\n", "a\r\003\004\177\nz", 7, "1:61 1:0d 1:03 1:04 1:7f 1:0a 1:7a \r\ntimed read 0");
}
END_TEST

START_TEST(termios_requests_and_the_foreground_group)
{
    const char *exe = compilers[_i]("ioctls", ioctls_src);
    same_as_native_pty(exe, "ready\r\n", "abcdef", 6,
                       "TCSETSW 0 icanon 0 echo 0 vmin 3\r\nFIONREAD before 0\r\nready\r\n"
                       "read 3 abc, FIONREAD 0 3\r\nTCSETSF 0, FIONREAD 0\r\n"
                       "foreground is me 1\r\nto the child 0, foreground is the child 1\r\n"
                       "back 0, foreground is me 1\r\nno such group -1 No such process\r\n"
                       "negative -1 Invalid argument\r\nanother session -1 Operation not permitted\r\n"
                       "child 0, foreground is me 1\r\n");
}
END_TEST

/* O_NONBLOCK on a terminal in canonical mode: EAGAIN until a whole line
 * is there, and poll/select say the same. */
START_TEST(nonblocking_terminal_reads_say_eagain)
{
    const char *exe = compilers[_i]("nonblock", nonblock_src);
    same_as_native_pty(exe, "ready\r\n", "xyz\n", 4,
                       "read -1 EAGAIN\r\npoll(0) 0 revents 0\r\nselect(0) 0\r\nready\r\nxyz\r\npoll 1 revents 1\r\n"
                       "select 1\r\nread 4 xyz\r\n\r\nagain -1 EAGAIN\r\n");
}
END_TEST

/* Keys typed one at a time, each once the program showed it waits. */
struct step {
    const char *wait_for, *keys;
};

static struct oracle_output native_pty_steps(const char *path, const struct step *steps, int nsteps)
{
    struct oracle_output r = {0};
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    size_t cap = 65536;
    r.out = calloc(1, cap);
    int next = 0;
    char buf[4096];
    for (;;) {
        if (next < nsteps && strstr(r.out, steps[next].wait_for)) {
            ck_assert_int_eq(write(master, steps[next].keys, strlen(steps[next].keys)), (ssize_t)strlen(steps[next].keys));
            next++;
            continue;
        }
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) {
            kill(pid, SIGKILL); /* stuck: end it, the comparison will say what differs */
            break;
        }
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0)
            break;
        ck_assert_uint_lt(r.len + (size_t)n, cap);
        memcpy(r.out + r.len, buf, (size_t)n);
        r.len += (size_t)n;
    }
    int st;
    waitpid(pid, &st, 0);
    close(master);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

/* ^Z and ^\ reach the handlers; ^C ends the program: 128 + SIGINT. */
START_TEST(control_keys_signal_the_foreground_group)
{
    const char *exe = compilers[_i]("signals", signals_src);
    static const struct step steps[] = {{"ready 1\r\n", "\032"}, {"got 20\r\n", "\034"}, {"waiting for ^C", "\003"}};
    struct oracle_output nat = native_pty_steps(exe, steps, 3);
    ck_assert_int_eq(nat.status, 128 + SIGINT);
    struct machine *m = guest_pty(exe, NULL, "", 0);
    for (int i = 0; i < 3; i++) {
        run_until_console_has(m, steps[i].wait_for);
        ck_assert_uint_eq(machine_input(m, steps[i].keys, 1), 1);
    }
    ck_assert_int_eq(oracle_run_to_exit(m), nat.status);
    ck_assert_str_eq(oracle_console(m, NULL), nat.out);
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

/* ---- the command line on a pty: busybox's shell ------------------------- */

struct pty_session {
    int master;
    pid_t pid;
    char seen[65536];
    size_t len;
};

/* Read until text appears (after from), at most seconds; true if it did. */
static bool pty_wait_for(struct pty_session *s, size_t from, const char *text, double seconds)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        s->seen[s->len] = 0;
        if (strstr(s->seen + from, text))
            return true;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double left = seconds - ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9);
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = s->master, .events = POLLIN};
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        ssize_t n = read(s->master, s->seen + s->len, sizeof s->seen - 1 - s->len);
        if (n <= 0)
            return false;
        s->len += (size_t)n;
    }
}

static void pty_type(struct pty_session *s, const char *keys)
{
    ck_assert_int_eq(write(s->master, keys, strlen(keys)), (ssize_t)strlen(keys));
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

START_TEST(busybox_shell_is_usable_on_a_terminal)
{
    if (access("/bin/busybox", X_OK) != 0) {
        fprintf(stderr, "test_kernel_console: /bin/busybox not installed: skipped\n");
        return;
    }
    static struct pty_session s;
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    s.len = 0;
    s.pid = forkpty(&s.master, NULL, NULL, &ws);
    ck_assert_int_ge(s.pid, 0);
    if (s.pid == 0) {
        execl(oracle_ringscope(), "ringscope", "run", "/bin/busybox", "sh", (char *)NULL);
        _exit(127);
    }
    ck_assert_msg(pty_wait_for(&s, 0, "/ # ", 30), "no prompt: %s", s.seen);
    /* The host terminal is raw while the guest runs: the guest echoes. */
    struct termios t;
    ck_assert_int_eq(tcgetattr(s.master, &t), 0);
    ck_assert_int_eq(t.c_lflag & (ICANON | ECHO), 0);

    size_t mark = s.len;
    pty_type(&s, "echo hi\r");
    ck_assert_msg(pty_wait_for(&s, mark, "echo hi\r\nhi\r\n", 10), "%s", s.seen + mark);

    mark = s.len;
    pty_type(&s, "busybox sleep 5; echo 'not' interrupted\r");
    ck_assert(pty_wait_for(&s, mark, "interrupted\r\n", 10));
    usleep(300000);
    double t0 = now_seconds();
    pty_type(&s, "\003");
    ck_assert_msg(pty_wait_for(&s, mark, "^C", 3), "%s", s.seen + mark);
    ck_assert_msg(pty_wait_for(&s, mark, "/ # ", 3), "%s", s.seen + mark);
    ck_assert_msg(now_seconds() - t0 < 3, "^C did not interrupt the sleep");
    ck_assert_ptr_null(strstr(s.seen + mark, "not interrupted"));

    mark = s.len;
    pty_type(&s, "echo $?\r");
    ck_assert_msg(pty_wait_for(&s, mark, "\r\n130\r\n", 10), "%s", s.seen + mark);

    /* ^Z stops the foreground job, the shell says so (before its next
     * prompt: stderr and stdout in the order written), fg continues it. */
    mark = s.len;
    pty_type(&s, "busybox sleep 7\r");
    ck_assert(pty_wait_for(&s, mark, "sleep 7\r\n", 10));
    usleep(300000);
    pty_type(&s, "\032");
    ck_assert_msg(pty_wait_for(&s, mark, "^Z[1]+  Stopped", 3), "%s", s.seen + mark);
    ck_assert_msg(pty_wait_for(&s, mark, "busybox sleep 7\r\n/ # ", 3), "%s", s.seen + mark);
    mark = s.len;
    pty_type(&s, "fg\r");
    ck_assert_msg(pty_wait_for(&s, mark, "fg\r\nbusybox sleep 7\r\n", 5), "%s", s.seen + mark);
    usleep(300000);
    pty_type(&s, "\003");
    ck_assert_msg(pty_wait_for(&s, mark, "^C\r\n/ # ", 3), "%s", s.seen + mark);

    /* The host window's size (the pty's 80 x 24) is the guest terminal's. */
    mark = s.len;
    pty_type(&s, "busybox stty size\r");
    ck_assert_msg(pty_wait_for(&s, mark, "\r\n24 80\r\n", 10), "%s", s.seen + mark);

    mark = s.len;
    pty_type(&s, "exit 3\r");
    int st;
    pty_wait_for(&s, mark, "never", 2);
    ck_assert_int_eq(waitpid(s.pid, &st, 0), s.pid);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 3);
    /* ... and cooked again once ringscope is gone. */
    ck_assert_int_eq(tcgetattr(s.master, &t), 0);
    ck_assert_int_eq(t.c_lflag & (ICANON | ECHO), ICANON | ECHO);
    close(s.master);
}
END_TEST

/* `ringscope run echo` with n bytes streamed through a pipe (the xorshift
 * bytes of megabytes_of_binary_data_arrive_whole, made as they are
 * written): what comes back must be the input, byte for byte, as the same
 * program gives natively.  Returns ringscope's peak resident size in KiB
 * (wait4's ru_maxrss). */
static long cli_echo_through_pipes(const char *exe, size_t n)
{
    int in[2], out[2];
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(out), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execl(oracle_ringscope(), "ringscope", "run", exe, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    uint32_t wx = 2463534242u, rx = 2463534242u; /* the writer's and the checker's generators */
    static unsigned char chunk[65536], back[65536];
    size_t sent = 0, chunk_len = 0, chunk_off = 0, got = 0;
    bool mismatch = false;
    while (got < n || sent < n) {
        if (sent < n && chunk_off == chunk_len) {
            chunk_len = n - sent < sizeof chunk ? n - sent : sizeof chunk;
            for (size_t i = 0; i < chunk_len; i++) {
                wx ^= wx << 13, wx ^= wx >> 17, wx ^= wx << 5;
                chunk[i] = (unsigned char)wx;
            }
            chunk_off = 0;
        }
        struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = sent < n ? in[1] : -1, .events = POLLOUT}};
        ck_assert_int_gt(poll(p, 2, 60000), 0);
        if (p[1].revents & POLLOUT) {
            ssize_t w = write(in[1], chunk + chunk_off, chunk_len - chunk_off);
            if (w > 0) {
                chunk_off += (size_t)w, sent += (size_t)w;
                if (sent == n)
                    close(in[1]); /* end of file: the UART's carrier drops */
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t r = read(out[0], back, sizeof back);
            if (r <= 0)
                break;
            for (ssize_t i = 0; i < r; i++) {
                rx ^= rx << 13, rx ^= rx >> 17, rx ^= rx << 5;
                mismatch |= back[i] != (unsigned char)rx;
            }
            got += (size_t)r;
        }
    }
    if (sent < n)
        close(in[1]);
    int st;
    struct rusage ru;
    ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
    close(out[0]);
    ck_assert_uint_eq(sent, n);
    ck_assert_uint_eq(got, n);
    ck_assert_msg(!mismatch, "the bytes that came back differ from the input");
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x", st);
    return ru.ru_maxrss;
}

/* Back-pressure, not a bigger buffer: ringscope's memory does not grow with
 * its input.  24 MiB through `ringscope run` at the command line needs no
 * more host memory than 64 KiB does (within 8 MiB), and every byte comes
 * back as from the native program. */
START_TEST(the_command_line_holds_input_back_instead_of_buffering_it)
{
    const char *exe = compilers[_i]("echo", echo_src);
    static unsigned char probe[4096];
    struct oracle_output nat = oracle_run_native(exe, 0, NULL, probe, sizeof probe);
    ck_assert_uint_eq(nat.len, sizeof probe); /* natively: echo gives back what it reads */
    oracle_output_free(&nat);
    long small = cli_echo_through_pipes(exe, 64 << 10);
    long big = cli_echo_through_pipes(exe, 24u << 20);
    if (getenv("CONSOLE_SHOW"))
        fprintf(stderr, "peak RSS: %ld KiB for 64 KiB of input, %ld KiB for 24 MiB\n", small, big);
    ck_assert_msg(big < small + 8 * 1024, "peak RSS %ld KiB for 24 MiB of input, %ld KiB for 64 KiB", big, small);
}
END_TEST

/* At a terminal with stdout and stderr redirected to files (`prog >out
 * 2>err` typed at a shell): only stdin is a terminal, and the files get
 * exactly what they get natively (no "\r\n" from the terminal's output
 * processing). */
static void run_on_pty_into_files(const char *const *argv, const char *out, const char *err, int *status)
{
    int master;
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1), dup2(e, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    char buf[4096];
    struct pollfd p = {.fd = master, .events = POLLIN};
    while (poll(&p, 1, 60000) > 0 && read(master, buf, sizeof buf) > 0)
        ; /* nothing should show; drain until the program is gone (EIO) */
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    close(master);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap + 1);
    ck_assert_ptr_nonnull(b);
    n = fread(b, 1, cap, f);
    fclose(f);
    b[n] = 0;
    *len = n;
    return b;
}

START_TEST(redirected_output_at_a_terminal_is_the_native_bytes)
{
    const char *progs[] = {compilers[_i]("probe", probe_src), compilers[_i]("streams", streams_src)};
    char files[4][512];
    const char *names[] = {"native.out", "native.err", "guest.out", "guest.err"};
    for (int i = 0; i < 4; i++)
        snprintf(files[i], sizeof files[i], "%s/%s", oracle_workdir(), names[i]);
    for (int k = 0; k < 2; k++) {
        int native_status, guest_status;
        const char *native_argv[] = {progs[k], NULL};
        const char *guest_argv[] = {oracle_ringscope(), "run", progs[k], NULL};
        run_on_pty_into_files(native_argv, files[0], files[1], &native_status);
        run_on_pty_into_files(guest_argv, files[2], files[3], &guest_status);
        ck_assert_int_eq(guest_status, native_status);
        for (int f = 0; f < 2; f++) {
            size_t nlen, glen;
            char *nat = slurp(files[f], &nlen), *got = slurp(files[f + 2], &glen);
            ck_assert_msg(nlen == glen && memcmp(nat, got, nlen) == 0, "%s differs:\n ringscope: %s\n native:    %s",
                          names[f + 2], got, nat);
            if (k == 0 && f == 0)
                ck_assert_ptr_nonnull(strstr(got, "fd 0: isatty 1 ("));
            if (k == 0 && f == 0)
                ck_assert_ptr_nonnull(strstr(got, "fd 1: isatty 0 ("));
            free(nat), free(got);
        }
    }
}
END_TEST

/* Killed from outside (SIGTERM, a hang-up, an alarm, a stray SIGUSR1),
 * ringscope still gives the terminal back and dies of the same signal.
 * (SIGPIPE it ignores: a closed stdout ends no guest.) */
static const int killers[] = {SIGTERM, SIGHUP, SIGALRM, SIGUSR1};

START_TEST(the_host_terminal_is_restored_when_ringscope_is_killed)
{
    int sig = killers[_i];
    static struct pty_session s;
    s.len = 0;
    s.pid = forkpty(&s.master, NULL, NULL, NULL);
    ck_assert_int_ge(s.pid, 0);
    if (s.pid == 0) {
        signal(sig, SIG_DFL); /* as a login shell leaves it */
        execl(oracle_ringscope(), "ringscope", "run", "/bin/busybox", "sh", (char *)NULL);
        _exit(127);
    }
    ck_assert_msg(pty_wait_for(&s, 0, "/ # ", 30), "no prompt: %s", s.seen);
    struct termios t;
    ck_assert_int_eq(tcgetattr(s.master, &t), 0);
    ck_assert_int_eq(t.c_lflag & ICANON, 0);
    kill(s.pid, sig);
    int st;
    ck_assert_int_eq(waitpid(s.pid, &st, 0), s.pid);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == sig, "signal %d: status %x", sig, st);
    ck_assert_int_eq(tcgetattr(s.master, &t), 0);
    ck_assert_int_eq(t.c_lflag & (ICANON | ECHO), ICANON | ECHO);
    close(s.master);
}
END_TEST

Suite *console_suite(void)
{
    Suite *s = suite_create("kernel_console");
    TCase *pipe = tcase_create("pipe");
    tcase_set_timeout(pipe, 600);
    tcase_add_unchecked_fixture(pipe, NULL, teardown);
    tcase_add_loop_test(pipe, three_thousand_lines_all_arrive, 0, 2);
    tcase_add_loop_test(pipe, bytes_past_every_buffer_come_back_in_order, 0, 2);
    tcase_add_loop_test(pipe, all_256_byte_values_pass_untouched, 0, 2);
    tcase_add_loop_test(pipe, megabytes_of_binary_data_arrive_whole, 0, 2);
    tcase_add_loop_test(pipe, a_pipe_is_not_a_terminal, 0, 2);
    tcase_add_loop_test(pipe, stderr_is_not_stdout, 0, 2);
    tcase_add_loop_test(pipe, stop_signals_stop_and_sigcont_continues, 0, 2);
    tcase_add_loop_test(pipe, job_control_waitid_groups_and_generic_ioctls, 0, 2);
    tcase_add_loop_test(pipe, nonblocking_reads_say_eagain_and_poll_agrees, 0, 2);
    tcase_add_loop_test(pipe, nonblocking_keyboard_reads_say_eagain, 0, 2);
    suite_add_tcase(s, pipe);
    TCase *tty = tcase_create("terminal");
    tcase_set_timeout(tty, 300);
    tcase_add_unchecked_fixture(tty, NULL, teardown);
    tcase_add_loop_test(tty, a_terminal_is_a_terminal, 0, 2);
    tcase_add_loop_test(tty, the_window_size_is_the_hosts, 0, 2);
    tcase_add_loop_test(tty, canonical_mode_edits_lines_like_linux, 0, 2);
    tcase_add_loop_test(tty, raw_mode_reads_single_bytes, 0, 2);
    tcase_add_loop_test(tty, termios_requests_and_the_foreground_group, 0, 2);
    tcase_add_loop_test(tty, nonblocking_terminal_reads_say_eagain, 0, 2);
    tcase_add_loop_test(tty, control_keys_signal_the_foreground_group, 0, 2);
    suite_add_tcase(s, tty);
    TCase *cli = tcase_create("command line");
    tcase_set_timeout(cli, 120);
    tcase_add_unchecked_fixture(cli, NULL, teardown);
    tcase_add_test(cli, busybox_shell_is_usable_on_a_terminal);
    tcase_add_loop_test(cli, the_command_line_holds_input_back_instead_of_buffering_it, 0, 2);
    tcase_add_loop_test(cli, redirected_output_at_a_terminal_is_the_native_bytes, 0, 2);
    tcase_add_loop_test(cli, the_host_terminal_is_restored_when_ringscope_is_killed, 0,
                        (int)(sizeof killers / sizeof killers[0]));
    suite_add_tcase(s, cli);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(console_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
