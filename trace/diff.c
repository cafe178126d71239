/* diff.c — the unified-style line diff of diff.h.
 *
 * Common leading and trailing lines are stripped first (a golden trace
 * usually differs in a few places); the middle is aligned by a longest
 * common subsequence table when it is small enough (DIFF_MAX_CELLS), else
 * shown as wholly replaced. */
#include "diff.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_CELLS (4u << 20)

struct lines {
    const char **start;
    size_t *len;
    size_t n;
};

static int split(const char *text, struct lines *l)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    n += text[0] && text[strlen(text) - 1] != '\n';
    l->start = malloc((n ? n : 1) * sizeof *l->start);
    l->len = malloc((n ? n : 1) * sizeof *l->len);
    if (!l->start || !l->len)
        return -1;
    l->n = 0;
    for (const char *p = text; *p;) {
        size_t k = strcspn(p, "\n");
        l->start[l->n] = p;
        l->len[l->n++] = k;
        p += k + (p[k] == '\n');
    }
    return 0;
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

/* An edit: ' ' keep, '-' expected only, '+' actual only, with the line
 * numbers it refers to. */
struct edit {
    char op;
    size_t a, b;
};

static void print_line(FILE *out, char op, const struct lines *l, size_t i)
{
    fputc(op, out);
    fwrite(l->start[i], 1, l->len[i], out);
    fputc('\n', out);
}

size_t text_diff(const char *expected, const char *actual, const char *expected_name,
                 const char *actual_name, unsigned context, FILE *out)
{
    struct lines a = {0}, b = {0};
    struct edit *ed = NULL;
    uint32_t *tab = NULL;
    size_t differing = 0;
    if (split(expected, &a) || split(actual, &b)) {
        if (out)
            fprintf(out, "diff: out of host memory\n");
        differing = 1;
        goto done;
    }
    size_t pre = 0;
    while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
        pre++;
    size_t suf = 0;
    while (suf < a.n - pre && suf < b.n - pre && same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
        suf++;
    size_t n = a.n - pre - suf, m = b.n - pre - suf;
    if (n == 0 && m == 0)
        goto done;

    ed = malloc((a.n + b.n + 1) * sizeof *ed);
    if (!ed) {
        differing = n + m;
        goto done;
    }
    size_t ne = 0;
    for (size_t i = 0; i < pre; i++)
        ed[ne++] = (struct edit){' ', i, i};
    bool small = (n + 1) * (m + 1) <= DIFF_MAX_CELLS && a.n <= DIFF_MAX_LINES &&
                 b.n <= DIFF_MAX_LINES;
    if (small)
        tab = malloc((n + 1) * (m + 1) * sizeof *tab);
    if (tab) {
        /* tab[i][j] = LCS length of a[pre+i..] and b[pre+j..]. */
#define T(i, j) tab[(i) * (m + 1) + (j)]
        for (size_t i = n + 1; i-- > 0;)
            for (size_t j = m + 1; j-- > 0;) {
                if (i == n || j == m)
                    T(i, j) = 0;
                else if (same(&a, pre + i, &b, pre + j))
                    T(i, j) = T(i + 1, j + 1) + 1;
                else
                    T(i, j) = T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
            }
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && same(&a, pre + i, &b, pre + j)) {
                ed[ne++] = (struct edit){' ', pre + i++, pre + j++};
            } else if (j < m && (i == n || T(i, j + 1) > T(i + 1, j))) {
                ed[ne++] = (struct edit){'+', pre + i, pre + j++};
            } else {
                ed[ne++] = (struct edit){'-', pre + i++, pre + j};
            }
        }
#undef T
    } else {
        for (size_t i = 0; i < n; i++)
            ed[ne++] = (struct edit){'-', pre + i, pre};
        for (size_t j = 0; j < m; j++)
            ed[ne++] = (struct edit){'+', pre + n, pre + j};
    }
    for (size_t k = 0; k < suf; k++)
        ed[ne++] = (struct edit){' ', a.n - suf + k, b.n - suf + k};

    for (size_t k = 0; k < ne; k++)
        differing += ed[k].op != ' ';
    if (!out)
        goto done;
    fprintf(out, "--- %s\n+++ %s\n", expected_name, actual_name);
    for (size_t k = 0; k < ne;) {
        if (ed[k].op == ' ') {
            k++;
            continue;
        }
        /* A hunk: from `context` lines before this change to `context`
         * lines after the last change that is at most 2*context away. */
        size_t start = k > context ? k - context : 0;
        size_t last_change = k;
        for (size_t q = k; q < ne; q++) {
            if (ed[q].op != ' ')
                last_change = q;
            else if (q - last_change > 2 * context)
                break;
        }
        size_t end = last_change + 1 + context < ne ? last_change + 1 + context : ne;
        size_t acount = 0, bcount = 0;
        for (size_t q = start; q < end; q++) {
            acount += ed[q].op != '+';
            bcount += ed[q].op != '-';
        }
        fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ed[start].a + 1, acount, ed[start].b + 1,
                bcount);
        for (size_t q = start; q < end; q++) {
            if (ed[q].op == '+')
                print_line(out, '+', &b, ed[q].b);
            else
                print_line(out, ed[q].op, &a, ed[q].a);
        }
        k = end;
    }
done:
    free(tab);
    free(ed);
    free(a.start);
    free(a.len);
    free(b.start);
    free(b.len);
    return differing;
}
