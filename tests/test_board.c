/* test_board.c — bare-metal guests through the real board: each guest in
 * tests/guests-elf is an ELF64 kernel linked at the higher half, loaded by
 * the real loader, running on the boot page tables with its own IDT,
 * talking to the real devices through the 8259s.  What a guest observed
 * comes back as its exit-port status; the host side checks the console,
 * the disk image, the OS events and the virtual times at which interrupts
 * were delivered.
 *
 * Oracles: the 16550, 8254, 8259, i8042 and ATA datasheets (e.g. the 8254
 * input clock of 1.193182 MHz, scancode set 1: A = 1E/9E), the host file
 * behind --disk, and symbol addresses from the guest ELF (built by gas/ld). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/debugport.h"
#include "machine/machine.h"
#include "os/abi/osevent.h"
#include "tests/guest_elf.h"

static struct machine *boot(const char *guest, struct machine_config c)
{
    char path[256], err[256];
    ck_assert_int_eq(guest_elf_build(guest, path, sizeof path), 0);
    c.kernel_path = path;
    if (!c.ram_size)
        c.ram_size = 32ull << 20;
    struct machine *m = machine_new(&c, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_new: %s", err);
    return m;
}

/* Run to the exit port (with a generous instruction budget). */
static int64_t run_to_exit(struct machine *m)
{
    struct machine_until u = {.max_insns = 50000000, .vector = -1};
    struct machine_stop s = machine_run(m, &u);
    ck_assert_msg(s.event == MEV_EXIT, "stopped with event %d at RIP 0x%llx", s.event,
                  (unsigned long long)s.rip);
    return machine_exit_status(m);
}

static void console_is(struct machine *m, const char *expect)
{
    size_t n;
    const uint8_t *out = machine_console(m, &n);
    ck_assert_uint_eq(n, strlen(expect));
    ck_assert_mem_eq(out, expect, n);
}

/* A guest symbol's address from the kernel ELF's symbol table. */
static uint64_t symbol(struct machine *m, const char *name)
{
    const Elf64_Sym *syms;
    size_t n, strsz;
    const char *str;
    ck_assert(elf_symtab(machine_kernel(m), &syms, &n, &str, &strsz));
    for (size_t i = 0; i < n; i++)
        if (strcmp(elf_symbol_name(&syms[i], str, strsz), name) == 0)
            return syms[i].st_value;
    ck_abort_msg("no symbol %s", name);
    return 0;
}

/* ---- devices through the board ---- */

START_TEST(uart_prints_with_tx_interrupts)
{
    struct machine *m = boot("uart_tx", (struct machine_config){0});
    /* The first THR-empty interrupt comes as soon as IER.ETBEI is set. */
    struct machine_until u = {.vector = 0x24, .max_insns = 100000};
    struct machine_stop s = machine_run(m, &u);
    ck_assert_int_eq(s.event, MEV_EXCEPTION);
    ck_assert_uint_eq(s.vector, 0x24);
    ck_assert_uint_eq(s.rip, symbol(m, "uart_irq"));
    /* Each byte written to THR re-arms the interrupt: one per byte, plus
     * the one after the last byte that turns ETBEI off. */
    ck_assert_int_eq(run_to_exit(m), (int)strlen("sent by interrupts\n") + 1);
    console_is(m, "sent by interrupts\n");
    machine_free(m);
}
END_TEST

START_TEST(uart_receives_input_by_interrupt)
{
    struct machine *m = boot("uart_rx", (struct machine_config){.input = "ping\n", .input_len = 5});
    ck_assert_int_ge(run_to_exit(m), 1);
    console_is(m, "got: ping\n");
    machine_free(m);
}
END_TEST

START_TEST(uart_input_arriving_while_idle_wakes_the_guest)
{
    struct machine *m = boot("uart_rx", (struct machine_config){0});
    struct machine_stop s = machine_run(m, NULL);
    ck_assert_int_eq(s.event, MEV_IDLE); /* sleeping in HLT, nothing can wake it yet */
    uint64_t t = machine_time_ns(m);
    ck_assert_uint_eq(machine_input(m, "pong\n", 5), 5);
    ck_assert_int_eq(run_to_exit(m), 1); /* one interrupt drains all five bytes */
    console_is(m, "got: pong\n");
    ck_assert_uint_gt(machine_time_ns(m), t);
    machine_free(m);
}
END_TEST

/* 8254: a count N written at time t is loaded on the first input-clock
 * edge after t; IRQ0 then comes every N edges; edge k is at k / 1.193182 MHz. */
static double edge_time_ns(uint64_t k) { return k * 1e9 / 1193182.0; }

START_TEST(pit_interrupts_at_expected_virtual_times)
{
    struct machine *m = boot("pit", (struct machine_config){0});
    uint64_t bp = symbol(m, "count_written");
    struct machine_until to_write = {.breakpoints = &bp, .nbreakpoints = 1, .vector = -1, .max_insns = 100000};
    struct machine_stop s = machine_run(m, &to_write);
    ck_assert_int_eq(s.event, MEV_BREAKPOINT);
    ck_assert_uint_eq(s.rip, bp);
    /* The next instruction is `mov`, then the `out` that completes the count. */
    uint64_t t_write = machine_time_ns(m) + 1;
    uint64_t first_edge = (uint64_t)(t_write * 1193182.0 / 1e9) + 1;
    const uint64_t N = 1193;
    for (uint64_t k = 1; k <= 5; k++) {
        struct machine_until tick = {.vector = 0x20, .max_insns = 100000};
        s = machine_run(m, &tick);
        ck_assert_int_eq(s.event, MEV_EXCEPTION);
        double expect = edge_time_ns(first_edge + k * N);
        double got = (double)machine_time_ns(m);
        ck_assert_msg(got >= expect - 1 && got <= expect + 1, "IRQ0 #%llu at %.0f ns, expected %.1f ns",
                      (unsigned long long)k, got, expect);
    }
    ck_assert_int_eq(run_to_exit(m), 5);
    /* Five milliseconds of virtual time for a few thousand instructions:
     * HLT skipped the idle time instead of spinning through it. */
    ck_assert_uint_lt(machine_cpu(m)->icount, 10000);
    ck_assert_uint_gt(machine_idle_ns(m), 4900000);
    ck_assert_uint_eq(machine_time_ns(m), machine_cpu(m)->icount + machine_idle_ns(m));
    machine_free(m);
}
END_TEST

START_TEST(runs_are_deterministic)
{
    uint64_t t[2], n[2];
    for (int i = 0; i < 2; i++) {
        struct machine *m = boot("pit", (struct machine_config){0});
        ck_assert_int_eq(run_to_exit(m), 5);
        t[i] = machine_time_ns(m);
        n[i] = machine_cpu(m)->icount;
        machine_free(m);
    }
    ck_assert_uint_eq(t[0], t[1]);
    ck_assert_uint_eq(n[0], n[1]);
}
END_TEST

START_TEST(scripted_key_press_arrives_as_irq1)
{
    struct machine *m = boot("keyboard", (struct machine_config){.keys_script = "@2ms a press"});
    struct machine_until irq1 = {.vector = 0x21, .max_insns = 100000};
    struct machine_stop s = machine_run(m, &irq1);
    ck_assert_int_eq(s.event, MEV_EXCEPTION);
    ck_assert_uint_ge(machine_time_ns(m), 2000000);
    ck_assert_uint_le(machine_time_ns(m), 2000000 + 100);
    /* press = down, then up 10 ms later (KEYS_PRESS_NS). */
    s = machine_run(m, &irq1);
    ck_assert_int_eq(s.event, MEV_EXCEPTION);
    ck_assert_uint_ge(machine_time_ns(m), 12000000);
    ck_assert_uint_le(machine_time_ns(m), 12000000 + 100);
    /* Scancode set 1 (what the i8042 translates to): A make 1E, break 9E. */
    ck_assert_int_eq(run_to_exit(m), 0x1e9e);
    machine_free(m);
}
END_TEST

START_TEST(key_events_from_the_api)
{
    struct machine *m = boot("keyboard", (struct machine_config){0});
    ck_assert_int_eq(machine_run(m, NULL).event, MEV_IDLE);
    machine_key(m, KEY_SPACE, true); /* set 1: 39 make, B9 break */
    struct machine_until irq1 = {.vector = 0x21, .max_insns = 100000};
    ck_assert_int_eq(machine_run(m, &irq1).event, MEV_EXCEPTION);
    ck_assert_int_eq(machine_run(m, NULL).event, MEV_IDLE);
    machine_key(m, KEY_SPACE, false);
    ck_assert_int_eq(run_to_exit(m), 0x39b9);
    machine_free(m);
}
END_TEST

START_TEST(ata_writes_and_reads_back_a_sector)
{
    char path[] = "/tmp/rs-disk-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 64 * 512), 0);
    close(fd);
    struct machine *m = boot("ata", (struct machine_config){.disk_path = path});
    ck_assert_int_eq(run_to_exit(m), 0);
    machine_free(m); /* closes (flushes) the disk image */
    /* The host file holds the sector at LBA 5, byte i = i ^ 0x5A. */
    FILE *f = fopen(path, "rb");
    uint8_t disk[64 * 512];
    ck_assert_uint_eq(fread(disk, 1, sizeof disk, f), sizeof disk);
    fclose(f);
    unlink(path);
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(disk[5 * 512 + i], (uint8_t)(i ^ 0x5a));
    for (int i = 0; i < 5 * 512; i++)
        ck_assert_uint_eq(disk[i], 0);
    /* And on the default in-memory disk. */
    m = boot("ata", (struct machine_config){0});
    ck_assert_int_eq(run_to_exit(m), 0);
    machine_free(m);
}
END_TEST

struct seen_events {
    int count;
    struct os_event last;
};

static void on_event(void *ctx, const struct os_event *ev)
{
    struct seen_events *s = ctx;
    s->count++;
    s->last = *ev;
}

static bool on_os_watch(void *ctx, const struct watch_event *e)
{
    on_event(ctx, e->os);
    return false;
}

START_TEST(os_event_and_exit_port)
{
    struct machine *m = boot("osevent", (struct machine_config){0});
    struct seen_events seen = {0};
    struct watcher w = {.on[WATCH_OS] = on_os_watch, .ctx = &seen};
    ck_assert_int_eq(machine_attach(m, &w), 0);
    ck_assert_int_eq(run_to_exit(m), 42);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.last.type, OSEV_PROC_CREATE);
    ck_assert_uint_eq(seen.last.pid, 7);
    ck_assert_uint_eq(seen.last.proc.pid, 7);
    ck_assert_uint_eq(seen.last.proc.parent, 1);
    ck_assert_str_eq(seen.last.text, "init");
    size_t n;
    const uint8_t *log = machine_kernel_log(m, &n);
    ck_assert_uint_eq(n, 11);
    ck_assert_mem_eq(log, "event sent\n", 11);
    /* Exited stays exited. */
    ck_assert_int_eq(machine_run(m, NULL).event, MEV_EXIT);
    machine_free(m);
}
END_TEST

/* ---- the run API ---- */

START_TEST(syscall_and_ring_change_stops)
{
    struct machine *m = boot("rings", (struct machine_config){0});
    struct machine_until ring = {.ring_change = true, .vector = -1, .max_insns = 1000};
    struct machine_stop s = machine_run(m, &ring);
    ck_assert_int_eq(s.event, MEV_RING_CHANGE);
    ck_assert_int_eq(s.cpl_before, 0);
    ck_assert_int_eq(s.cpl_after, 3);
    ck_assert_int_eq(machine_cpu(m)->cpl, 3);
    ck_assert_uint_eq(s.rip, symbol(m, "user_code") - 0xffffffff80000000ull);
    struct machine_until sys = {.syscall = true, .vector = -1, .max_insns = 1000};
    s = machine_run(m, &sys);
    ck_assert_int_eq(s.event, MEV_SYSCALL);
    ck_assert_uint_eq(s.rip, symbol(m, "syscall_entry"));
    ck_assert_int_eq(machine_cpu(m)->cpl, 0);
    ck_assert_int_eq(run_to_exit(m), 0x3c07);
    machine_free(m);
}
END_TEST

START_TEST(breakpoints_steps_and_budgets)
{
    struct machine *m = boot("rings", (struct machine_config){0});
    uint64_t entry = machine_cpu(m)->rip, bp = symbol(m, "to_user");
    ck_assert_uint_eq(entry, machine_kernel(m)->entry);
    struct machine_stop s = machine_step(m, 3);
    ck_assert_int_eq(s.event, MEV_BUDGET);
    ck_assert_uint_eq(machine_cpu(m)->icount, 3);
    struct machine_until u = {.breakpoints = &bp, .nbreakpoints = 1, .vector = -1};
    s = machine_run(m, &u);
    ck_assert_int_eq(s.event, MEV_BREAKPOINT);
    ck_assert_uint_eq(machine_cpu(m)->rip, bp);
    uint64_t n = machine_cpu(m)->icount;
    /* Resuming at a breakpoint executes it (here: SYSRETQ to ring 3). */
    s = machine_step(m, 1);
    ck_assert_uint_eq(machine_cpu(m)->icount, n + 1);
    ck_assert_int_eq(machine_cpu(m)->cpl, 3);
    /* Memory through the guest's page tables: the user code's first bytes
     * (mov $60, %eax = B8 3C 00 00 00). */
    uint8_t code[5];
    ck_assert_uint_eq(machine_read_virt(m, machine_cpu(m)->rip, code, 5), 5);
    ck_assert_mem_eq(code, "\xb8\x3c\x00\x00\x00", 5);
    ck_assert_uint_eq(machine_read_virt(m, 0x0000700000000000ull, code, 5), 0); /* unmapped */
    ck_assert_int_eq(run_to_exit(m), 0x3c07);
    machine_free(m);
}
END_TEST

START_TEST(triple_fault_and_halt_are_final)
{
    struct machine *m = boot("triple", (struct machine_config){0});
    struct machine_stop s = machine_run(m, NULL);
    ck_assert_int_eq(s.event, MEV_TRIPLE_FAULT);
    ck_assert_int_eq(machine_run(m, NULL).event, MEV_TRIPLE_FAULT);
    machine_free(m);
    m = boot("minimal", (struct machine_config){0});
    s = machine_run(m, NULL);
    ck_assert_int_eq(s.event, MEV_HALTED);
    ck_assert_uint_eq(s.rip, machine_kernel(m)->entry + 2); /* after cli; hlt */
    machine_free(m);
}
END_TEST

static int before_calls;
static bool count_before(void *ctx, const struct watch_event *e)
{
    (void)ctx;
    ck_assert_int_eq(e->kind, WATCH_INSN);
    return ++before_calls == 10;
}

START_TEST(observer_sees_every_instruction_and_can_stop)
{
    struct machine *m = boot("hello", (struct machine_config){0});
    struct watcher w = {.on[WATCH_INSN] = count_before};
    ck_assert_int_eq(machine_attach(m, &w), 0);
    before_calls = 0;
    struct machine_stop s = machine_run(m, NULL);
    ck_assert_int_eq(s.event, MEV_REQUEST);
    ck_assert_ptr_eq(s.watcher, &w);
    ck_assert_uint_eq(machine_cpu(m)->icount, 10);
    machine_detach(m, &w);
    ck_assert_ptr_null(machine_cpu(m)->observer); /* back on the fast path */
    ck_assert_int_eq(run_to_exit(m), 0);
    console_is(m, "hello from the test kernel: \n");
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("board");
    TCase *dev = tcase_create("devices");
    tcase_set_timeout(dev, 60);
    tcase_add_test(dev, uart_prints_with_tx_interrupts);
    tcase_add_test(dev, uart_receives_input_by_interrupt);
    tcase_add_test(dev, uart_input_arriving_while_idle_wakes_the_guest);
    tcase_add_test(dev, pit_interrupts_at_expected_virtual_times);
    tcase_add_test(dev, runs_are_deterministic);
    tcase_add_test(dev, scripted_key_press_arrives_as_irq1);
    tcase_add_test(dev, key_events_from_the_api);
    tcase_add_test(dev, ata_writes_and_reads_back_a_sector);
    tcase_add_test(dev, os_event_and_exit_port);
    suite_add_tcase(s, dev);
    TCase *api = tcase_create("run api");
    tcase_set_timeout(api, 60);
    tcase_add_test(api, syscall_and_ring_change_stops);
    tcase_add_test(api, breakpoints_steps_and_budgets);
    tcase_add_test(api, triple_fault_and_halt_are_final);
    tcase_add_test(api, observer_sees_every_instruction_and_can_stop);
    suite_add_tcase(s, api);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
