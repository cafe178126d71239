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
