/* uaccess.c — checked copies between kernel and user memory (see uaccess.h). */
#include "uaccess.h"
#include "errno.h"
#include "memlayout.h"
#include "proc.h"
#include "string.h"

/* Walk [va, va+n) page by page: fn gets the kernel (direct-map) address of
 * each piece.  -EFAULT at the first page the process may not access. */
static int for_each_user_piece(struct mm *mm, uint64_t va, size_t n, bool write,
                               void (*fn)(void *kva, size_t len, size_t done, void *ctx), void *ctx)
{
    if (va >= USER_END || n > USER_END - va)
        return -EFAULT;
    size_t done = 0;
    while (done < n) {
        uint64_t pa = vma_user_page(mm, va + done, write);
        if (!pa)
            return -EFAULT;
        uint64_t offset = (va + done) & (PAGE_SIZE - 1);
        size_t len = PAGE_SIZE - offset;
        if (len > n - done)
            len = n - done;
        fn((char *)p2v(pa) + offset, len, done, ctx);
        done += len;
    }
    return 0;
}

static void piece_out(void *kva, size_t len, size_t done, void *ctx)
{
    memcpy(kva, (const char *)ctx + done, len);
}

static void piece_in(void *kva, size_t len, size_t done, void *ctx)
{
    memcpy((char *)ctx + done, kva, len);
}

static void piece_zero(void *kva, size_t len, size_t done, void *ctx)
{
    (void)done, (void)ctx;
    memset(kva, 0, len);
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
    return for_each_user_piece(mm, dst, n, true, piece_out, (void *)src);
}

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
    return for_each_user_piece(mm, src, n, false, piece_in, dst);
}

int zero_user(struct mm *mm, uint64_t dst, size_t n)
{
    return for_each_user_piece(mm, dst, n, true, piece_zero, 0);
}

long copy_string_from_user(struct mm *mm, char *dst, uint64_t src, size_t max)
{
    size_t i = 0;
    while (i < max) {
        uint64_t va = src + i;
        if (va >= USER_END || va < src)
            return -EFAULT;
        uint64_t pa = vma_user_page(mm, va, false);
        if (!pa)
            return -EFAULT;
        const char *page = (const char *)p2v(pa) + (va & (PAGE_SIZE - 1));
        size_t room = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        for (size_t j = 0; j < room && i < max; j++, i++) {
            dst[i] = page[j];
            if (!dst[i])
                return (long)i;
        }
    }
    return -ENAMETOOLONG;
}

int put_user(uint64_t dst, const void *src, size_t n) { return copy_to_user(current_proc()->mm, dst, src, n); }
int get_user(void *dst, uint64_t src, size_t n) { return copy_from_user(current_proc()->mm, dst, src, n); }
long get_user_string(char *dst, uint64_t src, size_t max)
{
    return copy_string_from_user(current_proc()->mm, dst, src, max);
}

/* ---- user_buf: one buffer or an iovec array as a stream ---------------- */

#define IOV_MAX 1024

struct user_iovec {
    uint64_t base, len;
};

void user_buf_single(struct user_buf *b, uint64_t addr, uint64_t len)
{
    *b = (struct user_buf){.addr = addr, .len = len, .left = len};
}

void user_buf_kernel(struct user_buf *b, void *buf, uint64_t len)
{
    *b = (struct user_buf){.addr = (uint64_t)buf, .len = len, .left = len, .kernel = true};
}

long user_buf_iovec(struct user_buf *b, uint64_t iov, uint64_t count)
{
    if (count > IOV_MAX)
        return -EINVAL;
    *b = (struct user_buf){.next_iov = iov, .iovs_left = count};
    for (uint64_t i = 0; i < count; i++) {
        struct user_iovec v;
        if (get_user(&v, iov + i * sizeof v, sizeof v))
            return -EFAULT;
        if ((int64_t)v.len < 0 || b->left + v.len > (uint64_t)INT64_MAX)
            return -EINVAL;
        if (v.len && (v.base >= USER_END || v.len > USER_END - v.base))
            return -EFAULT;
        b->left += v.len;
    }
    return 0;
}

/* Make the current piece non-empty (when bytes are left). */
static int next_piece(struct user_buf *b)
{
    while (!b->len && b->iovs_left) {
        struct user_iovec v;
        if (get_user(&v, b->next_iov, sizeof v))
            return -EFAULT;
        b->next_iov += sizeof v;
        b->iovs_left--;
        b->addr = v.base;
        b->len = v.len;
    }
    return 0;
}

static int user_buf_move(struct user_buf *b, void *kbuf, uint64_t n, bool to_user)
{
    char *k = kbuf;
    while (n) {
        if (next_piece(b) || !b->len)
            return -EFAULT;
        uint64_t take = n < b->len ? n : b->len;
        if (b->kernel)
            memcpy(to_user ? (void *)b->addr : k, to_user ? k : (void *)b->addr, take);
        else if (to_user ? put_user(b->addr, k, take) : get_user(k, b->addr, take))
            return -EFAULT;
        b->addr += take;
        b->len -= take;
        b->left -= take;
        k += take;
        n -= take;
    }
    return 0;
}

int user_buf_in(struct user_buf *b, void *dst, uint64_t n) { return user_buf_move(b, dst, n, false); }
int user_buf_out(struct user_buf *b, const void *src, uint64_t n) { return user_buf_move(b, (void *)src, n, true); }
