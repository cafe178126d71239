/* pairtime — paired, interleaved wall-clock runs of two commands.
 *   usage: pairtime PAIRS CMD_A... -- CMD_B...
 * Runs A, B, A, B, ... PAIRS times each (stdout and stderr to /dev/null),
 * timing each run from fork to exit with CLOCK_MONOTONIC, and prints one
 * line:  median_A_s median_B_s ratio_median ratio_min ratio_max
 * where ratio = B / A of each pair.  Interleaving puts both commands under
 * the same host load; the per-pair ratio cancels slow drifts of the load. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double run(char **argv)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("pairtime: fork");
        exit(2);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pairtime: %s failed (status %d)\n", argv[0], status);
        exit(2);
    }
    return now() - t0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int sep = 0;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            sep = i;
            break;
        }
    int pairs = argc > 1 ? atoi(argv[1]) : 0;
    if (pairs < 1 || pairs > 10000 || sep <= 2 || sep == argc - 1) {
        fprintf(stderr, "usage: pairtime PAIRS CMD_A... -- CMD_B...\n");
        return 2;
    }
    argv[sep] = NULL;
    char **a = argv + 2, **b = argv + sep + 1;
    double *ta = calloc((size_t)pairs, sizeof *ta), *tb = calloc((size_t)pairs, sizeof *tb),
           *ratio = calloc((size_t)pairs, sizeof *ratio);
    if (!ta || !tb || !ratio)
        return 2;
    for (int i = 0; i < pairs; i++) {
        ta[i] = run(a);
        tb[i] = run(b);
        ratio[i] = tb[i] / ta[i];
    }
    double mr = median(ratio, pairs);
    printf("%.4f %.4f %.2f %.2f %.2f\n", median(ta, pairs), median(tb, pairs), mr, ratio[0],
           ratio[pairs - 1]);
    return 0;
}
