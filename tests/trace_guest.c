/* trace_guest.c — traced runs of harness guests (trace_guest.h). */
#include "trace_guest.h"
#include <stdlib.h>
#include <string.h>
#include "harness.h"

int trace_guest_run(const char *name, uint64_t rdi, const struct trace_config *cfg, FILE *out,
                    struct trace_recording *rec, char *err, size_t errlen)
{
    char bin[256], elf[256];
    snprintf(bin, sizeof bin, "build/guests/%s.bin", name);
    snprintf(elf, sizeof elf, "build/guests/%s.elf", name);
    struct harness *h = harness_new(0);
    if (!h) {
        snprintf(err, errlen, "cannot create the harness");
        return -2;
    }
    if (harness_load_guest(h, bin)) {
        snprintf(err, errlen, "cannot load %s (run `make guests`)", bin);
        harness_free(h);
        return -2;
    }
    h->cpu->gpr[RDI] = rdi;
    struct tracer *t = tracer_new(cfg, out, err, errlen);
    if (!t) {
        harness_free(h);
        return -2;
    }
    if (tracer_load_symbols(t, elf, "", 0, err, errlen) || tracer_attach(t, h->hub, err, errlen)) {
        char ignored[8];
        tracer_close(t, ignored, sizeof ignored);
        harness_free(h);
        return -2;
    }
    if (rec)
        tracer_record(t, rec);
    harness_run(h, TRACE_GUEST_MAX_INSNS);
    int vector = h->last_vector;
    int rc = tracer_close(t, err, errlen);
    harness_free(h);
    return rc ? -2 : vector;
}

int trace_guest_runner(void *ctx, int argc, char **argv, struct trace_recording *rec,
                       char *err, size_t errlen)
{
    (void)ctx;
    if (argc < 1) {
        snprintf(err, errlen, "no guest named");
        return -1;
    }
    struct trace_config cfg;
    trace_config_init(&cfg);
    uint64_t rdi = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rdi") == 0 && i + 1 < argc) {
            rdi = strtoull(argv[++i], NULL, 0);
            continue;
        }
        int used = trace_parse_option(&cfg, argv[i], argv[i + 1], err, errlen);
        if (used < 0)
            return -1;
        if (used == 0) {
            snprintf(err, errlen, "unknown argument '%s'", argv[i]);
            return -1;
        }
        i += used - 1;
    }
    if (!cfg.kinds)
        cfg.kinds = TRACE_KINDS_ALL;
    cfg.no_output = true;
    return trace_guest_run(argv[0], rdi, &cfg, NULL, rec, err, errlen) == -2 ? -1 : 0;
}
