/* test_debugger_procs.c — the Processes and threads panel against an
 * oracle it does not read: the guest's own /proc/PID/status (proc(5):
 * Name, State, Tgid, Pid, PPid, Threads) and /proc/PID/task (its
 * threads' tids), read by a guest program at
 * chosen instants for every pid there is, and written in one write(2); at
 * that syscall the panel must show each process with the same name,
 * parent and state, as many threads, and the blocked threads in the system
 * calls the program is known to wait in: a child in read(2) on a pipe, a
 * zombie, a child in wait4(2) for a grandchild in nanosleep, a thread in
 * nanosleep and a thread waiting for a locked mutex (futex). */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/model.h"
#include "debugger/session.h"
#include "tests/linux_oracle.h"

static const char *const source =
    "#include <dirent.h>\n"
    "#include <fcntl.h>\n"
    "#include <pthread.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <sys/wait.h>\n"
    "#include <time.h>\n"
    "#include <unistd.h>\n"
    "static char out[16384];\n"
    "static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;\n"
    "static void nap(long ms) { struct timespec t = {ms / 1000, ms % 1000 * 1000000}; nanosleep(&t, 0); }\n"
    "static void *sleeper(void *a) { (void)a; nap(400); return 0; }\n"
    "static void *locker(void *a) { (void)a; pthread_mutex_lock(&lock); pthread_mutex_unlock(&lock); return 0; }\n"
    "/* every /proc/PID/status there is, then one write: the debugger stops at it */\n"
    "static void show(const char *tag) {\n"
    "    int k = snprintf(out, sizeof out, \"STATUS %s\\n\", tag);\n"
    "    for (int pid = 1; pid < 40; pid++) {\n"
    "        char path[64]; snprintf(path, sizeof path, \"/proc/%d/status\", pid);\n"
    "        int fd = open(path, O_RDONLY); if (fd < 0) continue;\n"
    "        int n = read(fd, out + k, sizeof out - k - 8); close(fd);\n"
    "        if (n > 0) k += n;\n"
    "        snprintf(path, sizeof path, \"/proc/%d/task\", pid);\n"
    "        k += snprintf(out + k, sizeof out - k, \"Task:\");\n"
    "        DIR *dir = opendir(path); struct dirent *e;\n"
    "        while (dir && (e = readdir(dir))) if (e->d_name[0] != '.') k += snprintf(out + k, sizeof out - k, \" %s\", e->d_name);\n"
    "        if (dir) closedir(dir);\n"
    "        k += snprintf(out + k, sizeof out - k, \"\\n--\\n\");\n"
    "    }\n"
    "    (void)!write(1, out, k);\n"
    "}\n"
    "int main(void) {\n"
    "    int p[2]; (void)!pipe(p);\n"
    "    pid_t reader = fork();\n"
    "    if (reader == 0) { char c; (void)!read(p[0], &c, 1); _exit(0); }\n"
    "    pid_t quitter = fork();\n"
    "    if (quitter == 0) _exit(3);\n"
    "    pid_t waiter = fork();\n"
    "    if (waiter == 0) { pid_t g = fork(); if (g == 0) { nap(300); _exit(0); } waitpid(g, 0, 0); _exit(0); }\n"
    "    pthread_mutex_lock(&lock);\n"
    "    pthread_t a, b; pthread_create(&a, 0, sleeper, 0); pthread_create(&b, 0, locker, 0);\n"
    "    nap(50);\n"
    "    show(\"blocked\");\n"
    "    (void)!write(p[1], \"x\", 1);\n"
    "    pthread_mutex_unlock(&lock); pthread_join(b, 0);\n"
    "    waitpid(quitter, 0, 0);\n"
    "    nap(20);\n"
    "    show(\"released\");\n"
    "    waitpid(reader, 0, 0); waitpid(waiter, 0, 0); pthread_join(a, 0);\n"
    "    show(\"reaped\");\n"
    "    return 0;\n"
    "}\n";

/* A field of one status block ("Name", "State", ...): its value. */
static bool field(const char *block, const char *name, char *out, size_t cap)
{
    char key[32];
    snprintf(key, sizeof key, "\n%s:\t", name);
    const char *at = strstr(block, key);
    if (!at && strncmp(block, key + 1, strlen(key) - 1) == 0)
        at = block - 1;
    if (!at)
        return false;
    at += strlen(key);
    size_t n = strcspn(at, "\n");
    snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), at);
    return true;
}

struct tally {
    int procs, zombies, sleeping, blocked_calls, more_lines, tasks_compared;
    char calls[256];
};

static void check_instant(struct dbg *d, const char *text, struct tally *t)
{
    struct ui_model m = {0};
    struct ui_view v = {0};
    /* Tall enough for every process and thread line. */
    ck_assert_int_eq(ui_model_build(&m, d, &v, 240, 200), 0);
    char tag[32];
    sscanf(text, "STATUS %31s", tag);
    const char *block = strchr(text, '\n') + 1;
    int procs_here = 0;
    while (*block) {
        const char *end = strstr(block, "--\n");
        ck_assert_ptr_nonnull(end);
        char one[2048];
        snprintf(one, sizeof one, "%.*s", (int)(end - block), block);
        char name[64], state[64], tgid[16], pid[16], ppid[16], threads[16];
        ck_assert(field(one, "Name", name, sizeof name) && field(one, "State", state, sizeof state) &&
                  field(one, "Tgid", tgid, sizeof tgid) && field(one, "Pid", pid, sizeof pid) &&
                  field(one, "PPid", ppid, sizeof ppid) && field(one, "Threads", threads, sizeof threads));
        ck_assert_str_eq(tgid, pid);
        /* The process line: pid, name, parent and the state in the same words. */
        char want[256], line[512];
        snprintf(want, sizeof want, "pid %s %s  parent %s  %s", pid, name, ppid, state);
        int at = ui_panel_find(&m, P_PROCS, want);
        if (at < 0)
            for (int i = 0; ui_panel_line(&m, P_PROCS, i, line, sizeof line); i++)
                fprintf(stderr, "%s| %s\n", tag, line);
        ck_assert_msg(at >= 0, "%s: the panel has no '%s'", tag, want);
        /* Its threads: as many as /proc says (a zombie: none left running). */
        int nthreads = 0;
        bool main_blocked = false;
        char main_tid[32];
        snprintf(main_tid, sizeof main_tid, "   tid %-4s ", pid);
        for (int i = at + 1; ui_panel_line(&m, P_PROCS, i, line, sizeof line) && strncmp(line, "pid ", 4); i++) {
            if (strncmp(line, "   tid ", 7))
                continue; /* a wrapped thread line */
            if (strstr(line, "dead"))
                continue;
            nthreads++;
            if (strncmp(line, main_tid, strlen(main_tid)) == 0)
                main_blocked = strstr(line, "blocked in ") != NULL;
            const char *call = strstr(line, "blocked in ");
            if (call) {
                char c[32];
                sscanf(call + 11, "%31[a-z_0-9]", c);
                ck_assert_msg(strstr(" read wait4 futex nanosleep clock_nanosleep ", c), "%s: blocked in %s?", tag,
                              c);
                if (!strstr(t->calls, c)) {
                    strcat(t->calls, c);
                    strcat(t->calls, " ");
                }
                t->blocked_calls++;
            }
        }
        /* /proc/PID/task lists exactly the panel's threads (a zombie's: none). */
        char tasks[256], panel_tids[256] = "";
        const char *task_line = strstr(one, "\nTask:");
        ck_assert_ptr_nonnull(task_line);
        snprintf(tasks, sizeof tasks, "%.*s", (int)strcspn(task_line + 6, "\n"), task_line + 6);
        for (int i = at + 1; ui_panel_line(&m, P_PROCS, i, line, sizeof line) && strncmp(line, "pid ", 4); i++) {
            unsigned tid;
            if (sscanf(line, "   tid %u", &tid) == 1 && !strstr(line, "dead"))
                snprintf(panel_tids + strlen(panel_tids), sizeof panel_tids - strlen(panel_tids), " %u", tid);
        }
        const char *want_tids = tasks; /* " 1 5 6": readdir's order, the kernel's thread table's */
        ck_assert_msg(strcmp(panel_tids, want_tids) == 0, "%s: pid %s: /proc/%s/task lists '%s', the panel '%s'", tag,
                      pid, pid, want_tids, panel_tids);
        t->tasks_compared++;
        if (state[0] == 'Z') {
            ck_assert_int_eq(nthreads, 0);
            t->zombies++;
        } else {
            ck_assert_msg(nthreads == atoi(threads), "%s: pid %s has %d threads in the panel, /proc says %s", tag,
                          pid, nthreads, threads);
            ck_assert_msg(main_blocked == (state[0] == 'S'), "%s: pid %s is %s, its main thread %s", tag, pid,
                          state, main_blocked ? "blocked" : "not blocked");
        }
        t->sleeping += state[0] == 'S';
        procs_here++;
        block = end + 3;
    }
    /* No process in the panel that /proc does not list. */
    int panel_procs = 0;
    char line[512];
    for (int i = 0; ui_panel_line(&m, P_PROCS, i, line, sizeof line); i++)
        panel_procs += strncmp(line, "pid ", 4) == 0;
    ck_assert_int_eq(panel_procs, procs_here);
    t->procs += procs_here;
    ui_model_free(&m);
    /* At the window's 240x80 they may not all fit: then the panel says so
     * (a line counting the rest, or its last line cut with the mark). */
    ck_assert_int_eq(ui_model_build(&m, d, &v, 240, 80), 0);
    int visible = 0;
    for (int i = 0; ui_panel_line(&m, P_PROCS, i, line, sizeof line); i++)
        visible += strncmp(line, "pid ", 4) == 0;
    int last = m.panel[P_PROCS].h - 3;
    ui_panel_line(&m, P_PROCS, last, line, sizeof line);
    if (visible < procs_here) {
        ck_assert_msg(ui_panel_find(&m, P_PROCS, "more processes") >= 0 || line[strlen(line) - 1] == UI_CUT_MARK,
                      "%s: %d of %d processes shown, silently", tag, visible, procs_here);
        t->more_lines++;
    }
    ui_model_free(&m);
}

START_TEST(processes_panel_is_the_guests_proc_status)
{
    const char *prog = oracle_compile("psprobe", "musl-gcc -static -pthread", source);
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = ORACLE_KERNEL, .program_path = prog}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    struct cpu *cpu = machine_cpu(d->m);
    struct tally t = {0};
    int instants = 0;
    for (int i = 0; i < 3000 && instants < 3; i++) {
        dbg_run_command(d, DBG_UNTIL_SYSCALL, 400000000);
        if (strstr(d->status, "exited"))
            break;
        if (cpu->gpr[RAX] != 1 || cpu->gpr[RDI] != 1 || cpu->gpr[RDX] < 8)
            continue;
        size_t n = cpu->gpr[RDX];
        char *text = calloc(n + 1, 1);
        ck_assert_uint_eq(machine_read_virt(d->m, cpu->gpr[RSI], text, n), n);
        if (strncmp(text, "STATUS ", 7) == 0) {
            check_instant(d, text, &t);
            instants++;
        }
        free(text);
    }
    ck_assert_int_eq(instants, 3);
    /* The instants held what they were written for. */
    ck_assert_int_ge(t.zombies, 2);   /* the quitter before it is reaped, the reader after it reads */
    ck_assert_int_ge(t.sleeping, 3);
    ck_assert_int_eq(t.tasks_compared, t.procs);
    ck_assert_msg(strstr(t.calls, "read ") && strstr(t.calls, "wait4 ") && strstr(t.calls, "futex ") &&
                      strstr(t.calls, "nanosleep "),
                  "blocked in: %s", t.calls);
    dbg_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_procs");
    TCase *tc = tcase_create("procs");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, NULL, oracle_cleanup);
    tcase_add_test(tc, processes_panel_is_the_guests_proc_status);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
