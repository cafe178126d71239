/* usertests — the guest kernel's in-guest test suite, table-driven like
 * xv6's usertests: each test exercises one kernel feature through the Linux
 * system-call ABI and the program prints one line per test ("ok" or "FAIL:
 * why").  It passes on Linux too, so a native run is the oracle: the same
 * lines, the same exit status (the number of failures).
 *
 *   usage: usertests [NAME...]      (no names: run every test) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (linux/futex.h) */
#define FUTEX_WAKE_PRIVATE 129
#define CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            snprintf(why, WHY_SIZE, __VA_ARGS__); \
            return 1; \
        } \
    } while (0)
#define WHY_SIZE 160

static char why[WHY_SIZE];

/* Run fn in a child; returns its wait status. */
static int in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

/* ---- processes ---------------------------------------------------------- */

static int test_fork_exit_status(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0)
        _exit(77);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 77, "child status 0x%x, expected exit 77", st);
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "a second wait found a child");
    return 0;
}

static int shared_global = 1;

static int test_fork_copy_on_write(void)
{
    static char big[64 * PAGE];
    memset(big, 'p', sizeof big);
    pid_t pid = fork();
    if (pid == 0) {
        memset(big, 'c', sizeof big);
        shared_global = 2;
        _exit(big[5 * PAGE] == 'c' && shared_global == 2 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child did not see its own writes");
    for (size_t i = 0; i < sizeof big; i += PAGE)
        CHECK(big[i] == 'p', "the parent sees the child's write at offset %zu", i);
    CHECK(shared_global == 1, "the parent's global changed to %d", shared_global);
    return 0;
}

static int test_getpid_getppid(void)
{
    pid_t me = getpid();
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        pid_t parent = getppid(), self = getpid();
        ssize_t n = write(fds[1], &parent, sizeof parent);
        n += write(fds[1], &self, sizeof self);
        _exit(n == 2 * sizeof parent ? 0 : 1);
    }
    pid_t got[2] = {0, 0};
    size_t have = 0;
    ssize_t n;
    while (have < sizeof got && (n = read(fds[0], (char *)got + have, sizeof got - have)) > 0)
        have += (size_t)n;
    CHECK(have == sizeof got, "short read from the child");
    waitpid(pid, 0, 0);
    close(fds[0]);
    close(fds[1]);
    CHECK(got[0] == me, "child's getppid %d, parent is %d", got[0], me);
    CHECK(got[1] == pid, "child's getpid %d, fork returned %d", got[1], pid);
    CHECK(syscall(SYS_gettid) == me, "main thread's tid differs from its pid");
    return 0;
}

static int test_execve(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"/proc/self/exe", "no-such-test", NULL};
        char exe[256];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            _exit(3);
        exe[n] = 0;
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execve(exe, argv, NULL);
        _exit(4);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st), "the exec'd program did not exit normally (0x%x)", st);
    CHECK(WEXITSTATUS(st) == 1, "exit status %d: expected 1 from usertests with an unknown name", WEXITSTATUS(st));
    CHECK(execve("/no/such/file", (char *[]){NULL}, NULL) == -1 && errno == ENOENT, "execve of a missing file");
    return 0;
}

static int *volatile bad_pointer = (int *)16; /* volatile: the compiler may not prove it invalid */
static volatile int never = -1;

static void segfault_child(void) { *bad_pointer = 1; }
static int recurse(int depth)
{
    volatile char pad[PAGE];
    if (depth == never)
        return 0;
    pad[0] = (char)depth;
    return recurse(depth + 1) + pad[0];
}
static void stack_overflow_child(void) { _exit(recurse(0)); }

static int test_faults_kill_only_the_process(void)
{
    int st = in_child(segfault_child);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "null write: status 0x%x, expected SIGSEGV", st);
    st = in_child(stack_overflow_child);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "stack overflow: status 0x%x, expected SIGSEGV", st);
    return 0;
}

/* ---- threads ----------------------------------------------------------- */

static int counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

static void *count_up(void *arg)
{
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return arg;
}

static int test_threads_mutex(void)
{
    pthread_t t[4];
    counter = 0;
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, count_up, (void *)(intptr_t)i) == 0, "pthread_create");
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        CHECK(ret == (void *)(intptr_t)i, "thread %d returned %p", i, ret);
    }
    CHECK(counter == 20000, "counter %d, expected 20000", counter);
    return 0;
}

static int flag;

static void *wake_later(void *arg)
{
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    __atomic_store_n(&flag, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &flag, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return arg;
}

static int test_futex_wait_wake(void)
{
    flag = 0;
    pthread_t t;
    pthread_create(&t, NULL, wake_later, NULL);
    while (!__atomic_load_n(&flag, __ATOMIC_SEQ_CST))
        syscall(SYS_futex, &flag, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    pthread_join(t, NULL);
    int value = 5;
    CHECK(syscall(SYS_futex, &value, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) == -1 && errno == EAGAIN,
          "FUTEX_WAIT with a changed value must fail with EAGAIN");
    struct timespec tiny = {0, 1000000};
    CHECK(syscall(SYS_futex, &value, FUTEX_WAIT_PRIVATE, 5, &tiny, NULL, 0) == -1 && errno == ETIMEDOUT,
          "FUTEX_WAIT with a timeout must end with ETIMEDOUT");
    return 0;
}

static __thread int tls_value = 7;

static void *tls_thread(void *arg)
{
    (void)arg;
    tls_value += 100;
    return (void *)(intptr_t)tls_value;
}

static int test_thread_local_storage(void)
{
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, tls_thread, NULL);
    pthread_join(t, &ret);
    CHECK((intptr_t)ret == 107, "the thread saw tls_value %ld", (long)(intptr_t)ret);
    CHECK(tls_value == 7, "the main thread's tls_value changed to %d", tls_value);
    return 0;
}

/* ---- memory ------------------------------------------------------------ */

/* The brk system call itself (musl's sbrk only answers sbrk(0)). */
static int test_brk_grows_and_shrinks(void)
{
    char *start = (char *)syscall(SYS_brk, 0);
    CHECK((char *)syscall(SYS_brk, start + 16 * PAGE) == start + 16 * PAGE, "brk(+64K) did not move the break");
    memset(start, 0x5a, 16 * PAGE);
    CHECK(start[16 * PAGE - 1] == 0x5a, "the new heap does not hold data");
    CHECK((char *)syscall(SYS_brk, start) == start, "brk back to the start");
    CHECK((char *)syscall(SYS_brk, 0) == start, "the break did not come back");
    return 0;
}

static int test_mmap_munmap(void)
{
    char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
    for (int i = 0; i < 8 * PAGE; i++)
        CHECK(p[i] == 0, "anonymous memory is not zero at %d", i);
    p[0] = 1;
    p[8 * PAGE - 1] = 2;
    CHECK(munmap(p + 2 * PAGE, 2 * PAGE) == 0, "munmap of a middle part");
    CHECK(madvise(p + 2 * PAGE, PAGE, MADV_NORMAL) == -1 && errno == ENOMEM, "the hole is still mapped");
    CHECK(p[0] == 1 && p[8 * PAGE - 1] == 2, "the parts around the hole lost data");
    CHECK(munmap(p, 8 * PAGE) == 0, "munmap of the rest");
    CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
          "mmap of length 0 must fail with EINVAL");
    return 0;
}

static int test_mremap(void)
{
    /* two pages, and a third with other rights as a fence right after them */
    char *a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
    char *fence = a + 2 * PAGE;
    CHECK(mprotect(fence, PAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
    strcpy(a, "page one");
    strcpy(a + PAGE, "page two");
    CHECK(mremap(a, 2 * PAGE, 16 * PAGE, 0) == MAP_FAILED && errno == ENOMEM, "grew in place over a neighbour");
    char *b = mremap(a, 2 * PAGE, 16 * PAGE, MREMAP_MAYMOVE);
    CHECK(b != MAP_FAILED && b != a, "MREMAP_MAYMOVE did not move: %s", strerror(errno));
    CHECK(!strcmp(b, "page one") && !strcmp(b + PAGE, "page two"), "the moved pages lost their data");
    CHECK(b[16 * PAGE - 1] == 0, "the grown part is not zero");
    CHECK(madvise(a, PAGE, MADV_NORMAL) == -1 && errno == ENOMEM, "the old address is still mapped");
    CHECK(mremap(b, 16 * PAGE, PAGE, 0) == b && !strcmp(b, "page one"), "shrinking in place");
    munmap(b, PAGE);
    munmap(fence, PAGE);
    return 0;
}

static char *reserved;
static void touch_reserved(void) { reserved[0] = 1; }
static void write_readonly(void) { reserved[PAGE] = 1; }

static int test_reserve_commit_decommit_release(void)
{
    reserved = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(reserved != MAP_FAILED, "reserve: %s", strerror(errno));
    int st = in_child(touch_reserved);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "touching reserved memory did not fault (0x%x)", st);
    CHECK(mprotect(reserved, 4 * PAGE, PROT_READ | PROT_WRITE) == 0, "commit: %s", strerror(errno));
    memset(reserved, 0x33, 4 * PAGE);
    CHECK(madvise(reserved, 4 * PAGE, MADV_DONTNEED) == 0, "decommit: %s", strerror(errno));
    CHECK(reserved[0] == 0 && reserved[4 * PAGE - 1] == 0, "decommitted memory did not read back as zero");
    CHECK(mprotect(reserved + PAGE, PAGE, PROT_READ) == 0, "mprotect read-only: %s", strerror(errno));
    st = in_child(write_readonly);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "writing a read-only page did not fault (0x%x)", st);
    CHECK(munmap(reserved, 4 * PAGE) == 0, "release: %s", strerror(errno));
    CHECK(mprotect(reserved, PAGE, PROT_READ) == -1 && errno == ENOMEM, "released memory can still be protected");
    return 0;
}

/* The rights /proc/self/maps shows for the area holding addr ("---p"). */
static int maps_rights(void *addr, char rights[5])
{
    unsigned long a = (unsigned long)addr;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx %4s", &start, &end, rights) == 3 && start <= a && a < end)
            found = 1;
    }
    fclose(f);
    return found;
}

static int test_proc_self_maps(void)
{
    char rights[5];
    char *p = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
    CHECK(maps_rights(p, rights) && !strcmp(rights, "---p"), "a reserved area shows as '%s'", rights);
    CHECK(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
    CHECK(maps_rights(p, rights) && !strcmp(rights, "rw-p"), "a committed area shows as '%s'", rights);
    CHECK(maps_rights(p + 2 * PAGE, rights) && !strcmp(rights, "---p"), "the rest of it shows as '%s'", rights);
    munmap(p, 4 * PAGE);
    CHECK(!maps_rights(p, rights), "a released area is still listed");
    return 0;
}

static int test_big_malloc(void)
{
    size_t n = 16 << 20;
    unsigned char *p = malloc(n);
    CHECK(p != NULL, "malloc(16 MiB) failed");
    for (size_t i = 0; i < n; i += PAGE)
        p[i] = (unsigned char)(i >> 12);
    for (size_t i = 0; i < n; i += PAGE)
        CHECK(p[i] == (unsigned char)(i >> 12), "page %zu lost its byte", i / PAGE);
    free(p);
    return 0;
}

/* ---- files ------------------------------------------------------------- */

static int test_files(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/usertests-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0, "open(O_CREAT) in /tmp: %s", strerror(errno));
    CHECK(write(fd, "hello, file", 11) == 11, "write");
    CHECK(lseek(fd, 7, SEEK_SET) == 7, "lseek");
    char buf[16] = {0};
    CHECK(read(fd, buf, sizeof buf) == 4 && !memcmp(buf, "file", 4), "read after lseek got '%s'", buf);
    CHECK(pwrite(fd, "J", 1, 0) == 1 && pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "Jello", 5), "pread/pwrite");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 11, "fstat: size %ld", (long)st.st_size);
    int fd2 = dup(fd);
    CHECK(fd2 > fd && lseek(fd2, 0, SEEK_CUR) == 11, "dup shares the offset (pread/pwrite leave it alone)");
    close(fd2);
    close(fd);
    char moved[80];
    snprintf(moved, sizeof moved, "%s.moved", path);
    CHECK(rename(path, moved) == 0 && access(path, F_OK) == -1 && access(moved, F_OK) == 0, "rename");
    CHECK(unlink(moved) == 0 && open(moved, O_RDONLY) == -1 && errno == ENOENT, "unlink");
    return 0;
}

static int test_pipes(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        static char chunk[10000];
        memset(chunk, 'z', sizeof chunk);
        _exit(write(fds[1], chunk, sizeof chunk) == sizeof chunk ? 0 : 1);
    }
    close(fds[1]);
    size_t total = 0;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            CHECK(buf[i] == 'z', "wrong byte in the pipe");
        total += (size_t)n;
    }
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    CHECK(total == 10000, "read %zu bytes, expected 10000 (more than the pipe holds)", total);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the writer failed");
    return 0;
}

static int test_symlinks(void)
{
    char target[64], link[64], buf[64];
    snprintf(target, sizeof target, "/tmp/usertests-target-%d", (int)getpid());
    snprintf(link, sizeof link, "/tmp/usertests-link-%d", (int)getpid());
    int fd = open(target, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "through", 7) == 7, "create the target: %s", strerror(errno));
    close(fd);
    CHECK(symlink(target, link) == 0, "symlink: %s", strerror(errno));
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    CHECK(n == (ssize_t)strlen(target) && !memcmp(buf, target, (size_t)n), "readlink gave %zd bytes", n);
    struct stat st;
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "lstat does not see a link");
    CHECK(stat(link, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 7, "stat does not follow the link");
    memset(buf, 0, sizeof buf);
    fd = open(link, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 7 && !strcmp(buf, "through"), "reading through the link");
    close(fd);
    CHECK(open(link, O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP, "O_NOFOLLOW on a link must fail with ELOOP");
    CHECK(symlink(target, link) == -1 && errno == EEXIST, "a second symlink at the same path");
    CHECK(unlink(target) == 0 && open(link, O_RDONLY) == -1 && errno == ENOENT, "a dangling link must give ENOENT");
    CHECK(unlink(link) == 0 && lstat(link, &st) == -1, "unlink of the link itself");
    return 0;
}

static int test_poll_select(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK(poll(fds, 2, 0) == 1 && fds[0].revents == 0 && fds[1].revents == POLLOUT, "poll of an empty pipe");
    CHECK(poll(fds, 1, 30) == 0, "poll with a 30 ms timeout and nothing to read");
    CHECK(write(p[1], "x", 1) == 1 && poll(fds, 1, -1) == 1 && fds[0].revents == POLLIN, "poll after a write");
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {0, 0};
    CHECK(select(p[0] + 1, &rs, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rs), "select sees the byte");
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read");
    close(p[1]);
    CHECK(poll(fds, 1, -1) == 1 && (fds[0].revents & POLLHUP), "poll after the writer closed: 0x%x", fds[0].revents);
    close(p[0]);
    return 0;
}

static int test_directories(void)
{
    char dir[64], cwd[128];
    snprintf(dir, sizeof dir, "/tmp/usertests-dir-%d", (int)getpid());
    CHECK(mkdir(dir, 0755) == 0, "mkdir: %s", strerror(errno));
    CHECK(chdir(dir) == 0 && getcwd(cwd, sizeof cwd) && !strcmp(cwd, dir), "chdir/getcwd: %s", cwd);
    int fd = open("relative", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0, "relative open in the new cwd: %s", strerror(errno));
    close(fd);
    CHECK(rmdir(dir) == -1 && errno == ENOTEMPTY, "rmdir of a non-empty directory");
    CHECK(unlink("relative") == 0 && chdir("/") == 0 && rmdir(dir) == 0, "cleanup: %s", strerror(errno));
    return 0;
}

static int test_bad_pointers(void)
{
    /* Linux's /dev/null never reads the buffer: there the write succeeds */
    struct stat out;
    int devnull = fstat(1, &out) == 0 && S_ISCHR(out.st_mode) && out.st_rdev == makedev(1, 3);
    long n = write(1, (void *)16, 4);
    CHECK(devnull || (n == -1 && errno == EFAULT), "write from a null pointer");
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    CHECK(read(0, (void *)0xffff800000000000ull, 4) == -1 && errno == EFAULT, "read into kernel memory");
    CHECK(open((char *)1, O_RDONLY) == -1 && errno == EFAULT, "open with a bad path pointer");
    struct iovec iov = {(void *)test_bad_pointers, 4};
    CHECK(write(fds[1], "abcd", 4) == 4, "write to the pipe");
    CHECK(readv(fds[0], &iov, 1) == -1 && errno == EFAULT, "readv into program text");
    close(fds[0]);
    close(fds[1]);
    return 0;
}

/* ---- signals ------------------------------------------------------------ */

static volatile sig_atomic_t caught;
static sigjmp_buf recover;

static void on_usr1(int sig) { caught = sig; }
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    caught = si->si_addr == (void *)bad_pointer ? sig : -1;
    siglongjmp(recover, 1);
}

static int test_signals(void)
{
    caught = 0;
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    CHECK(caught == SIGUSR1, "the SIGUSR1 handler did not run");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    caught = 0;
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    CHECK(caught == 0, "a blocked signal was delivered");
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    CHECK(caught == SIGUSR1, "unblocking did not deliver the pending signal");
    signal(SIGUSR1, SIG_DFL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    caught = 0;
    if (!sigsetjmp(recover, 1))
        *bad_pointer = 1;
    signal(SIGSEGV, SIG_DFL);
    CHECK(caught == SIGSEGV, "the SIGSEGV handler did not see si_addr (caught %d)", (int)caught);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "kill(SIGTERM): child status 0x%x", st);
    return 0;
}

static volatile sig_atomic_t children_exited;
static void on_child(int sig)
{
    (void)sig;
    children_exited++;
}

static int broken_pipe_fd = -1;
static void write_to_broken_pipe(void)
{
    ssize_t n = write(broken_pipe_fd, "x", 1);
    _exit(n == -1 ? 2 : 1); /* only reached if SIGPIPE did not end the process */
}

static int test_sigpipe_sigchld(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
    close(p[0]);
    broken_pipe_fd = p[1];
    int st = in_child(write_to_broken_pipe);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "writing to a pipe without readers: status 0x%x", st);
    signal(SIGPIPE, SIG_IGN);
    CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE, "with SIGPIPE ignored the write fails with EPIPE");
    signal(SIGPIPE, SIG_DFL);
    close(p[1]);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    struct timespec nap = {0, 30000000};
    CHECK(nanosleep(&nap, NULL) == 0, "a child's exit (SIGCHLD, ignored) interrupted nanosleep");
    waitpid(pid, NULL, 0);
    children_exited = 0;
    signal(SIGCHLD, on_child);
    pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    signal(SIGCHLD, SIG_DFL);
    CHECK(children_exited == 1, "the SIGCHLD handler ran %d times", (int)children_exited);
    return 0;
}

static volatile sig_atomic_t ticks_seen;
static void on_tick(int sig)
{
    (void)sig;
    ticks_seen++;
}

/* A blocking read interrupted by a handler: restarted with SA_RESTART,
 * EINTR without. */
static int test_sa_restart(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every_10ms = {{0, 10000}, {0, 10000}}, off = {{0, 0}, {0, 0}};
    ticks_seen = 0;
    setitimer(ITIMER_REAL, &every_10ms, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec later = {0, 80000000};
        nanosleep(&later, NULL);
        _exit(write(p[1], "late", 4) == 4 ? 0 : 1);
    }
    char buf[8] = {0};
    long n = read(p[0], buf, 4);
    int saved = errno;
    CHECK(n == 4 && !memcmp(buf, "late", 4), "SA_RESTART: read returned %ld (%s)", n, strerror(saved));
    CHECK(ticks_seen >= 2, "only %d SIGALRMs during the read", (int)ticks_seen);
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, NULL);
    n = read(p[0], buf, 4);
    saved = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);
    CHECK(n == -1 && saved == EINTR, "without SA_RESTART: read returned %ld (%s)", n, strerror(saved));
    return 0;
}

static void on_overflow(int sig)
{
    (void)sig;
    _exit(42);
}

/* A stack overflow is still catchable: the handler runs on an alternate
 * signal stack, since the thread's own stack has no room left. */
static void overflow_with_altstack(void)
{
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        _exit(1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_overflow;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    _exit(recurse(0));
}

static int test_signal_altstack(void)
{
    int st = in_child(overflow_with_altstack);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "the overflow handler did not run (status 0x%x)", st);
    return 0;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static int test_alarm_and_sigsuspend(void)
{
    alarms = 0;
    signal(SIGALRM, on_alarm);
    alarm(1);
    pause();
    CHECK(alarms == 1, "alarm(1) + pause: %d SIGALRMs", (int)alarms);
    struct itimerval every_20ms = {{0, 20000}, {0, 20000}}, off = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &every_20ms, NULL) == 0, "setitimer: %s", strerror(errno));
    sigset_t none;
    sigemptyset(&none);
    while (alarms < 4)
        sigsuspend(&none);
    setitimer(ITIMER_REAL, &off, NULL);
    alarm(7);
    unsigned left = alarm(0);
    signal(SIGALRM, SIG_DFL);
    CHECK(left == 7, "alarm(0) after alarm(7) returned %u", left);
    return 0;
}

/* ---- time and identity ------------------------------------------------- */

static int test_time_and_identity(void)
{
    struct timespec a, b, nap = {0, 20000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
    CHECK(ns >= 20000000, "nanosleep(20 ms) took %ld ns", ns);
    CHECK(time(NULL) > 1600000000, "time() is before 2020");
    unsigned char r[16];
    CHECK(syscall(SYS_getrandom, r, sizeof r, 0) == sizeof r, "getrandom");
    CHECK(getuid() == geteuid() && getgid() == getegid(), "uid/gid");
    return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct test {
    const char *name;
    int (*fn)(void);
} tests[] = {
    {"fork_exit_status", test_fork_exit_status},
    {"fork_copy_on_write", test_fork_copy_on_write},
    {"getpid_getppid", test_getpid_getppid},
    {"execve", test_execve},
    {"faults_kill_only_the_process", test_faults_kill_only_the_process},
    {"threads_mutex", test_threads_mutex},
    {"futex_wait_wake", test_futex_wait_wake},
    {"thread_local_storage", test_thread_local_storage},
    {"brk_grows_and_shrinks", test_brk_grows_and_shrinks},
    {"mmap_munmap", test_mmap_munmap},
    {"mremap", test_mremap},
    {"reserve_commit_decommit_release", test_reserve_commit_decommit_release},
    {"proc_self_maps", test_proc_self_maps},
    {"big_malloc", test_big_malloc},
    {"files", test_files},
    {"pipes", test_pipes},
    {"symlinks", test_symlinks},
    {"poll_select", test_poll_select},
    {"directories", test_directories},
    {"bad_pointers", test_bad_pointers},
    {"signals", test_signals},
    {"signal_altstack", test_signal_altstack},
    {"sigpipe_sigchld", test_sigpipe_sigchld},
    {"sa_restart", test_sa_restart},
    {"alarm_and_sigsuspend", test_alarm_and_sigsuspend},
    {"time_and_identity", test_time_and_identity},
};

static int selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int failures = 0, ran = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (!selected(tests[i].name, argc, argv))
            continue;
        ran++;
        why[0] = 0;
        int failed = tests[i].fn();
        printf("%-34s %s%s\n", tests[i].name, failed ? "FAIL: " : "ok", failed ? why : "");
        fflush(stdout);
        failures += failed;
    }
    if (ran == 0) {
        fprintf(stderr, "usertests: no test named like that\n");
        return 1;
    }
    printf("usertests: %d of %d passed\n", ran - failures, ran);
    return failures;
}
