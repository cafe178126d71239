/* syscalls.c — Linux x86-64 call names, errno names and argument decoding
 * (syscalls.h).  Numbers, names and argument shapes come from
 * os/abi/linux_syscalls.def, the table the guest kernel dispatches with. */
#include "syscalls.h"

#include "../os/abi/syscalls.h"
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

size_t format_guest_string(uint64_t va, size_t len, bool stop_at_nul, size_t max,
                           guest_read_fn read, void *ctx, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    if (!cap)
        return 0;
    buf[0] = 0;
    put(&t, "\"");
    size_t shown = 0;
    for (; shown < len && shown < max; shown++) {
        uint8_t c;
        if (!read(ctx, va + shown, &c, 1)) {
            if (shown == 0)
                t.len = 0; /* nothing readable: no string at all */
            else
                put(&t, "\"");
            put(&t, "<unmapped at 0x%llx>", (unsigned long long)(va + shown));
            return t.len;
        }
        if (c == 0 && stop_at_nul)
            break;
        switch (c) {
        case '\n': put(&t, "\\n"); break;
        case '\t': put(&t, "\\t"); break;
        case '\r': put(&t, "\\r"); break;
        case '"': put(&t, "\\\""); break;
        case '\\': put(&t, "\\\\"); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                put(&t, "%c", c);
            else
                put(&t, "\\x%02x", c);
        }
    }
    put(&t, "\"");
    if (shown == max && shown < len) {
        uint8_t c = 0;
        if (!stop_at_nul || (read(ctx, va + shown, &c, 1) && c))
            put(&t, "...");
    }
    return t.len;
}

size_t syscall_format_args(uint64_t nr, const uint64_t args[6], guest_read_fn read, void *ctx,
                           char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    if (!cap)
        return 0;
    buf[0] = 0;
    const char *sig = signature(nr);
    if (!sig)
        sig = "xxxxxx";
    for (int i = 0; sig[i] && i < 6; i++) {
        if (i)
            put(&t, ", ");
        uint64_t a = args[i];
        switch (sig[i]) {
        case 'd': put(&t, "%lld", (long long)a); break;
        case 'u': put(&t, "%llu", (unsigned long long)a); break;
        case 'o': put(&t, "%#llo", (unsigned long long)a); break;
        case 'f':
            if ((int32_t)a == -100)
                put(&t, "AT_FDCWD");
            else
                put(&t, "%d", (int32_t)a);
            break;
        case 's':
        case 'b':
            if (!a) {
                put(&t, "NULL");
                break;
            }
            t.len += format_guest_string(a, sig[i] == 's' ? 4096 : (i < 5 ? args[i + 1] : 0),
                                         sig[i] == 's', sig[i] == 's' ? 96 : 32, read, ctx,
                                         t.buf + t.len, t.cap - t.len);
            break;
        default: put(&t, "0x%llx", (unsigned long long)a); break;
        }
    }
    return t.len;
}
