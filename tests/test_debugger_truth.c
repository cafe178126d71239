/* test_debugger_truth.c — the debugger's panels hold only the truth,
 * checked against oracles the panels do not use:
 *   - the memory map against the guest's own /proc/self/maps, read by a
 *     guest program at many instants (start, after mmap/mprotect, in a
 *     forked child before and after copy-on-write, in a thread, after
 *     execve) and written in one write(2): at that syscall the panel must
 *     list exactly the kernel's areas, each under its name, and no page
 *     mapped outside them (mmu_visit of the process's own CR3);
 *   - the frames panel's counts against the guest's /proc/meminfo, read in
 *     the same instant;
 *   - at sampled instants of bundled programs (isolation: fork; threads;
 *     pagefile: swapping; hello: exit), the process shown against the
 *     kernel's context-switch reports (OS events) and the CPU's CR3;
 *   - the registers panel against the CPU after every kind of step,
 *     including while a run is in progress;
 *   - before the first process and after the last exits, the panels say
 *     there is none. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/kstate.h"
#include "debugger/model.h"
#include "debugger/session.h"
#include "tests/linux_oracle.h"
#include "trace/event.h"

#define COLS 240
#define ROWS 80

static const char *const probe_source =
    "#include <fcntl.h>\n"
    "#include <pthread.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "static char maps[16384], mem[4096], out[24576];\n"
    "static int slurp(const char *path, char *buf, int cap, int *fd) {\n"
    "    *fd = open(path, O_RDONLY); int n = 0, r;\n"
    "    while (*fd >= 0 && (r = read(*fd, buf + n, cap - 1 - n)) > 0) n += r;\n"
    "    return n;\n"
    "}\n"
    "/* maps and meminfo, then one write: the debugger stops at it */\n"
    "static void show(const char *tag) {\n"
    "    int fa, fb;\n"
    "    /* written first: after fork, copy-on-write copies them now, not after /proc/meminfo is read */\n"
    "    memset(out, 0, sizeof out); memset(maps, 0, sizeof maps); memset(mem, 0, sizeof mem);\n"
    "    int a = slurp(\"/proc/self/maps\", maps, sizeof maps, &fa);\n"
    "    int b = slurp(\"/proc/meminfo\", mem, sizeof mem, &fb);\n"
    "    int k = snprintf(out, sizeof out, \"MAPS %s %d\\n\", tag, getpid());\n"
    "    memcpy(out + k, maps, a); k += a;\n"
    "    k += snprintf(out + k, sizeof out - k, \"MEMINFO\\n\");\n"
    "    memcpy(out + k, mem, b); k += b;\n"
    "    (void)!write(1, out, k);\n"
    "    close(fa); close(fb);\n"
    "}\n"
    "static void *worker(void *arg) { (void)arg; show(\"thread\"); return 0; }\n"
    "int main(int argc, char **argv) {\n"
    "    memset(out, 1, sizeof out); memset(maps, 1, sizeof maps); memset(mem, 1, sizeof mem);\n"
    "    if (argc > 1) { show(\"exec\"); return 0; }\n"
    "    show(\"start\");\n"
    "    char *p = mmap(0, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "    p[0] = 1; p[3 * 4096] = 2;\n"
    "    mprotect(p + 4096, 4096, PROT_NONE);\n"
    "    char *q = malloc(300); q[0] = 1;\n"
    "    show(\"mmap\");\n"
    "    fflush(stdout);\n"
    "    pid_t c = fork();\n"
    "    if (c == 0) {\n"
    "        show(\"child\");\n"
    "        p[0] = 3;\n"
    "        show(\"child-cow\");\n"
    "        execl(\"/bin/mapsprobe\", \"mapsprobe\", \"again\", (char *)0);\n"
    "        _exit(9);\n"
    "    }\n"
    "    int st; waitpid(c, &st, 0);\n"
    "    pthread_t t; pthread_create(&t, 0, worker, 0); pthread_join(t, 0);\n"
    "    show(\"parent\");\n"
    "    return 0;\n"
    "}\n";

static struct dbg *start(const char *path, uint64_t ram)
{
    struct dbg_options o = {.config = {.ram_size = ram, .kernel_path = ORACLE_KERNEL, .program_path = path,
                                       .disk_size = 64 << 20}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static void build(struct ui_model *m, struct dbg *d, struct ui_view *v)
{
    ck_assert_int_eq(ui_model_build(m, d, v, COLS, ROWS), 0);
}

/* The label the memory map must give an area /proc/PID/maps lists. */
static const char *expected_label(const char *perms, const char *name)
{
    if (strcmp(name, "[stack]") == 0)
        return "stack";
    if (strcmp(name, "[heap]") == 0)
        return "heap";
    if (strcmp(name, "[stack guard]") == 0)
        return "guard pages";
    if (strstr(name, "mapsprobe"))
        return perms[2] == 'x' ? "code (text)" : perms[1] == 'w' ? "data / BSS" : "read-only data";
    return perms[0] == '-' && perms[1] == '-' && perms[2] == '-' ? "reserved (mmap)" : "mmap area";
}

struct instant_counts {
    int maps_checked, areas_checked;
    char tags[256];
};

/* At a write(1, "MAPS ...") syscall: the panel against the text. */
static void check_maps_instant(struct dbg *d, const char *text, struct instant_counts *counts)
{
    char tag[32];
    int pid;
    ck_assert_int_eq(sscanf(text, "MAPS %31s %d", tag, &pid), 2);
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    char line[512], want[128];
    /* The process shown is the one writing. */
    ck_assert_int_ge(ui_panel_line(&m, P_MEMMAP, 0, line, sizeof line), 1);
    snprintf(want, sizeof want, "pid %d mapsprobe", pid);
    ck_assert_msg(strstr(line, want), "%s: header '%s' lacks '%s'", tag, line, want);
    /* Every area of /proc/PID/maps is a band under its name. */
    int nareas = 0;
    const char *l = strchr(text, '\n') + 1;
    while (*l && strncmp(l, "MEMINFO", 7) != 0) {
        unsigned long long lo, hi;
        char perms[8] = "", name[256] = "";
        int n = sscanf(l, "%llx-%llx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms, name);
        ck_assert_int_ge(n, 3);
        char *nm = name;
        while (*nm == ' ')
            nm++;
        snprintf(want, sizeof want, "%016llx", lo);
        int at = ui_panel_find(&m, P_MEMMAP, want);
        ck_assert_msg(at >= 0, "%s: the map has no band at %s (%s %s)", tag, want, perms, nm);
        ui_panel_line(&m, P_MEMMAP, at, line, sizeof line);
        const char *label = expected_label(perms, nm);
        ck_assert_msg(strncmp(line, label, strlen(label)) == 0, "%s: band at %s is '%s', /proc says %s %s", tag,
                      want, line, perms, nm);
        nareas++;
        counts->areas_checked++;
        l = strchr(l, '\n');
        ck_assert_ptr_nonnull(l);
        l++;
    }
    /* No page is mapped outside the kernel's areas. */
    ck_assert_int_lt(ui_panel_find(&m, P_MEMMAP, "mapped, no area"), 0);
    snprintf(want, sizeof want, "%d areas (the kernel's)", nareas);
    ck_assert_msg(ui_panel_find(&m, P_MEMMAP, want) == 0, "%s: the header does not say %s", tag, want);
    /* The frames panel's numbers are the kernel's /proc/meminfo. */
    unsigned long long total_kb = 0, free_kb = 0;
    const char *mt = strstr(l, "MemTotal:"), *mf = strstr(l, "MemFree:");
    ck_assert(mt && mf);
    sscanf(mt, "MemTotal: %llu", &total_kb);
    sscanf(mf, "MemFree: %llu", &free_kb);
    snprintf(want, sizeof want, "the kernel: %llu of %llu free", free_kb / 4, total_kb / 4);
    ui_panel_line(&m, P_FRAMES, 0, line, sizeof line);
    ck_assert_msg(strstr(line, want), "%s: frames panel says '%s', /proc/meminfo '%s'", tag, line, want);
    /* The page-table view: every mapped range lies inside an area the
     * guest's /proc lists (its mappings come from its own page tables). */
    int ranges = 0;
    for (int i = 1; ui_panel_line(&m, P_PTABLES, i, line, sizeof line); i++) {
        unsigned long long lo, hi;
        if (sscanf(line, "%llx-%llx", &lo, &hi) != 2 || lo >= 0x800000000000ull)
            continue;
        bool inside = false;
        for (const char *t = strchr(text, '\n') + 1; *t && strncmp(t, "MEMINFO", 7) != 0; t = strchr(t, '\n') + 1) {
            unsigned long long alo, ahi;
            sscanf(t, "%llx-%llx", &alo, &ahi);
            /* merged neighbours may span several areas: check the ends */
            inside |= lo >= alo && lo < ahi;
        }
        ck_assert_msg(inside, "%s: page-table range %s starts outside every area of /proc/%d/maps", tag, line, pid);
        ranges++;
    }
    ck_assert_int_gt(ranges, 0);
    /* The processes panel: the writer's thread runs; a thread instant has
     * two threads; the parent of the child instants waits in wait4. */
    snprintf(want, sizeof want, "pid %d mapsprobe", pid);
    int at = ui_panel_find(&m, P_PROCS, want);
    ck_assert_msg(at >= 0, "%s: no '%s' in the processes panel", tag, want);
    int threads = 0, running = 0;
    /* Its thread lines (a long one wraps) up to the next process. */
    for (int i = at + 1; ui_panel_line(&m, P_PROCS, i, line, sizeof line) && strncmp(line, "pid ", 4) != 0; i++) {
        threads += strstr(line, "tid ") != NULL;
        running += strstr(line, "running on the CPU, ring 0") != NULL;
    }
    ck_assert_int_eq(running, 1); /* at the syscall: in the kernel, on the CPU */
    ck_assert_int_eq(threads, strcmp(tag, "thread") == 0 ? 2 : 1);
    if (strncmp(tag, "child", 5) == 0 || strcmp(tag, "exec") == 0)
        ck_assert_msg(ui_panel_find(&m, P_PROCS, "blocked in wait4()") >= 0, "%s: the parent does not wait", tag);
    counts->maps_checked++;
    strncat(counts->tags, tag, sizeof counts->tags - strlen(counts->tags) - 2);
    strcat(counts->tags, " ");
    ui_model_free(&m);
}

START_TEST(memory_map_is_the_guests_proc_maps)
{
    const char *probe = oracle_compile("mapsprobe", "musl-gcc -static -pthread", probe_source);
    struct dbg *d = start(probe, 32 << 20);
    struct cpu *cpu = machine_cpu(d->m);
    struct instant_counts counts = {0};
    /* Before the first process: the panels say there is none. */
    {
        struct ui_model m = {0};
        struct ui_view v = {0};
        dbg_step_n(d, 1000);
        build(&m, d, &v);
        char line[512];
        ui_panel_line(&m, P_MEMMAP, 0, line, sizeof line);
        ck_assert_msg(strstr(line, "no process"), "at boot: '%s'", line);
        ck_assert_int_lt(ui_panel_find(&m, P_MEMMAP, "code (text)"), 0);
        ck_assert_int_ge(ui_panel_find(&m, P_FRAMES, "the kernel counts none yet"), 0);
        ck_assert_int_ge(ui_panel_find(&m, P_PROCS, "the kernel is still booting"), 0);
        ui_model_free(&m);
    }
    for (int i = 0; i < 2000; i++) {
        dbg_run_command(d, DBG_UNTIL_SYSCALL, 200000000);
        if (strstr(d->status, "exited"))
            break;
        if (cpu->gpr[RAX] != 1 || cpu->gpr[RDI] != 1 || cpu->gpr[RDX] < 5)
            continue;
        size_t n = cpu->gpr[RDX];
        char *text = calloc(n + 1, 1);
        ck_assert_uint_eq(machine_read_virt(d->m, cpu->gpr[RSI], text, n), n);
        if (strncmp(text, "MAPS ", 5) == 0)
            check_maps_instant(d, text, &counts);
        free(text);
    }
    ck_assert_msg(counts.maps_checked == 7, "checked %d instants: %s", counts.maps_checked, counts.tags);
    ck_assert_str_eq(counts.tags, "start mmap child child-cow exec thread parent ");
    dbg_free(d);
}
END_TEST

/* The registers panel's text for a register, e.g. "RAX 0000000000000001". */
static void check_registers_at(struct dbg *d, const char *when, int cols, int rows)
{
    struct ui_model m = {0};
    struct ui_view v = {0};
    ck_assert_int_eq(ui_model_build(&m, d, &v, cols, rows), 0);
    struct cpu *cpu = machine_cpu(d->m);
    char want[96];
    static const char *const names[16] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
                                          "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15"};
    for (int r = 0; r < 16; r++) {
        snprintf(want, sizeof want, "%s %016llx", names[r], (unsigned long long)cpu->gpr[r]);
        ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    }
    snprintf(want, sizeof want, "RIP %016llx", (unsigned long long)cpu->rip);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    snprintf(want, sizeof want, "CR2 %016llx", (unsigned long long)cpu->cr2);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    snprintf(want, sizeof want, "CR3 %016llx", (unsigned long long)cpu->cr3);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    snprintf(want, sizeof want, "FS.base %016llx", (unsigned long long)cpu->seg[SEG_FS].base);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    snprintf(want, sizeof want, "GS.base %016llx", (unsigned long long)cpu->seg[SEG_GS].base);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    snprintf(want, sizeof want, "ring %u: ", cpu->cpl);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    ck_assert_str_eq(m.big.text, cpu->cpl ? "RING 3" : "RING 0");
    snprintf(want, sizeof want, "insn %llu", (unsigned long long)cpu->icount);
    ck_assert_msg(ui_panel_find(&m, P_REGS, want) >= 0, "%s: no '%s'", when, want);
    ui_model_free(&m);
}

/* At 240x80 and at the window's default size (200x60). */
static void check_registers(struct dbg *d, const char *when)
{
    check_registers_at(d, when, COLS, ROWS);
    check_registers_at(d, when, 200, 60);
}

START_TEST(registers_after_every_kind_of_step)
{
    struct dbg *d = start("build/programs/isolation", 32 << 20);
    check_registers(d, "at power-on");
    dbg_step_n(d, 60000);
    check_registers(d, "after step n");
    /* While a run is in progress (the window draws between bursts). */
    dbg_start(d, DBG_RUN);
    for (int i = 0; i < 5; i++) {
        ck_assert_msg(!dbg_advance(d, 777), "the run ended: %s", d->status);
        check_registers(d, "while running");
    }
    dbg_pause(d);
    check_registers(d, "paused");

    static const struct { enum dbg_command cmd; const char *name; } kinds[] = {
        {DBG_STEP, "s"}, {DBG_STEP_OVER, "n"}, {DBG_UNTIL_SYSCALL, "y"}, {DBG_STEP_OUT, "o"},
        {DBG_UNTIL_PAGE_FAULT, "p"}, {DBG_STEP, "s after #PF"}, {DBG_UNTIL_RING, "k"},
        {DBG_UNTIL_INTERRUPT, "i"}, {DBG_STEP_OVER, "n"}, {DBG_UNTIL_SYSCALL, "y"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        dbg_run_command(d, kinds[i].cmd, 20000000);
        check_registers(d, kinds[i].name);
        ck_assert_int_eq(dbg_step_back(d), 0);
        check_registers(d, "u");
        dbg_run_command(d, DBG_STEP, 0);
    }
    dbg_free(d);
}
END_TEST

/* Sampled instants of bundled programs: the process the memory map shows
 * is the one the kernel last switched to (its own OS events), its CR3 is
 * the CPU's in ring 3, and no user page is mapped outside its areas. */
static void sample_program(const char *path, uint64_t ram, uint64_t every, int *pids_seen)
{
    struct dbg *d = start(path, ram);
    struct cpu *cpu = machine_cpu(d->m);
    int checked = 0;
    /* As the window runs: bursts of a run command, the panels drawn
     * between them. */
    dbg_start(d, DBG_RUN);
    for (int i = 0; i < 5000 && !dbg_advance(d, every); i++) {
        if (cpu->cpl != 3)
            continue;
        struct ui_model m = {0};
        struct ui_view v = {0};
        build(&m, d, &v);
        char want[96], line[512];
        ui_panel_line(&m, P_MEMMAP, 0, line, sizeof line);
        snprintf(want, sizeof want, "pid %u ", d->view.current_pid);
        ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "%s at %llu: '%s', the kernel switched to pid %u",
                      path, (unsigned long long)cpu->icount, line, d->view.current_pid);
        const struct osview_process *op = osview_process(&d->view, d->view.current_pid);
        ck_assert_ptr_nonnull(op);
        ck_assert_uint_eq(op->cr3 & ~0xfffull, cpu->cr3 & ~0xfffull);
        snprintf(want, sizeof want, "CR3 %llx ", (unsigned long long)(cpu->cr3 & ~0xfffull));
        ck_assert_msg(strstr(line, want), "'%s' lacks '%s'", line, want);
        ck_assert_int_lt(ui_panel_find(&m, P_MEMMAP, "mapped, no area"), 0);
        ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "stack"), 0);
        if (d->view.current_pid < 64)
            pids_seen[d->view.current_pid]++;
        checked++;
        ui_model_free(&m);
    }
    ck_assert_msg(checked >= 3, "%s: %d instants in ring 3 (%s)", path, checked, d->status);
    /* After the exit: no process. */
    ck_assert_msg(strstr(d->status, "exited"), "%s", d->status);
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    char line[512];
    ui_panel_line(&m, P_MEMMAP, 0, line, sizeof line);
    ck_assert_msg(strstr(line, "(exiting)"), "after exit: '%s'", line);
    ui_model_free(&m);
    dbg_free(d);
}

START_TEST(sampled_instants_of_bundled_programs)
{
    int pids[64] = {0};
    sample_program("build/programs/isolation", 32 << 20, 499, pids);
    ck_assert_int_gt(pids[1], 0);
    ck_assert_int_gt(pids[2], 0); /* the forked child was sampled too */
    memset(pids, 0, sizeof pids);
    sample_program("build/programs/threads", 32 << 20, 7001, pids);
    memset(pids, 0, sizeof pids);
    sample_program("build/programs/hello", 32 << 20, 97, pids);
    memset(pids, 0, sizeof pids);
    sample_program("build/programs/pagefile", 16 << 20, 300007, pids);
}
END_TEST


/* The whole visible state of a position, to compare positions. */
struct position {
    uint64_t icount, rip, rsp, cr2, rflags;
    uint8_t cpl;
    bool delivered;
};

static struct position here(struct dbg *d)
{
    struct cpu *c = machine_cpu(d->m);
    return (struct position){c->icount, c->rip, c->gpr[RSP], c->cr2, cpu_rflags(c), c->cpl, dbg_at_delivery(d)};
}

static void same_position(struct position a, struct position b, const char *when)
{
    ck_assert_msg(a.icount == b.icount && a.rip == b.rip && a.rsp == b.rsp && a.cr2 == b.cr2 &&
                      a.rflags == b.rflags && a.cpl == b.cpl && a.delivered == b.delivered,
                  "%s: icount %llu/%llu rip %llx/%llx cr2 %llx/%llx delivered %d/%d", when,
                  (unsigned long long)a.icount, (unsigned long long)b.icount, (unsigned long long)a.rip,
                  (unsigned long long)b.rip, (unsigned long long)a.cr2, (unsigned long long)b.cr2, a.delivered,
                  b.delivered);
}

/* One model for s, p and u around a page fault (debugger/README.md):
 * s on the faulting instruction stops at the delivery (RIP = the #PF
 * handler, nothing of it run, the instruction count unchanged, the event
 * logged), p stops at the same place, u from there returns to the exact
 * about-to-fault state, and u from the handler's first instruction returns
 * to the delivery. */
START_TEST(stepping_around_a_fault)
{
    struct dbg *d = start("build/programs/isolation", 32 << 20);
    struct cpu *cpu = machine_cpu(d->m);
    struct position delivered, before;
    for (int tries = 0;; tries++) {
        ck_assert_int_lt(tries, 200);
        dbg_run_command(d, DBG_UNTIL_PAGE_FAULT, 50000000);
        ck_assert_msg(dbg_at_delivery(d), "p stopped at: %s", d->status);
        delivered = here(d);
        ck_assert_int_eq(dbg_step_back(d), 0);
        before = here(d);
        if (before.cpl == 3)
            break;
        dbg_run_command(d, DBG_STEP, 0); /* a kernel-mode fault: on to the next */
        same_position(here(d), delivered, "s from a kernel fault's about-to-fault state");
    }
    /* u from the delivery: the about-to-fault state, same instruction count. */
    ck_assert_uint_eq(before.icount, delivered.icount);
    ck_assert(!before.delivered);
    ck_assert_uint_ne(before.rip, delivered.rip);
    check_registers(d, "about to fault");
    /* s on the faulting instruction: the delivery, exactly as p found it. */
    dbg_run_command(d, DBG_STEP, 0);
    same_position(here(d), delivered, "s on the faulting instruction");
    ck_assert_ptr_nonnull(strstr(d->status, "#PF delivered"));
    ck_assert_uint_eq(cpu->cpl, 0);
    const struct dbg_event *e = dbg_event_newest(d, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->kind, TRACE_EXCEPTION);
    ck_assert_uint_eq(e->icount, delivered.icount);
    check_registers(d, "delivered");
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    ck_assert_int_ge(ui_panel_find(&m, P_WALK, "#PF: faulting access at CR2"), 0);
    ui_model_free(&m);
    /* s: the handler's first instruction runs. */
    dbg_run_command(d, DBG_STEP, 0);
    struct position first = here(d);
    ck_assert_uint_eq(first.icount, delivered.icount + 1);
    ck_assert(!first.delivered);
    /* u, u, u: the delivery, the about-to-fault state, the instruction before. */
    ck_assert_int_eq(dbg_step_back(d), 0);
    same_position(here(d), delivered, "u from the handler's first instruction");
    check_registers(d, "u to the delivery");
    ck_assert_int_eq(dbg_step_back(d), 0);
    same_position(here(d), before, "u from the delivery");
    ck_assert_int_eq(dbg_step_back(d), 0);
    ck_assert_uint_eq(cpu->icount, before.icount - 1);
    ck_assert(!dbg_at_delivery(d));
    /* s, s: the faulting instruction again, then its delivery; p from the
     * about-to-fault state stops at the same delivery. */
    dbg_run_command(d, DBG_STEP, 0);
    same_position(here(d), before, "s to the faulting instruction");
    dbg_run_command(d, DBG_STEP, 0);
    same_position(here(d), delivered, "s again");
    ck_assert_int_eq(dbg_step_back(d), 0);
    dbg_run_command(d, DBG_UNTIL_PAGE_FAULT, 1000);
    same_position(here(d), delivered, "p from the about-to-fault state");
    /* n (step over) on the faulting instruction: a plain instruction is a
     * step (the delivery); a call (here its push faults: CR2 is on the
     * stack) is stepped over whole, fault, handler and callee included. */
    ck_assert_int_eq(dbg_step_back(d), 0);
    dbg_run_command(d, DBG_STEP_OVER, 10000000);
    if (delivered.cr2 >> 12 == (before.rsp - 8) >> 12) {
        ck_assert(!dbg_at_delivery(d));
        ck_assert_uint_eq(cpu->cpl, 3);
        ck_assert_uint_eq(cpu->gpr[RSP], before.rsp);
        ck_assert_uint_gt(cpu->icount, delivered.icount + 1);
    } else {
        same_position(here(d), delivered, "n on the faulting instruction");
    }
    dbg_free(d);
}
END_TEST


/* The memory panel, walk-any-address and the page-table view in
 * isolation at the child's write(2) of its report: by then the child wrote
 * 222 and the parent 111 into the global at 0x408008 (the program says
 * so), each in its own copy of the page. */
static bool cell_bg_is(const struct ui_model *m, enum ui_panel_id p, int line, int col, uint8_t bg)
{
    struct ui_rect r = m->panel[p];
    return m->cells[(r.y + 1 + line) * m->cols + r.x + 1 + col].bg == bg;
}

START_TEST(memory_panel_walk_any_address_and_page_tables)
{
    struct dbg *d = start("build/programs/isolation", 32 << 20);
    struct cpu *cpu = machine_cpu(d->m);
    /* The first user-mode store: the memory panel follows it, the bytes
     * written highlighted, the same bytes as the CPU reads there. */
    const struct dbg_access *w = NULL;
    for (int i = 0; i < 5000000 && !w; i++) {
        dbg_run_command(d, DBG_STEP, 0);
        for (size_t k = 0; k < d->nacc; k++)
            if (d->acc[k].kind == MEM_WRITE && d->acc[k].va < 0x800000000000ull && cpu->cpl == 3)
                w = &d->acc[k];
    }
    ck_assert_ptr_nonnull(w);
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    char want[128], line[512];
    snprintf(want, sizeof want, "write of %u bytes at 0x%llx", w->size, (unsigned long long)w->va);
    ck_assert_msg(ui_panel_find(&m, P_MEMORY, want) >= 0, "no '%s'", want);
    uint64_t row = w->va & ~7ull;
    snprintf(want, sizeof want, "%016llx ", (unsigned long long)row);
    int l = ui_panel_find(&m, P_MEMORY, want);
    ck_assert_int_ge(l, 0);
    ui_panel_line(&m, P_MEMORY, l, line, sizeof line);
    uint8_t bytes[8];
    ck_assert_uint_eq(machine_read_virt(d->m, row, bytes, 8), 8);
    char hex[64] = "";
    for (int k = 0; k < 8; k++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x ", bytes[k]);
    ck_assert_msg(strstr(line, hex), "'%s' lacks '%s'", line, hex);
    for (int k = 0; k < 8; k++) {
        bool written = row + k >= w->va && row + k < w->va + w->size;
        ck_assert_msg(cell_bg_is(&m, P_MEMORY, l, 17 + 3 * k, C_ACC_WRITE) == written, "byte %d highlight", k);
    }
    /* The same bytes in physical memory, at the frame the walk found. */
    ui_view_memory_physical(&v, w->pa);
    build(&m, d, &v);
    snprintf(want, sizeof want, "%016llx ", (unsigned long long)(w->pa & ~7ull));
    l = ui_panel_find(&m, P_MEMORY, want);
    ck_assert_int_ge(l, 0);
    ui_panel_line(&m, P_MEMORY, l, line, sizeof line);
    ck_assert_msg(strstr(line, hex), "physical: '%s' lacks '%s'", line, hex);
    /* Unmapped pages say what the kernel has there. */
    ui_view_memory_at(&v, 0, 0x7fffff6ff000ull);  /* below the stack: the guard */
    build(&m, d, &v);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMORY, "page 7fffff6ff000 not mapped (guard)"), 0);
    ui_view_memory_at(&v, 0, 0x1000);
    build(&m, d, &v);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMORY, "page 1000 not mapped (unmapped)"), 0);

    /* On to the child's report (write or writev on fd 1 by pid 2). */
    for (int i = 0; i < 500; i++) {
        dbg_run_command(d, DBG_UNTIL_SYSCALL, 50000000);
        if (d->view.current_pid == 2 && (cpu->gpr[RAX] == 1 || cpu->gpr[RAX] == 20) && cpu->gpr[RDI] == 1)
            break;
    }
    ck_assert_uint_eq(d->view.current_pid, 2);
    const struct osview_process *p1 = osview_process(&d->view, 1), *p2 = osview_process(&d->view, 2);
    ck_assert(p1 && p2 && p1->cr3 && p2->cr3);
    static const struct { uint32_t pid; uint8_t value; } procs[] = {{1, 111}, {2, 222}};
    uint64_t frames[2];
    for (int i = 0; i < 2; i++) {
        const struct osview_process *op = i ? p2 : p1;
        ui_view_memory_at(&v, procs[i].pid, 0x408008);
        ui_view_walk(&v, procs[i].pid, 0x408008);
        ui_view_process(&v, procs[i].pid);
        build(&m, d, &v);
        l = ui_panel_find(&m, P_MEMORY, "0000000000408008 ");
        ck_assert_int_ge(l, 0);
        ui_panel_line(&m, P_MEMORY, l, line, sizeof line);
        snprintf(want, sizeof want, "0000000000408008 %02x 00 00 00 00 00 00 00", procs[i].value);
        ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "pid %u: '%s'", procs[i].pid, line);
        /* The walk in that process's page tables (CR3 from its context
         * switches, the kernel's own report). */
        struct mmu_peek pk;
        ck_assert(mmu_peek(machine_mmu(d->m), op->cr3, 0x408008, &pk));
        frames[i] = pk.pa;
        snprintf(want, sizeof want, "physical address 0x%llx ", (unsigned long long)pk.pa);
        ck_assert_msg(ui_panel_find(&m, P_WALK, want) >= 0, "pid %u walk lacks '%s'", procs[i].pid, want);
        snprintf(want, sizeof want, "walk asked for, in pid %u", procs[i].pid);
        ck_assert_int_ge(ui_panel_find(&m, P_WALK, want), 0);
        /* The page-table view of that process lists the global's page,
         * read-only in neither after copy-on-write. */
        snprintf(want, sizeof want, "pid %u, CR3 %llx", procs[i].pid, (unsigned long long)(op->cr3 & ~0xfffull));
        ck_assert_msg(ui_panel_find(&m, P_PTABLES, want) == 0, "no '%s'", want);
        bool listed = false;
        for (int k = 1; ui_panel_line(&m, P_PTABLES, k, line, sizeof line); k++) {
            unsigned long long lo, hi;
            if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && 0x408008 >= lo && 0x408008 < hi)
                listed = strstr(line, " urw ") != NULL;
        }
        ck_assert(listed);
        /* The memory map shows that process too. */
        snprintf(want, sizeof want, "pid %u isolation", procs[i].pid);
        ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, want), 0);
    }
    ck_assert_uint_ne(frames[0] >> 12, frames[1] >> 12); /* two copies of the page */
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_truth");
    TCase *t = tcase_create("truth");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, memory_map_is_the_guests_proc_maps);
    tcase_add_test(t, registers_after_every_kind_of_step);
    tcase_add_test(t, sampled_instants_of_bundled_programs);
    tcase_add_test(t, stepping_around_a_fault);
    tcase_add_test(t, memory_panel_walk_any_address_and_page_tables);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    oracle_cleanup();
    return failed ? 1 : 0;
}
