/* test_kernel.c — the guest kernel (os/) running real static programs on
 * the real board, through the machine API.
 *
 * Oracles we did not write: the same program run natively on the host (its
 * stdout and exit status, or the signal Linux killed it with), the SDM (#PF
 * error-code bits, SYSCALL/SYSRET register use, CR2), and the kernel ELF's
 * symbol table.  Small guest programs are compiled here with musl-gcc
 * -static (and gcc -static for glibc) into a temporary directory. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine/debugport.h"
#include "machine/machine.h"
#include "os/abi/osevent.h"
#include "linux_oracle.h"

#define KERNEL ORACLE_KERNEL
#define RUN_BUDGET ORACLE_BUDGET
#define PANIC_STATUS 0xDEADFF /* os/panic.h */

static const char *compile(const char *name, const char *compiler, const char *source)
{
    return oracle_compile(name, compiler, source);
}
static const char *musl(const char *name, const char *source) { return oracle_musl(name, source); }
static const char *console(struct machine *m) { return oracle_console(m, NULL); }
/* COM2: the program's stderr and the kernel's "[pid N] killed: ..." lines. */
static const char *errors(struct machine *m) { return oracle_stderr(m, NULL); }
static const char *kernel_log(struct machine *m) { return oracle_kernel_log(m); }
static struct machine *boot(const char *path, int argc, char *const *argv, struct machine_config c)
{
    return oracle_boot(path, argc, argv, c);
}
static int64_t run_to_exit(struct machine *m) { return oracle_run_to_exit(m); }
static int native_status(const char *path, int argc, char *const *argv)
{
    struct oracle_output nat = oracle_run_native(path, argc, argv, NULL, 0);
    oracle_output_free(&nat);
    return nat.status;
}
static struct machine *same_as_native(const char *path, int argc, char *const *argv, const char *input)
{
    return oracle_same_as_native(path, argc, argv, input, input ? strlen(input) : 0);
}

struct events {
    struct os_event ev[512];
    int n;
    struct watcher watcher;
};

static bool record_event(void *ctx, const struct watch_event *w)
{
    struct events *e = ctx;
    if (e->n < 512)
        e->ev[e->n++] = *w->os;
    return false;
}

/* Record the machine's OS events into e (the watcher lives in e). */
static void record_os_events(struct machine *m, struct events *e)
{
    e->watcher = (struct watcher){.on[WATCH_OS] = record_event, .ctx = e};
    ck_assert_int_eq(machine_attach(m, &e->watcher), 0);
}

static uint64_t kernel_symbol(struct machine *m, const char *name)
{
    const Elf64_Sym *syms;
    size_t n, strsz;
    const char *str;
    ck_assert(elf_symtab(machine_kernel(m), &syms, &n, &str, &strsz));
    for (size_t i = 0; i < n; i++)
        if (strcmp(elf_symbol_name(&syms[i], str, strsz), name) == 0)
            return syms[i].st_value;
    ck_abort_msg("no kernel symbol %s", name);
    return 0;
}

/* ---- programs ---------------------------------------------------------- */

static const char crash_src[] =
    "#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n#include <errno.h>\n"
    "static int deep(int n) { volatile char pad[4096]; pad[0] = (char)n; return deep(n + 1) + pad[0]; }\n"
    "int main(int argc, char **argv) {\n"
    "  const char *m = argv[1];\n"
    "  printf(\"mode %s\\n\", m); fflush(stdout);\n"
    "  if (!strcmp(m, \"null\")) *(volatile int *)0 = 1;\n"
    "  if (!strcmp(m, \"kernel\")) return *(volatile int *)0xffffffff80100000ull;\n"
    "  if (!strcmp(m, \"stack\")) return deep(argc);\n"
    "  if (!strcmp(m, \"hlt\")) __asm__ volatile(\"hlt\");\n"
    "  if (!strcmp(m, \"efault\")) {\n"
    "    long r = write(1, (void *)0xffffffff80100000ull, 8); printf(\"kernel pointer: %ld %s\\n\", r, strerror(errno));\n"
    "    r = write(1, (void *)16, 8); printf(\"null pointer: %ld %s\\n\", r, strerror(errno));\n"
    "    r = read(0, (void *)main, 1); printf(\"read into text: %ld %s\\n\", r, strerror(errno));\n"
    "  }\n"
    "  return 0;\n"
    "}\n";

static const char fork_src[] =
    "#include <stdio.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
    "static int shared = 5;\n"
    "int main(void) {\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) { shared = 6; printf(\"child wrote %d\\n\", shared); return 42; }\n"
    "  int st; waitpid(pid, &st, 0);\n"
    "  printf(\"parent still sees %d, child exited %d\\n\", shared, WEXITSTATUS(st));\n"
    "  return 0;\n"
    "}\n";

static const char threads_src[] =
    "#include <stdio.h>\n#include <pthread.h>\n"
    "static int counter; static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;\n"
    "static void *work(void *a) { for (int i = 0; i < 20000; i++) { pthread_mutex_lock(&mu); counter++; pthread_mutex_unlock(&mu); } return a; }\n"
    "int main(void) { pthread_t t[4];\n"
    "  for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, work, 0);\n"
    "  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);\n"
    "  printf(\"counter %d\\n\", counter); return counter == 80000 ? 0 : 1; }\n";

static const char vm_src[] =
    "#include <stdio.h>\n#include <sys/mman.h>\n"
    "int main(void) {\n"
    "  char *p = mmap((void *)0x500000000, 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);\n"
    "  printf(\"reserve %d\\n\", p == (void *)0x500000000);\n"
    "  printf(\"commit %d\\n\", mprotect(p, 65536, PROT_READ | PROT_WRITE));\n"
    "  p[0] = 'x'; p[65535] = 'y';\n"
    "  printf(\"resident %c%c\\n\", p[0], p[65535]);\n"
    "  printf(\"decommit %d\\n\", madvise(p, 65536, MADV_DONTNEED));\n"
    "  printf(\"zero again %d\\n\", p[0] + p[65535]);\n"
    "  printf(\"release %d\\n\", munmap(p, 65536));\n"
    "  return 0;\n"
    "}\n";

static const char files_src[] =
    "#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n#include <fcntl.h>\n#include <sys/wait.h>\n#include <sys/stat.h>\n"
    "int main(int argc, char **argv) {\n"
    "  const char *path = argv[1];\n"
    "  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600); write(fd, \"0123456789\", 10); close(fd);\n"
    "  struct stat st; stat(path, &st); printf(\"size %ld regular %d\\n\", (long)st.st_size, S_ISREG(st.st_mode));\n"
    "  char buf[32] = {0}; fd = open(path, O_RDONLY); lseek(fd, 3, SEEK_SET); read(fd, buf, 4); close(fd);\n"
    "  printf(\"read back %s\\n\", buf); unlink(path);\n"
    "  printf(\"after unlink %d\\n\", access(path, F_OK));\n"
    "  int p[2]; pipe(p);\n"
    "  if (fork() == 0) { close(p[0]); dup2(p[1], 1); printf(\"through the pipe\\n\"); return 0; }\n"
    "  close(p[1]); memset(buf, 0, sizeof buf); int n = read(p[0], buf, sizeof buf - 1); wait(0);\n"
    "  printf(\"parent got %d: %s\", n, buf);\n"
    "  char line[64]; while (fgets(line, sizeof line, stdin)) printf(\"stdin: %s\", line);\n"
    "  return argc;\n"
    "}\n";

static const char keys_src[] =
    "#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n"
    "int main(void) {\n"
    "  for (int i = 0; i < 100; i++) {\n"
    "    if (syscall(1000, 0x39) == 1) { printf(\"space is down\\n\"); return 0; }\n"
    "    struct timespec ts = {0, 5000000}; nanosleep(&ts, 0);\n"
    "  }\n"
    "  return 1;\n"
    "}\n";

static const char swap_src[] =
    "#include <stdio.h>\n#include <stdint.h>\n#include <stdlib.h>\n#include <sys/mman.h>\n"
    "int main(int argc, char **argv) {\n"
    "  size_t n = (size_t)atoi(argv[1]) << 20, bad = 0;\n"
    "  uint64_t *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  for (size_t i = 0; i < n / 8; i += 64) p[i] = i * 0x9E3779B97F4A7C15ull;\n"
    "  for (size_t i = 0; i < n / 8; i += 64) bad += p[i] != i * 0x9E3779B97F4A7C15ull;\n"
    "  printf(\"%zu MiB, %zu bad words\\n\", n >> 20, bad);\n"
    "  return bad != 0;\n"
    "}\n";

static const char spin_src[] =
    "#include <stdio.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
    "int main(void) {\n"
    "  volatile unsigned long x = 0;\n"
    "  pid_t pid = fork();\n"
    "  for (unsigned long i = 0; i < 5000000; i++) x += i;\n"
    "  if (pid == 0) return 0;\n"
    "  wait(0); printf(\"done\\n\"); return 0;\n"
    "}\n";

static const char fpu_src[] =
    "#include <stdio.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
    "int main(void) {\n"
    "  pid_t pid = fork();\n"
    "  double x = pid == 0 ? 1.0 : 2.0, acc = 0;\n"
    "  for (int i = 0; i < 8000000; i++) acc += x * 0.5;\n"
    "  if (pid == 0) return acc == 4000000.0 ? 0 : 1;\n"
    "  int st; wait(&st);\n"
    "  printf(\"parent %.1f, child status %d\\n\", acc, WEXITSTATUS(st));\n"
    "  return 0;\n"
    "}\n";

/* Random system calls (fixed seed) with hostile arguments — kernel
 * addresses, non-canonical values, the program's own text and stack — in
 * child processes.  Calls that would block forever, end or replace the
 * child, or break its own libc (arch_prctl, signal handlers) are skipped. */
static const char fuzz_src[] =
    "#include <stdio.h>\n"
    "#include <stdint.h>\n"
    "#include <stdlib.h>\n"
    "#include <unistd.h>\n"
    "#include <sys/wait.h>\n"
    "#include <sys/syscall.h>\n"
    "static uint64_t s = 88172645463325252ull;\n"
    "static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }\n"
    "static uint64_t arg(void) {\n"
    "    static const uint64_t special[] = {0, 1, 2, 3, 0xffffffffffffffffull, 0x7fffffffffffull, 0x800000000000ull,\n"
    "        0xffff800000000000ull, 0xffffffff80100000ull, 0x1000, 0x400000, 0x7ffffffff000ull, 4096, 65536,\n"
    "        0x10000000000ull, 0x7fffffffe000ull, 0x7fffffffd000ull, 0x401000, 0x404000};\n"
    "    switch (rnd() % 4) {\n"
    "    case 0: return special[rnd() % (sizeof special / sizeof special[0])];\n"
    "    case 1: return rnd() % 64;\n"
    "    case 2: return rnd();\n"
    "    default: return 0x400000 + rnd() % 0x10000;\n"
    "    }\n"
    "}\n"
    "/* would block forever, end or replace the child, kill others, or break its libc */\n"
    "static const long skipped[] = {0 /* read */, 7 /* poll */, 13 /* rt_sigaction */, 15 /* rt_sigreturn */,\n"
    "    19 /* readv */, 23 /* select */, 34 /* pause */, 35 /* nanosleep */, 56 /* clone */, 57 /* fork */,\n"
    "    58 /* vfork */, 59 /* execve */, 60 /* exit */, 61 /* wait4 */, 62 /* kill */, 130 /* rt_sigsuspend */,\n"
    "    158 /* arch_prctl */, 200 /* tkill */, 202 /* futex */, 230 /* clock_nanosleep */, 231 /* exit_group */,\n"
    "    234 /* tgkill */, 270 /* pselect6 */, 271 /* ppoll */};\n"
    "int main(int argc, char **argv) {\n"
    "    int rounds = argc > 1 ? atoi(argv[1]) : 20;\n"
    "    for (int r = 0; r < rounds; r++) {\n"
    "        pid_t pid = fork();\n"
    "        if (pid == 0) {\n"
    "            for (int i = 0; i < 3000; i++) {\n"
    "                long nr = rnd() % 340;\n"
    "                int skip = 0;\n"
    "                for (size_t k = 0; k < sizeof skipped / sizeof skipped[0]; k++) skip |= nr == skipped[k];\n"
    "                if (skip) continue;\n"
    "                syscall(nr, arg(), arg(), arg(), arg(), arg(), arg());\n"
    "            }\n"
    "            _exit(0);\n"
    "        }\n"
    "        int st; waitpid(pid, &st, 0);\n"
    "        printf(\"round %d: %s %d\\n\", r, WIFEXITED(st) ? \"exit\" : \"signal\", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

/* A signal handler that scribbles over its saved context: reserved MXCSR
 * bits, NT/IOPL in RFLAGS, a kernel or non-canonical RIP, a non-canonical
 * RSP.  rt_sigreturn must sanitize or
 * kill, never fault in the kernel. */
static const char hostile_frame_src[] =
    "#define _GNU_SOURCE\n#include <stdio.h>\n#include <signal.h>\n#include <string.h>\n#include <ucontext.h>\n"
    "static int mode;\n"
    "static void h(int sig, siginfo_t *si, void *ucv) {\n"
    "  (void)sig; (void)si; ucontext_t *uc = ucv; unsigned v = 0xFFFFFFFF;\n"
    "  unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;\n"
    "  if (mode == 0) { memcpy(fp + 24, &v, 4); memcpy(fp + 28, &v, 4); }\n"
    "  if (mode == 1) uc->uc_mcontext.gregs[REG_EFL] |= 0x7000; /* IOPL 3, NT */\n"
    "  if (mode == 2) uc->uc_mcontext.gregs[REG_RIP] = (long)0xffffffff80100000ull;\n"
    "  if (mode == 3) uc->uc_mcontext.gregs[REG_RIP] = (long)0x8000000000000000ull;\n"
    "  if (mode == 4) uc->uc_mcontext.gregs[REG_RSP] = (long)0x8000000000000000ull;\n"
    "}\n"
    "int main(int argc, char **argv) {\n"
    "  (void)argc; mode = argv[1][0] - '0';\n"
    "  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO;\n"
    "  sigaction(SIGUSR1, &sa, 0); raise(SIGUSR1);\n"
    "  printf(\"survived mode %d\\n\", mode); return 0;\n"
    "}\n";

/* execve of malformed ELF files written to /tmp: each must fail cleanly
 * (ENOEXEC, or a killed child), never take the kernel down. */
static const char bad_elf_src[] =
    "#include <stdio.h>\n"
    "#include <stdint.h>\n"
    "#include <string.h>\n"
    "#include <fcntl.h>\n"
    "#include <unistd.h>\n"
    "#include <errno.h>\n"
    "#include <elf.h>\n"
    "#include <sys/wait.h>\n"
    "static int try(const char *what, void (*mut)(Elf64_Ehdr *, Elf64_Phdr *), size_t size) {\n"
    "    static unsigned char img[8192]; memset(img, 0, sizeof img);\n"
    "    Elf64_Ehdr *eh = (void *)img; Elf64_Phdr *ph = (void *)(img + 64);\n"
    "    memcpy(eh->e_ident, ELFMAG, 4); eh->e_ident[EI_CLASS] = ELFCLASS64; eh->e_ident[EI_DATA] = ELFDATA2LSB; eh->e_ident[EI_VERSION] = 1;\n"
    "    eh->e_type = ET_EXEC; eh->e_machine = EM_X86_64; eh->e_version = 1; eh->e_entry = 0x400078; eh->e_phoff = 64; eh->e_ehsize = 64;\n"
    "    eh->e_phentsize = 56; eh->e_phnum = 1;\n"
    "    ph->p_type = PT_LOAD; ph->p_flags = PF_R | PF_X; ph->p_offset = 0; ph->p_vaddr = 0x400000; ph->p_filesz = 0x100; ph->p_memsz = 0x100; ph->p_align = 4096;\n"
    "    img[0x78] = 0x31; img[0x79] = 0xff; img[0x7a] = 0xb8; img[0x7b] = 60; img[0x7c] = 0; img[0x7d] = 0; img[0x7e] = 0; img[0x7f] = 0x0f; img[0x80] = 0x05; /* xor edi,edi; mov eax,60; syscall */\n"
    "    if (mut) mut(eh, ph);\n"
    "    int fd = open(\"/tmp/bad\", O_CREAT | O_WRONLY | O_TRUNC, 0755); write(fd, img, size); close(fd);\n"
    "    pid_t pid = fork();\n"
    "    if (pid == 0) { char *argv[] = {\"/tmp/bad\", 0}; execve(\"/tmp/bad\", argv, 0); _exit(100 + errno); }\n"
    "    int st; waitpid(pid, &st, 0);\n"
    "    printf(\"%-22s -> %s %d\\n\", what, WIFEXITED(st) ? \"exit\" : \"signal\", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));\n"
    "    return 0;\n"
    "}\n"
    "static void phnum_huge(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)p; e->e_phnum = 0xffff; }\n"
    "static void phoff_out(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)p; e->e_phoff = 0xfffffffffffff000ull; }\n"
    "static void off_huge(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)e; p->p_offset = 0x7ffffffffffff000ull; }\n"
    "static void vaddr_kernel(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)e; p->p_vaddr = 0xffffffff80000000ull; }\n"
    "static void memsz_huge(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)e; p->p_memsz = 0xfffffffffffff000ull; }\n"
    "static void entry_kernel(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)p; e->e_entry = 0xffffffff80100000ull; }\n"
    "static void entry_unmapped(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)p; e->e_entry = 0x12345678; }\n"
    "static void dyn_weird(Elf64_Ehdr *e, Elf64_Phdr *p) { e->e_type = ET_DYN; p->p_vaddr = 0xfffffffffffff000ull; }\n"
    "static void vaddr_zero(Elf64_Ehdr *e, Elf64_Phdr *p) { (void)e; p->p_vaddr = 0; e->e_entry = 0x78; }\n"
    "int main(void) {\n"
    "    try(\"valid\", 0, 4096); try(\"truncated header\", 0, 20); try(\"phnum huge\", phnum_huge, 4096); try(\"phoff out\", phoff_out, 4096);\n"
    "    try(\"offset huge\", off_huge, 4096); try(\"vaddr kernel\", vaddr_kernel, 4096); try(\"memsz huge\", memsz_huge, 4096);\n"
    "    try(\"entry kernel\", entry_kernel, 4096); try(\"entry unmapped\", entry_unmapped, 4096); try(\"dyn wrap\", dyn_weird, 4096);\n"
    "    try(\"vaddr zero\", vaddr_zero, 4096); return 0;\n"
    "}\n";

/* Modified pages whose rights change (mprotect) must still be written to
 * the pagefile when evicted: region R is paged out, paged back in (a clean
 * copy stays in its slot), rewritten, made read-only (like glibc's RELRO),
 * and evicted again by thrashing; it must read back as rewritten. */
static const char dirty_protect_src[] =
    "#include <stdio.h>\n#include <stdint.h>\n#include <string.h>\n#include <sys/mman.h>\n"
    "#define R (64 * 4096)\n#define BIG (24u << 20)\n"
    "static void thrash(volatile char *big) { for (size_t i = 0; i < BIG; i += 4096) big[i]++; }\n"
    "int main(void) {\n"
    "  char *r = mmap(0, R, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  char *big = mmap(0, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  memset(r, 'x', R); thrash(big);\n"
    "  long sum = 0; for (int i = 0; i < R; i += 4096) sum += r[i];\n"
    "  memset(r, 'y', R); mprotect(r, R, PROT_READ); thrash(big);\n"
    "  int bad = 0; for (int i = 0; i < R; i++) bad += r[i] != 'y';\n"
    "  printf(\"%ld %d bad\\n\", sum / 'x', bad); return bad != 0;\n"
    "}\n";

/* ---- tests -------------------------------------------------------------- */

START_TEST(musl_hello_matches_native)
{
    char *args[] = {"3", "two words"};
    machine_free(same_as_native("build/programs/hello", 2, args, NULL));
}
END_TEST

START_TEST(glibc_hello_matches_native)
{
    FILE *f = fopen("programs/hello.c", "r");
    ck_assert_ptr_nonnull(f);
    static char src[4096];
    src[fread(src, 1, sizeof src - 1, f)] = 0;
    fclose(f);
    const char *exe = compile("hello_glibc", "gcc -static", src);
    char *args[] = {"5"};
    machine_free(same_as_native(exe, 1, args, NULL));
}
END_TEST

START_TEST(null_write_kills_with_reason)
{
    const char *exe = musl("crash", crash_src);
    char *args[] = {"null"};
    struct oracle_output nat = oracle_run_native(exe, 1, args, NULL, 0);
    ck_assert_int_eq(nat.status, 128 + SIGSEGV);
    struct machine *m = boot(exe, 1, args, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), nat.status);
    /* What the program printed on stdout, and the kernel's reason on
     * stderr (natively the shell would print "Segmentation fault"). */
    ck_assert_str_eq(console(m), nat.out);
    ck_assert_str_eq(errors(m), "[pid 1] killed: segmentation fault at 0x0, user write to not-present page\n");
    /* The #PF reached the kernel: CR2 holds the faulting address. */
    ck_assert_uint_eq(machine_cpu(m)->cr2, 0);
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

START_TEST(stack_overflow_hits_the_guard_page)
{
    const char *exe = musl("crash", crash_src);
    char *args[] = {"stack"};
    struct oracle_output nat = oracle_run_native(exe, 1, args, NULL, 0);
    ck_assert_int_eq(nat.status, 128 + SIGSEGV);
    struct machine *m = boot(exe, 1, args, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), 128 + SIGSEGV);
    const char *out = errors(m);
    ck_assert_msg(strstr(out, "[pid 1] killed: stack overflow at 0x7fffff7") != NULL, "stderr: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "(guard page)"));
    /* The guard pages are the 1 MiB just below the 8 MiB stack. */
    uint64_t stack_low = 0x7ffffffff000ull - (8ull << 20);
    ck_assert_uint_ge(machine_cpu(m)->cr2, stack_low - (1ull << 20));
    ck_assert_uint_lt(machine_cpu(m)->cr2, stack_low);
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

START_TEST(ring3_read_of_kernel_memory_is_killed)
{
    const char *exe = musl("crash", crash_src);
    char *args[] = {"kernel"};
    ck_assert_int_eq(native_status(exe, 1, args), 128 + SIGSEGV);
    struct machine *m = boot(exe, 1, args, (struct machine_config){0});
    /* Stop at the #PF: error code P=1 (the page is present, supervisor-
     * only), W=0, U/S=1 (SDM Vol. 3A Figure 4-12). */
    struct machine_until u = {.max_insns = RUN_BUDGET, .vector = 14};
    for (;;) {
        struct machine_stop s = machine_run(m, &u);
        ck_assert_int_eq(s.event, MEV_EXCEPTION);
        if (machine_cpu(m)->cr2 == 0xffffffff80100000ull)
            break;
    }
    uint64_t err;
    ck_assert_uint_eq(machine_read_virt(m, machine_cpu(m)->gpr[RSP], &err, 8), 8);
    ck_assert_uint_eq(err, 0x5);
    ck_assert_int_eq(run_to_exit(m), 128 + SIGSEGV);
    ck_assert_ptr_nonnull(strstr(errors(m), "killed: segmentation fault at 0xffffffff80100000, user read from kernel page"));
    machine_free(m);
}
END_TEST

START_TEST(privileged_instruction_in_ring3_is_killed)
{
    const char *exe = musl("crash", crash_src);
    char *args[] = {"hlt"};
    ck_assert_int_eq(native_status(exe, 1, args), 128 + SIGSEGV);
    struct machine *m = boot(exe, 1, args, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), 128 + SIGSEGV);
    ck_assert_ptr_nonnull(strstr(errors(m), "killed: general protection fault (#GP)"));
    ck_assert_uint_eq(machine_cpu(m)->exc_counts[13], 1);
    machine_free(m);
}
END_TEST

START_TEST(bad_user_pointers_get_efault)
{
    const char *exe = musl("crash", crash_src);
    char *args[] = {"efault"};
    machine_free(same_as_native(exe, 1, args, "x"));
}
END_TEST

START_TEST(fork_gives_the_child_a_private_copy)
{
    const char *exe = musl("fork", fork_src);
    struct events e = {0};
    struct oracle_output nat = oracle_run_native(exe, 0, NULL, NULL, 0);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){0});
    record_os_events(m, &e);
    ck_assert_int_eq(run_to_exit(m), nat.status);
    ck_assert_str_eq(console(m), nat.out);
    /* Two processes ran in two address spaces: context switches into two
     * different CR3 values, and a process-create event for the child. */
    uint64_t cr3[2] = {0, 0};
    int creates = 0, exits = 0;
    for (int i = 0; i < e.n; i++) {
        if (e.ev[i].type == OSEV_PROC_CREATE)
            creates++;
        if (e.ev[i].type == OSEV_PROC_EXIT)
            exits++;
        if (e.ev[i].type == OSEV_CONTEXT_SWITCH) {
            uint64_t c = e.ev[i].sw.new_cr3;
            if (!cr3[0])
                cr3[0] = c;
            else if (c != cr3[0])
                cr3[1] = c;
        }
    }
    ck_assert_int_eq(creates, 2); /* pid 1 and its child */
    ck_assert_int_eq(exits, 2);   /* the child, then pid 1 (which ends the machine) */
    ck_assert_uint_ne(cr3[1], 0);
    /* The child's write broke copy-on-write: more than one #PF. */
    ck_assert_uint_ge(machine_cpu(m)->exc_counts[14], 1);
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

START_TEST(threads_and_futexes)
{
    const char *exe = musl("threads", threads_src);
    machine_free(same_as_native(exe, 0, NULL, NULL));
    exe = compile("threads_glibc", "gcc -static", threads_src);
    machine_free(same_as_native(exe, 0, NULL, NULL));
}
END_TEST

START_TEST(reserve_commit_decommit_release)
{
    const char *exe = musl("vm", vm_src);
    struct events e = {0};
    struct oracle_output nat = oracle_run_native(exe, 0, NULL, NULL, 0);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){0});
    record_os_events(m, &e);
    ck_assert_int_eq(run_to_exit(m), nat.status);
    ck_assert_str_eq(console(m), nat.out);
    int expect[] = {OSEV_VMA_RESERVE, OSEV_VMA_COMMIT, OSEV_VMA_DECOMMIT, OSEV_VMA_RELEASE}, next = 0;
    for (int i = 0; i < e.n && next < 4; i++)
        if (e.ev[i].type == expect[next] && e.ev[i].vma.start == 0x500000000ull && e.ev[i].vma.length == 65536)
            next++;
    ck_assert_int_eq(next, 4);
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

START_TEST(files_pipes_and_stdin)
{
    const char *exe = musl("files", files_src);
    char path[128];
    snprintf(path, sizeof path, "/tmp/ringscope-kernel-test-%d", (int)getpid());
    char *args[] = {path};
    machine_free(same_as_native(exe, 1, args, "first line\nsecond line\n"));
}
END_TEST

START_TEST(syscall_round_trip_returns_with_sysret)
{
    struct machine *m = boot("build/programs/hello", 0, NULL, (struct machine_config){0});
    struct machine_until u = {.max_insns = RUN_BUDGET, .vector = -1, .syscall = true};
    struct machine_stop s = machine_run(m, &u);
    ck_assert_int_eq(s.event, MEV_SYSCALL);
    struct cpu *cpu = machine_cpu(m);
    /* SYSCALL: RIP = IA32_LSTAR, CPL 0, RCX = the user's next RIP. */
    ck_assert_uint_eq(cpu->rip, kernel_symbol(m, "syscall_entry"));
    ck_assert_uint_eq(cpu->lstar, cpu->rip);
    ck_assert_int_eq(cpu->cpl, 0);
    uint64_t user_rip = cpu->gpr[RCX];
    ck_assert_uint_lt(user_rip, 0x800000000000ull);
    struct machine_until ring = {.max_insns = RUN_BUDGET, .vector = -1, .ring_change = true};
    s = machine_run(m, &ring);
    ck_assert_int_eq(s.event, MEV_RING_CHANGE);
    ck_assert_int_eq(s.cpl_before, 0);
    ck_assert_int_eq(s.cpl_after, 3);
    ck_assert_uint_eq(cpu->rip, user_rip);
    ck_assert_int_eq(run_to_exit(m), 0);
    machine_free(m);
}
END_TEST

START_TEST(keystroke_query_answers_from_irq1_state)
{
    const char *exe = musl("keys", keys_src);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){.keys_script = "@30ms space down"});
    ck_assert_int_eq(run_to_exit(m), 0);
    ck_assert_str_eq(console(m), "space is down\n");
    ck_assert_uint_ge(machine_cpu(m)->exc_counts[0x21], 1); /* IRQ1 */
    machine_free(m);
    m = boot(exe, 0, NULL, (struct machine_config){0}); /* no key: the query says up */
    ck_assert_int_eq(run_to_exit(m), 1);
    machine_free(m);
}
END_TEST

START_TEST(panic_reports_and_exits_with_its_status)
{
    char err[256];
    struct machine_config c = {.kernel_path = KERNEL, .ram_size = 32ull << 20};
    struct machine *m = machine_new(&c, err, sizeof err); /* no initrd: nothing to run */
    ck_assert_msg(m != NULL, "machine_new: %s", err);
    ck_assert_int_eq(run_to_exit(m), PANIC_STATUS);
    const char *log = kernel_log(m);
    ck_assert_ptr_nonnull(strstr(log, "panic: no program to run"));
    ck_assert_ptr_nonnull(strstr(log, "backtrace:"));
    ck_assert_ptr_nonnull(strstr(errors(m), "kernel panic: no program to run"));
    machine_free(m);
}
END_TEST

START_TEST(pages_go_to_the_pagefile_and_come_back)
{
    const char *exe = musl("swap", swap_src);
    char *args[] = {"16"};
    struct events e = {0};
    struct machine *m = boot(exe, 1, args, (struct machine_config){.ram_size = 8ull << 20});
    record_os_events(m, &e);
    ck_assert_int_eq(run_to_exit(m), 0);
    ck_assert_str_eq(console(m), "16 MiB, 0 bad words\n");
    int outs = 0, ins = 0;
    for (int i = 0; i < e.n; i++) {
        outs += e.ev[i].type == OSEV_PAGE_OUT;
        ins += e.ev[i].type == OSEV_PAGE_IN;
    }
    /* Only the first 512 events are kept: both kinds must be among them
     * (the write pass evicts; the read pass pages back in). */
    ck_assert_int_gt(outs, 0);
    ck_assert_int_gt(ins + (e.n == 512), 0);
    machine_free(m);
}
END_TEST

START_TEST(sse_registers_survive_preemption)
{
    /* Two processes keep their sums in XMM registers across many timer
     * preemptions: the kernel must switch their x87/SSE state. */
    const char *exe = musl("fpu", fpu_src);
    struct machine *m = same_as_native(exe, 0, NULL, NULL);
    ck_assert_uint_ge(machine_cpu(m)->exc_counts[0x20], 3);
    machine_free(m);
}
END_TEST

static void usertests_like_native(const char *exe)
{
    struct oracle_output nat = oracle_run_native(exe, 0, NULL, NULL, 0);
    ck_assert_int_eq(nat.status, 0);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), 0);
    /* The kernel's "[pid N] killed: ..." lines for the children usertests
     * kills on purpose go to stderr: stdout is the native one exactly. */
    ck_assert_str_eq(console(m), nat.out);
    machine_free(m);
    oracle_output_free(&nat);
}

static const char *usertests_source(void)
{
    static char src[65536];
    FILE *f = fopen("programs/usertests.c", "r");
    ck_assert_ptr_nonnull(f);
    src[fread(src, 1, sizeof src - 1, f)] = 0;
    fclose(f);
    return src;
}

START_TEST(usertests_pass_like_native) { usertests_like_native("build/programs/usertests"); }
END_TEST

/* The same suite on glibc, linked static and static-PIE (ET_DYN, loaded
 * at USER_PIE_BASE, relocating itself). */
START_TEST(usertests_glibc_static_and_static_pie)
{
    usertests_like_native(compile("usertests_glibc", "gcc -static", usertests_source()));
    usertests_like_native(compile("usertests_pie", "gcc -static-pie", usertests_source()));
}
END_TEST

START_TEST(random_syscalls_never_crash_the_kernel)
{
    const char *exe = musl("fuzz", fuzz_src);
    char *args[] = {"12"};
    struct machine *m = boot(exe, 1, args, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), 0);
    ck_assert_ptr_null(strstr(kernel_log(m), "panic"));
    ck_assert_ptr_nonnull(strstr(console(m), "round 11: "));
    machine_free(m);
}
END_TEST

START_TEST(hostile_signal_frames_never_crash_the_kernel)
{
    const char *exe = musl("hostile_frame", hostile_frame_src);
    const char *modes[] = {"0", "1", "2", "3", "4"};
    for (int i = 0; i < 5; i++) {
        char *args[] = {(char *)modes[i]};
        struct machine *m = boot(exe, 1, args, (struct machine_config){0});
        int64_t status = run_to_exit(m);
        ck_assert_ptr_null(strstr(kernel_log(m), "panic"));
        if (i < 2) { /* sanitized: the program goes on */
            ck_assert_int_eq(status, 0);
        } else { /* a bad RIP: the program dies, the kernel does not */
            ck_assert_int_eq(status, 128 + SIGSEGV);
            ck_assert_ptr_nonnull(strstr(errors(m), "[pid 1] killed: "));
        }
        machine_free(m);
    }
}
END_TEST

START_TEST(malformed_elf_files_never_crash_the_kernel)
{
    const char *exe = musl("bad_elf", bad_elf_src);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), 0);
    ck_assert_ptr_null(strstr(kernel_log(m), "panic"));
    const char *out = console(m);
    ck_assert_ptr_nonnull(strstr(out, "valid                  -> exit 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "truncated header       -> exit 108\n")); /* 100 + ENOEXEC */
    ck_assert_ptr_nonnull(strstr(out, "vaddr zero             -> "));
    machine_free(m);
}
END_TEST

/* A real-world static program: Debian's busybox-static (glibc), its shell
 * running a script with pipes, redirections to /tmp and subshells —
 * fork, execve of /proc/self/exe, wait4, pipes, files — compared with the
 * same script run natively.  Skipped (with a note) when the package is
 * not installed. */
START_TEST(busybox_shell_script_matches_native)
{
    if (access("/bin/busybox", X_OK) != 0) {
        fprintf(stderr, "test_kernel: /bin/busybox not installed (apt-get install busybox-static): skipped\n");
        return;
    }
    const char *workdir = oracle_workdir();
    char exe[128], cmd[256];
    snprintf(exe, sizeof exe, "%s/busybox", workdir); /* busybox picks its applet from argv[0] */
    snprintf(cmd, sizeof cmd, "cp /bin/busybox %s", exe);
    ck_assert_int_eq(system(cmd), 0);
    char *args[] = {"sh", "-c",
                    "d=/tmp/ringscope-busybox-$$ && busybox mkdir -p $d/a/b && cd $d && busybox seq 1 200 > nums && "
                    "busybox wc -l nums && busybox sort -rn nums | busybox head -n 3 && busybox md5sum nums && "
                    "busybox sed -n '5,7p' nums | busybox tr '\\n' ' ' && echo && "
                    "busybox awk '{s+=$1} END {print s}' nums && (echo sub; exit 3); echo status $? && "
                    "busybox dd if=/dev/zero of=z bs=65536 count=16 2>/dev/null && busybox ls -l z | "
                    "busybox awk '{print $5}' && echo hello > a/b/f && busybox find . -type f | busybox sort && "
                    "busybox tar cf t.tar a && busybox tar tf t.tar | busybox sort && "
                    "busybox gzip -c z | busybox wc -c && busybox mv a/b/f g && busybox stat -c '%s %F' g && "
                    "busybox touch new && busybox test -f new && cd / && busybox rm -r $d && echo done"};
    struct oracle_output nat = oracle_run_native(exe, 3, args, NULL, 0);
    struct machine *m = boot(exe, 3, args, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), nat.status);
    ck_assert_str_eq(console(m), nat.out);
    ck_assert_ptr_nonnull(strstr(console(m), "20100\n"));
    machine_free(m);
    /* The shell's job and signal machinery: background jobs, wait, trap,
     * kill, timeout, here-documents, command substitution. */
    char *signals[] = {"sh", "-c",
                       "exec 2>/dev/null\n" /* natively only stdout is compared; the console has both */
                       "busybox cat <<END | busybox tr a-z A-Z\nhere doc $((1+1))\nEND\n"
                       "busybox sleep 0.05 & wait $!; echo bg done $?\n"
                       "trap 'echo got USR1' USR1; busybox kill -USR1 $$; echo after trap\n"
                       "(busybox sleep 5; echo never) & k=$!; busybox kill $k; wait $k; echo killed status $?\n"
                       "echo $(echo sub shell | busybox rev)\n"
                       "busybox timeout 1 busybox sleep 3; echo timeout status $?\n"};
    oracle_output_free(&nat);
    nat = oracle_run_native(exe, 3, signals, NULL, 0);
    m = boot(exe, 3, signals, (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), nat.status);
    ck_assert_str_eq(console(m), nat.out);
    ck_assert_ptr_nonnull(strstr(console(m), "killed status 143\n"));
    machine_free(m);
    oracle_output_free(&nat);
}
END_TEST

START_TEST(dirty_pages_survive_mprotect_and_eviction)
{
    const char *exe = musl("dirty_protect", dirty_protect_src);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){.ram_size = 8ull << 20});
    ck_assert_int_eq(run_to_exit(m), 0);
    ck_assert_str_eq(console(m), "64 0 bad\n");
    machine_free(m);
}
END_TEST

START_TEST(timer_preemption_switches_address_space)
{
    const char *exe = musl("spin", spin_src);
    struct machine *m = boot(exe, 0, NULL, (struct machine_config){0});
    /* Run to the first IRQ0 that interrupts ring 3 with two processes
     * alive, then to the next ring change: the scheduler must have loaded
     * another CR3 before returning to ring 3. */
    struct machine_until tick = {.max_insns = RUN_BUDGET, .vector = 0x20};
    uint64_t switched = 0;
    for (int i = 0; i < 50 && !switched; i++) {
        struct machine_stop s = machine_run(m, &tick);
        ck_assert_int_eq(s.event, MEV_EXCEPTION);
        uint64_t before = machine_cpu(m)->cr3;
        struct machine_until ring = {.max_insns = RUN_BUDGET, .vector = -1, .ring_change = true};
        s = machine_run(m, &ring); /* ring 3 -> 0: the interrupt itself */
        if (s.cpl_after == 0)
            s = machine_run(m, &ring); /* ring 0 -> 3 */
        ck_assert_int_eq(s.cpl_after, 3);
        if (machine_cpu(m)->cr3 != before)
            switched = machine_cpu(m)->cr3;
    }
    ck_assert_uint_ne(switched, 0);
    ck_assert_int_eq(run_to_exit(m), 0);
    ck_assert_str_eq(console(m), "done\n");
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernel");
    TCase *run = tcase_create("programs");
    tcase_set_timeout(run, 120);
    tcase_add_checked_fixture(run, NULL, oracle_cleanup);
    tcase_add_test(run, musl_hello_matches_native);
    tcase_add_test(run, glibc_hello_matches_native);
    tcase_add_test(run, files_pipes_and_stdin);
    tcase_add_test(run, threads_and_futexes);
    tcase_add_test(run, bad_user_pointers_get_efault);
    tcase_add_test(run, usertests_pass_like_native);
    tcase_add_test(run, usertests_glibc_static_and_static_pie);
    tcase_add_test(run, busybox_shell_script_matches_native);
    suite_add_tcase(s, run);
    TCase *vm = tcase_create("memory");
    tcase_set_timeout(vm, 120);
    tcase_add_checked_fixture(vm, NULL, oracle_cleanup);
    tcase_add_test(vm, reserve_commit_decommit_release);
    tcase_add_test(vm, fork_gives_the_child_a_private_copy);
    tcase_add_test(vm, null_write_kills_with_reason);
    tcase_add_test(vm, stack_overflow_hits_the_guard_page);
    tcase_add_test(vm, ring3_read_of_kernel_memory_is_killed);
    tcase_add_test(vm, privileged_instruction_in_ring3_is_killed);
    tcase_add_test(vm, pages_go_to_the_pagefile_and_come_back);
    tcase_add_test(vm, dirty_pages_survive_mprotect_and_eviction);
    suite_add_tcase(s, vm);
    TCase *cpu = tcase_create("cpu");
    tcase_set_timeout(cpu, 120);
    tcase_add_checked_fixture(cpu, NULL, oracle_cleanup);
    tcase_add_test(cpu, syscall_round_trip_returns_with_sysret);
    tcase_add_test(cpu, keystroke_query_answers_from_irq1_state);
    tcase_add_test(cpu, timer_preemption_switches_address_space);
    tcase_add_test(cpu, sse_registers_survive_preemption);
    tcase_add_test(cpu, random_syscalls_never_crash_the_kernel);
    tcase_add_test(cpu, hostile_signal_frames_never_crash_the_kernel);
    tcase_add_test(cpu, malformed_elf_files_never_crash_the_kernel);
    tcase_add_test(cpu, panic_reports_and_exits_with_its_status);
    suite_add_tcase(s, cpu);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    oracle_cleanup(); /* in case Check ran the tests in this process (CK_FORK=no) */
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
