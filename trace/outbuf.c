/* outbuf.c — the output buffer's life and its writing thread (outbuf.h).
 *
 * With a background writer there are two buffers: the tracing thread fills
 * one while the thread fwrites the other.  A full buffer is handed over
 * under the lock; the tracing thread waits only when the writer has not
 * finished the previous one yet (the disk is slower than tracing), so the
 * bytes reach the file in the order they were produced. */
#include "outbuf.h"
#include <pthread.h>
#include <stdlib.h>

struct out_shipper {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;   /* a buffer was handed over, or quit */
    pthread_cond_t done;   /* the writer finished a buffer */
    FILE *f;
    char *full;            /* handed over, being written; NULL when idle */
    size_t full_len;
    char *spare;           /* the other buffer, when the tracing thread may take it */
    bool quit;
    bool error;            /* an fwrite failed */
};

static void *ship_main(void *arg)
{
    struct out_shipper *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->full && !s->quit)
            pthread_cond_wait(&s->wake, &s->lock);
        if (!s->full)
            break; /* quit, nothing left to write */
        char *buf = s->full;
        size_t len = s->full_len;
        pthread_mutex_unlock(&s->lock);
        bool ok = fwrite(buf, 1, len, s->f) == len;
        pthread_mutex_lock(&s->lock);
        if (!ok)
            s->error = true;
        s->spare = buf;
        s->full = NULL;
        pthread_cond_signal(&s->done);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static struct out_shipper *ship_start(FILE *f)
{
    struct out_shipper *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->f = f;
    s->spare = malloc(TRACE_OUT_CAP);
    if (!s->spare || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->spare);
        free(s);
        return NULL;
    }
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->done, NULL);
    if (pthread_create(&s->thread, NULL, ship_main, s) != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_cond_destroy(&s->done);
        pthread_mutex_destroy(&s->lock);
        free(s->spare);
        free(s);
        return NULL;
    }
    return s;
}

/* Wait until the writer is idle; returns with the lock held. */
static void ship_wait_idle(struct out_shipper *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->full)
        pthread_cond_wait(&s->done, &s->lock);
}

bool out_init(struct trace_out *o, FILE *f, bool background)
{
    o->f = f;
    o->len = 0;
    o->write_error = false;
    o->ship = NULL;
    o->buf = malloc(TRACE_OUT_CAP);
    if (!o->buf)
        return false;
    if (f && background)
        o->ship = ship_start(f); /* NULL: inline writes */
    return true;
}

void out_flush(struct trace_out *o)
{
    if (!o->len || !o->f) {
        o->len = 0;
        return;
    }
    struct out_shipper *s = o->ship;
    if (!s) {
        if (fwrite(o->buf, 1, o->len, o->f) != o->len)
            o->write_error = true;
        o->len = 0;
        return;
    }
    ship_wait_idle(s);
    s->full = o->buf;
    s->full_len = o->len;
    o->buf = s->spare;
    s->spare = NULL;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    o->len = 0;
}

int out_finish(struct trace_out *o)
{
    out_flush(o);
    if (o->ship) {
        ship_wait_idle(o->ship);
        if (o->ship->error)
            o->write_error = true;
        pthread_mutex_unlock(&o->ship->lock);
    }
    if (o->f && fflush(o->f) != 0)
        o->write_error = true;
    return o->write_error ? -1 : 0;
}

void out_free(struct trace_out *o)
{
    struct out_shipper *s = o->ship;
    if (s) {
        pthread_mutex_lock(&s->lock);
        s->quit = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL); /* after writing what was handed over */
        pthread_cond_destroy(&s->wake);
        pthread_cond_destroy(&s->done);
        pthread_mutex_destroy(&s->lock);
        free(s->spare);
        free(s);
        o->ship = NULL;
    }
    free(o->buf);
    o->buf = NULL;
}
