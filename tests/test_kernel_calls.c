/* test_kernel_calls.c — the system calls real programs make, on the guest
 * kernel, against the same static program run natively (musl and glibc):
 * /proc/self/exe, signals and their siginfo, waitid, credentials, file
 * locks, limits, and the file calls of coreutils-like programs.
 *
 * Every program prints what it observes (return values, errno names,
 * siginfo fields) on stdout; the host's Linux is the oracle, byte for byte.
 * The host runs the tests as root, like the guest's programs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "machine/machine.h"
#include "linux_oracle.h"

/* Compile src with musl-gcc -static and gcc -static; each must behave on
 * the guest as natively. */
static void both_like_native(const char *name, const char *src, int argc, char *const *argv)
{
    char n[128];
    snprintf(n, sizeof n, "%s_musl", name);
    machine_free(oracle_same_as_native(oracle_musl(n, src), argc, argv, NULL, 0));
    snprintf(n, sizeof n, "%s_glibc", name);
    machine_free(oracle_same_as_native(oracle_glibc(n, src), argc, argv, NULL, 0));
}

#define PRELUDE                                                                                               \
    "#define _GNU_SOURCE\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <errno.h>\n" \
    "#include <unistd.h>\n#include <fcntl.h>\n#include <signal.h>\n#include <sys/wait.h>\n"                    \
    "#include <sys/stat.h>\n#include <sys/types.h>\n#include <sys/syscall.h>\n"                              \
    "#define CHECK(e) do { long r_ = (long)(e); printf(\"%-40s -> %ld%s%s\\n\", #e, r_, r_ < 0 ? \" \" : \"\", " \
    "r_ < 0 ? errname(errno) : \"\"); fflush(stdout); } while (0)\n"                                 \
    "static const char *errname(int e) { static char b[16]; switch (e) {"                             \
    "case EPERM: return \"EPERM\"; case ENOENT: return \"ENOENT\"; case EBADF: return \"EBADF\";"             \
    "case EAGAIN: return \"EAGAIN\"; case EINVAL: return \"EINVAL\"; case EEXIST: return \"EEXIST\";"          \
    "case ENOTDIR: return \"ENOTDIR\"; case EISDIR: return \"EISDIR\"; case EMFILE: return \"EMFILE\";"       \
    "case EDEADLK: return \"EDEADLK\"; case EINTR: return \"EINTR\"; case ECHILD: return \"ECHILD\";"          \
    "case ENOMEM: return \"ENOMEM\"; case EXDEV: return \"EXDEV\"; case ENXIO: return \"ENXIO\";"             \
    "case ESPIPE: return \"ESPIPE\"; case EFAULT: return \"EFAULT\"; case ENOTEMPTY: return \"ENOTEMPTY\";"   \
    "case EOPNOTSUPP: return \"EOPNOTSUPP\"; case ESRCH: return \"ESRCH\";"                                   \
    "default: snprintf(b, sizeof b, \"E%d\", e); return b; } }\n"

/* ---- /proc/self/exe ------------------------------------------------------ */

/* busybox's shell runs each applet of a pipeline by execve("/proc/self/exe"). */
START_TEST(busybox_pipeline_runs_applets_through_proc_self_exe)
{
    if (access("/bin/busybox", X_OK) != 0) {
        fprintf(stderr, "test_kernel_calls: /bin/busybox not installed: skipped\n");
        return;
    }
    char cmd[256], exe[128];
    snprintf(exe, sizeof exe, "%s/busybox", oracle_workdir());
    snprintf(cmd, sizeof cmd, "cp /bin/busybox %s", exe);
    ck_assert_int_eq(system(cmd), 0);
    char *args[] = {"sh", "-c",
                    "exec 2>/dev/null; echo hi | tee /dev/null | wc -c; seq 1 5000 | sort -rn | head -n 2; "
                    "id; id -un; id -gn; whoami; "
                    "d=/tmp/bbcalls$$; mkdir $d && cd $d && echo one > f && ln f g && stat -c '%h %s' f g && "
                    "mkfifo p && (echo via fifo > p &) && cat p && mkdir -p a/b && echo deep > a/b/c && mv a z && "
                    "cat z/b/c && ls -la | wc -l && seq 1 3 | xargs -n1 echo n && find . -type f | sort && "
                    "cat /dev/stdin < f && ls -l /proc/self/exe | cut -c1-10 && cd / && rm -rf $d; echo done"};
    struct machine *m = oracle_same_as_native(exe, 3, args, NULL, 0);
    size_t len;
    const char *out = oracle_console(m, &len);
    ck_assert_ptr_nonnull(strstr(out, "3\n5000\n4999\n"));
    ck_assert_ptr_nonnull(strstr(out, "uid=0(root) gid=0(root)"));
    machine_free(m);
}
END_TEST

static const char proc_exe_src[] = PRELUDE
    "int main(int argc, char **argv) {\n"
    "  if (argc > 1) { printf(\"child %s\\n\", argv[1]); return 7; }\n"
    "  char buf[256]; ssize_t n = readlink(\"/proc/self/exe\", buf, sizeof buf - 1);\n"
    "  buf[n > 0 ? n : 0] = 0; printf(\"readlink ok %d\\n\", n > 0 && buf[0] == '/');\n"
    "  char pidpath[64]; snprintf(pidpath, sizeof pidpath, \"/proc/%d/exe\", getpid());\n"
    "  struct stat a, b; CHECK(stat(\"/proc/self/exe\", &a)); CHECK(stat(buf, &b));\n"
    "  printf(\"same size %d regular %d\\n\", a.st_size == b.st_size, S_ISREG(a.st_mode));\n"
    "  CHECK(stat(pidpath, &a)); printf(\"pid path size %d\\n\", a.st_size == b.st_size);\n"
    "  int fd = open(\"/proc/self/exe\", O_RDONLY); char elf[4] = {0};\n"
    "  CHECK(read(fd, elf, 4)); printf(\"magic %d\\n\", memcmp(elf, \"\\177ELF\", 4) == 0); close(fd);\n"
    "  CHECK(stat(\"/proc/999999/exe\", &a));\n"
    "  CHECK(open(\"/proc/self/exe/x\", O_RDONLY));\n"
    "  struct stat l; CHECK(lstat(\"/proc/self/exe\", &l)); printf(\"link %d size %ld\\n\", S_ISLNK(l.st_mode), (long)l.st_size);\n"
    "  int p[2]; pipe(p); write(p[1], \"through the pipe\", 16); char fdpath[64]; snprintf(fdpath, sizeof fdpath, \"/proc/self/fd/%d\", p[0]);\n"
    "  int again = open(fdpath, O_RDONLY); char got[20] = {0}; CHECK(read(again, got, 7)); printf(\"%s\\n\", got);\n"
    "  dup2(p[0], 0); int in = open(\"/dev/stdin\", O_RDONLY); memset(got, 0, sizeof got); CHECK(read(in, got, 9)); printf(\"%s\\n\", got);\n"
    "  CHECK(open(\"/proc/self/fd/77\", O_RDONLY));\n"
    "  fflush(stdout);\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) { char *av[] = {\"again\", \"hello\", 0}; execv(\"/proc/self/exe\", av); _exit(99); }\n"
    "  int st; waitpid(pid, &st, 0); printf(\"exit %d\\n\", WEXITSTATUS(st));\n"
    "  return 0;\n"
    "}\n";

START_TEST(proc_self_exe_opens_stats_and_executes)
{
    both_like_native("proc_exe", proc_exe_src, 0, NULL);
}
END_TEST

/* ---- signals --------------------------------------------------------------- */

static const char fault_codes_src[] = PRELUDE
    "#include <setjmp.h>\n#include <sys/mman.h>\n"
    "static sigjmp_buf env; static volatile int got_sig, got_code; static void *volatile got_addr;\n"
    "static void on_sig(int sig, siginfo_t *si, void *uc) { got_sig = sig; got_code = si->si_code;\n"
    "  got_addr = si->si_addr; siglongjmp(env, 1); }\n"
    "static void report(const char *what, void *expect_addr) {\n"
    "  printf(\"%-10s sig %d code %d addr %s\\n\", what, got_sig, got_code,\n"
    "         got_addr == expect_addr ? \"as expected\" : \"other\"); got_sig = got_code = 0; got_addr = 0; }\n"
    "static int zero = 0;\n"
    "int main(void) {\n"
    "  struct sigaction sa = {0}; sa.sa_sigaction = on_sig; sa.sa_flags = SA_SIGINFO | SA_NODEFER;\n"
    "  int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGBUS};\n"
    "  for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, 0);\n"
    "  if (!sigsetjmp(env, 1)) { __asm__ volatile(\"int3\"); } report(\"int3\", 0);\n"
    "  if (!sigsetjmp(env, 1)) { __asm__ volatile(\"hlt\"); } report(\"hlt\", 0);\n"
    "  if (!sigsetjmp(env, 1)) { __asm__ volatile(\"ud2\"); } printf(\"ud2 sig %d code %d addr %s\\n\", got_sig,\n"
    "     got_code, got_addr ? \"set\" : \"null\"); got_sig = 0;\n"
    "  if (!sigsetjmp(env, 1)) { volatile int x = 1 / *(volatile int *)&zero; (void)x; }\n"
    "  printf(\"div0 sig %d code %d addr %s\\n\", got_sig, got_code, got_addr ? \"set\" : \"null\"); got_sig = 0;\n"
    "  char *ro = mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  if (!sigsetjmp(env, 1)) { ro[100] = 1; } report(\"ro write\", ro + 100);\n"
    "  volatile char c = ro[4096]; (void)c;\n"
    "  if (!sigsetjmp(env, 1)) { ro[4096 + 5] = 1; } report(\"ro touched\", ro + 4096 + 5);\n"
    "  munmap(ro, 8192);\n"
    "  if (!sigsetjmp(env, 1)) { ro[7] = 1; } report(\"unmapped\", ro + 7);\n"
    "  if (!sigsetjmp(env, 1)) { *(volatile char *)16 = 1; } report(\"null\", (void *)16);\n"
    "  char *none = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  if (!sigsetjmp(env, 1)) { (void)*(volatile char *)none; } report(\"prot none\", none);\n"
    "  if (!sigsetjmp(env, 1)) { (void)*(volatile long *)0xffff800000000000ull; } report(\"kernel\", 0);\n"
    "  if (!sigsetjmp(env, 1)) { (void)*(volatile long *)0x8000000000000000ull; } report(\"noncanon\", 0);\n"
    "  return 0;\n"
    "}\n";

START_TEST(fault_signals_carry_linux_si_code_and_addr)
{
    both_like_native("fault_codes", fault_codes_src, 0, NULL);
}
END_TEST

/* Unmasked SSE exceptions (#XM): SIGFPE with FPE_FLTDIV, FPE_FLTINV,
 * FPE_FLTOVF at the instruction; the handler runs with the exceptions
 * masked again (Linux gives it a fresh FPU state).  glibc only: musl has
 * no feenableexcept. */
static const char fp_codes_src[] = PRELUDE
    "#include <fenv.h>\n#include <setjmp.h>\n#include <float.h>\n"
    "static sigjmp_buf env; static volatile int code, masked_in_handler; static void *volatile addr;\n"
    "static void on_fpe(int sig, siginfo_t *si, void *uc) { code = si->si_code; addr = si->si_addr;\n"
    "  masked_in_handler = fegetexcept() == 0; siglongjmp(env, 1); }\n"
    "static volatile double zero = 0.0, one = 1.0, big = DBL_MAX, out;\n"
    "static void try(const char *what, int except, int op) {\n"
    "  code = -1; feclearexcept(FE_ALL_EXCEPT); feenableexcept(except);\n"
    "  if (!sigsetjmp(env, 1)) { if (op == 0) out = one / zero; else if (op == 1) out = zero / zero; else out = big * big; }\n"
    "  fedisableexcept(FE_ALL_EXCEPT);\n"
    "  printf(\"%-8s code %d addr %s handler masked %d\\n\", what, code, addr ? \"set\" : \"null\", masked_in_handler); }\n"
    "int main(void) {\n"
    "  struct sigaction sa = {0}; sa.sa_sigaction = on_fpe; sa.sa_flags = SA_SIGINFO | SA_NODEFER; sigaction(SIGFPE, &sa, 0);\n"
    "  try(\"div0\", FE_DIVBYZERO, 0); try(\"invalid\", FE_INVALID, 1); try(\"overflow\", FE_OVERFLOW, 2);\n"
    "  try(\"masked\", 0, 0); printf(\"masked result inf %d\\n\", out > DBL_MAX);\n"
    "  return 0;\n"
    "}\n";

/* gcc -static with libraries after the source (oracle_compile adds only
 * -lpthread). */
static const char *glibc_with_libs(const char *name, const char *source, const char *libs)
{
    static char exe[256];
    char src[256], cmd[1024];
    snprintf(src, sizeof src, "%s/%s.c", oracle_workdir(), name);
    snprintf(exe, sizeof exe, "%s/%s", oracle_workdir(), name);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs(source, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "gcc -static -O1 -w -o %s %s %s -lpthread >/dev/null 2>&1", exe, src, libs);
    ck_assert_msg(system(cmd) == 0, "compiling %s failed", name);
    return exe;
}

START_TEST(floating_point_exceptions_carry_their_code)
{
    machine_free(oracle_same_as_native(glibc_with_libs("fp_codes", fp_codes_src, "-lm"), 0, NULL, NULL, 0));
}
END_TEST

/* The status a program dies with natively and on the guest (the guest's
 * console also carries the kernel's "killed" line, so only the status is
 * compared). */
static void same_death(const char *name, const char *src, int expect)
{
    const char *exe[2] = {oracle_musl(name, src), NULL};
    char n[128];
    snprintf(n, sizeof n, "%s_glibc", name);
    exe[1] = oracle_glibc(n, src);
    for (int i = 0; i < 2; i++) {
        struct oracle_output nat = oracle_run_native(exe[i], 0, NULL, NULL, 0);
        ck_assert_int_eq(nat.status, expect);
        struct machine *m = oracle_boot(exe[i], 0, NULL, (struct machine_config){0});
        ck_assert_int_eq(oracle_run_to_exit(m), nat.status);
        machine_free(m);
        oracle_output_free(&nat);
    }
}

/* An unhandled INT3 is SIGTRAP (status 128 + 5), not a #GP SIGSEGV. */
START_TEST(unhandled_int3_is_sigtrap)
{
    same_death("int3", "int main(void) { __asm__ volatile(\"int3\"); return 0; }\n", 133);
    same_death("hlt", "int main(void) { __asm__ volatile(\"hlt\"); return 0; }\n", 139);
}
END_TEST

static const char sigqueue_src[] = PRELUDE
    "#include <time.h>\n"
    "static volatile int got_value, got_code, got_pid_ok;\n"
    "static void on_usr(int sig, siginfo_t *si, void *uc) { got_value = si->si_value.sival_int;\n"
    "  got_code = si->si_code; got_pid_ok = si->si_pid == getpid(); }\n"
    "int main(void) {\n"
    "  struct sigaction sa = {0}; sa.sa_sigaction = on_usr; sa.sa_flags = SA_SIGINFO;\n"
    "  sigaction(SIGUSR1, &sa, 0);\n"
    "  union sigval v = {.sival_int = 4242};\n"
    "  CHECK(sigqueue(getpid(), SIGUSR1, v));\n"
    "  printf(\"handler value %d code %d pid %d\\n\", got_value, got_code, got_pid_ok);\n"
    "  sigset_t set, pend; sigemptyset(&set); sigaddset(&set, SIGUSR2); sigaddset(&set, SIGRTMIN + 1);\n"
    "  sigprocmask(SIG_BLOCK, &set, 0);\n"
    "  sigpending(&pend); printf(\"pending before %d\\n\", sigismember(&pend, SIGUSR2));\n"
    "  kill(getpid(), SIGUSR2);\n"
    "  sigpending(&pend); printf(\"pending after %d %d\\n\", sigismember(&pend, SIGUSR2), sigismember(&pend, SIGUSR1));\n"
    "  siginfo_t si; memset(&si, 0, sizeof si);\n"
    "  int s = sigwaitinfo(&set, &si);\n"
    "  printf(\"sigwaitinfo %d code %d pid ok %d\\n\", s == SIGUSR2, si.si_code, si.si_pid == getpid());\n"
    "  sigpending(&pend); printf(\"pending now %d\\n\", sigismember(&pend, SIGUSR2));\n"
    "  struct timespec ts = {0, 30000000};\n"
    "  CHECK(sigtimedwait(&set, &si, &ts));\n"
    "  struct timespec zero = {0, 0};\n"
    "  CHECK(sigtimedwait(&set, &si, &zero));\n"
    "  v.sival_int = 77; sigqueue(getpid(), SIGRTMIN + 1, v);\n"
    "  s = sigtimedwait(&set, &si, &ts);\n"
    "  printf(\"rt %d value %d code %d\\n\", s == SIGRTMIN + 1, si.si_value.sival_int, si.si_code);\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) { union sigval w = {.sival_int = 9}; usleep(20000); sigqueue(getppid(), SIGUSR2, w); _exit(0); }\n"
    "  s = sigwaitinfo(&set, &si);\n"
    "  printf(\"from child %d value %d pid ok %d\\n\", s == SIGUSR2, si.si_value.sival_int, si.si_pid == pid);\n"
    "  waitpid(pid, 0, 0);\n"
    "  sigset_t chld; sigemptyset(&chld); sigaddset(&chld, SIGCHLD); sigprocmask(SIG_BLOCK, &chld, 0);\n"
    "  pid = fork(); if (pid == 0) _exit(5);\n"
    "  s = sigwaitinfo(&chld, &si);\n"
    "  printf(\"sigchld %d code %d status %d pid ok %d\\n\", s == SIGCHLD, si.si_code, si.si_status, si.si_pid == pid);\n"
    "  waitpid(pid, 0, 0);\n"
    "  CHECK(sigqueue(999999, SIGUSR1, v));\n"
    "  siginfo_t forged = {0}; forged.si_code = SI_USER;\n"
    "  CHECK(syscall(SYS_rt_sigqueueinfo, 1, SIGUSR1, &forged) == 0 || errno == EPERM);\n"
    "  return 0;\n"
    "}\n";

START_TEST(sigqueue_sigpending_and_sigtimedwait)
{
    both_like_native("sigqueue", sigqueue_src, 0, NULL);
}
END_TEST

/* A signal thread: every thread blocks SIGUSR1/SIGTERM, one sigwait()s;
 * signals sent to the process reach it. */
static const char sigwait_thread_src[] = PRELUDE
    "#include <pthread.h>\n"
    "static void *waiter(void *arg) { sigset_t *set = arg; for (int i = 0; i < 3; i++) { int sig = 0; sigwait(set, &sig);\n"
    "  printf(\"signal thread got %s\\n\", sig == SIGUSR1 ? \"SIGUSR1\" : sig == SIGTERM ? \"SIGTERM\" : \"?\"); fflush(stdout); } return 0; }\n"
    "int main(void) {\n"
    "  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1); sigaddset(&set, SIGTERM);\n"
    "  pthread_sigmask(SIG_BLOCK, &set, 0);\n"
    "  pthread_t t; pthread_create(&t, 0, waiter, &set);\n"
    "  usleep(20000); kill(getpid(), SIGUSR1); usleep(20000); kill(getpid(), SIGTERM); usleep(20000);\n"
    "  union sigval v = {0}; sigqueue(getpid(), SIGUSR1, v);\n"
    "  pthread_join(t, 0); printf(\"joined\\n\"); return 0;\n"
    "}\n";

START_TEST(sigwait_in_a_signal_thread)
{
    both_like_native("sigwait_thread", sigwait_thread_src, 0, NULL);
}
END_TEST

/* ---- waitid ------------------------------------------------------------------ */

static const char waitid_src[] = PRELUDE
    "static void show(const char *what, int r, siginfo_t *si, pid_t expect) {\n"
    "  printf(\"%-16s ret %d errno %s signo %d code %d status %d pid %s uid %d\\n\", what, r, r < 0 ? errname(errno) : \"-\",\n"
    "         si->si_signo, si->si_code, si->si_status, si->si_pid == expect ? \"match\" : si->si_pid ? \"other\" : \"0\",\n"
    "         si->si_uid); }\n"
    "int main(void) {\n"
    "  siginfo_t si; int r;\n"
    "  memset(&si, 0x55, sizeof si); r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG); printf(\"no child %d %s\\n\", r, errname(errno));\n"
    "  pid_t a = fork(); if (a == 0) { usleep(30000); _exit(3); }\n"
    "  memset(&si, 0x55, sizeof si); r = waitid(P_PID, a, &si, WEXITED | WNOHANG); show(\"nohang\", r, &si, a);\n"
    "  memset(&si, 0, sizeof si); r = waitid(P_PID, a, &si, WEXITED | WNOWAIT); show(\"nowait\", r, &si, a);\n"
    "  memset(&si, 0, sizeof si); r = waitid(P_PID, a, &si, WEXITED); show(\"reaped\", r, &si, a);\n"
    "  r = waitid(P_PID, a, &si, WEXITED); show(\"again\", r, &si, a);\n"
    "  pid_t b = fork(); if (b == 0) { pause(); _exit(0); }\n"
    "  kill(b, SIGTERM);\n"
    "  memset(&si, 0, sizeof si); r = waitid(P_ALL, 0, &si, WEXITED); show(\"killed\", r, &si, b);\n"
    "  pid_t c = fork(); if (c == 0) { setpgid(0, 0); usleep(20000); _exit(9); }\n"
    "  setpgid(c, c);\n"
    "  memset(&si, 0, sizeof si); r = waitid(P_PGID, c, &si, WEXITED); show(\"pgid\", r, &si, c);\n"
    "  r = waitid(P_ALL, 0, &si, WNOHANG); show(\"no options\", r, &si, 0);\n"
    "  r = waitid(7, 0, &si, WEXITED); show(\"bad idtype\", r, &si, 0);\n"
    "  pid_t d = fork(); if (d == 0) _exit(1);\n"
    "  int st; pid_t w = waitpid(-getpgrp(), &st, 0); printf(\"waitpid group %d %d\\n\", w == d, WEXITSTATUS(st));\n"
    "  return 0;\n"
    "}\n";

START_TEST(waitid_fills_siginfo_like_linux)
{
    both_like_native("waitid", waitid_src, 0, NULL);
}
END_TEST

/* ---- credentials ------------------------------------------------------------ */

static const char creds_src[] = PRELUDE
    "#include <grp.h>\n"
    "static void ids(const char *what) { uid_t r, e, s; gid_t gr, ge, gs; getresuid(&r, &e, &s); getresgid(&gr, &ge, &gs);\n"
    "  printf(\"%-12s uid %u %u %u gid %u %u %u | %u %u %u %u\\n\", what, r, e, s, gr, ge, gs, getuid(), geteuid(), getgid(), getegid()); }\n"
    "int main(void) {\n"
    "  ids(\"start\");\n"
    "  gid_t g[3] = {30, 10, 20}; CHECK(setgroups(3, g));\n"
    "  gid_t out[8] = {0}; int n = getgroups(8, out); printf(\"groups %d: %u %u %u\\n\", n, out[0], out[1], out[2]);\n"
    "  CHECK(getgroups(0, 0)); CHECK(getgroups(1, out));\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) {\n"
    "    CHECK(setresgid(100, 200, 300)); ids(\"resgid\");\n"
    "    CHECK(setregid(-1, 100)); ids(\"regid\");\n"
    "    CHECK(setresuid(1000, 1001, 0)); ids(\"resuid\");\n"
    "    CHECK(setgroups(0, 0));\n"
    "    CHECK(seteuid(0)); ids(\"seteuid 0\");\n"
    "    CHECK(setreuid(2000, 2001)); ids(\"reuid\");\n"
    "    CHECK(setuid(0)); CHECK(setuid(2000)); ids(\"setuid\");\n"
    "    CHECK(setresuid(-1, 2001, -1)); CHECK(setresuid(5, -1, -1)); ids(\"final\");\n"
    "    CHECK(setgid(100)); CHECK(setgid(7));\n"
    "    CHECK(kill(getppid(), 0));\n"
    "    _exit(0);\n"
    "  }\n"
    "  waitpid(pid, 0, 0);\n"
    "  CHECK(setuid(0)); ids(\"parent\");\n"
    "  return 0;\n"
    "}\n";

START_TEST(set_and_get_ids_like_linux)
{
    both_like_native("creds", creds_src, 0, NULL);
}
END_TEST

/* ---- file locks --------------------------------------------------------------- */

/* Two processes contend for record locks, OFD locks and flock on one file;
 * a pipe sequences them so that the output does not depend on scheduling. */
static const char locks_src[] = PRELUDE
    "#include <sys/file.h>\n"
    "static int lk(int fd, int cmd, int type, off_t start, off_t len) {\n"
    "  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len}; return fcntl(fd, cmd, &fl); }\n"
    "static void getlk(int fd, int cmd, int type, off_t start, off_t len, pid_t who) {\n"
    "  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};\n"
    "  int r = fcntl(fd, cmd, &fl);\n"
    "  printf(\"getlk [%ld,+%ld) -> %d type %d start %ld len %ld pid %s\\n\", (long)start, (long)len, r, fl.l_type,\n"
    "         (long)fl.l_start, (long)fl.l_len, fl.l_pid == who ? \"holder\" : fl.l_pid == -1 ? \"-1\" : fl.l_pid == 0 ? \"0\" : \"other\"); }\n"
    "int main(int argc, char **argv) {\n"
    "  const char *path = argc > 1 ? argv[1] : \"/tmp/locks-test\"; unlink(path);\n"
    "  int fd = open(path, O_RDWR | O_CREAT, 0644); write(fd, \"0123456789\", 10);\n"
    "  int go[2], done[2]; pipe(go); pipe(done); char c;\n"
    "  CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 10)); CHECK(lk(fd, F_SETLK, F_UNLCK, 4, 2));\n"
    "  pid_t parent = getpid();\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) {\n"
    "    int cfd = open(path, O_RDWR);\n"
    "    CHECK(lk(cfd, F_SETLK, F_RDLCK, 0, 1)); CHECK(lk(cfd, F_SETLK, F_WRLCK, 4, 2)); CHECK(lk(cfd, F_SETLK, F_RDLCK, 9, 0));\n"
    "    getlk(cfd, F_GETLK, F_RDLCK, 0, 0, parent); getlk(cfd, F_GETLK, F_WRLCK, 4, 1, parent);\n"
    "    getlk(cfd, F_GETLK, F_WRLCK, 20, 5, parent);\n"
    "    CHECK(flock(cfd, LOCK_EX | LOCK_NB));\n"
    "    write(done[1], \"a\", 1); read(go[0], &c, 1);\n"
    "    /* the parent holds flock now, and still its record locks */\n"
    "    CHECK(flock(cfd, LOCK_SH | LOCK_NB));\n"
    "    CHECK(lk(cfd, F_SETLKW, F_WRLCK, 0, 1)); /* waits until the parent closes a descriptor */\n"
    "    printf(\"child got the lock after the parent's close\\n\");\n"
    "    getlk(cfd, F_OFD_GETLK, F_WRLCK, 0, 0, parent);\n"
    "    CHECK(lk(cfd, F_OFD_SETLK, F_RDLCK, 100, 10));\n"
    "    fflush(stdout); write(done[1], \"b\", 1); read(go[0], &c, 1);\n"
    "    _exit(0);\n"
    "  }\n"
    "  read(done[0], &c, 1);\n"
    "  CHECK(flock(fd, LOCK_EX | LOCK_NB)); /* flock is a space of its own: the child's record locks do not matter */\n"
    "  write(go[1], \"g\", 1);\n"
    "  usleep(50000);\n"
    "  int other = open(path, O_RDONLY); close(other); /* closing ANY descriptor of the file drops this process's locks */\n"
    "  read(done[0], &c, 1);\n"
    "  getlk(fd, F_GETLK, F_WRLCK, 100, 1, pid);\n"
    "  CHECK(lk(fd, F_SETLK, F_WRLCK, 105, 1));\n"
    "  CHECK(lk(fd, F_SETLK, F_RDLCK, 105, 1));\n"
    "  struct flock bad = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1, .l_pid = 5};\n"
    "  CHECK(fcntl(fd, F_OFD_SETLK, &bad));\n"
    "  CHECK(lk(fd, F_SETLK, 7, 0, 1));\n"
    "  int rdonly = open(path, O_RDONLY); CHECK(lk(rdonly, F_SETLK, F_WRLCK, 0, 1)); close(rdonly);\n"
    "  write(go[1], \"g\", 1);\n"
    "  waitpid(pid, 0, 0);\n"
    "  CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 0)); /* the child's OFD lock went with its exit */\n"
    "  CHECK(flock(fd, LOCK_UN));\n"
    "  unlink(path); return 0;\n"
    "}\n";

START_TEST(posix_ofd_and_flock_locks_between_processes)
{
    both_like_native("locks", locks_src, 0, NULL);
}
END_TEST

/* F_SETLKW detects the simplest deadlock: A holds 0 and waits for 1, B
 * holds 1 and asks for 0. */
static const char deadlock_src[] = PRELUDE
    "static int lk(int fd, int cmd, int type, off_t start) {\n"
    "  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1}; return fcntl(fd, cmd, &fl); }\n"
    "int main(void) {\n"
    "  const char *path = \"/tmp/deadlock-test\"; unlink(path);\n"
    "  int fd = open(path, O_RDWR | O_CREAT, 0644); write(fd, \"xy\", 2);\n"
    "  int p[2]; pipe(p); char c;\n"
    "  CHECK(lk(fd, F_SETLK, F_WRLCK, 0));\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) { CHECK(lk(fd, F_SETLK, F_WRLCK, 1)); write(p[1], \"r\", 1);\n"
    "    CHECK(lk(fd, F_SETLKW, F_WRLCK, 0)); printf(\"child has 0\\n\"); fflush(stdout); _exit(0); }\n"
    "  read(p[0], &c, 1); usleep(50000);\n"
    "  CHECK(lk(fd, F_SETLKW, F_WRLCK, 1));\n"
    "  fflush(stdout);\n"
    "  int r = lk(fd, F_SETLK, F_UNLCK, 0); /* lets the child on: it prints first */\n"
    "  waitpid(pid, 0, 0); printf(\"unlock %d\\n\", r); unlink(path); return 0;\n"
    "}\n";

START_TEST(setlkw_reports_a_simple_deadlock)
{
    both_like_native("deadlock", deadlock_src, 0, NULL);
}
END_TEST

/* SQLite on a file database: its locking (fcntl F_SETLK on byte ranges),
 * journal, fsync and a second process writing to the same file.  Linked
 * with Debian's static libsqlite3 (glibc); skipped when it is missing. */
static const char sqlite_src[] =
    "#include <stdio.h>\n#include <sqlite3.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
    "static int row(void *u, int n, char **v, char **c) { (void)u; for (int i = 0; i < n; i++) printf(\"%s=%s \", c[i], v[i] ? v[i] : \"NULL\"); printf(\"\\n\"); return 0; }\n"
    "static void run(sqlite3 *db, const char *sql) { char *err = 0; if (sqlite3_exec(db, sql, row, 0, &err) != SQLITE_OK) { printf(\"error: %s\\n\", err); sqlite3_free(err); } }\n"
    "int main(void) {\n"
    "  const char *path = \"/tmp/ringscope-sqlite-test.db\"; unlink(path);\n"
    "  sqlite3 *db; if (sqlite3_open(path, &db)) { printf(\"open failed\\n\"); return 1; }\n"
    "  run(db, \"create table t(id integer primary key, name text, v real)\");\n"
    "  run(db, \"begin\");\n"
    "  for (int i = 0; i < 2000; i++) { char q[128]; snprintf(q, sizeof q, \"insert into t(name, v) values('n%d', %d.5)\", i, i); run(db, q); }\n"
    "  run(db, \"commit\"); run(db, \"create index iv on t(v)\");\n"
    "  run(db, \"select count(*), sum(v), max(name) from t\"); fflush(stdout);\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) { sqlite3 *d2; sqlite3_open(path, &d2); sqlite3_busy_timeout(d2, 5000);\n"
    "    run(d2, \"insert into t(name, v) values('child', 1)\"); run(d2, \"select count(*) from t\"); fflush(stdout); sqlite3_close(d2); _exit(0); }\n"
    "  waitpid(pid, 0, 0);\n"
    "  run(db, \"select name from t where v = 1 order by name\"); run(db, \"pragma integrity_check\");\n"
    "  sqlite3_close(db); unlink(path); return 0;\n"
    "}\n";

START_TEST(sqlite_file_database_like_native)
{
    if (access("/usr/include/sqlite3.h", R_OK) != 0) {
        fprintf(stderr, "test_kernel_calls: libsqlite3-dev not installed: skipped\n");
        return;
    }
    const char *exe = glibc_with_libs("sqlite", sqlite_src, "-lsqlite3 -lm");
    struct machine *m = oracle_same_as_native(exe, 0, NULL, NULL, 0);
    ck_assert_ptr_nonnull(strstr(oracle_console(m, NULL), "integrity_check=ok"));
    machine_free(m);
}
END_TEST

/* ---- limits -------------------------------------------------------------------- */

static const char limits_src[] = PRELUDE
    "#include <sys/resource.h>\n#include <sys/mman.h>\n"
    "int main(void) {\n"
    "  for (int i = 3; i < 4096; i++) close(i); /* whatever the native parent left open */\n"
    "  struct rlimit r = {1024, 4096}; CHECK(setrlimit(RLIMIT_NOFILE, &r));\n"
    "  struct rlimit g; getrlimit(RLIMIT_NOFILE, &g); printf(\"nofile %lu %lu\\n\", (unsigned long)g.rlim_cur, (unsigned long)g.rlim_max);\n"
    "  struct rlimit p; CHECK(prlimit(0, RLIMIT_NOFILE, 0, &p)); printf(\"prlimit %lu %lu\\n\", (unsigned long)p.rlim_cur, (unsigned long)p.rlim_max);\n"
    "  int n = 0, last = -1, fd;\n"
    "  int prev = 2; while ((fd = open(\"/dev/null\", O_RDONLY)) >= 0) { if (fd != prev + 1) printf(\"gap before %d\\n\", fd); prev = fd; n++; last = fd; }\n"
    "  printf(\"opened %d, last fd %d, then %s\\n\", n, last, errname(errno));\n"
    "  CHECK(dup(0)); CHECK(dup2(0, 1024)); CHECK(fcntl(0, F_DUPFD, 1024));\n"
    "  close(500); CHECK(dup(0)); CHECK(dup2(0, 1023));\n"
    "  struct rlimit lower = {100, 4096}; CHECK(setrlimit(RLIMIT_NOFILE, &lower)); close(50); CHECK(open(\"/dev/null\", O_RDONLY));\n"
    "  close(50); CHECK(open(\"/dev/null\", O_RDONLY)); CHECK(fcntl(0, F_DUPFD, 200));\n"
    "  struct rlimit bad = {200, 100}; CHECK(setrlimit(RLIMIT_NOFILE, &bad));\n"
    "  for (int i = 3; i < 1024; i++) close(i);\n"
    "  void *huge = mmap(0, 1ull << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  printf(\"1 TiB private writable: %s\\n\", huge == MAP_FAILED ? errname(errno) : \"mapped\");\n"
    "  void *moderate = mmap(0, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  printf(\"64 MiB private writable: %s\\n\", moderate == MAP_FAILED ? errname(errno) : \"mapped\");\n"
    "  void *reserve = mmap(0, 1ull << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);\n"
    "  printf(\"1 TiB reserved: %s\\n\", reserve == MAP_FAILED ? errname(errno) : \"mapped\");\n"
    "  return 0;\n"
    "}\n";

START_TEST(descriptor_limit_and_overcommit_like_linux)
{
    both_like_native("limits", limits_src, 0, NULL);
}
END_TEST

/* 200 children alive at once, each waiting on a pipe: the process table
 * is bounded by memory, not a fixed count. */
static const char many_children_src[] = PRELUDE
    "int main(void) {\n"
    "  int p[2]; pipe(p); pid_t kids[200]; int n = 0;\n"
    "  for (int i = 0; i < 200; i++) { pid_t pid = fork(); if (pid < 0) break;\n"
    "    if (pid == 0) { char c; close(p[1]); read(p[0], &c, 1); _exit(i & 0x7f); } kids[n++] = pid; }\n"
    "  printf(\"forked %d\\n\", n); close(p[0]); close(p[1]);\n"
    "  long sum = 0; for (int i = 0; i < n; i++) { int st; waitpid(kids[i], &st, 0); sum += WEXITSTATUS(st); }\n"
    "  printf(\"sum %ld\\n\", sum); return 0;\n"
    "}\n";

START_TEST(two_hundred_waiting_children)
{
    both_like_native("children", many_children_src, 0, NULL);
}
END_TEST

/* ---- moving bytes ------------------------------------------------------------- */

/* Sizes past every kernel buffer (1 KiB chunks, 4 KiB pipes): 200 KB. */
static const char io_src[] = PRELUDE
    "#include <sys/uio.h>\n#include <sys/sendfile.h>\n#include <sys/random.h>\n"
    "#define BIG 200000\n"
    "#define preadv2(fd, iov, n, off, fl) syscall(SYS_preadv2, fd, iov, n, (long)(off), 0L, fl)\n"
    "#define pwritev2(fd, iov, n, off, fl) syscall(SYS_pwritev2, fd, iov, n, (long)(off), 0L, fl)\n"
    "static unsigned sum(const unsigned char *b, long n) { unsigned s = 0; for (long i = 0; i < n; i++) s = s * 31 + b[i]; return s; }\n"
    "static unsigned file_sum(const char *path) { static unsigned char b[BIG + 10]; int fd = open(path, O_RDONLY);\n"
    "  long n = 0, r; while ((r = read(fd, b + n, sizeof b - n)) > 0) n += r; close(fd); return sum(b, n) ^ (unsigned)n; }\n"
    "int main(int argc, char **argv) {\n"
    "  const char *dir = argc > 1 ? argv[1] : \"/tmp\"; char a[256], b[256], c[256];\n"
    "  snprintf(a, sizeof a, \"%s/io-a\", dir); snprintf(b, sizeof b, \"%s/io-b\", dir); snprintf(c, sizeof c, \"%s/io-c\", dir);\n"
    "  static unsigned char big[BIG]; for (int i = 0; i < BIG; i++) big[i] = (unsigned char)(i * 7 + i / 251);\n"
    "  int fa = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644); CHECK(write(fa, big, BIG));\n"
    "  char x[10] = {0}, y[20] = {0}; struct iovec iov[2] = {{x, 9}, {y, 19}};\n"
    "  CHECK(preadv(fa, iov, 2, 1000)); CHECK(lseek(fa, 0, SEEK_CUR)); printf(\"sum %u %u\\n\", sum((void *)x, 9), sum((void *)y, 19));\n"
    "  struct iovec w[2] = {{\"hello \", 6}, {\"world\", 5}}; CHECK(pwritev(fa, w, 2, BIG + 5)); CHECK(lseek(fa, 0, SEEK_CUR));\n"
    "  CHECK(pwritev2(fa, w, 2, 3, 0)); CHECK(preadv2(fa, iov, 2, 0, 0)); printf(\"%.9s\\n\", x);\n"
    "  CHECK(lseek(fa, 10, SEEK_SET)); CHECK(preadv2(fa, iov, 1, -1, 0)); CHECK(lseek(fa, 0, SEEK_CUR));\n"
    "  CHECK(preadv(fa, iov, 1, -1)); CHECK(preadv2(fa, iov, 1, 0, 0x40));\n"
    "  int p[2]; pipe(p); CHECK(preadv(p[0], iov, 1, 0));\n"
    "  pwrite(fa, big, 20, 3); /* back to the original bytes */ ftruncate(fa, BIG);\n"
    "  printf(\"a %u\\n\", file_sum(a));\n"
    "  int fb = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644); off_t off = 100;\n"
    "  CHECK(sendfile(fb, fa, &off, BIG)); printf(\"off %ld\\n\", (long)off); CHECK(lseek(fa, 0, SEEK_CUR));\n"
    "  lseek(fa, 50000, SEEK_SET); CHECK(sendfile(fb, fa, 0, 1000)); CHECK(lseek(fa, 0, SEEK_CUR));\n"
    "  CHECK(sendfile(fb, fa, &off, 10)); CHECK(sendfile(fb, p[0], 0, 10)); CHECK(sendfile(-1, fa, 0, 10));\n"
    "  printf(\"b %u\\n\", file_sum(b));\n"
    "  /* splice: file -> pipe -> file, by pieces the pipe can hold */\n"
    "  int fc = open(c, O_RDWR | O_CREAT | O_TRUNC, 0644); loff_t in_off = 7; long moved = 0, calls = 0;\n"
    "  for (;;) { ssize_t n = splice(fa, &in_off, p[1], 0, 3000, 0); if (n <= 0) break;\n"
    "    while (n > 0) { ssize_t m = splice(p[0], 0, fc, 0, n, 0); if (m <= 0) { printf(\"splice out %ld\\n\", (long)m); return 1; } n -= m; moved += m; } calls++; }\n"
    "  printf(\"spliced %ld in_off %ld\\n\", moved, (long)in_off); printf(\"c %u\\n\", file_sum(c));\n"
    "  CHECK(splice(fa, 0, fb, 0, 10, 0)); loff_t o = 0; CHECK(splice(p[0], &o, fb, 0, 10, 0));\n"
    "  write(p[1], \"xyz\", 3); CHECK(splice(p[0], 0, p[1], 0, 3, 0)); CHECK(splice(p[0], 0, fb, 0, 100, 0));\n"
    "  int q[2]; pipe(q); write(p[1], \"abcdef\", 6); CHECK(splice(p[0], 0, q[1], 0, 4, 0)); char t[8] = {0}; CHECK(read(q[0], t, 8)); printf(\"%s\\n\", t);\n"
    "  close(p[1]); CHECK(splice(p[0], 0, fb, 0, 100, 0)); /* \"ef\" */ CHECK(splice(p[0], 0, fb, 0, 100, 0));\n"
    "  /* copy_file_range */\n"
    "  loff_t ci = 0, co = 0; ftruncate(fc, 0);\n"
    "  CHECK(copy_file_range(fa, &ci, fc, &co, BIG, 0)); printf(\"ci %ld co %ld\\n\", (long)ci, (long)co); printf(\"c %u\\n\", file_sum(c));\n"
    "  lseek(fa, 10, SEEK_SET); lseek(fc, 0, SEEK_SET); CHECK(copy_file_range(fa, 0, fc, 0, 100, 0));\n"
    "  CHECK(lseek(fa, 0, SEEK_CUR)); CHECK(lseek(fc, 0, SEEK_CUR));\n"
    "  CHECK(copy_file_range(fa, 0, fc, 0, 100, 1)); CHECK(copy_file_range(fa, 0, q[1], 0, 100, 0));\n"
    "  loff_t s1 = 0, s2 = 50; CHECK(copy_file_range(fa, &s1, fa, &s2, 100, 0));\n"
    "  int rd = open(a, O_RDONLY); CHECK(copy_file_range(fa, 0, rd, 0, 10, 0));\n"
    "  ci = BIG; CHECK(copy_file_range(fa, &ci, fc, 0, 10, 0));\n"
    "  /* getrandom: the whole length, flags checked */\n"
    "  static unsigned char r[100000]; CHECK(getrandom(r, sizeof r, 0)); CHECK(getrandom(r, 5000, GRND_NONBLOCK));\n"
    "  CHECK(getrandom(r, 300, GRND_RANDOM)); CHECK(getrandom(r, 10, 0x40)); CHECK(getrandom(r, 10, GRND_RANDOM | GRND_INSECURE));\n"
    "  int zeros = 0; for (int i = 0; i < 100000; i++) zeros += !r[i]; printf(\"random bytes look random %d\\n\", zeros < 1000);\n"
    "  unlink(a); unlink(b); unlink(c); return 0;\n"
    "}\n";

START_TEST(preadv_sendfile_splice_copy_file_range_getrandom)
{
    both_like_native("io", io_src, 0, NULL);
}
END_TEST

/* ---- file-system calls -------------------------------------------------------- */

/* Run src natively with native_args and on the guest with guest_args
 * (musl and glibc): same stdout, same status.  For what only tmpfs
 * answers (directory sizes, statfs): natively /dev/shm, on the guest /tmp. */
static void like_native_in(const char *name, const char *src, char *native_dir, char *guest_dir)
{
    const char *exe[2] = {oracle_musl(name, src), NULL};
    char n[128];
    snprintf(n, sizeof n, "%s_glibc", name);
    exe[1] = oracle_glibc(n, src);
    for (int i = 0; i < 2; i++) {
        char *nargs[] = {native_dir}, *gargs[] = {guest_dir};
        struct oracle_output nat = oracle_run_native(exe[i], 1, nargs, NULL, 0);
        struct machine *m = oracle_boot(exe[i], 1, gargs, (struct machine_config){0});
        int64_t status = oracle_run_to_exit(m);
        const char *out = oracle_console(m, NULL);
        ck_assert_msg(strcmp(out, nat.out) == 0, "%s differs:\n--- ringscope\n%s--- native\n%s", exe[i], out, nat.out);
        ck_assert_int_eq(status, nat.status);
        machine_free(m);
        oracle_output_free(&nat);
    }
}

static const char fs_src[] = PRELUDE
    "#include <sys/statfs.h>\n#include <sys/sysmacros.h>\n#include <dirent.h>\n"
    "#define RENAME_NOREPLACE 1\n#define RENAME_EXCHANGE 2\n"
    "#define renameat2(a, b, c, d, f) syscall(SYS_renameat2, a, b, c, d, f)\n"
    "static char base[200]; static char *at(const char *n) { static char b[4][300]; static int k; char *r = b[k++ % 4];\n"
    "  snprintf(r, 300, \"%s/%s\", base, n); return r; }\n"
    "static void st(const char *what, const char *path) { struct stat s; if (lstat(path, &s)) { printf(\"%-10s %s\\n\", what, errname(errno)); return; }\n"
    "  printf(\"%-10s mode %o nlink %ld size %ld\\n\", what, s.st_mode, (long)s.st_nlink, S_ISDIR(s.st_mode) || S_ISREG(s.st_mode) ? (long)s.st_size : -1L); }\n"
    "static void cat(const char *path) { char b[64] = {0}; int fd = open(path, O_RDONLY); if (fd < 0) { printf(\"cat %s\\n\", errname(errno)); return; }\n"
    "  read(fd, b, 63); close(fd); printf(\"cat [%s]\\n\", b); }\n"
    "static void put(const char *path, const char *s) { int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644); write(fd, s, strlen(s)); close(fd); }\n"
    "int main(int argc, char **argv) {\n"
    "  snprintf(base, sizeof base, \"%s/fs-test\", argv[1]); umask(022);\n"
    "  CHECK(mkdir(base, 0755)); st(\"empty dir\", base);\n"
    "  put(at(\"f\"), \"one\"); CHECK(mkdir(at(\"d1\"), 0755)); CHECK(mkdir(at(\"d2\"), 0700)); st(\"dir\", base);\n"
    "  /* hard links */\n"
    "  CHECK(link(at(\"f\"), at(\"g\"))); st(\"f\", at(\"f\")); st(\"g\", at(\"g\"));\n"
    "  struct stat s1, s2; stat(at(\"f\"), &s1); stat(at(\"g\"), &s2); printf(\"same inode %d\\n\", s1.st_ino == s2.st_ino);\n"
    "  put(at(\"g\"), \"two\"); cat(at(\"f\"));\n"
    "  CHECK(link(at(\"f\"), at(\"g\"))); CHECK(link(at(\"d1\"), at(\"d3\"))); CHECK(link(at(\"nope\"), at(\"x\")));\n"
    "  CHECK(linkat(AT_FDCWD, at(\"f\"), AT_FDCWD, at(\"d1/h\"), 0)); st(\"3 names\", at(\"d1/h\"));\n"
    "  int fd = open(at(\"f\"), O_RDONLY); CHECK(unlink(at(\"f\"))); st(\"f gone\", at(\"f\")); st(\"g\", at(\"g\"));\n"
    "  CHECK(unlink(at(\"g\"))); struct stat fs; fstat(fd, &fs); printf(\"open file nlink %ld\\n\", (long)fs.st_nlink);\n"
    "  cat(at(\"d1/h\")); CHECK(rename(at(\"d1/h\"), at(\"h\"))); cat(at(\"h\"));\n"
    "  CHECK(unlink(at(\"h\"))); fstat(fd, &fs); printf(\"now nlink %ld\\n\", (long)fs.st_nlink); char b4[4] = {0}; read(fd, b4, 3); printf(\"still reads %s\\n\", b4); close(fd);\n"
    "  char proc[64]; put(at(\"del\"), \"x\"); fd = open(at(\"del\"), O_RDONLY); unlink(at(\"del\")); snprintf(proc, sizeof proc, \"/proc/self/fd/%d\", fd);\n"
    "  CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, at(\"back\"), AT_SYMLINK_FOLLOW)); close(fd);\n"
    "  /* O_TMPFILE */\n"
    "  fd = open(base, O_TMPFILE | O_RDWR, 0600); CHECK(fd >= 0); write(fd, \"tmp\", 3); fstat(fd, &fs); printf(\"tmpfile nlink %ld mode %o\\n\", (long)fs.st_nlink, fs.st_mode);\n"
    "  st(\"dir\", base);\n"
    "  snprintf(proc, sizeof proc, \"/proc/self/fd/%d\", fd); CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, at(\"named\"), AT_SYMLINK_FOLLOW));\n"
    "  close(fd); cat(at(\"named\")); st(\"named\", at(\"named\"));\n"
    "  fd = open(base, O_TMPFILE | O_RDWR | O_EXCL, 0600); snprintf(proc, sizeof proc, \"/proc/self/fd/%d\", fd);\n"
    "  CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, at(\"excl\"), AT_SYMLINK_FOLLOW)); close(fd);\n"
    "  CHECK(open(base, O_TMPFILE | O_RDONLY, 0600)); CHECK(open(at(\"nodir\"), O_TMPFILE | O_RDWR, 0600));\n"
    "  /* renameat2 */\n"
    "  put(at(\"p\"), \"pp\"); put(at(\"q\"), \"qq\");\n"
    "  CHECK(renameat2(AT_FDCWD, at(\"p\"), AT_FDCWD, at(\"q\"), RENAME_NOREPLACE));\n"
    "  CHECK(renameat2(AT_FDCWD, at(\"p\"), AT_FDCWD, at(\"q\"), RENAME_EXCHANGE)); cat(at(\"p\")); cat(at(\"q\"));\n"
    "  CHECK(renameat2(AT_FDCWD, at(\"p\"), AT_FDCWD, at(\"r\"), RENAME_NOREPLACE)); cat(at(\"r\")); st(\"p\", at(\"p\"));\n"
    "  CHECK(renameat2(AT_FDCWD, at(\"r\"), AT_FDCWD, at(\"none\"), RENAME_EXCHANGE));\n"
    "  CHECK(renameat2(AT_FDCWD, at(\"r\"), AT_FDCWD, at(\"q\"), RENAME_EXCHANGE | RENAME_NOREPLACE));\n"
    "  CHECK(renameat2(AT_FDCWD, at(\"r\"), AT_FDCWD, at(\"q\"), 0)); cat(at(\"q\")); st(\"r\", at(\"r\"));\n"
    "  /* ENOTDIR through a file */\n"
    "  CHECK(open(at(\"q/x\"), O_RDONLY)); CHECK(open(at(\"q/x\"), O_RDWR | O_CREAT, 0644)); CHECK(mkdir(at(\"q/x\"), 0755));\n"
    "  CHECK(access(at(\"q/x\"), F_OK)); CHECK(stat(at(\"q/x/y\"), &fs)); CHECK(unlink(at(\"q/x\"))); CHECK(chdir(at(\"q\")));\n"
    "  CHECK(open(at(\"missing/x\"), O_RDONLY)); CHECK(open(at(\"q\"), O_RDONLY | O_DIRECTORY));\n"
    "  CHECK(open(at(\"q/\"), O_RDONLY)); CHECK(stat(at(\"q/\"), &fs)); CHECK(unlink(at(\"q/\"))); CHECK(stat(at(\"d1/\"), &fs));\n"
    "  /* FIFOs */\n"
    "  CHECK(mkfifo(at(\"fifo\"), 0640)); st(\"fifo\", at(\"fifo\")); CHECK(mknod(at(\"fifo2\"), S_IFIFO | 0600, 0)); CHECK(mkfifo(at(\"fifo\"), 0600));\n"
    "  CHECK(open(at(\"fifo\"), O_WRONLY | O_NONBLOCK));\n"
    "  int r = open(at(\"fifo\"), O_RDONLY | O_NONBLOCK); CHECK(r >= 0); int wfd = open(at(\"fifo\"), O_WRONLY | O_NONBLOCK); CHECK(wfd >= 0);\n"
    "  CHECK(write(wfd, \"via fifo\", 8)); char fb[16] = {0}; CHECK(read(r, fb, 15)); printf(\"%s\\n\", fb); fstat(r, &fs); printf(\"fifo fstat %o\\n\", fs.st_mode);\n"
    "  close(wfd); CHECK(read(r, fb, 15)); close(r);\n"
    "  int sync[2]; pipe(sync); fflush(stdout);\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) { usleep(30000); write(sync[1], \"w\", 1); int w = open(at(\"fifo\"), O_WRONLY); write(w, \"blocking open\", 13); close(w); _exit(0); }\n"
    "  r = open(at(\"fifo\"), O_RDONLY); char c; CHECK(read(sync[0], &c, 1)); /* the open returned after the writer came */\n"
    "  memset(fb, 0, sizeof fb); long got = 0, n; while ((n = read(r, fb + got, 15 - got)) > 0) got += n; printf(\"%s\\n\", fb); close(r); waitpid(pid, 0, 0);\n"
    "  pid = fork();\n"
    "  if (pid == 0) { int rr = open(at(\"fifo\"), O_RDONLY); char b[8] = {0}; read(rr, b, 7); printf(\"reader got %s\\n\", b); fflush(stdout); _exit(0); }\n"
    "  int w = open(at(\"fifo\"), O_WRONLY); write(w, \"to kid\", 6); close(w); waitpid(pid, 0, 0);\n"
    "  int rw = open(at(\"fifo\"), O_RDWR); CHECK(rw >= 0); write(rw, \"self\", 4); memset(fb, 0, 16); read(rw, fb, 4); printf(\"%s\\n\", fb); close(rw);\n"
    "  /* directory sizes and links as tmpfs */\n"
    "  st(\"dir\", base); st(\"d1\", at(\"d1\"));\n"
    "  DIR *d = opendir(base); struct dirent *e; int fifos = 0, regs = 0, dirs = 0;\n"
    "  while ((e = readdir(d))) { fifos += e->d_type == DT_FIFO; regs += e->d_type == DT_REG; dirs += e->d_type == DT_DIR; } closedir(d);\n"
    "  printf(\"entries: %d fifos %d regular %d dirs\\n\", fifos, regs, dirs);\n"
    "  /* statfs */\n"
    "  struct statfs sf, sf2; CHECK(statfs(base, &sf)); fd = open(at(\"q\"), O_RDONLY); CHECK(fstatfs(fd, &sf2)); close(fd);\n"
    "  printf(\"statfs tmpfs %d bsize %ld namelen %ld frsize %ld same %d\\n\", sf.f_type == 0x01021994, (long)sf.f_bsize, (long)sf.f_namelen,\n"
    "         (long)sf.f_frsize, sf.f_type == sf2.f_type && sf.f_bsize == sf2.f_bsize);\n"
    "  CHECK(statfs(\"/proc/self\", &sf)); printf(\"proc magic %d\\n\", sf.f_type == 0x9fa0);\n"
    "  CHECK(statfs(at(\"none\"), &sf)); CHECK(fstatfs(99, &sf));\n"
    "  /* /dev nodes */\n"
    "  const char *devs[] = {\"/dev/null\", \"/dev/zero\", \"/dev/urandom\", \"/dev/random\", \"/dev/tty\"};\n"
    "  struct stat tmp; stat(base, &tmp);\n"
    "  for (int i = 0; i < 5; i++) { struct stat ds; stat(devs[i], &ds); printf(\"%s %o %u,%u dev differs from tmp %d\\n\", devs[i], ds.st_mode,\n"
    "    major(ds.st_rdev), minor(ds.st_rdev), ds.st_dev != tmp.st_dev); }\n"
    "  struct stat n1, n2; stat(\"/dev/null\", &n1); stat(\"/dev/zero\", &n2); printf(\"one /dev %d\\n\", n1.st_dev == n2.st_dev);\n"
    "  chdir(\"/\"); char cmd[400]; snprintf(cmd, sizeof cmd, \"%s\", base);\n"
    "  const char *names[] = {\"back\", \"named\", \"q\", \"fifo\", \"fifo2\", \"d1\", \"d2\"};\n"
    "  for (int i = 0; i < 7; i++) { if (unlink(at(names[i]))) rmdir(at(names[i])); }\n"
    "  CHECK(rmdir(base));\n"
    "  return 0;\n"
    "}\n";

START_TEST(links_fifos_tmpfile_renameat2_statfs_and_devices)
{
    struct statfs shm;
    if (statfs("/dev/shm", &shm) != 0 || shm.f_type != 0x01021994 /* TMPFS_MAGIC */ || access("/dev/shm", W_OK) != 0) {
        fprintf(stderr, "test_kernel_calls: no writable tmpfs at /dev/shm to compare with: skipped\n");
        return;
    }
    like_native_in("fsops", fs_src, "/dev/shm", "/tmp");
}
END_TEST

/* Directories move with everything below them (rename, RENAME_EXCHANGE). */
static const char dir_rename_src[] = PRELUDE
    "#include <dirent.h>\n"
    "#ifndef RENAME_EXCHANGE\n#define RENAME_EXCHANGE 2\n#endif\n"
    "#define renameat2(a, b, c, d, f) syscall(SYS_renameat2, a, b, c, d, f)\n"
    "static void put(const char *p, const char *s) { int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644); write(fd, s, strlen(s)); close(fd); }\n"
    "static void cat(const char *p) { char b[32] = {0}; int fd = open(p, O_RDONLY); if (fd < 0) { printf(\"%s: %s\\n\", p, errname(errno)); return; }\n"
    "  read(fd, b, 31); close(fd); printf(\"%s: %s\\n\", p, b); }\n"
    "int main(void) {\n"
    "  char base[64]; snprintf(base, sizeof base, \"/tmp/mvtest-%d\", getpid()); mkdir(base, 0755); chdir(base);\n"
    "  mkdir(\"a\", 0755); mkdir(\"a/sub\", 0755); put(\"a/sub/f\", \"deep\"); put(\"a/g\", \"top\"); mkdir(\"b\", 0755); put(\"b/h\", \"bee\"); put(\"file\", \"x\");\n"
    "  CHECK(rename(\"a\", \"a/sub/x\")); CHECK(rename(\"a\", \"file\")); CHECK(rename(\"file\", \"a\")); CHECK(rename(\"a\", \"b\"));\n"
    "  CHECK(rename(\"a\", \"c\")); cat(\"c/sub/f\"); cat(\"a/g\");\n"
    "  int fd = open(\"c/sub/f\", O_RDONLY); CHECK(rename(\"c/sub\", \"c/moved\")); char b[8] = {0}; read(fd, b, 4); printf(\"open file follows: %s\\n\", b); close(fd);\n"
    "  CHECK(renameat2(AT_FDCWD, \"c\", AT_FDCWD, \"b\", RENAME_EXCHANGE)); cat(\"b/moved/f\"); cat(\"c/h\");\n"
    "  CHECK(renameat2(AT_FDCWD, \"c\", AT_FDCWD, \"file\", RENAME_EXCHANGE)); cat(\"c\"); cat(\"file/h\");\n"
    "  CHECK(renameat2(AT_FDCWD, \"b\", AT_FDCWD, \"b/moved\", RENAME_EXCHANGE));\n"
    "  mkdir(\"empty\", 0755); CHECK(rename(\"b\", \"empty\")); cat(\"empty/g\"); CHECK(rename(\"file\", \"empty\"));\n"
    "  CHECK(rmdir(\"empty/moved\")); CHECK(unlink(\"empty/moved/f\")); CHECK(rmdir(\"empty/moved\"));\n"
    "  DIR *d = opendir(\"empty\"); struct dirent *e; int n = 0; while ((e = readdir(d))) n++; closedir(d); printf(\"entries %d\\n\", n);\n"
    "  unlink(\"empty/g\"); rmdir(\"empty\"); unlink(\"file/h\"); rmdir(\"file\"); unlink(\"c\"); chdir(\"/\"); CHECK(rmdir(base));\n"
    "  return 0;\n"
    "}\n";

START_TEST(directories_rename_and_exchange_with_their_trees)
{
    both_like_native("dir_rename", dir_rename_src, 0, NULL);
}
END_TEST

/* ---- hostile arguments --------------------------------------------------------- */

/* The calls added here, with random and edge-case arguments, in children
 * that an alarm ends if a call blocks: the kernel must never panic. */
static const char hostile_src[] =
    "#define _GNU_SOURCE\n#include <stdio.h>\n#include <stdint.h>\n#include <signal.h>\n#include <unistd.h>\n#include <fcntl.h>\n"
    "#include <grp.h>\n#include <sys/wait.h>\n#include <sys/syscall.h>\n#include <sys/stat.h>\n"
    "static uint64_t s = 0x9E3779B97F4A7C15ull;\n"
    "static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }\n"
    "static char buf[4096];\n"
    "static uint64_t arg(void) {\n"
    "  static const uint64_t special[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 36, 37, 38, 0x400, 0x1000, 0xffffffffffffffffull,\n"
    "    0x7fffffffffffffffull, 0x8000000000000000ull, 0xffff800000000000ull, 0x7ffffffff000ull, 128, 1024, 4096};\n"
    "  switch (rnd() % 5) {\n"
    "  case 0: return special[rnd() % (sizeof special / sizeof special[0])];\n"
    "  case 1: return rnd() % 16;\n"
    "  case 2: for (int i = 0; i < 64; i++) buf[i] = (char)rnd(); return (uint64_t)buf;\n"
    "  case 3: return (uint64_t)\"/tmp/hostile\";\n"
    "  default: return rnd();\n"
    "  }\n"
    "}\n"
    "static const long calls[] = {SYS_fcntl, SYS_flock, SYS_waitid, SYS_rt_sigpending, SYS_rt_sigtimedwait,\n"
    "  SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid,\n"
    "  SYS_setresgid, SYS_getresuid, SYS_getresgid, SYS_getgroups, SYS_setgroups, SYS_statfs, SYS_fstatfs, SYS_sendfile,\n"
    "  SYS_splice, SYS_copy_file_range, SYS_preadv, SYS_pwritev, SYS_preadv2, SYS_pwritev2, SYS_link, SYS_linkat,\n"
    "  SYS_mknod, SYS_mknodat, SYS_renameat2, SYS_getrandom, SYS_prlimit64, SYS_setrlimit, SYS_setpgid, SYS_getpgid,\n"
    "  SYS_openat, SYS_newfstatat, SYS_readlink, SYS_dup2, SYS_dup3};\n"
    "int main(void) {\n"
    "  int fd = open(\"/tmp/hostile\", O_RDWR | O_CREAT, 0644); write(fd, \"data\", 4); mkfifo(\"/tmp/hostile-fifo\", 0600);\n"
    "  int p[2]; pipe(p);\n"
    "  for (int sig = 1; sig < 65; sig++) signal(sig, SIG_IGN); /* what a child sends its parent */\n"
    "  for (int r = 0; r < 40; r++) {\n"
    "    pid_t pid = fork();\n"
    "    if (pid == 0) {\n"
    "      signal(SIGALRM, SIG_DFL); alarm(1); s ^= (uint64_t)(r + 1) * 0x2545F4914F6CDD1Dull;\n"
    "      if (r & 1) { setgroups(0, 0); setresgid(1000, 1000, 1000); setresuid(1000, 1000, 1000); } /* unprivileged */\n"
    "      for (int i = 0; i < 400; i++) {\n"
    "        long nr = calls[rnd() % (sizeof calls / sizeof calls[0])];\n"
    "        if (!(r & 1) && (nr == SYS_rt_sigqueueinfo || nr == SYS_rt_tgsigqueueinfo)) continue; /* root could SIGKILL the parent */\n"
    "        syscall(nr, arg(), arg(), arg(), arg(), arg(), arg());\n"
    "      }\n"
    "      _exit(0);\n"
    "    }\n"

    "    int st; waitpid(pid, &st, 0);\n"
    "  }\n"
    "  printf(\"survived\\n\"); return 0;\n"
    "}\n";

START_TEST(new_calls_survive_hostile_arguments)
{
    const char *exe = oracle_musl("hostile", hostile_src);
    struct machine *m = oracle_boot(exe, 0, NULL, (struct machine_config){0});
    int64_t status = oracle_run_to_exit(m);
    ck_assert_msg(strstr(oracle_kernel_log(m), "panic") == NULL, "kernel log: %s", oracle_kernel_log(m));
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(oracle_console(m, NULL), "survived\n"));
    machine_free(m);
}
END_TEST

/* ---- test registry ---------------------------------------------------------- */

static Suite *kernel_calls_suite(void)
{
    Suite *s = suite_create("kernel_calls");
    TCase *proc = tcase_create("proc");
    tcase_set_timeout(proc, 300);
    tcase_add_checked_fixture(proc, NULL, oracle_cleanup);
    tcase_add_test(proc, busybox_pipeline_runs_applets_through_proc_self_exe);
    tcase_add_test(proc, proc_self_exe_opens_stats_and_executes);
    suite_add_tcase(s, proc);
    TCase *sig = tcase_create("signals");
    tcase_set_timeout(sig, 300);
    tcase_add_checked_fixture(sig, NULL, oracle_cleanup);
    tcase_add_test(sig, fault_signals_carry_linux_si_code_and_addr);
    tcase_add_test(sig, unhandled_int3_is_sigtrap);
    tcase_add_test(sig, floating_point_exceptions_carry_their_code);
    tcase_add_test(sig, sigqueue_sigpending_and_sigtimedwait);
    tcase_add_test(sig, waitid_fills_siginfo_like_linux);
    tcase_add_test(sig, sigwait_in_a_signal_thread);
    suite_add_tcase(s, sig);
    TCase *cred = tcase_create("credentials_locks_limits");
    tcase_set_timeout(cred, 300);
    tcase_add_checked_fixture(cred, NULL, oracle_cleanup);
    tcase_add_test(cred, set_and_get_ids_like_linux);
    tcase_add_test(cred, posix_ofd_and_flock_locks_between_processes);
    tcase_add_test(cred, setlkw_reports_a_simple_deadlock);
    tcase_add_test(cred, sqlite_file_database_like_native);
    tcase_add_test(cred, descriptor_limit_and_overcommit_like_linux);
    tcase_add_test(cred, two_hundred_waiting_children);
    suite_add_tcase(s, cred);
    TCase *files = tcase_create("files");
    tcase_set_timeout(files, 300);
    tcase_add_checked_fixture(files, NULL, oracle_cleanup);
    tcase_add_test(files, preadv_sendfile_splice_copy_file_range_getrandom);
    tcase_add_test(files, links_fifos_tmpfile_renameat2_statfs_and_devices);
    tcase_add_test(files, directories_rename_and_exchange_with_their_trees);
    tcase_add_test(files, new_calls_survive_hostile_arguments);
    suite_add_tcase(s, files);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kernel_calls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
