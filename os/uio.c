/* uio.c — walking a read's or write's user buffers (see uio.h). */
#include "uio.h"
#include "errno.h"
#include "memlayout.h"
#include "uaccess.h"

static int user_range(uint64_t base, uint64_t len) { return base < USER_END && len <= USER_END - base; }

int uio_single(struct uio *u, uint64_t ubuf, uint64_t n)
{
    *u = (struct uio){.base = ubuf, .len = n, .resid = n};
    return n && !user_range(ubuf, n) ? -EFAULT : 0;
}

int uio_vector(struct uio *u, uint64_t iov_addr, uint64_t count)
{
    if (count > UIO_MAXIOV)
        return -EINVAL;
    *u = (struct uio){.iov_addr = iov_addr, .iov_count = count};
    for (uint64_t i = 0; i < count; i++) {
        struct iovec64 v;
        if (get_user(&v, iov_addr + i * sizeof v, sizeof v))
            return -EFAULT;
        if ((int64_t)v.len < 0 || u->resid + v.len > (uint64_t)INT64_MAX)
            return -EINVAL;
        if (v.len && !user_range(v.base, v.len))
            return -EFAULT;
        u->resid += v.len;
    }
    return 0;
}

/* Make base/len name a non-empty buffer, fetching the next iovec; false at the end. */
static int current(struct uio *u)
{
    while (!u->len) {
        if (!u->iov_addr || u->iov_next >= u->iov_count)
            return 0;
        struct iovec64 v;
        if (get_user(&v, u->iov_addr + u->iov_next++ * sizeof v, sizeof v))
            return 0;
        u->base = v.base;
        u->len = v.len;
    }
    return 1;
}

static long copy(struct uio *u, void *kbuf, uint64_t n, int out)
{
    uint64_t done = 0;
    while (done < n && current(u)) {
        uint64_t step = n - done < u->len ? n - done : u->len;
        int err = out ? put_user(u->base, (const char *)kbuf + done, step)
                      : get_user((char *)kbuf + done, u->base, step);
        if (err)
            return done ? (long)done : -EFAULT;
        u->base += step;
        u->len -= step;
        u->resid -= step;
        done += step;
    }
    return (long)done;
}

long uio_copy_out(struct uio *u, const void *src, uint64_t n) { return copy(u, (void *)src, n, 1); }
long uio_copy_in(struct uio *u, void *dst, uint64_t n) { return copy(u, dst, n, 0); }
