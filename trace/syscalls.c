/* syscalls.c — Linux x86-64 call names, errno names and argument decoding
 * (syscalls.h).  Numbers, names and argument shapes come from
 * os/abi/linux_syscalls.def, the table the guest kernel dispatches with. */
#include "syscalls.h"

#include "../os/abi/syscalls.h"
#include "sysflags.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const call_names[SYSCALL_MAX_NR + 1] = {
#define LINUX_SYSCALL(nr, name, args) [nr] = #name,
#include "../os/abi/linux_syscalls.def"
#undef LINUX_SYSCALL
};

static const char *const errno_names[] = {
    [1] = "EPERM",
    [2] = "ENOENT",
    [3] = "ESRCH",
    [4] = "EINTR",
    [5] = "EIO",
    [6] = "ENXIO",
    [7] = "E2BIG",
    [8] = "ENOEXEC",
    [9] = "EBADF",
    [10] = "ECHILD",
    [11] = "EAGAIN",
    [12] = "ENOMEM",
    [13] = "EACCES",
    [14] = "EFAULT",
    [15] = "ENOTBLK",
    [16] = "EBUSY",
    [17] = "EEXIST",
    [18] = "EXDEV",
    [19] = "ENODEV",
    [20] = "ENOTDIR",
    [21] = "EISDIR",
    [22] = "EINVAL",
    [23] = "ENFILE",
    [24] = "EMFILE",
    [25] = "ENOTTY",
    [26] = "ETXTBSY",
    [27] = "EFBIG",
    [28] = "ENOSPC",
    [29] = "ESPIPE",
    [30] = "EROFS",
    [31] = "EMLINK",
    [32] = "EPIPE",
    [33] = "EDOM",
    [34] = "ERANGE",
    [35] = "EDEADLK",
    [36] = "ENAMETOOLONG",
    [37] = "ENOLCK",
    [38] = "ENOSYS",
    [39] = "ENOTEMPTY",
    [40] = "ELOOP",
    [42] = "ENOMSG",
    [43] = "EIDRM",
    [44] = "ECHRNG",
    [45] = "EL2NSYNC",
    [46] = "EL3HLT",
    [47] = "EL3RST",
    [48] = "ELNRNG",
    [49] = "EUNATCH",
    [50] = "ENOCSI",
    [51] = "EL2HLT",
    [52] = "EBADE",
    [53] = "EBADR",
    [54] = "EXFULL",
    [55] = "ENOANO",
    [56] = "EBADRQC",
    [57] = "EBADSLT",
    [59] = "EBFONT",
    [60] = "ENOSTR",
    [61] = "ENODATA",
    [62] = "ETIME",
    [63] = "ENOSR",
    [64] = "ENONET",
    [65] = "ENOPKG",
    [66] = "EREMOTE",
    [67] = "ENOLINK",
    [68] = "EADV",
    [69] = "ESRMNT",
    [70] = "ECOMM",
    [71] = "EPROTO",
    [72] = "EMULTIHOP",
    [73] = "EDOTDOT",
    [74] = "EBADMSG",
    [75] = "EOVERFLOW",
    [76] = "ENOTUNIQ",
    [77] = "EBADFD",
    [78] = "EREMCHG",
    [79] = "ELIBACC",
    [80] = "ELIBBAD",
    [81] = "ELIBSCN",
    [82] = "ELIBMAX",
    [83] = "ELIBEXEC",
    [84] = "EILSEQ",
    [85] = "ERESTART",
    [86] = "ESTRPIPE",
    [87] = "EUSERS",
    [88] = "ENOTSOCK",
    [89] = "EDESTADDRREQ",
    [90] = "EMSGSIZE",
    [91] = "EPROTOTYPE",
    [92] = "ENOPROTOOPT",
    [93] = "EPROTONOSUPPORT",
    [94] = "ESOCKTNOSUPPORT",
    [95] = "ENOTSUP",
    [96] = "EPFNOSUPPORT",
    [97] = "EAFNOSUPPORT",
    [98] = "EADDRINUSE",
    [99] = "EADDRNOTAVAIL",
    [100] = "ENETDOWN",
    [101] = "ENETUNREACH",
    [102] = "ENETRESET",
    [103] = "ECONNABORTED",
    [104] = "ECONNRESET",
    [105] = "ENOBUFS",
    [106] = "EISCONN",
    [107] = "ENOTCONN",
    [108] = "ESHUTDOWN",
    [109] = "ETOOMANYREFS",
    [110] = "ETIMEDOUT",
    [111] = "ECONNREFUSED",
    [112] = "EHOSTDOWN",
    [113] = "EHOSTUNREACH",
    [114] = "EALREADY",
    [115] = "EINPROGRESS",
    [116] = "ESTALE",
    [117] = "EUCLEAN",
    [118] = "ENOTNAM",
    [119] = "ENAVAIL",
    [120] = "EISNAM",
    [121] = "EREMOTEIO",
    [122] = "EDQUOT",
    [123] = "ENOMEDIUM",
    [124] = "EMEDIUMTYPE",
    [125] = "ECANCELED",
    [126] = "ENOKEY",
    [127] = "EKEYEXPIRED",
    [128] = "EKEYREVOKED",
    [129] = "EKEYREJECTED",
    [130] = "EOWNERDEAD",
    [131] = "ENOTRECOVERABLE",
    [132] = "ERFKILL",
};

const char *syscall_name(uint64_t nr)
{
#define RS_CALL_NAME(number, name) \
    if (nr == (number))            \
        return #name;
    RS_SYSCALLS(RS_CALL_NAME)
#undef RS_CALL_NAME
    return nr <= SYSCALL_MAX_NR ? call_names[nr] : NULL;
}

const char *errno_name(uint64_t e)
{
    return e < sizeof errno_names / sizeof errno_names[0] ? errno_names[e] : NULL;
}

struct text {
    char *buf;
    size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t)n < t->cap ? t->len + (size_t)n : t->cap - 1;
}

static void put_str(struct text *t, const char *s)
{
    put(t, "%s", s);
}

/* strace's escapes: \t \n \v \f \r \" \\, printable ASCII as itself, any
 * other byte in octal, as short as the next character allows (a digit
 * after it forces three digits). */
static void put_escaped(struct text *t, uint8_t c, uint8_t next, bool has_next)
{
    switch (c) {
    case '\t': put_str(t, "\\t"); return;
    case '\n': put_str(t, "\\n"); return;
    case '\v': put_str(t, "\\v"); return;
    case '\f': put_str(t, "\\f"); return;
    case '\r': put_str(t, "\\r"); return;
    case '"': put_str(t, "\\\""); return;
    case '\\': put_str(t, "\\\\"); return;
    default: break;
    }
    if (c >= 0x20 && c < 0x7f) {
        put(t, "%c", c);
        return;
    }
    if (has_next && next >= '0' && next <= '7')
        put(t, "\\%03o", c);
    else
        put(t, "\\%o", c);
}

size_t format_guest_string(uint64_t va, size_t len, bool stop_at_nul, size_t max,
                           guest_read_fn read, void *ctx, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    if (!cap)
        return 0;
    buf[0] = 0;
    uint8_t bytes[4097];
    size_t want = len < max ? len : max;
    if (want > sizeof bytes - 1)
        want = sizeof bytes - 1;
    /* One more byte than shown: it says whether the string goes on. */
    size_t got = 0;
    size_t ask = want < len ? want + 1 : want;
    while (got < ask && read(ctx, va + got, &bytes[got], 1)) {
        if (stop_at_nul && bytes[got] == 0)
            break;
        got++;
    }
    bool ended = got < ask && (stop_at_nul && read(ctx, va + got, &bytes[got], 1) && !bytes[got]);
    if (got == 0 && !ended && want > 0) {
        put(&t, "<unmapped at 0x%llx>", (unsigned long long)va);
        return t.len;
    }
    size_t shown = got < want ? got : want;
    put_str(&t, "\"");
    for (size_t i = 0; i < shown; i++)
        put_escaped(&t, bytes[i], i + 1 < shown ? bytes[i + 1] : 0, i + 1 < shown);
    put_str(&t, "\"");
    if (!ended && got < want) {
        put(&t, "<unmapped at 0x%llx>", (unsigned long long)(va + got));
        return t.len;
    }
    if (shown == want && want < len && got > want)
        put_str(&t, "...");
    return t.len;
}

/* ---- flag words and enums ---- */

/* Names of the set bits in table order, then what no name covered in hex;
 * `zero` (or "0") when v is 0. */
static void put_flags(struct text *t, const struct sys_name *table, uint64_t v, const char *zero)
{
    if (!v) {
        put_str(t, zero ? zero : "0");
        return;
    }
    bool first = true;
    for (; table->name; table++) {
        if (table->value && (v & table->value) == table->value) {
            put(t, "%s%s", first ? "" : "|", table->name);
            v &= ~table->value;
            first = false;
        }
    }
    if (v)
        put(t, "%s%#llx", first ? "" : "|", (unsigned long long)v);
}

static void put_enum(struct text *t, const struct sys_name *table, uint64_t v, const char *unknown_fmt)
{
    const char *n = sys_lookup(table, v);
    if (n)
        put_str(t, n);
    else
        put(t, unknown_fmt, (unsigned long long)v);
}

static void put_pointer(struct text *t, uint64_t p)
{
    if (p)
        put(t, "%#llx", (unsigned long long)p);
    else
        put_str(t, "NULL");
}

static void put_signal(struct text *t, uint64_t sig)
{
    char name[24];
    sys_signal_name(sig, name, sizeof name);
    put_str(t, name);
}

static void put_open_flags(struct text *t, uint64_t v)
{
    put_str(t, sys_lookup(sys_open_access, v & 3));
    v &= ~3ull;
    if (v) {
        put_str(t, "|");
        put_flags(t, sys_open_flags, v, NULL);
    }
}

static void put_mmap_flags(struct text *t, uint64_t v)
{
    const char *type = sys_lookup(sys_map_types, v & 0xf);
    if (type)
        put_str(t, type);
    else
        put(t, "%#llx", (unsigned long long)(v & 0xf));
    v &= ~0xfull;
    if (v) {
        put_str(t, "|");
        put_flags(t, sys_map_flags, v, NULL);
    }
}

/* ---- guest structures (x86-64 layouts) ---- */

struct reader {
    guest_read_fn read;
    void *ctx;
};

static bool get64(const struct reader *r, uint64_t va, uint64_t *v)
{
    return r->read(r->ctx, va, v, 8);
}

/* A signal set: [INT TERM], or ~[...] when more than half the signals are
 * in it (as strace shows it); bytes: its size (8 on x86-64). */
static void put_sigset_value(struct text *t, uint64_t set, unsigned bytes)
{
    unsigned nsig = bytes >= 8 ? 64 : bytes * 8;
    uint64_t all = nsig == 64 ? ~0ull : ((1ull << nsig) - 1);
    set &= all;
    bool invert = __builtin_popcountll(set) > (int)nsig / 2;
    if (invert) {
        put_str(t, "~");
        set = ~set & all;
    }
    put_str(t, "[");
    bool first = true;
    for (unsigned i = 0; i < nsig; i++) {
        if (!(set & (1ull << i)))
            continue;
        char name[24];
        sys_signal_name(i + 1, name, sizeof name);
        put(t, "%s%s", first ? "" : " ", name + 3); /* without "SIG" */
        first = false;
    }
    put_str(t, "]");
}

static void put_sigset(struct text *t, const struct reader *r, uint64_t va, uint64_t size)
{
    uint64_t set = 0;
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    unsigned bytes = size < 8 ? (unsigned)size : 8;
    if (!bytes || !r->read(r->ctx, va, &set, bytes)) {
        put_pointer(t, va);
        return;
    }
    put_sigset_value(t, set, bytes);
}

static void put_timespec(struct text *t, const struct reader *r, uint64_t va)
{
    uint64_t sec, nsec;
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    if (!get64(r, va, &sec) || !get64(r, va + 8, &nsec)) {
        put_pointer(t, va);
        return;
    }
    put(t, "{tv_sec=%lld, tv_nsec=%lld}", (long long)sec, (long long)nsec);
}

/* struct kernel_sigaction: handler, flags, restorer, mask (8 bytes each). */
static void put_sigaction(struct text *t, const struct reader *r, uint64_t va)
{
    uint64_t h, flags, restorer, mask;
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    if (!get64(r, va, &h) || !get64(r, va + 8, &flags) || !get64(r, va + 16, &restorer) ||
        !get64(r, va + 24, &mask)) {
        put_pointer(t, va);
        return;
    }
    put_str(t, "{sa_handler=");
    if (h == 0)
        put_str(t, "SIG_DFL");
    else if (h == 1)
        put_str(t, "SIG_IGN");
    else
        put(t, "%#llx", (unsigned long long)h);
    put_str(t, ", sa_mask=");
    put_sigset_value(t, mask, 8);
    put_str(t, ", sa_flags=");
    put_flags(t, sys_sa_flags, flags, NULL);
    if (flags & 0x04000000) /* SA_RESTORER */
        put(t, ", sa_restorer=%#llx", (unsigned long long)restorer);
    put_str(t, "}");
}

/* st_mode: the file type, the set-id bits, the permissions in octal. */
static void put_file_mode(struct text *t, uint32_t mode)
{
    static const struct sys_name types[] = {
        {0140000, "S_IFSOCK"}, {0120000, "S_IFLNK"}, {0100000, "S_IFREG"}, {060000, "S_IFBLK"},
        {040000, "S_IFDIR"}, {020000, "S_IFCHR"}, {010000, "S_IFIFO"}, {0, NULL}};
    const char *type = sys_lookup(types, mode & 0170000);
    if (type)
        put(t, "%s|", type);
    if (mode & 04000) put_str(t, "S_ISUID|");
    if (mode & 02000) put_str(t, "S_ISGID|");
    if (mode & 01000) put_str(t, "S_ISVTX|");
    put(t, "%#o", mode & 0777);
}

/* struct stat (x86-64): st_mode at 24, st_rdev at 40, st_size at 48.
 * strace's short form: the mode, then the size or the device numbers. */
static void put_stat(struct text *t, const struct reader *r, uint64_t va)
{
    uint32_t mode;
    uint64_t rdev, size;
    if (!r->read(r->ctx, va + 24, &mode, 4) || !get64(r, va + 40, &rdev) ||
        !get64(r, va + 48, &size)) {
        put_pointer(t, va);
        return;
    }
    put_str(t, "{st_mode=");
    put_file_mode(t, mode);
    if ((mode & 0170000) == 020000 || (mode & 0170000) == 060000) {
        /* Linux's new_encode_dev: major in bits 8..19, minor in 0..7 and 20..31. */
        unsigned major = (unsigned)((rdev >> 8) & 0xfff);
        unsigned minor = (unsigned)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));
        put(t, ", st_rdev=makedev(%#x, %#x)", major, minor);
    } else {
        put(t, ", st_size=%lld", (long long)size);
    }
    put_str(t, ", ...}");
}

/* struct iovec[count]: base and length; shown bytes: at most `budget` in
 * all (an output vector shows what the call filled: the result). */
static void put_iovecs(struct text *t, const struct reader *r, uint64_t va, uint64_t count,
                       uint64_t budget, bool show_data)
{
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    put_str(t, "[");
    for (uint64_t i = 0; i < count; i++) {
        if (i == 32) {
            put_str(t, ", ...");
            break;
        }
        uint64_t base, len;
        if (!get64(r, va + 16 * i, &base) || !get64(r, va + 16 * i + 8, &len)) {
            put(t, "%s%#llx", i ? ", " : "", (unsigned long long)(va + 16 * i));
            break;
        }
        put(t, "%s{iov_base=", i ? ", " : "");
        if (show_data) {
            uint64_t n = len < budget ? len : budget;
            budget -= n;
            t->len += format_guest_string(base, n, false, 32, r->read, r->ctx, t->buf + t->len,
                                          t->cap - t->len);
        } else {
            put_pointer(t, base);
        }
        put(t, ", iov_len=%llu}", (unsigned long long)len);
    }
    put_str(t, "]");
}

/* struct pollfd[count] {int fd; short events, revents;}: the requests, or
 * (returned) the ready ones with their revents. */
static void put_pollfds(struct text *t, const struct reader *r, uint64_t va, uint64_t count,
                        bool returned)
{
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    put_str(t, "[");
    bool first = true;
    for (uint64_t i = 0; i < count && i < 64; i++) {
        struct {
            int32_t fd;
            int16_t events, revents;
        } p;
        if (!r->read(r->ctx, va + 8 * i, &p, 8))
            break;
        if (returned && !p.revents)
            continue;
        put(t, "%s{fd=%d, %s=", first ? "" : ", ", p.fd, returned ? "revents" : "events");
        put_flags(t, sys_poll_events, (uint16_t)(returned ? p.revents : p.events), NULL);
        put_str(t, "}");
        first = false;
    }
    put_str(t, "]");
}

/* char *const argv[]: ["ls", "-l"] (at most 32 shown). */
static void put_string_array(struct text *t, const struct reader *r, uint64_t va)
{
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    put_str(t, "[");
    for (unsigned i = 0;; i++) {
        uint64_t s;
        if (!get64(r, va + 8 * i, &s)) {
            put_str(t, i ? ", ...]" : "]");
            return;
        }
        if (!s)
            break;
        if (i == 32) {
            put_str(t, ", ...");
            break;
        }
        if (i)
            put_str(t, ", ");
        t->len += format_guest_string(s, 4096, true, 32, r->read, r->ctx, t->buf + t->len,
                                      t->cap - t->len);
    }
    put_str(t, "]");
}

/* envp: its address and how many strings it holds, as strace abbreviates it. */
static void put_env_count(struct text *t, const struct reader *r, uint64_t va)
{
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    unsigned n = 0;
    uint64_t s;
    while (n < 4096 && get64(r, va + 8 * n, &s) && s)
        n++;
    put(t, "%#llx /* %u var%s */", (unsigned long long)va, n, n == 1 ? "" : "s");
}

/* An rlimit value as strace prints it: RLIM64_INFINITY, a multiple of
 * 1024 as N*1024, else decimal. */
static void put_rlim_value(struct text *t, uint64_t v)
{
    if (v == UINT64_MAX)
        put_str(t, "RLIM64_INFINITY");
    else if (v > 1024 && v % 1024 == 0)
        put(t, "%llu*1024", (unsigned long long)(v / 1024));
    else
        put(t, "%llu", (unsigned long long)v);
}

/* struct rlimit {rlim_cur, rlim_max} (8 bytes each). */
static void put_rlimit(struct text *t, const struct reader *r, uint64_t va)
{
    uint64_t cur, max;
    if (!va) {
        put_str(t, "NULL");
        return;
    }
    if (!get64(r, va, &cur) || !get64(r, va + 8, &max)) {
        put_pointer(t, va);
        return;
    }
    put_str(t, "{rlim_cur=");
    put_rlim_value(t, cur);
    put_str(t, ", rlim_max=");
    put_rlim_value(t, max);
    put_str(t, "}");
}

/* struct utsname: six char[65]; strace's short form shows two. */
static void put_utsname(struct text *t, const struct reader *r, uint64_t va)
{
    put_str(t, "{sysname=");
    t->len += format_guest_string(va, 65, true, 65, r->read, r->ctx, t->buf + t->len,
                                  t->cap - t->len);
    put_str(t, ", nodename=");
    t->len += format_guest_string(va + 65, 65, true, 65, r->read, r->ctx, t->buf + t->len,
                                  t->cap - t->len);
    put_str(t, ", ...}");
}

/* struct sysinfo (x86-64): uptime, loads[3], totalram, freeram, sharedram,
 * bufferram, totalswap, freeswap (8 bytes each from 0), procs (u16 at 80),
 * totalhigh (88), freehigh (96), mem_unit (u32 at 104). */
static void put_sysinfo(struct text *t, const struct reader *r, uint64_t va)
{
    uint64_t q[13];
    uint16_t procs;
    uint32_t unit;
    for (unsigned i = 0; i < 13; i++) {
        if (!get64(r, va + 8 * i, &q[i])) {
            put_pointer(t, va);
            return;
        }
    }
    if (!r->read(r->ctx, va + 80, &procs, 2) || !r->read(r->ctx, va + 104, &unit, 4)) {
        put_pointer(t, va);
        return;
    }
    put(t,
        "{uptime=%lld, loads=[%llu, %llu, %llu], totalram=%llu, freeram=%llu, sharedram=%llu, "
        "bufferram=%llu, totalswap=%llu, freeswap=%llu, procs=%u, totalhigh=%llu, "
        "freehigh=%llu, mem_unit=%u}",
        (long long)q[0], (unsigned long long)q[1], (unsigned long long)q[2],
        (unsigned long long)q[3], (unsigned long long)q[4], (unsigned long long)q[5],
        (unsigned long long)q[6], (unsigned long long)q[7], (unsigned long long)q[8],
        (unsigned long long)q[9], (unsigned)procs, (unsigned long long)q[11],
        (unsigned long long)q[12], (unsigned)unit);
}

/* A wait status (Linux's encoding: bits 0-6 the terminating signal, 7 the
 * core dump, 8-15 the exit code or stop signal; 0xffff continued), as
 * strace shows it: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]. */
static void put_wait_status(struct text *t, const struct reader *r, uint64_t va)
{
    uint32_t s;
    if (!r->read(r->ctx, va, &s, 4)) {
        put_pointer(t, va);
        return;
    }
    char sig[24];
    put_str(t, "[{");
    if ((s & 0x7f) == 0) {
        put(t, "WIFEXITED(s) && WEXITSTATUS(s) == %u", (s >> 8) & 0xff);
    } else if ((s & 0xff) == 0x7f) {
        sys_signal_name((s >> 8) & 0xff, sig, sizeof sig);
        put(t, "WIFSTOPPED(s) && WSTOPSIG(s) == %s", sig);
        if (s >> 16)
            put(t, " && s >> 16 == %u", s >> 16);
    } else if (s == 0xffff) {
        put_str(t, "WIFCONTINUED(s)");
    } else {
        sys_signal_name(s & 0x7f, sig, sizeof sig);
        put(t, "WIFSIGNALED(s) && WTERMSIG(s) == %s", sig);
        if (s & 0x80)
            put_str(t, " && WCOREDUMP(s)");
    }
    put_str(t, "}]");
}

/* The siginfo of a child (waitid): si_signo 0, si_code 8, si_pid 16,
 * si_uid 20, si_status 24, si_utime 32, si_stime 40; {} when none
 * was waited for (WNOHANG). */
static void put_child_siginfo(struct text *t, const struct reader *r, uint64_t va)
{
    int32_t signo, code, pid, status;
    uint32_t uid;
    uint64_t utime, stime;
    if (!r->read(r->ctx, va, &signo, 4) || !r->read(r->ctx, va + 8, &code, 4) ||
        !r->read(r->ctx, va + 16, &pid, 4) || !r->read(r->ctx, va + 20, &uid, 4) ||
        !r->read(r->ctx, va + 24, &status, 4) || !get64(r, va + 32, &utime) ||
        !get64(r, va + 40, &stime)) {
        put_pointer(t, va);
        return;
    }
    if (!signo) {
        put_str(t, "{}");
        return;
    }
    put_str(t, "{si_signo=");
    put_signal(t, (uint64_t)signo);
    put_str(t, ", si_code=");
    put_enum(t, sys_child_codes, (uint64_t)(int64_t)code, "%lld");
    put(t, ", si_pid=%d, si_uid=%u, si_status=", pid, uid);
    if (code == 2 || code == 3 || code == 4 || code == 5) /* killed, dumped, trapped, stopped */
        put_signal(t, (uint64_t)status);
    else
        put(t, "%d", status);
    put(t, ", si_utime=%lld, si_stime=%lld}", (long long)utime, (long long)stime);
}

/* statx's flags: the sync type by name, then the AT_ flags. */
static void put_statx_flags(struct text *t, uint64_t v)
{
    put_enum(t, sys_statx_sync, v & 0x6000, "%#llx");
    v &= ~0x6000ull;
    if (v) {
        put_str(t, "|");
        put_flags(t, sys_statx_at_flags, v, NULL);
    }
}

/* struct statx: stx_mask (u32 at 0), stx_attributes (u64 at 8), stx_mode
 * (u16 at 28), stx_size (u64 at 40); strace's short form. */
static void put_statx(struct text *t, const struct reader *r, uint64_t va)
{
    uint32_t mask;
    uint64_t attributes, size;
    uint16_t mode;
    if (!r->read(r->ctx, va, &mask, 4) || !get64(r, va + 8, &attributes) ||
        !r->read(r->ctx, va + 28, &mode, 2) || !get64(r, va + 40, &size)) {
        put_pointer(t, va);
        return;
    }
    put_str(t, "{stx_mask=");
    put_flags(t, sys_statx_mask, mask, NULL);
    put(t, ", stx_attributes=%#llx", (unsigned long long)attributes);
    put_str(t, ", stx_mode=");
    put_file_mode(t, mode);
    put(t, ", stx_size=%llu, ...}", (unsigned long long)size);
}

/* struct termios (Linux's kernel layout): c_iflag, c_oflag, c_cflag,
 * c_lflag (u32 each), c_line, c_cc[19].  c_oflag's delay fields and
 * c_cflag's speed and character size are enums inside the word. */
static void put_termios(struct text *t, const struct reader *r, uint64_t va)
{
    uint32_t f[4];
    if (!r->read(r->ctx, va, f, 16)) {
        put_pointer(t, va);
        return;
    }
    put_str(t, "{c_iflag=");
    put_flags(t, sys_termios_iflags, f[0], NULL);
    uint32_t o = f[1];
    put(t, ", c_oflag=NL%u|CR%u|TAB%u|BS%u|VT%u|FF%u", (o >> 8) & 1, (o >> 9) & 3, (o >> 11) & 3,
        (o >> 13) & 1, (o >> 14) & 1, (o >> 15) & 1);
    o &= 0377;
    if (o) {
        put_str(t, "|");
        put_flags(t, sys_termios_oflags, o, NULL);
    }
    uint32_t c = f[2];
    put_str(t, ", c_cflag=");
    put_enum(t, sys_termios_bauds, c & 010017, "%#llo");
    put(t, "|CS%u", 5 + ((c >> 4) & 3));
    c &= ~(010017u | 060u);
    if (c) {
        put_str(t, "|");
        put_flags(t, sys_termios_cflags, c, NULL);
    }
    put_str(t, ", c_lflag=");
    put_flags(t, sys_termios_lflags, f[3], NULL);
    put_str(t, ", ...}");
}

/* struct winsize: four u16. */
static void put_winsize(struct text *t, const struct reader *r, uint64_t va)
{
    uint16_t w[4];
    if (!r->read(r->ctx, va, w, 8)) {
        put_pointer(t, va);
        return;
    }
    put(t, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}", w[0], w[1], w[2], w[3]);
}

static void put_int_in_brackets(struct text *t, const struct reader *r, uint64_t va)
{
    int32_t v;
    if (r->read(r->ctx, va, &v, 4))
        put(t, "[%d]", v);
    else
        put_pointer(t, va);
}

/* ioctl's third argument as its request reads or fills it: a struct the
 * request reads at entry, one it fills at its return (an address before
 * and when it failed), an int in brackets; other requests: hex. */
static void put_ioctl_arg(struct text *t, const struct reader *r, uint32_t req, uint64_t a,
                          bool filled)
{
    put_str(t, ", ");
    if (!a) {
        put_str(t, "NULL");
        return;
    }
    switch (req) {
    case 0x5402: case 0x5403: case 0x5404: put_termios(t, r, a); return; /* TCSETS* */
    case 0x5414: put_winsize(t, r, a); return;                          /* TIOCSWINSZ */
    case 0x5421: case 0x5452: put_int_in_brackets(t, r, a); return;     /* FIONBIO FIOASYNC */
    case 0x5410: put_int_in_brackets(t, r, a); return;                  /* TIOCSPGRP */
    case 0x5401: case 0x5413: case 0x541B: case 0x540F: case 0x5429: case 0x5411:
        if (!filled) {
            put_pointer(t, a);
            return;
        }
        if (req == 0x5401)
            put_termios(t, r, a);
        else if (req == 0x5413)
            put_winsize(t, r, a);
        else
            put_int_in_brackets(t, r, a); /* FIONREAD TIOCGPGRP TIOCGSID TIOCOUTQ */
        return;
    case 0x5450: case 0x5451: case 0x5422: return; /* FIONCLEX FIOCLEX TIOCNOTTY: no argument */
    default: put(t, "%#llx", (unsigned long long)a); return;
    }
}

/* ---- the calls ---- */

/* The argument shape of call nr (linux_syscalls.def says what each
 * letter means), or NULL: six hex values. */
static const char *const signatures[SYSCALL_MAX_NR + 1] = {
#define LINUX_SYSCALL(nr, name, args) [nr] = args,
#include "../os/abi/linux_syscalls.def"
#undef LINUX_SYSCALL
};

static const char *signature(uint64_t nr)
{
    return nr <= SYSCALL_MAX_NR ? signatures[nr] : NULL;
}

/* Letters whose argument the call writes: shown at its return, as an
 * address at its entry or when it failed. */
static bool is_output(char c)
{
    return c && strchr("BGUktvQyZzNqh", c) != NULL;
}

/* futex(uaddr, op, val, timeout|val2, uaddr2, val3): which arguments an
 * operation uses (strace shows only those). */
static void put_futex(struct text *t, const struct reader *r, const uint64_t a[6])
{
    unsigned op = (unsigned)a[1];
    unsigned cmd = op & 127;
    put(t, "%#llx, ", (unsigned long long)a[0]);
    if (op & 256)
        put_str(t, "FUTEX_CLOCK_REALTIME|");
    put_enum(t, sys_futex_ops, cmd, "%llu");
    if (op & 128)
        put_str(t, "_PRIVATE");
    put(t, ", %d", (int32_t)a[2]);
    switch (cmd) {
    case 0:  /* WAIT */
    case 9:  /* WAIT_BITSET */
    case 11: /* WAIT_REQUEUE_PI */
    case 6:  /* LOCK_PI */
    case 13: /* LOCK_PI2 */
        put_str(t, ", ");
        put_timespec(t, r, a[3]);
        if (cmd == 9)
            put(t, ", %#llx", (unsigned long long)(uint32_t)a[5]);
        break;
    case 3: /* REQUEUE */
        put(t, ", %llu, %#llx", (unsigned long long)(uint32_t)a[3], (unsigned long long)a[4]);
        break;
    case 4:  /* CMP_REQUEUE */
    case 12: /* CMP_REQUEUE_PI */
        put(t, ", %llu, %#llx, %d", (unsigned long long)(uint32_t)a[3], (unsigned long long)a[4],
            (int32_t)a[5]);
        break;
    case 10: /* WAKE_BITSET */
        put(t, ", %#llx", (unsigned long long)(uint32_t)a[5]);
        break;
    default: break;
    }
}

/* clone(flags, stack, parent_tid, child_tid, tls): strace's named form. */
static void put_clone(struct text *t, const uint64_t a[6])
{
    uint64_t flags = a[0];
    put_str(t, "child_stack=");
    put_pointer(t, a[1]);
    put_str(t, ", flags=");
    uint64_t exit_signal = flags & 0xff;
    put_flags(t, sys_clone_flags, flags & ~0xffull, NULL);
    if (exit_signal) {
        if (flags & ~0xffull)
            put_str(t, "|");
        put_signal(t, exit_signal);
    }
    if (flags & 0x100000) /* CLONE_PARENT_SETTID */
        put(t, ", parent_tid=%#llx", (unsigned long long)a[2]);
    if (flags & 0x1200000) /* CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID */
        put(t, ", child_tidptr=%#llx", (unsigned long long)a[3]);
    if (flags & 0x80000) /* CLONE_SETTLS */
        put(t, ", tls=%#llx", (unsigned long long)a[4]);
}

/* fcntl's third argument as its command reads it (none for the getters). */
static void put_fcntl_arg(struct text *t, uint64_t cmd, uint64_t v)
{
    switch (cmd) {
    case 1: case 3: case 9: case 11: case 1025: case 1032: case 1034: return; /* getters */
    case 2: put_str(t, ", "); put_flags(t, sys_fd_flags, v, NULL); return;
    case 4: put_str(t, ", "); put_open_flags(t, v); return;
    case 0: case 1030: case 8: case 10: case 1031: put(t, ", %d", (int32_t)v); return;
    default: put(t, ", %#llx", (unsigned long long)v); return;
    }
}

static size_t format_call(uint64_t nr, const uint64_t args[6], bool exiting, int64_t result,
                          guest_read_fn read, void *ctx, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    struct reader r = {read, ctx};
    if (!cap)
        return 0;
    buf[0] = 0;
    const char *sig = signature(nr);
    if (!sig)
        sig = "xxxxxx";
    bool filled = exiting && result >= 0; /* the call wrote its outputs */
    if (nr == 56) { /* clone */
        put_clone(&t, args);
        return t.len;
    }
    if (nr == 202) { /* futex */
        put_futex(&t, &r, args);
        return t.len;
    }
    for (int i = 0; sig[i] && i < 6; i++) {
        char c = sig[i];
        uint64_t a = args[i];
        uint64_t next = i < 5 ? args[i + 1] : 0;
        if (c == 'm' && !(i > 0 && (args[i - 1] & 0100) /* O_CREAT */) &&
            !(i > 0 && (args[i - 1] & 020000000) /* __O_TMPFILE */))
            break; /* the mode means something only when a file is made */
        if (i)
            put_str(&t, ", ");
        if (is_output(c) && !filled) {
            put_pointer(&t, a);
            continue;
        }
        switch (c) {
        case 'd': put(&t, "%lld", (long long)a); break;
        case 'u': put(&t, "%llu", (unsigned long long)a); break;
        case 'o':
        case 'm': put(&t, "%#llo", (unsigned long long)a); break;
        case 'f':
            if ((int32_t)a == -100)
                put_str(&t, "AT_FDCWD");
            else
                put(&t, "%d", (int32_t)a);
            break;
        case 'p': put_pointer(&t, a); break;
        case 's':
        case 'b':
        case 'B':
            if (!a) {
                put_str(&t, "NULL");
                break;
            }
            t.len += format_guest_string(a, c == 's' ? 4096 : c == 'B' ? (uint64_t)result : next,
                                         c == 's', c == 's' ? 4096 : 32, read, ctx,
                                         t.buf + t.len, t.cap - t.len);
            break;
        case 'P': put_flags(&t, sys_prot_flags, a, "PROT_NONE"); break;
        case 'M': put_mmap_flags(&t, a); break;
        case 'O': put_open_flags(&t, a); break;
        case 'A': put_flags(&t, sys_at_flags, a, NULL); break;
        case 'S': put_signal(&t, a); break;
        case 'F':
            put_enum(&t, sys_fcntl_cmds, a, "%#llx");
            put_fcntl_arg(&t, a, next);
            return t.len;
        case 'I':
            put_enum(&t, sys_ioctl_cmds, (uint32_t)a, "%#llx");
            put_ioctl_arg(&t, &r, (uint32_t)a, next, filled);
            return t.len;
        case 'X': put_flags(&t, sys_access_modes, a, "F_OK"); break;
        case 'i': put_enum(&t, sys_wait_idtypes, a, "%llu"); break;
        case 'D': put_statx_flags(&t, a); break;
        case 'C': put_flags(&t, sys_statx_mask, (uint32_t)a, NULL); break;
        case 'Y':
        case 'y': put_rlimit(&t, &r, a); break;
        case 'Z': if (a) put_utsname(&t, &r, a); else put_str(&t, "NULL"); break;
        case 'z': if (a) put_sysinfo(&t, &r, a); else put_str(&t, "NULL"); break;
        case 'N': /* a pid of 0 (WNOHANG, none ready) wrote no status */
            if (a && result > 0)
                put_wait_status(&t, &r, a);
            else
                put_pointer(&t, a);
            break;
        case 'q': if (a) put_child_siginfo(&t, &r, a); else put_str(&t, "NULL"); break;
        case 'h': if (a) put_statx(&t, &r, a); else put_str(&t, "NULL"); break;
        case 'W': put_enum(&t, sys_whence, a, "%llu"); break;
        case 'c': put_enum(&t, sys_clocks, a, "%llu"); break;
        case 'n': put_flags(&t, sys_timer_flags, a, NULL); break;
        case 'H': put_enum(&t, sys_sigmask_how, a, "%#llx"); break;
        case 'R': put_enum(&t, sys_arch_prctl_codes, a, "%#llx"); break;
        case 'w': put_flags(&t, sys_wait_options, a, NULL); break;
        case 'a': put_enum(&t, sys_madvice, a, "%llu"); break;
        case 'r': put_enum(&t, sys_rlimits, a, "%llu"); break;
        case 'J': put_flags(&t, sys_pipe_flags, a, NULL); break;
        case 'g':
        case 'G': put_sigset(&t, &r, a, 8); break; /* x86-64 sigsets: 8 bytes */
        case 'T':
        case 'U': put_timespec(&t, &r, a); break;
        case 'K':
        case 'k': put_sigaction(&t, &r, a); break;
        case 't':
            if (!a)
                put_str(&t, "NULL");
            else
                put_stat(&t, &r, a);
            break;
        case 'V': put_iovecs(&t, &r, a, next, UINT64_MAX, true); break;
        case 'v': put_iovecs(&t, &r, a, next, (uint64_t)result, true); break;
        case 'L': put_pollfds(&t, &r, a, next, false); break;
        case 'e': put_string_array(&t, &r, a); break;
        case 'E': put_env_count(&t, &r, a); break;
        case 'Q': {
            int32_t fds[2];
            if (read(ctx, a, fds, 8))
                put(&t, "[%d, %d]", fds[0], fds[1]);
            else
                put_pointer(&t, a);
            break;
        }
        default: put(&t, "%#llx", (unsigned long long)a); break;
        }
    }
    return t.len;
}

size_t syscall_format_args(uint64_t nr, const uint64_t args[6], guest_read_fn read, void *ctx,
                           char *buf, size_t cap)
{
    return format_call(nr, args, false, 0, read, ctx, buf, cap);
}

size_t syscall_format_exit_args(uint64_t nr, const uint64_t args[6], int64_t result,
                                guest_read_fn read, void *ctx, char *buf, size_t cap)
{
    return format_call(nr, args, true, result, read, ctx, buf, cap);
}

bool syscall_returns_address(uint64_t nr)
{
    return nr == 9 || nr == 12 || nr == 25 || nr == 30; /* mmap brk mremap shmat */
}

size_t syscall_format_result(uint64_t nr, const uint64_t args[6], int64_t result,
                             guest_read_fn read, void *ctx, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    struct reader r = {read, ctx};
    if (!cap)
        return 0;
    buf[0] = 0;
    /* Linux returns -errno in RAX for errors: -4095..-1. */
    if (result < 0 && result >= -4095) {
        const char *en = errno_name((uint64_t)-result);
        if (en)
            put(&t, "-1 %s", en);
        else
            put(&t, "-1 (errno %lld)", (long long)-result);
        return t.len;
    }
    if (syscall_returns_address(nr)) {
        put(&t, "%#llx", (unsigned long long)result);
        return t.len;
    }
    if (nr == 95) { /* umask: the old mask, in octal */
        put(&t, "%#llo", (unsigned long long)result);
        return t.len;
    }
    put(&t, "%lld", (long long)result);
    if (nr == 7 && result == 0) /* poll */
        put_str(&t, " (Timeout)");
    else if (nr == 7 && result > 0) {
        put_str(&t, " (");
        put_pollfds(&t, &r, args[0], args[1], true);
        put_str(&t, ")");
    } else if (nr == 72 && (args[1] == 1 || args[1] == 3) && result > 0) { /* F_GETFD, F_GETFL */
        t.len = 0; /* strace shows these flag words in hex */
        put(&t, "%#llx (flags ", (unsigned long long)result);
        if (args[1] == 1)
            put_flags(&t, sys_fd_flags, (uint64_t)result, NULL);
        else
            put_open_flags(&t, (uint64_t)result);
        put_str(&t, ")");
    }
    return t.len;
}
