/* strings — string-heavy work with malloc: generate text with snprintf, split
 * it into words, count them in a chained hash map of strdup'd keys, sort the
 * distinct words with strcmp, build a report string by repeated appends, and
 * free everything.  Many small allocations and byte-at-a-time loops.
 *   usage: strings [SCALE]   (work grows linearly with SCALE, default 1) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

struct entry {
    char *word;
    long count;
    struct entry *next;
};

static const char *syllables[] = {"ka", "ri", "to", "mu", "sen", "la", "vo", "qui", "de", "ny", "ob", "tra"};

static unsigned long hash_string(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 ^ (unsigned char)*s++;
    return h;
}

static int by_word(const void *a, const void *b)
{
    return strcmp((*(struct entry *const *)a)->word, (*(struct entry *const *)b)->word);
}

static uint64_t one_round(long round)
{
    /* 1. generate ~400 KB of text */
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    uint64_t r = 12345 + (uint64_t)round;
    for (int w = 0; w < 60000; w++) {
        char word[64];
        int n = 0, parts = 1 + (int)(r % 3);
        for (int p = 0; p < parts; p++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            n += snprintf(word + n, sizeof word - n, "%s", syllables[(r >> 33) % 12]);
        }
        if (len + n + 2 > cap) {
            cap *= 2;
            text = realloc(text, cap);
        }
        memcpy(text + len, word, n);
        len += n;
        text[len++] = w % 17 == 16 ? '\n' : ' ';
    }
    text[len] = 0;

    /* 2. split and count */
    struct entry *buckets[BUCKETS] = {0};
    long distinct = 0;
    for (char *save, *tok = strtok_r(text, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        struct entry **b = &buckets[hash_string(tok) % BUCKETS], *e = *b;
        while (e && strcmp(e->word, tok) != 0)
            e = e->next;
        if (!e) {
            e = malloc(sizeof *e);
            e->word = strdup(tok);
            e->count = 0;
            e->next = *b;
            *b = e;
            distinct++;
        }
        e->count++;
    }

    /* 3. sort the distinct words and build a report */
    struct entry **all = malloc(distinct * sizeof *all);
    long k = 0;
    for (int i = 0; i < BUCKETS; i++)
        for (struct entry *e = buckets[i]; e; e = e->next)
            all[k++] = e;
    qsort(all, distinct, sizeof *all, by_word);
    char *report = strdup("");
    for (long i = 0; i < distinct; i++) {
        char line[96];
        int n = snprintf(line, sizeof line, "%s=%ld;", all[i]->word, all[i]->count);
        size_t old = strlen(report);
        report = realloc(report, old + n + 1);
        memcpy(report + old, line, n + 1);
    }
    uint64_t sum = hash_string(report) ^ (uint64_t)distinct << 32;

    for (long i = 0; i < distinct; i++) {
        free(all[i]->word);
        free(all[i]);
    }
    free(all);
    free(report);
    free(text);
    return sum;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        return 1;
    uint64_t checksum = 0;
    for (long round = 0; round < scale; round++)
        checksum = checksum * 31 + one_round(round);
    printf("strings: checksum %016llx\n", (unsigned long long)checksum);
    return 0;
}
