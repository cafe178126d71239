/* test_kernel_shared.c — shared memory in the guest kernel: MAP_SHARED
 * anonymous and file mappings over one page cache (os/memobj.c), their
 * pages in the pagefile, msync, SIGBUS past the end of a file, memfd_create,
 * fallocate, seals, sparse files, /tmp bounded by RAM, mlock and mincore.
 *
 * The oracle is the same static program run natively on the host (musl
 * and glibc): stdout byte for byte and the exit status.  Runs on a small
 * machine (8 MiB) also count the kernel's page-out / page-in events, so a
 * test fails if the pages never went to the pagefile and came back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/debugport.h"
#include "machine/machine.h"
#include "os/abi/osevent.h"
#include "linux_oracle.h"

#define SMALL_RAM (8ull << 20)
/* Where the kernel places mmap areas (os/memlayout.h: below USER_MMAP_TOP),
 * above any program image and heap. */
#define MMAP_LO 0x0000700000000000ull
#define MMAP_HI 0x00007ff000000000ull

/* MAP_SHARED|MAP_ANONYMOUS shared with a forked child (a store in the child is seen by
 * the parent); argv[1] MiB; prints how its area appears in /proc/self/maps. */
static const char anon_src[] =
    "#include <stdio.h>\n"
    "#include <stdint.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <unistd.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/wait.h>\n"
    "int main(int argc, char **argv) {\n"
    "  size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 1, n = mib << 20;\n"
    "  uint64_t *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);\n"
    "  if (p == MAP_FAILED) { perror(\"mmap\"); return 1; }\n"
    "  p[0] = 42;\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) {\n"
    "    for (size_t i = 0; i < n / 8; i += 512) p[i] = i * 0x9E3779B97F4A7C15ull + 1;\n"
    "    _exit(p[0] == 1 ? 0 : 3);\n"
    "  }\n"
    "  int st; waitpid(pid, &st, 0);\n"
    "  size_t bad = 0;\n"
    "  for (size_t i = 0; i < n / 8; i += 512) bad += p[i] != i * 0x9E3779B97F4A7C15ull + 1;\n"
    "  printf(\"child status %d, %zu MiB, %zu bad words\\n\", WEXITSTATUS(st), mib, bad);\n"
    "  FILE *f = fopen(\"/proc/self/maps\", \"r\"); char line[512];\n"
    "  while (fgets(line, sizeof line, f)) {\n"
    "    unsigned long a, b; char perms[8]; char path[256] = \"\";\n"
    "    sscanf(line, \"%lx-%lx %7s %*s %*s %*s %255[^\\n]\", &a, &b, perms, path);\n"
    "    if ((uint64_t *)a == p) printf(\"%s %s\\n\", perms, path);\n"
    "  }\n"
    "  return 0;\n"
    "}\n";

/* A MAP_SHARED file mapping and the page cache: write() then mmap, a store seen by
 * read() and pwrite seen by the mapping, another process's mapping, MAP_PRIVATE copy on
 * write, SIGBUS (BUS_ADRERR) past the end of the file, truncate, msync argument checks,
 * rights (EACCES), mprotect, munmap, execve; then argv[1] pages pushed to the pagefile by
 * argv[2] MiB of private memory and read back through read() and the mapping. */
static const char file_src[] =
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <setjmp.h>\n"
    "#include <signal.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/stat.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "#define PG 4096\n"
    "static sigjmp_buf env;\n"
    "static volatile int bus_code;\n"
    "static void *volatile bus_addr;\n"
    "static void on_bus(int sig, siginfo_t *si, void *ctx) {\n"
    "  (void)ctx; bus_code = si->si_code; bus_addr = si->si_addr; siglongjmp(env, sig);\n"
    "}\n"
    "/* 0 if the read worked, else the signal */\n"
    "static int probe(volatile char *p, int write) {\n"
    "  int sig = sigsetjmp(env, 1);\n"
    "  if (sig) return sig;\n"
    "  if (write) *p = 'w'; else (void)*p;\n"
    "  return 0;\n"
    "}\n"
    "static void show_maps(const void *addr) {\n"
    "  FILE *f = fopen(\"/proc/self/maps\", \"r\"); char line[512];\n"
    "  while (fgets(line, sizeof line, f)) {\n"
    "    unsigned long a, b, off; char perms[8], path[300] = \"\";\n"
    "    if (sscanf(line, \"%lx-%lx %7s %lx %*s %*s %299[^\\n]\", &a, &b, perms, &off, path) >= 4 && a == (unsigned long)addr) {\n"
    "      const char *base = strrchr(path, '/');\n"
    "      char name[300]; snprintf(name, sizeof name, \"%s\", base ? base + 1 : path); char *dash = strrchr(name, '-'); if (dash && strncmp(name, \"rs-\", 3) == 0) *dash = 0;\n"
    "      printf(\"maps: %s off %lx pages %lu %s\\n\", perms, off, (b - a) / PG, name);\n"
    "    }\n"
    "  }\n"
    "  fclose(f);\n"
    "}\n"
    "int main(int argc, char **argv) {\n"
    "  char path[64];\n"
    "  if (argc > 2 && !strcmp(argv[1], \"exec-check\")) {\n"
    "    /* after execve: the data the parent stored through its mapping is in the file */\n"
    "    int fd = open(argv[2], O_RDONLY); char buf[16] = \"\";\n"
    "    pread(fd, buf, 11, 3 * PG + 5);\n"
    "    printf(\"exec child reads '%s'\\n\", buf);\n"
    "    return 0;\n"
    "  }\n"
    "  size_t big = argc > 1 ? (size_t)atoi(argv[1]) : 256; /* pages for the big pass, and MiB of private memory to push them out */\n"
    "  snprintf(path, sizeof path, \"/tmp/rs-shared-%d\", (int)getpid());\n"
    "  struct sigaction sa = {0}; sa.sa_sigaction = on_bus; sa.sa_flags = SA_SIGINFO; sigaction(SIGBUS, &sa, 0); sigaction(SIGSEGV, &sa, 0);\n"
    "  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);\n"
    "  /* write() then mmap sees the data */\n"
    "  char buf[3 * PG + 100];\n"
    "  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('a' + i % 26);\n"
    "  printf(\"write %zd\\n\", write(fd, buf, sizeof buf));\n"
    "  char *m = mmap(0, 5 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  printf(\"mmap %s\\n\", m == MAP_FAILED ? strerror(errno) : \"ok\");\n"
    "  printf(\"mapping equals file: %d\\n\", memcmp(m, buf, sizeof buf) == 0);\n"
    "  printf(\"bytes past EOF in the last page read %d\\n\", m[3 * PG + 200]);\n"
    "  show_maps(m);\n"
    "  /* a store through the mapping is seen by read(), and pwrite by the mapping */\n"
    "  memcpy(m + 100, \"STORED\", 6);\n"
    "  char got[8] = \"\"; pread(fd, got, 6, 100); printf(\"pread after store: %s\\n\", got);\n"
    "  pwrite(fd, \"PWRITE\", 6, 2 * PG + 7); printf(\"mapping after pwrite: %.6s\\n\", m + 2 * PG + 7);\n"
    "  /* another process's mapping */\n"
    "  fflush(stdout);\n"
    "  pid_t pid = fork();\n"
    "  if (pid == 0) {\n"
    "    int cfd = open(path, O_RDWR);\n"
    "    char *c = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);\n"
    "    memcpy(c + PG + 1, \"CHILD\", 5);\n"
    "    m[2] = 'Z'; /* the inherited mapping too */\n"
    "    _exit(memcmp(c + 100, \"STORED\", 6) == 0 ? 0 : 1);\n"
    "  }\n"
    "  int st; waitpid(pid, &st, 0);\n"
    "  printf(\"child %d, parent sees '%.5s' and '%c'\\n\", WEXITSTATUS(st), m + PG + 1, m[2]);\n"
    "  pread(fd, got, 5, PG + 1); got[5] = 0; printf(\"read sees '%s'\\n\", got);\n"
    "  /* a private mapping copies on write from the page cache */\n"
    "  char *priv = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);\n"
    "  printf(\"private sees '%.6s'\\n\", priv + 100);\n"
    "  pwrite(fd, \"LATER!\", 6, 100);\n"
    "  printf(\"private sees a later write to an untouched page: '%.6s'\\n\", priv + 100);\n"
    "  memcpy(priv + 100, \"MINE!!\", 6);\n"
    "  pread(fd, got, 6, 100); got[6] = 0;\n"
    "  printf(\"private store stays private: file '%s', private '%.6s', shared '%.6s'\\n\", got, priv + 100, m + 100);\n"
    "  pwrite(fd, \"AGAIN!\", 6, 100);\n"
    "  printf(\"after COW the private page keeps '%.6s'\\n\", priv + 100);\n"
    "  show_maps(priv);\n"
    "  /* SIGBUS past the end of the file (the file has 4 pages: page 4 is past it) */\n"
    "  int sig = probe(m + 4 * PG + 10, 0);\n"
    "  printf(\"read past EOF: signal %d code %d addr ok %d\\n\", sig, bus_code, bus_addr == m + 4 * PG + 10);\n"
    "  sig = probe(priv + 3 * PG + 50, 1);\n"
    "  printf(\"write in the last page: signal %d\\n\", sig);\n"
    "  /* truncate: pages past the new end fault with SIGBUS, the rest of the last page is zero */\n"
    "  ftruncate(fd, PG + 10);\n"
    "  sig = probe(m + 2 * PG, 0);\n"
    "  printf(\"after shrinking: page 2 signal %d code %d, byte %d of page 1 is %d, private page 2 signal %d\\n\", sig, bus_code, 20, m[PG + 20], probe(priv + 2 * PG, 0));\n"
    "  ftruncate(fd, 3 * PG);\n"
    "  printf(\"after growing: page 2 signal %d reads %d\\n\", probe(m + 2 * PG, 0), m[2 * PG + 1]);\n"
    "  signal(SIGBUS, SIG_DFL);\n"
    "  /* msync */\n"
    "  printf(\"msync sync %d async %d invalidate %d\\n\", msync(m, 3 * PG, MS_SYNC), msync(m + PG, 10, MS_ASYNC), msync(m, PG, MS_INVALIDATE | MS_SYNC));\n"
    "  errno = 0; { int rc = msync(m + 1, PG, MS_SYNC); printf(\"msync unaligned %d %s\\n\", rc, strerror(errno)); }\n"
    "  errno = 0; { int rc = msync(m, PG, MS_SYNC | MS_ASYNC); printf(\"msync both %d %s\\n\", rc, strerror(errno)); }\n"
    "  errno = 0; { int rc = msync(m, PG, 8); printf(\"msync bad flag %d %s\\n\", rc, strerror(errno)); }\n"
    "  errno = 0; printf(\"msync zero length %d\\n\", msync(m, 0, MS_SYNC));\n"
    "  void *hole = mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  munmap((char *)hole + PG, PG);\n"
    "  errno = 0; { int rc = msync(hole, 3 * PG, MS_SYNC); printf(\"msync over a hole %d %s\\n\", rc, strerror(errno)); }\n"
    "  /* rights */\n"
    "  int ro = open(path, O_RDONLY);\n"
    "  errno = 0; { void *rp_ = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0); printf(\"shared writable map of a read-only fd: %s\\n\", rp_ == MAP_FAILED ? strerror(errno) : \"mapped\"); }\n"
    "  char *r = mmap(0, PG, PROT_READ, MAP_SHARED, ro, 0);\n"
    "  errno = 0; { int rc = mprotect(r, PG, PROT_READ | PROT_WRITE); printf(\"mprotect it writable: %d %s\\n\", rc, strerror(errno)); }\n"
    "  char *rp = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);\n"
    "  printf(\"private writable map of a read-only fd: %s\\n\", rp == MAP_FAILED ? \"failed\" : \"ok\");\n"
    "  int wo = open(path, O_WRONLY);\n"
    "  errno = 0; { void *rp_ = mmap(0, PG, PROT_READ, MAP_SHARED, wo, 0); printf(\"map of a write-only fd: %s\\n\", rp_ == MAP_FAILED ? strerror(errno) : \"mapped\"); }\n"
    "  /* mprotect read-only: a store faults; back to writable: it works and reaches the file */\n"
    "  sigaction(SIGSEGV, &sa, 0);\n"
    "  mprotect(m, PG, PROT_READ);\n"
    "  printf(\"store to read-only shared page: signal %d\\n\", probe(m + 5, 1));\n"
    "  signal(SIGSEGV, SIG_DFL);\n"
    "  mprotect(m, PG, PROT_READ | PROT_WRITE);\n"
    "  m[5] = 'Q'; pread(fd, got, 1, 5); printf(\"after mprotect back: file has '%c'\\n\", got[0]);\n"
    "  /* munmap: the data stays in the file */\n"
    "  munmap(m, 5 * PG);\n"
    "  pread(fd, got, 5, PG + 1); got[5] = 0; printf(\"after munmap read sees '%s'\\n\", got);\n"
    "  /* execve: the mapping goes, the file keeps what was stored */\n"
    "  ftruncate(fd, 4 * PG);\n"
    "  char *e = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  memcpy(e + 3 * PG + 5, \"BEFORE-EXEC\", 11);\n"
    "  fflush(stdout);\n"
    "  pid = fork();\n"
    "  if (pid == 0) {\n"
    "    char *args[] = {argv[0], \"exec-check\", path, 0};\n"
    "    execv(\"/proc/self/exe\", args);\n"
    "    execv(argv[0], args);\n"
    "    _exit(127);\n"
    "  }\n"
    "  waitpid(pid, &st, 0);\n"
    "  printf(\"exec child status %d\\n\", WEXITSTATUS(st));\n"
    "  munmap(e, 4 * PG);\n"
    "  /* a big mapping; then private memory pushes its pages to the pagefile\n"
    "     (on a small machine) and they come back */\n"
    "  signal(SIGBUS, SIG_DFL); signal(SIGSEGV, SIG_DFL);\n"
    "  size_t push = argc > 2 ? (size_t)atoi(argv[2]) << 20 : 0;\n"
    "  ftruncate(fd, (off_t)big * PG);\n"
    "  uint64_t *w = mmap(0, big * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  for (size_t i = 0; i < big; i++) w[i * PG / 8 + (i % 500)] = i * 0x9E3779B97F4A7C15ull;\n"
    "  char *anon = push ? mmap(0, push, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : 0;\n"
    "  for (size_t i = 0; i < push; i += PG) anon[i] = (char)i;\n"
    "  size_t bad = 0;\n"
    "  for (size_t i = 0; i < big; i++) {\n"
    "    uint64_t v; pread(fd, &v, 8, (off_t)(i * PG + (i % 500) * 8));\n"
    "    bad += v != i * 0x9E3779B97F4A7C15ull || w[i * PG / 8 + (i % 500)] != v;\n"
    "  }\n"
    "  printf(\"big: %zu pages, %zu bad\\n\", big, bad);\n"
    "  unlink(path);\n"
    "  printf(\"done\\n\");\n"
    "  return 0;\n"
    "}\n";

/* mremap of shared anonymous memory: moved with its data, still shared with a child,
 * SIGBUS past the size it was created with (as Linux: the object keeps its size). */
static const char mremap_src[] =
    "#define _GNU_SOURCE\n"
    "#include <setjmp.h>\n"
    "#include <signal.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "static sigjmp_buf env;\n"
    "static void on(int s) { siglongjmp(env, s); }\n"
    "int main(void) {\n"
    "  signal(SIGBUS, on); signal(SIGSEGV, on);\n"
    "  char *p = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);\n"
    "  strcpy(p, \"hello\");\n"
    "  char *q = mremap(p, 2 * 4096, 16 * 4096, MREMAP_MAYMOVE);\n"
    "  printf(\"moved %d data %s\\n\", q != MAP_FAILED, q);\n"
    "  volatile int sig = sigsetjmp(env, 1);\n"
    "  if (!sig) q[5 * 4096] = 1;\n"
    "  printf(\"touch grown part: signal %d\\n\", sig);\n"
    "  fflush(stdout);\n"
    "  if (fork() == 0) { strcpy(q + 4096, \"child\"); _exit(0); }\n"
    "  wait(0); printf(\"parent sees %s\\n\", q + 4096);\n"
    "  char *r = mremap(q, 16 * 4096, 4096, 0);\n"
    "  printf(\"shrunk %d %s\\n\", r == q, r);\n"
    "  return 0;\n"
    "}\n";

/* Process-shared semaphores (futexes) in MAP_SHARED memory: a thousand ping-pongs
 * between parent and child. */
static const char sem_src[] =
    "#include <semaphore.h>\n"
    "#include <stdio.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "struct shared { sem_t ping, pong; int counter; };\n"
    "int main(void) {\n"
    "  struct shared *s = mmap(0, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);\n"
    "  sem_init(&s->ping, 1, 0); sem_init(&s->pong, 1, 0);\n"
    "  fflush(stdout);\n"
    "  if (fork() == 0) {\n"
    "    for (int i = 0; i < 1000; i++) { sem_wait(&s->ping); s->counter++; sem_post(&s->pong); }\n"
    "    _exit(0);\n"
    "  }\n"
    "  for (int i = 0; i < 1000; i++) { sem_post(&s->ping); sem_wait(&s->pong); }\n"
    "  wait(0);\n"
    "  printf(\"counter %d\\n\", s->counter);\n"
    "  return 0;\n"
    "}\n";

/* memfd_create, a 5 GB sparse file, a mapping of its end shared with a child,
 * fallocate (mode 0, KEEP_SIZE, PUNCH_HOLE), seals, a mapping outliving its descriptor,
 * a 5 GB sparse file in /tmp. */
static const char memfd_src[] =
    "#define _GNU_SOURCE\n"
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/stat.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "#define PG 4096\n"
    "#ifndef F_ADD_SEALS\n"
    "#define F_ADD_SEALS 1033\n"
    "#define F_GET_SEALS 1034\n"
    "#define F_SEAL_SEAL 1\n"
    "#define F_SEAL_SHRINK 2\n"
    "#define F_SEAL_GROW 4\n"
    "#define F_SEAL_WRITE 8\n"
    "#endif\n"
    "static int mfd(const char *name, unsigned flags) { return (int)syscall(SYS_memfd_create, name, flags); }\n"
    "static void say(const char *what, long rc) { printf(\"%s: %ld%s%s\\n\", what, rc, rc < 0 ? \" \" : \"\", rc < 0 ? strerror(errno) : \"\"); }\n"
    "static void maps_line(const void *addr) {\n"
    "  FILE *f = fopen(\"/proc/self/maps\", \"r\"); char line[512];\n"
    "  while (fgets(line, sizeof line, f)) {\n"
    "    unsigned long a; char perms[8], path[300] = \"\";\n"
    "    if (sscanf(line, \"%lx-%*x %7s %*s %*s %*s %299[^\\n]\", &a, perms, path) >= 2 && a == (unsigned long)addr)\n"
    "      printf(\"maps: %s %s\\n\", perms, path);\n"
    "  }\n"
    "  fclose(f);\n"
    "}\n"
    "int main(void) {\n"
    "  int fd = mfd(\"rs-test\", 1 /* MFD_CLOEXEC */ | 2 /* MFD_ALLOW_SEALING */);\n"
    "  printf(\"memfd ok %d, cloexec %d, flags rdwr %d\\n\", fd >= 0, fcntl(fd, F_GETFD) & FD_CLOEXEC, (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);\n"
    "  errno = 0; say(\"memfd bad flags\", mfd(\"x\", 0x100));\n"
    "  char longname[300]; memset(longname, 'n', sizeof longname); longname[299] = 0;\n"
    "  errno = 0; say(\"memfd long name\", mfd(longname, 0));\n"
    "  /* a 5 GB sparse file reads zeros */\n"
    "  long long five = 5ll << 30;\n"
    "  say(\"ftruncate 5 GB\", ftruncate(fd, five));\n"
    "  struct stat st; fstat(fd, &st); printf(\"size %lld\\n\", (long long)st.st_size);\n"
    "  char buf[8192]; memset(buf, 'x', sizeof buf);\n"
    "  say(\"pread at 4 GB\", pread(fd, buf, sizeof buf, 4ll << 30));\n"
    "  int zeros = 1; for (size_t i = 0; i < sizeof buf; i++) zeros &= buf[i] == 0; printf(\"zeros %d\\n\", zeros);\n"
    "  say(\"pwrite near the end\", pwrite(fd, \"tail\", 4, five - 4));\n"
    "  memset(buf, 0, sizeof buf);\n"
    "  say(\"pread the end\", pread(fd, buf, 100, five - 10)); printf(\"got %.*s\\n\", 4, buf + 6);\n"
    "  /* a mapping of the high part, shared with a child */\n"
    "  char *m = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, five - 2 * PG);\n"
    "  printf(\"mapped the end: %.4s\\n\", m + 2 * PG - 4);\n"
    "  maps_line(m);\n"
    "  fflush(stdout);\n"
    "  if (fork() == 0) { memcpy(m, \"from child\", 10); _exit(0); }\n"
    "  wait(0);\n"
    "  memset(buf, 0, sizeof buf); pread(fd, buf, 10, five - 2 * PG); printf(\"parent reads '%s'\\n\", buf);\n"
    "  /* fallocate */\n"
    "  errno = 0; say(\"punch without keep-size\", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PG));\n"
    "  errno = 0; say(\"fallocate zero length\", fallocate(fd, 0, 0, 0));\n"
    "  errno = 0; say(\"fallocate negative offset\", fallocate(fd, 0, -1, 10));\n"
    "  say(\"punch a hole in the mapping\", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, five - 2 * PG + 2, 5));\n"
    "  printf(\"mapping after punch: '%.10s' %d %d\\n\", m, m[2], m[6]);\n"
    "  memset(m, 'M', 2 * PG);\n"
    "  say(\"punch whole pages\", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, five - 2 * PG, PG));\n"
    "  printf(\"mapping after whole-page punch: %d %d, next page %c\\n\", m[0], m[PG - 1], m[PG]);\n"
    "  int fd2 = mfd(\"alloc\", 0);\n"
    "  say(\"fallocate mode 0\", fallocate(fd2, 0, 100, 3 * PG)); fstat(fd2, &st); printf(\"size %lld\\n\", (long long)st.st_size);\n"
    "  say(\"fallocate keep size\", fallocate(fd2, FALLOC_FL_KEEP_SIZE, 0, 10 * PG)); fstat(fd2, &st); printf(\"size %lld\\n\", (long long)st.st_size);\n"
    "  say(\"write\", write(fd2, \"hello\", 5));\n"
    "  say(\"fallocate inside\", fallocate(fd2, 0, 0, 10)); memset(buf, 0, 10); pread(fd2, buf, 5, 0); printf(\"data kept: %s\\n\", buf);\n"
    "  /* seals */\n"
    "  say(\"get seals (sealing allowed)\", fcntl(fd, F_GET_SEALS));\n"
    "  say(\"get seals (not allowed)\", fcntl(fd2, F_GET_SEALS));\n"
    "  errno = 0; say(\"add seals (not allowed)\", fcntl(fd2, F_ADD_SEALS, F_SEAL_SHRINK));\n"
    "  say(\"seal shrink+grow\", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));\n"
    "  errno = 0; say(\"shrink\", ftruncate(fd, PG));\n"
    "  errno = 0; say(\"grow\", ftruncate(fd, five + PG));\n"
    "  errno = 0; say(\"write past the end\", pwrite(fd, \"x\", 1, five));\n"
    "  say(\"write inside\", pwrite(fd, \"y\", 1, 0));\n"
    "  errno = 0; say(\"seal write while mapped\", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));\n"
    "  munmap(m, 2 * PG);\n"
    "  say(\"seal write\", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL));\n"
    "  errno = 0; say(\"write after seal\", pwrite(fd, \"y\", 1, 0));\n"
    "  errno = 0; { void *p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); say(\"shared writable map after seal\", p == MAP_FAILED ? -1 : 0); }\n"
    "  { void *p = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0); say(\"read-only map after seal\", p == MAP_FAILED ? -1 : 0); }\n"
    "  errno = 0; say(\"seal after F_SEAL_SEAL\", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));\n"
    "  say(\"get seals\", fcntl(fd, F_GET_SEALS));\n"
    "  int pfd[2]; pipe(pfd);\n"
    "  errno = 0; say(\"get seals of a pipe\", fcntl(pfd[0], F_GET_SEALS));\n"
    "  errno = 0; say(\"fallocate on a pipe\", fallocate(pfd[1], 0, 0, 10));\n"
    "  /* a mapping outlives its descriptor */\n"
    "  char *keep = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);\n"
    "  close(fd2);\n"
    "  memcpy(keep, \"still here\", 10); printf(\"after close: %.10s\\n\", keep);\n"
    "  maps_line(keep);\n"
    "  /* a /tmp file: sparse and big */\n"
    "  char path[64]; snprintf(path, sizeof path, \"/tmp/rs-sparse-%d\", (int)getpid());\n"
    "  int tf = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);\n"
    "  say(\"ftruncate /tmp file to 5 GB\", ftruncate(tf, five));\n"
    "  memset(buf, 1, sizeof buf); say(\"read its middle\", pread(tf, buf, sizeof buf, five / 2));\n"
    "  zeros = 1; for (size_t i = 0; i < sizeof buf; i++) zeros &= buf[i] == 0; printf(\"zeros %d\\n\", zeros);\n"
    "  close(tf);\n"
    "  chmod(path, 0700);\n"
    "  { char *args[] = {path, 0}; errno = 0; execv(path, args); say(\"execve of the sparse file\", -1); }\n"
    "  tf = open(path, O_RDWR);\n"
    "  say(\"ftruncate back\", ftruncate(tf, 10));\n"
    "  unlink(path);\n"
    "  return 0;\n"
    "}\n";

/* mincore residency, mlock/munlock/mlockall/munlockall; with argv[1] MiB of memory
 * pressure, the locked pages must all stay resident. */
static const char lock_src[] =
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/resource.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <unistd.h>\n"
    "#define PG 4096\n"
    "static void say(const char *what, long rc) { printf(\"%s: %ld%s%s\\n\", what, rc, rc < 0 ? \" \" : \"\", rc < 0 ? strerror(errno) : \"\"); }\n"
    "static void residency(const char *what, void *p, size_t pages) {\n"
    "  unsigned char v[64]; char s[65];\n"
    "  int rc = mincore(p, pages * PG, v);\n"
    "  for (size_t i = 0; i < pages; i++) s[i] = rc ? '?' : (v[i] & 1) ? '1' : '0';\n"
    "  s[pages] = 0; printf(\"%s: %s\\n\", what, s);\n"
    "}\n"
    "int main(int argc, char **argv) {\n"
    "  size_t push = argc > 1 ? (size_t)atoi(argv[1]) << 20 : 0, locked_pages = 256;\n"
    "  /* mincore: which pages are resident */\n"
    "  char *a = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  a[0] = 1; a[3 * PG] = 1; a[7 * PG + 5] = 1;\n"
    "  residency(\"private\", a, 8);\n"
    "  char *s = mmap(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);\n"
    "  s[PG] = 1; s[6 * PG] = 1;\n"
    "  residency(\"shared\", s, 8);\n"
    "  madvise(a, 4 * PG, MADV_DONTNEED);\n"
    "  residency(\"private after DONTNEED\", a, 8);\n"
    "  madvise(s, 8 * PG, MADV_DONTNEED);\n"
    "  residency(\"shared after DONTNEED (the page cache keeps them)\", s, 8);\n"
    "  unsigned char v[8];\n"
    "  errno = 0; say(\"mincore unaligned\", mincore(a + 1, PG, v));\n"
    "  munmap(a + 2 * PG, PG);\n"
    "  errno = 0; say(\"mincore over a hole\", mincore(a, 4 * PG, v));\n"
    "  errno = 0; say(\"mincore bad vector\", mincore(s, PG, (unsigned char *)8));\n"
    "  say(\"mincore zero length\", mincore(s, 0, v));\n"
    "  /* mlock */\n"
    "  char *l = mmap(0, locked_pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  residency(\"before mlock\", l, 8);\n"
    "  say(\"mlock\", mlock(l + 10, 5 * PG));\n"
    "  residency(\"after mlock of pages 0-5\", l, 8);\n"
    "  say(\"munlock\", munlock(l, 8 * PG));\n"
    "  say(\"mlock2 on fault\", syscall(SYS_mlock2, l + 8 * PG, 4 * PG, 1));\n"
    "  l[9 * PG] = 1;\n"
    "  residency(\"after mlock2(MLOCK_ONFAULT) and a touch of page 1\", l + 8 * PG, 4);\n"
    "  errno = 0; say(\"mlock2 bad flags\", syscall(SYS_mlock2, l + 8 * PG, 4 * PG, 2));\n"
    "  say(\"munlock\", munlock(l + 8 * PG, 4 * PG));\n"
    "  errno = 0; say(\"mlock over a hole\", mlock(a, 4 * PG));\n"
    "  errno = 0; say(\"mlockall(0)\", mlockall(0));\n"
    "  errno = 0; say(\"mlockall(MCL_ONFAULT)\", mlockall(4));\n"
    "  say(\"mlock all of it\", mlock(l, locked_pages * PG));\n"
    "  for (size_t i = 0; i < locked_pages * PG; i += 64) l[i] = (char)(i / 64 * 7);\n"
    "  struct rlimit r; getrlimit(RLIMIT_MEMLOCK, &r);\n"
    "  /* memory pressure: locked pages must stay resident */\n"
    "  char *p = push ? mmap(0, push, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : 0;\n"
    "  for (size_t i = 0; i < push; i += PG) p[i] = (char)(i >> 12);\n"
    "  for (size_t i = 0; i < push; i += PG) if (p[i] != (char)(i >> 12)) { printf(\"pushed data lost\\n\"); return 1; }\n"
    "  unsigned char *lv = malloc(locked_pages);\n"
    "  mincore(l, locked_pages * PG, lv);\n"
    "  size_t resident = 0; for (size_t i = 0; i < locked_pages; i++) resident += lv[i] & 1;\n"
    "  size_t bad = 0; for (size_t i = 0; i < locked_pages * PG; i += 64) bad += l[i] != (char)(i / 64 * 7);\n"
    "  printf(\"locked: %zu of %zu pages resident, %zu bad\\n\", resident, locked_pages, bad);\n"
    "  say(\"munlockall\", munlockall());\n"
    "  if (p) munmap(p, push);\n"
    "  say(\"mlockall current|future\", mlockall(MCL_CURRENT | MCL_FUTURE));\n"
    "  char *f = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  residency(\"a new mapping under MCL_FUTURE\", f, 4);\n"
    "  say(\"munlockall\", munlockall());\n"
    "  char *g = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "  residency(\"after munlockall\", g, 4);\n"
    "  return 0;\n"
    "}\n";

/* Random operations on one file (seeded): pwrite, ftruncate, punch, fallocate, stores
 * through a shared and a private mapping, pread; after each step the size, the result and
 * checksums of what read(), the shared and the private mapping see. */
static const char random_src[] =
    "#define _GNU_SOURCE\n"
    "#include <fcntl.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <unistd.h>\n"
    "#define MAX (64 * 1024)\n"
    "static uint64_t s = 88172645463325252ull;\n"
    "static uint64_t rnd(uint64_t n) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return n ? s % n : 0; }\n"
    "static uint32_t sum(const unsigned char *p, size_t n) { uint32_t h = 2166136261u; for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u; return h; }\n"
    "int main(void) {\n"
    "  int fd = (int)syscall(SYS_memfd_create, \"rnd\", 0);\n"
    "  unsigned char *m = mmap(0, MAX + 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  unsigned char *p = mmap(0, MAX + 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);\n"
    "  static unsigned char buf[MAX + 8192];\n"
    "  off_t size = 0;\n"
    "  for (int step = 0; step < 400; step++) {\n"
    "    int op = (int)rnd(8);\n"
    "    uint64_t off = rnd(MAX), len = rnd(MAX - off) + 1;\n"
    "    long rc = 0;\n"
    "    switch (op) {\n"
    "    case 0: for (uint64_t i = 0; i < len; i++) buf[i] = (unsigned char)rnd(256); rc = pwrite(fd, buf, len, (off_t)off); break;\n"
    "    case 1: rc = ftruncate(fd, (off_t)rnd(MAX)); break;\n"
    "    case 2: rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len); break;\n"
    "    case 3: rc = fallocate(fd, rnd(2) ? FALLOC_FL_KEEP_SIZE : 0, (off_t)off, (off_t)len); break;\n"
    "    case 4: if (size) { off = rnd((uint64_t)size); len = rnd((uint64_t)size - off) + 1; memset(m + off, (int)rnd(256), len); } break;\n"
    "    case 5: if (size) { off = rnd((uint64_t)size); len = rnd((uint64_t)size - off) + 1; memset(p + off, (int)rnd(256), len); } break;\n"
    "    case 6: rc = pread(fd, buf, len, (off_t)off); if (rc > 0) rc = sum(buf, (size_t)rc) & 0x7fffffff; break;\n"
    "    case 7: rc = (long)(sum(m, (size_t)size) & 0x7fffffff); break;\n"
    "    }\n"
    "    size = lseek(fd, 0, SEEK_END);\n"
    "    printf(\"%d %d %ld %ld %08x\\n\", step, op, rc, (long)size, size ? sum(p, (size_t)size) : 0);\n"
    "  }\n"
    "  return 0;\n"
    "}\n";

/* Hostile arguments to the new calls (kernel and non-canonical addresses, lengths
 * that wrap, huge offsets, bad flags): results and errno as Linux, and the kernel lives. */
static const char hostile_src[] =
    "#define _GNU_SOURCE\n"
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <unistd.h>\n"
    "#define K 0xffff800000001000ull\n"
    "#define NC 0x0000900000000000ull\n"
    "static void r(const char *what, long rc) { printf(\"%-40s %ld %d\\n\", what, rc, rc < 0 ? errno : 0); errno = 0; }\n"
    "int main(void) {\n"
    "  int fd = (int)syscall(SYS_memfd_create, \"h\", 0);\n"
    "  ftruncate(fd, 8192);\n"
    "  char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  uint64_t vals[] = {0, 1, 4096, K, NC, ~0ull, ~0ull - 4095, 1ull << 47, (1ull << 47) - 4096};\n"
    "  const char *names[] = {\"0\", \"1\", \"4096\", \"kernel\", \"noncanonical\", \"-1\", \"-4096\", \"2^47\", \"2^47-4096\"};\n"
    "  char buf[96];\n"
    "  for (int i = 0; i < 9; i++) {\n"
    "    for (int j = 0; j < 9; j++) {\n"
    "      snprintf(buf, sizeof buf, \"msync %s %s\", names[i], names[j]); r(buf, syscall(SYS_msync, vals[i], vals[j], MS_SYNC));\n"
    "      snprintf(buf, sizeof buf, \"mincore %s %s\", names[i], names[j]); r(buf, syscall(SYS_mincore, vals[i], vals[j], 0x10000000)); /* a fixed vector address: the result must not depend on where mmap put m */\n"
    "      snprintf(buf, sizeof buf, \"mincore vec %s len %s\", names[i], names[j]); r(buf, syscall(SYS_mincore, m, vals[j], vals[i]));\n"
    "      snprintf(buf, sizeof buf, \"mlock %s %s\", names[i], names[j]); r(buf, syscall(SYS_mlock, vals[i], vals[j]));\n"
    "      snprintf(buf, sizeof buf, \"munlock %s %s\", names[i], names[j]); r(buf, syscall(SYS_munlock, vals[i], vals[j]));\n"
    "      if (vals[j] <= 4096 && vals[i] <= 4096) { /* never allocate much: natively it would be real memory */\n"
    "        snprintf(buf, sizeof buf, \"fallocate off %s len %s\", names[i], names[j]); r(buf, syscall(SYS_fallocate, fd, 0, vals[i], vals[j]));\n"
    "      }\n"
    "      snprintf(buf, sizeof buf, \"punch off %s len %s\", names[i], names[j]); r(buf, syscall(SYS_fallocate, fd, 3, vals[i], vals[j]));\n"
    "      snprintf(buf, sizeof buf, \"mmap shared len %s off %s\", names[i], names[j]);\n"
    "      long p = syscall(SYS_mmap, 0, vals[i], PROT_READ, MAP_SHARED, fd, vals[j]);\n"
    "      r(buf, p < 0 && p > -4096 ? p : (p == -1 ? -1 : 0));\n"
    "      if (p > 0 || p < -4096) munmap((void *)p, vals[i]);\n"
    "    }\n"
    "    snprintf(buf, sizeof buf, \"memfd_create name %s\", names[i]); long f = syscall(SYS_memfd_create, vals[i], 0); r(buf, f < 0 ? f : 0); if (f > 0) close((int)f);\n"
    "    snprintf(buf, sizeof buf, \"memfd_create flags %s\", names[i]); f = syscall(SYS_memfd_create, \"x\", vals[i]); r(buf, f < 0 ? f : 0); if (f > 0) close((int)f);\n"
    "    snprintf(buf, sizeof buf, \"mlockall %s\", names[i]); r(buf, syscall(SYS_mlockall, vals[i])); munlockall();\n"
    "    snprintf(buf, sizeof buf, \"ftruncate %s\", names[i]); r(buf, syscall(SYS_ftruncate, fd, vals[i]));\n"
    "    snprintf(buf, sizeof buf, \"fallocate mode %s\", names[i]); r(buf, syscall(SYS_fallocate, fd, vals[i], 0, 10));\n"
    "    snprintf(buf, sizeof buf, \"add seals %s\", names[i]); r(buf, fcntl(fd, F_ADD_SEALS, (int)vals[i]));\n"
    "  }\n"
    "  printf(\"alive\\n\");\n"
    "  return 0;\n"
    "}\n";

/* /tmp is bounded by RAM like tmpfs: writing past it is ENOSPC (a store through a
 * shared mapping SIGBUS), never a panic, and unlinking gives the memory back. */
static const char full_src[] =
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <setjmp.h>\n"
    "#include <signal.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <unistd.h>\n"
    "#ifndef FALLOC_FL_KEEP_SIZE\n"
    "int fallocate(int, int, off_t, off_t);\n"
    "#endif\n"
    "static sigjmp_buf env;\n"
    "static void on_bus(int sig) { siglongjmp(env, sig); }\n"
    "int main(void) {\n"
    "  static char chunk[1 << 20];\n"
    "  memset(chunk, 'f', sizeof chunk);\n"
    "  int fd = open(\"/tmp/fill\", O_RDWR | O_CREAT | O_TRUNC, 0600);\n"
    "  long total = 0, rc;\n"
    "  while ((rc = write(fd, chunk, sizeof chunk)) > 0) total += rc;\n"
    "  long mib = total >> 20;\n"
    "  printf(\"write stopped: %s\\n\", rc < 0 ? strerror(errno) : \"end of file\");\n"
    "  errno = 0;\n"
    "  rc = fallocate(fd, 0, (off_t)mib << 20, 64 << 20);\n"
    "  printf(\"fallocate: %ld %s\\n\", rc, strerror(errno));\n"
    "  /* a store through a shared mapping of a hole when /tmp is full: SIGBUS */\n"
    "  ftruncate(fd, (off_t)(mib + 64) << 20);\n"
    "  char *m = mmap(0, (size_t)(mib + 64) << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  signal(SIGBUS, on_bus);\n"
    "  volatile int sig = sigsetjmp(env, 1);\n"
    "  if (!sig) { for (long i = 0; i < 64 << 20; i += 4096) m[((size_t)mib << 20) + 4096 + i] = 1; }\n"
    "  printf(\"store into a full /tmp: signal %d\\n\", sig);\n"
    "  munmap(m, (size_t)(mib + 64) << 20);\n"
    "  close(fd);\n"
    "  unlink(\"/tmp/fill\");\n"
    "  /* everything is back */\n"
    "  fd = open(\"/tmp/again\", O_RDWR | O_CREAT | O_TRUNC, 0600);\n"
    "  long again = 0;\n"
    "  for (int i = 0; i < 2; i++) again += write(fd, chunk, sizeof chunk);\n"
    "  printf(\"after unlink: wrote %ld MiB\\n\", again >> 20);\n"
    "  unlink(\"/tmp/again\");\n"
    "  printf(\"mib %ld\\n\", mib);\n"
    "  return 0;\n"
    "}\n";


/* The page cache as the rest of the kernel reaches it: a hard link reads
 * what a shared mapping stored; copy_file_range, sendfile and splice move
 * bytes into and out of mapped files and a memfd (the mappings see them);
 * a mapping's name follows a directory rename and says "(deleted)" once
 * unlinked; a memfd has no link and goes with its last descriptor (3000 of
 * them, more than the inode table holds); shared anonymous memory and
 * /dev/zero's are accounted as a whole by the overcommit check. */
static const char kernel_paths_src[] =
    "#define _GNU_SOURCE\n"
    "#include <errno.h>\n"
    "#include <fcntl.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <unistd.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/sendfile.h>\n"
    "#include <sys/stat.h>\n"
    "static void maps_line(void *addr, const char *dir) {\n"
    "  FILE *f = fopen(\"/proc/self/maps\", \"r\"); char line[512];\n"
    "  while (fgets(line, sizeof line, f)) {\n"
    "    unsigned long a; char path[300] = \"\";\n"
    "    sscanf(line, \"%lx-%*x %*s %*s %*s %*s %299[^\\n]\", &a, path);\n"
    "    size_t n = strlen(dir);\n"
    "    if ((void *)a == addr) printf(\"maps: %s\\n\", strncmp(path, dir, n) ? path : path + n);\n"
    "  }\n"
    "  fclose(f);\n"
    "}\n"
    "static void try_map(const char *what, size_t len, int prot, int flags, int fd) {\n"
    "  void *p = mmap(0, len, prot, flags, fd, 0);\n"
    "  printf(\"%-28s %s\\n\", what, p == MAP_FAILED ? strerror(errno) : \"ok\");\n"
    "  if (p != MAP_FAILED) munmap(p, len);\n"
    "}\n"
    "int main(void) {\n"
    "  char dir[64], a[96], b[96], sub[96], moved[96];\n"
    "  snprintf(dir, sizeof dir, \"/tmp/merge-%d\", (int)getpid());\n"
    "  snprintf(sub, sizeof sub, \"%s/d\", dir); snprintf(moved, sizeof moved, \"%s/e\", dir);\n"
    "  snprintf(a, sizeof a, \"%s/d/a\", dir); snprintf(b, sizeof b, \"%s/b\", dir);\n"
    "  if (mkdir(dir, 0700) || mkdir(sub, 0700)) { perror(\"mkdir\"); return 1; }\n"
    "  int fd = open(a, O_RDWR | O_CREAT | O_TRUNC, 0600);\n"
    "  ftruncate(fd, 3 * 4096);\n"
    "  char *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
    "  if (m == MAP_FAILED) { perror(\"mmap\"); return 1; }\n"
    "  memcpy(m, \"through the mapping\", 19);\n"
    "  /* a hard link reads the same page cache */\n"
    "  if (link(a, b)) perror(\"link\");\n"
    "  char buf[64] = {0};\n"
    "  int fb = open(b, O_RDONLY);\n"
    "  printf(\"link reads %zd [%s]\\n\", pread(fb, buf, 19, 0), buf);\n"
    "  /* copy_file_range into the mapped file: the mapping sees it */\n"
    "  loff_t in = 0, out = 4096;\n"
    "  ssize_t n = copy_file_range(fb, &in, fd, &out, 19, 0);\n"
    "  printf(\"copy_file_range %zd [%.19s] in %ld out %ld\\n\", n, m + 4096, (long)in, (long)out);\n"
    "  /* sendfile from the mapped file into a memfd; the memfd's mapping sees it */\n"
    "  int mfd = memfd_create(\"merge\", 0);\n"
    "  struct stat st; fstat(mfd, &st);\n"
    "  printf(\"memfd nlink %ld\\n\", (long)st.st_nlink);\n"
    "  off_t off = 4096;\n"
    "  n = sendfile(mfd, fd, &off, 19);\n"
    "  char *mm = mmap(0, 4096, PROT_READ, MAP_SHARED, mfd, 0);\n"
    "  printf(\"sendfile %zd [%.19s] off %ld\\n\", n, mm, (long)off);\n"
    "  /* splice through a pipe: from the memfd into the mapped file */\n"
    "  int p[2]; pipe(p);\n"
    "  loff_t o1 = 0, o2 = 8192;\n"
    "  n = splice(mfd, &o1, p[1], NULL, 19, 0);\n"
    "  ssize_t n2 = splice(p[0], NULL, fd, &o2, 19, 0);\n"
    "  printf(\"splice %zd %zd [%.19s]\\n\", n, n2, m + 8192);\n"
    "  /* a store through the mapping, sent to a pipe */\n"
    "  memcpy(m + 100, \"stored\", 6);\n"
    "  off = 100; n = sendfile(p[1], fd, &off, 6);\n"
    "  char r[8] = {0}; read(p[0], r, 6);\n"
    "  printf(\"sendfile to a pipe %zd [%s]\\n\", n, r);\n"
    "  /* the mapping's name follows a directory rename; unlinked: (deleted) */\n"
    "  if (rename(sub, moved)) perror(\"rename\");\n"
    "  maps_line(m, dir);\n"
    "  snprintf(a, sizeof a, \"%s/e/a\", dir);\n"
    "  unlink(a);\n"
    "  maps_line(m, dir);\n"
    "  fstat(fb, &st);\n"
    "  printf(\"after unlink: nlink %ld size %ld\\n\", (long)st.st_nlink, (long)st.st_size);\n"
    "  maps_line(mm, \"\");\n"
    "  munmap(m, 3 * 4096); munmap(mm, 4096); close(fd); close(fb); close(mfd); close(p[0]); close(p[1]);\n"
    "  unlink(b); rmdir(moved); rmdir(dir);\n"
    "  /* a memfd goes with its last descriptor */\n"
    "  int fails = 0;\n"
    "  for (int i = 0; i < 3000; i++) {\n"
    "    int f = memfd_create(\"x\", 0);\n"
    "    if (f < 0) { fails++; continue; }\n"
    "    write(f, \"x\", 1); close(f);\n"
    "  }\n"
    "  printf(\"3000 memfds: %d failed\\n\", fails);\n"
    "  /* overcommit: shared anonymous memory is accounted as a whole */\n"
    "  int zero = open(\"/dev/zero\", O_RDWR);\n"
    "  try_map(\"shared 1 TiB\", 1ul << 40, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);\n"
    "  try_map(\"shared read-only 1 TiB\", 1ul << 40, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1);\n"
    "  try_map(\"shared noreserve 1 TiB\", 1ul << 40, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1);\n"
    "  try_map(\"/dev/zero shared 1 TiB\", 1ul << 40, PROT_READ | PROT_WRITE, MAP_SHARED, zero);\n"
    "  try_map(\"/dev/zero private 1 TiB\", 1ul << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero);\n"
    "  try_map(\"private read-only 1 TiB\", 1ul << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);\n"
    "  try_map(\"shared 1 MiB\", 1ul << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);\n"
    "  return 0;\n"
    "}\n";

/* statfs of /tmp: tmpfs's size (half of RAM) and the pages its files
 * hold (a hole takes none), given back on unlink.  Guest only: the host's
 * tmpfs is shared with other programs. */
static const char statfs_src[] =
    "#include <fcntl.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <unistd.h>\n"
    "#include <sys/statfs.h>\n"
    "int main(void) {\n"
    "  struct statfs before, full, after;\n"
    "  statfs(\"/tmp\", &before);\n"
    "  int fd = open(\"/tmp/statfs-file\", O_RDWR | O_CREAT | O_TRUNC, 0600);\n"
    "  static char chunk[1 << 20];\n"
    "  memset(chunk, 7, sizeof chunk);\n"
    "  write(fd, chunk, sizeof chunk);\n"
    "  lseek(fd, 8 << 20, SEEK_SET); write(fd, chunk, 4096); /* a hole takes nothing */\n"
    "  fstatfs(fd, &full);\n"
    "  close(fd);\n"
    "  unlink(\"/tmp/statfs-file\");\n"
    "  statfs(\"/tmp\", &after);\n"
    "  printf(\"blocks %ld, used by the file %ld, free again %d, free <= blocks %d\\n\", (long)before.f_blocks,\n"
    "         (long)(before.f_bfree - full.f_bfree), after.f_bfree == before.f_bfree, before.f_bfree <= before.f_blocks);\n"
    "  return 0;\n"
    "}\n";

/* ---- helpers --------------------------------------------------------------- */

struct page_events {
    int outs, ins;            /* all page-outs / page-ins */
    int mmap_outs, mmap_ins;  /* of pages in the mmap region */
    int read_ins;             /* page-ins for read() (no user address: va 0) */
};

static bool count_page_events(void *ctx, const struct watch_event *w)
{
    struct page_events *pe = ctx;
    const struct os_event *ev = w->os;
    bool in_mmap = ev->page.va >= MMAP_LO && ev->page.va < MMAP_HI;
    if (ev->type == OSEV_PAGE_OUT) {
        pe->outs++;
        pe->mmap_outs += in_mmap;
    } else if (ev->type == OSEV_PAGE_IN) {
        pe->ins++;
        pe->mmap_ins += in_mmap;
        pe->read_ins += ev->page.va == 0;
    }
    return false;
}

/* Run natively and on a machine with ram bytes of RAM (0: the default);
 * stdout and status must agree.  Page events are counted into pe. */
static void same_as_native(const char *path, int argc, char **argv, uint64_t ram, struct page_events *pe)
{
    struct oracle_output nat = oracle_run_native(path, argc, argv, NULL, 0);
    struct machine *m = oracle_boot(path, argc, argv, (struct machine_config){.ram_size = ram});
    struct watcher watcher = {.on[WATCH_OS] = count_page_events, .ctx = pe};
    if (pe)
        ck_assert_int_eq(machine_attach(m, &watcher), 0);
    int64_t status = oracle_run_to_exit(m);
    size_t len;
    const char *out = oracle_console(m, &len);
    size_t i = 0;
    while (i < len && i < nat.len && out[i] == nat.out[i])
        i++;
    size_t from = i > 200 ? i - 200 : 0; /* the first difference, with the lines before it */
    ck_assert_msg(len == nat.len && i == len, "stdout differs at byte %zu\n--- ringscope:\n%.400s\n--- native:\n%.400s", i,
                  out + from, nat.out + from);
    ck_assert_int_eq(status, nat.status);
    oracle_output_free(&nat);
    machine_free(m);
}

static void both_libcs(const char *name, const char *src, int argc, char **argv)
{
    char glibc_name[64];
    snprintf(glibc_name, sizeof glibc_name, "%s_glibc", name);
    same_as_native(oracle_musl(name, src), argc, argv, 0, NULL);
    same_as_native(oracle_glibc(glibc_name, src), argc, argv, 0, NULL);
}

/* ---- shared anonymous memory ------------------------------------------------ */

START_TEST(shared_anonymous_memory_is_shared_with_children)
{
    char *args[] = {"4"};
    both_libcs("anon", anon_src, 1, args);
}
END_TEST

START_TEST(shared_anonymous_pages_survive_the_pagefile)
{
    /* 24 MiB shared between parent and child on an 8 MiB machine: the pages
     * must be written to the pagefile and read back, data intact. */
    char *args[] = {"24"};
    struct page_events pe = {0};
    same_as_native(oracle_musl("anon", anon_src), 1, args, SMALL_RAM, &pe);
    ck_assert_int_gt(pe.mmap_outs, 1000);
    ck_assert_int_gt(pe.mmap_ins, 1000);
    struct page_events pg = {0};
    same_as_native(oracle_glibc("anon_glibc", anon_src), 1, args, SMALL_RAM, &pg);
    ck_assert_int_gt(pg.mmap_outs, 1000);
    ck_assert_int_gt(pg.mmap_ins, 1000);
}
END_TEST

START_TEST(mremap_moves_shared_memory)
{
    both_libcs("mremap", mremap_src, 0, NULL);
}
END_TEST

START_TEST(process_shared_semaphores_in_shared_memory)
{
    both_libcs("sem", sem_src, 0, NULL);
}
END_TEST

/* ---- shared file mappings ------------------------------------------------------ */

START_TEST(shared_file_mappings_share_the_page_cache)
{
    both_libcs("file", file_src, 0, NULL);
}
END_TEST

START_TEST(shared_file_pages_survive_the_pagefile)
{
    /* 700 pages of a /tmp file mapped shared, then 10 MiB of private memory
     * on an 8 MiB machine: file pages go to the pagefile (owned by the file)
     * and come back for read() and for the mapping. */
    char *args[] = {"700", "10"};
    struct page_events pe = {0};
    same_as_native(oracle_musl("file", file_src), 2, args, SMALL_RAM, &pe);
    ck_assert_int_gt(pe.mmap_outs, 100);
    ck_assert_int_gt(pe.read_ins, 100);
    struct page_events pg = {0};
    same_as_native(oracle_glibc("file_glibc", file_src), 2, args, SMALL_RAM, &pg);
    ck_assert_int_gt(pg.mmap_outs, 100);
    ck_assert_int_gt(pg.read_ins, 100);
}
END_TEST

START_TEST(memfd_sparse_files_fallocate_and_seals)
{
    both_libcs("memfd", memfd_src, 0, NULL);
}
END_TEST

/* ---- residency and locking ------------------------------------------------------- */

START_TEST(mincore_and_mlock_like_linux)
{
    char *args[] = {"0"};
    both_libcs("lock", lock_src, 1, args);
}
END_TEST

START_TEST(locked_pages_are_never_evicted)
{
    /* 1 MiB locked, then 16 MiB of other memory on an 8 MiB machine: the
     * program's mincore must still see all 256 locked pages resident. */
    char *args[] = {"16"};
    struct page_events pe = {0};
    same_as_native(oracle_musl("lock", lock_src), 1, args, SMALL_RAM, &pe);
    ck_assert_int_gt(pe.outs, 1000);
    struct page_events pg = {0};
    same_as_native(oracle_glibc("lock_glibc", lock_src), 1, args, SMALL_RAM, &pg);
    ck_assert_int_gt(pg.outs, 1000);
}
END_TEST

START_TEST(random_file_operations_agree_with_linux)
{
    both_libcs("random", random_src, 0, NULL);
}
END_TEST

START_TEST(hostile_arguments_get_linux_errors)
{
    both_libcs("hostile", hostile_src, 0, NULL);
}
END_TEST

/* ---- /tmp is bounded by RAM --------------------------------------------------------- */

START_TEST(a_full_tmp_is_enospc_not_a_panic)
{
    /* Not compared with native (it would fill the host's disk): the guest
     * alone must say ENOSPC, SIGBUS for a store, and recover after unlink. */
    const char *exe = oracle_musl("full", full_src);
    struct machine *m = oracle_boot(exe, 0, NULL, (struct machine_config){.ram_size = 32ull << 20});
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    const char *out = oracle_console(m, NULL);
    const char *want = "write stopped: No space left on device\n"
                       "fallocate: -1 No space left on device\n"
                       "store into a full /tmp: signal 7\n"
                       "after unlink: wrote 2 MiB\n";
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got:\n%s", out);
    long mib = strtol(out + strlen(want) + strlen("mib "), NULL, 10);
    /* like tmpfs's default size: about half of the 32 MiB of RAM */
    ck_assert_int_ge(mib, 10);
    ck_assert_int_le(mib, 16);
    machine_free(m);
}
END_TEST

START_TEST(sendfile_splice_links_and_names_reach_the_page_cache)
{
    both_libcs("paths", kernel_paths_src, 0, NULL);
}
END_TEST

START_TEST(statfs_counts_tmp_pages)
{
    const char *exe = oracle_musl("statfs", statfs_src);
    struct machine *m = oracle_boot(exe, 0, NULL, (struct machine_config){.ram_size = 32ull << 20});
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    const char *out = oracle_console(m, NULL);
    long blocks = 0, used = 0;
    int free_again = 0, below = 0;
    ck_assert_msg(sscanf(out, "blocks %ld, used by the file %ld, free again %d, free <= blocks %d", &blocks, &used,
                         &free_again, &below) == 4, "got:\n%s", out);
    /* half of the 32 MiB less what the kernel keeps; 1 MiB and one page of data */
    ck_assert_int_ge(blocks, (10 << 20) / 4096);
    ck_assert_int_le(blocks, (16 << 20) / 4096);
    ck_assert_int_eq(used, 257);
    ck_assert_int_eq(free_again, 1);
    ck_assert_int_eq(below, 1);
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernel_shared");
    TCase *shared = tcase_create("shared");
    tcase_set_timeout(shared, 300);
    tcase_add_checked_fixture(shared, NULL, oracle_cleanup);
    tcase_add_test(shared, shared_anonymous_memory_is_shared_with_children);
    tcase_add_test(shared, shared_anonymous_pages_survive_the_pagefile);
    tcase_add_test(shared, mremap_moves_shared_memory);
    tcase_add_test(shared, process_shared_semaphores_in_shared_memory);
    tcase_add_test(shared, shared_file_mappings_share_the_page_cache);
    tcase_add_test(shared, shared_file_pages_survive_the_pagefile);
    tcase_add_test(shared, memfd_sparse_files_fallocate_and_seals);
    tcase_add_test(shared, mincore_and_mlock_like_linux);
    tcase_add_test(shared, locked_pages_are_never_evicted);
    tcase_add_test(shared, random_file_operations_agree_with_linux);
    tcase_add_test(shared, hostile_arguments_get_linux_errors);
    tcase_add_test(shared, a_full_tmp_is_enospc_not_a_panic);
    tcase_add_test(shared, sendfile_splice_links_and_names_reach_the_page_cache);
    tcase_add_test(shared, statfs_counts_tmp_pages);
    suite_add_tcase(s, shared);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    oracle_cleanup();
    return failed ? 1 : 0;
}
