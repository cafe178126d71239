/* intmix — an integer benchmark in the shape of CoreMark: the same four
 * kernels (linked-list find/reverse/sort, a small matrix multiply-add with
 * 16-bit data, a character state machine scanning number formats, and a
 * CRC-16 over every result), run for a number of iterations, the CRCs
 * chained into one checksum that is printed.  Small working set (a few
 * KiB): it measures the instruction engine, not the memory system.
 *   usage: intmix [ITERATIONS]   (default 10000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint16_t crc16_byte(uint8_t data, uint16_t crc)
{
    for (int i = 0; i < 8; i++) {
        uint8_t x16 = (uint8_t)((data & 1) ^ ((uint8_t)crc & 1));
        data >>= 1;
        if (x16 == 1) {
            crc ^= 0x4002;
            crc = (uint16_t)((crc >> 1) | 0x8000);
        } else {
            crc >>= 1;
        }
    }
    return crc;
}

static uint16_t crc16(uint16_t v, uint16_t crc)
{
    crc = crc16_byte((uint8_t)v, crc);
    return crc16_byte((uint8_t)(v >> 8), crc);
}

/* ---- linked list ------------------------------------------------------ */
struct node {
    struct node *next;
    int16_t data, idx;
};

#define NODES 64
static struct node pool[NODES];

static struct node *list_build(uint16_t seed)
{
    struct node *head = NULL;
    for (int i = NODES - 1; i >= 0; i--) {
        pool[i].data = (int16_t)((i * 7 + seed) & 0xff);
        pool[i].idx = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *l)
{
    struct node *prev = NULL;
    while (l) {
        struct node *n = l->next;
        l->next = prev;
        prev = l;
        l = n;
    }
    return prev;
}

static struct node *list_find(struct node *l, int16_t data)
{
    while (l && l->data != data)
        l = l->next;
    return l;
}

/* Merge sort by data (CoreMark's list sort is a merge sort too). */
static struct node *list_sort(struct node *l, int by_idx)
{
    int insize = 1;
    for (;;) {
        struct node *p = l, *tail = NULL;
        l = NULL;
        int merges = 0;
        while (p) {
            merges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++, psize++)
                q = q->next;
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q) {
                    e = p, p = p->next, psize--;
                } else if ((by_idx ? p->idx - q->idx : p->data - q->data) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    l = e;
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1)
            return l;
        insize *= 2;
    }
}

static uint16_t bench_list(uint16_t seed, uint16_t crc)
{
    struct node *l = list_build(seed);
    for (int i = 0; i < 8; i++) {
        struct node *f = list_find(l, (int16_t)((seed + i * 3) & 0xff));
        crc = crc16(f ? (uint16_t)f->idx : 0xffff, crc);
        l = list_reverse(l);
    }
    l = list_sort(l, 0);
    for (struct node *n = l; n; n = n->next)
        crc = crc16((uint16_t)n->data, crc);
    l = list_sort(l, 1);
    return crc16((uint16_t)l->next->data, crc);
}

/* ---- matrix ------------------------------------------------------------ */
#define N 12
static int16_t ma[N][N], mb[N][N];
static int32_t mc[N][N];

static uint16_t bench_matrix(uint16_t seed, uint16_t crc)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ma[i][j] = (int16_t)((i * N + j + seed) & 0x7f);
            mb[i][j] = (int16_t)(((i + j) * seed) & 0x3f);
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            for (int k = 0; k < N; k++)
                s += (int32_t)ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    int32_t sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t v = mc[i][j] + (int16_t)seed;
            sum += v > 20000 ? 1 : (v & 0xf);
            ma[i][j] = (int16_t)(ma[i][j] + (int16_t)(mc[i][j] >> 4));
        }
    return crc16((uint16_t)sum, crc);
}

/* ---- state machine ----------------------------------------------------- */
enum state { START, INT, FLOAT, EXP, SCI, INVALID, NSTATES };

static const char *const tokens[] = {"5012", "1.2e-3", "-874", "+122", "3.1415", "0.5e+7", "x1F", "--9", "17"};

static uint16_t bench_state(uint16_t seed, uint16_t crc)
{
    char text[256];
    int len = 0;
    unsigned ntok = sizeof tokens / sizeof tokens[0];
    for (unsigned t = 0; len < 200; t++) {
        const char *s = tokens[(t * 5 + seed) % ntok];
        while (*s)
            text[len++] = *s++;
        text[len++] = ',';
    }
    text[len] = 0;
    unsigned count[NSTATES] = {0};
    enum state st = START;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == ',') {
            count[st]++;
            st = START;
            continue;
        }
        switch (st) {
        case START:
            st = (c >= '0' && c <= '9') ? INT : (c == '+' || c == '-') ? INT : c == '.' ? FLOAT : INVALID;
            break;
        case INT:
            st = (c >= '0' && c <= '9') ? INT : c == '.' ? FLOAT : INVALID;
            break;
        case FLOAT:
            st = (c >= '0' && c <= '9') ? FLOAT : (c == 'e' || c == 'E') ? EXP : INVALID;
            break;
        case EXP:
            st = (c == '+' || c == '-' || (c >= '0' && c <= '9')) ? SCI : INVALID;
            break;
        case SCI:
            st = (c >= '0' && c <= '9') ? SCI : INVALID;
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < NSTATES; i++)
        crc = crc16((uint16_t)count[i], crc);
    return crc;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    uint16_t crc = 0;
    for (long i = 0; i < iterations; i++) {
        uint16_t seed = (uint16_t)(i * 0x9e37u);
        crc = bench_list(seed, crc);
        crc = bench_matrix(seed, crc);
        crc = bench_state(seed, crc);
    }
    printf("intmix: %ld iterations, crc %04x\n", iterations, crc);
    return 0;
}
