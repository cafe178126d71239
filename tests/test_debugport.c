/* test_debugport.c — the kernel-log port 0xE9, the OS-event record
 * protocol of os/abi/osevent.h (a guest writes a record into "RAM" and
 * OUTs its physical address), and the exit port, driven like the guest
 * kernel drives them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "machine/debugport.h"

#define RAM_SIZE 8192

static struct debugport dp;
static uint8_t ram[RAM_SIZE];
static char lines[8][DEBUGPORT_LINE_MAX + 1];
static int nlines;
static struct os_event events[8];
static int nevents;
static int exits;
static uint32_t exit_status;

static void on_log(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    ck_assert_int_lt(nlines, 8);
    memcpy(lines[nlines], line, len);
    lines[nlines][len] = 0;
    nlines++;
}

static void on_event(void *ctx, const struct os_event *ev)
{
    (void)ctx;
    ck_assert_int_lt(nevents, 8);
    events[nevents++] = *ev;
}

static void on_exit_port(void *ctx, uint32_t status)
{
    (void)ctx;
    exits++;
    exit_status = status;
}

static int read_phys(void *ctx, uint64_t pa, void *buf, size_t len)
{
    (void)ctx;
    if (pa > RAM_SIZE || len > RAM_SIZE - pa)
        return -1;
    memcpy(buf, ram + pa, len);
    return 0;
}

static void setup(void)
{
    struct debugport_callbacks cb = {
        .log = on_log, .event = on_event, .exit = on_exit_port, .read_phys = read_phys,
    };
    debugport_init(&dp, &cb);
    memset(ram, 0, sizeof ram);
    nlines = nevents = exits = 0;
    exit_status = 0;
}

static void out_string(const char *s)
{
    while (*s)
        debugport_write(&dp, 0xE9, 1, (uint8_t)*s++);
}

/* The guest side: fill a record at pa, then OUT its address. */
static void report(uint64_t pa, uint16_t type, uint32_t pid, uint32_t tid, const uint64_t arg[6],
                   const char *text)
{
    struct osev_record r = {.magic = OSEV_MAGIC, .type = type, .pid = pid, .tid = tid};
    memcpy(r.arg, arg, sizeof r.arg);
    if (text)
        memcpy(r.text, text, strnlen(text, sizeof r.text));
    memcpy(ram + pa, &r, sizeof r);
    debugport_write(&dp, OSEV_ADDR_HI_PORT, 4, (uint32_t)(pa >> 32));
    debugport_write(&dp, OSEV_ADDR_LO_PORT, 4, (uint32_t)pa);
}

START_TEST(log_is_line_buffered)
{
    out_string("hel");
    out_string("lo\nworld");
    ck_assert_int_eq(nlines, 1);
    ck_assert_str_eq(lines[0], "hello");
    out_string("\n\n");
    ck_assert_int_eq(nlines, 3);
    ck_assert_str_eq(lines[1], "world");
    ck_assert_str_eq(lines[2], "");
}
END_TEST

START_TEST(flush_emits_partial_line)
{
    out_string("no newline");
    ck_assert_int_eq(nlines, 0);
    debugport_flush(&dp);
    ck_assert_int_eq(nlines, 1);
    ck_assert_str_eq(lines[0], "no newline");
    debugport_flush(&dp);
    ck_assert_int_eq(nlines, 1);
}
END_TEST

START_TEST(long_line_is_cut)
{
    for (int i = 0; i < DEBUGPORT_LINE_MAX + 6; i++)
        debugport_write(&dp, 0xE9, 1, 'x');
    ck_assert_int_eq(nlines, 1);
    ck_assert_uint_eq(strlen(lines[0]), DEBUGPORT_LINE_MAX);
    out_string("\n");
    ck_assert_str_eq(lines[1], "xxxxxx");
}
END_TEST

START_TEST(wide_out_logs_each_byte)
{
    debugport_write(&dp, 0xE9, 4, 0x0A434241); /* "ABC\n" little-endian */
    ck_assert_int_eq(nlines, 1);
    ck_assert_str_eq(lines[0], "ABC");
}
END_TEST

START_TEST(presence_check)
{
    ck_assert_uint_eq(debugport_read(&dp, 0xE9, 1), 0xE9);
    ck_assert(debugport_handles(0xE9) && debugport_handles(0xF4));
    ck_assert(debugport_handles(0x500) && debugport_handles(0x504));
    ck_assert(!debugport_handles(0x501) && !debugport_handles(0x3F8));
}
END_TEST

START_TEST(exit_port)
{
    debugport_write(&dp, 0xF4, 1, 42);
    ck_assert_int_eq(exits, 1);
    ck_assert_uint_eq(exit_status, 42);
    ck_assert(dp.exited);
    ck_assert_uint_eq(dp.exit_status, 42);
}
END_TEST

START_TEST(vma_and_page_events)
{
    const uint64_t vma[6] = {0x400000, 0x10000, OSEV_PROT_READ | OSEV_PROT_WRITE};
    report(0x100, OSEV_VMA_COMMIT, 3, 4, vma, NULL);
    const uint64_t page[6] = {0x7fff0000, 0x2345000, 17};
    report(0x1001, OSEV_PAGE_OUT, 3, 4, page, NULL); /* unaligned is fine */
    ck_assert_int_eq(nevents, 2);
    ck_assert_int_eq(events[0].type, OSEV_VMA_COMMIT);
    ck_assert_uint_eq(events[0].pid, 3);
    ck_assert_uint_eq(events[0].tid, 4);
    ck_assert_uint_eq(events[0].record_pa, 0x100);
    ck_assert_uint_eq(events[0].vma.start, 0x400000);
    ck_assert_uint_eq(events[0].vma.length, 0x10000);
    ck_assert_uint_eq(events[0].vma.prot, 3);
    ck_assert_int_eq(events[1].type, OSEV_PAGE_OUT);
    ck_assert_uint_eq(events[1].page.va, 0x7fff0000);
    ck_assert_uint_eq(events[1].page.frame, 0x2345000);
    ck_assert_uint_eq(events[1].page.slot, 17);
    ck_assert_uint_eq(dp.events, 2);
}
END_TEST

START_TEST(process_thread_switch_events)
{
    const uint64_t create[6] = {7, 1};
    report(0x200, OSEV_PROC_CREATE, 1, 1, create, "/bin/hello");
    const uint64_t exit_args[6] = {7, (uint64_t)-11 & 0xFFFFFFFF};
    report(0x200, OSEV_PROC_EXIT, 7, 7, exit_args, NULL);
    const uint64_t thread[6] = {9, 7, 0};
    report(0x200, OSEV_THREAD_CREATE, 7, 7, thread, NULL);
    const uint64_t sw[6] = {7, 9, 1, 1, 0x5000, 0x9000};
    report(0x200, OSEV_CONTEXT_SWITCH, 7, 9, sw, NULL);
    ck_assert_int_eq(nevents, 4);
    ck_assert_uint_eq(events[0].proc.pid, 7);
    ck_assert_uint_eq(events[0].proc.parent, 1);
    ck_assert_str_eq(events[0].text, "/bin/hello");
    ck_assert_int_eq(events[1].proc.status, -11);
    ck_assert_str_eq(events[1].text, "");
    ck_assert_uint_eq(events[2].thread.tid, 9);
    ck_assert_uint_eq(events[2].thread.pid, 7);
    ck_assert_uint_eq(events[3].sw.old_pid, 7);
    ck_assert_uint_eq(events[3].sw.old_tid, 9);
    ck_assert_uint_eq(events[3].sw.new_pid, 1);
    ck_assert_uint_eq(events[3].sw.new_tid, 1);
    ck_assert_uint_eq(events[3].sw.old_cr3, 0x5000);
    ck_assert_uint_eq(events[3].sw.new_cr3, 0x9000);
}
END_TEST

START_TEST(syscall_name_and_panic)
{
    const uint64_t sys[6] = {257};
    report(0x300, OSEV_SYSCALL_NAME, 2, 2, sys, "openat");
    char message[OSEV_TEXT_SIZE + 1];
    memset(message, 'p', OSEV_TEXT_SIZE); /* all 64 bytes used: no NUL in the record */
    message[OSEV_TEXT_SIZE] = 0;
    const uint64_t panic[6] = {0xffffffff80001234};
    report(0x300, OSEV_PANIC, 0, 0, panic, message);
    ck_assert_uint_eq(events[0].syscall.number, 257);
    ck_assert_str_eq(events[0].text, "openat");
    ck_assert_uint_eq(events[1].panic.rip, 0xffffffff80001234);
    ck_assert_str_eq(events[1].text, message);
}
END_TEST

START_TEST(invalid_records)
{
    const uint64_t none[6] = {0};
    report(0x400, 99, 1, 1, none, NULL);
    ck_assert_int_eq(events[0].type, OS_EVENT_INVALID);
    ck_assert_str_eq(events[0].invalid_reason, "unknown record type");
    memset(ram + 0x400, 0, 4); /* magic gone */
    debugport_write(&dp, OSEV_ADDR_LO_PORT, 4, 0x400);
    ck_assert_str_eq(events[1].invalid_reason, "bad magic");
    debugport_write(&dp, OSEV_ADDR_LO_PORT, 4, RAM_SIZE - 64); /* runs past RAM */
    ck_assert_str_eq(events[2].invalid_reason, "record address outside RAM");
    debugport_write(&dp, OSEV_ADDR_HI_PORT, 4, 0xFFFFFFFF);
    debugport_write(&dp, OSEV_ADDR_LO_PORT, 4, 0xFFFFFFC0);   /* pa + 128 wraps */
    ck_assert_str_eq(events[3].invalid_reason, "record address outside RAM");
    ck_assert_uint_eq(dp.invalid_events, 4);
    ck_assert_uint_eq(dp.events, 0);
}
END_TEST

START_TEST(high_address_latch)
{
    debugport_write(&dp, OSEV_ADDR_HI_PORT, 4, 1);
    ck_assert_uint_eq(debugport_read(&dp, OSEV_ADDR_HI_PORT, 4), 1);
    debugport_write(&dp, OSEV_ADDR_LO_PORT, 4, 0x100);
    ck_assert_uint_eq(events[0].record_pa, 0x100000100ull);
    ck_assert_int_eq(events[0].type, OS_EVENT_INVALID);
}
END_TEST

START_TEST(type_names)
{
    ck_assert_str_eq(os_event_type_name(OSEV_VMA_RESERVE), "vma-reserve");
    ck_assert_str_eq(os_event_type_name(OSEV_PAGE_IN), "page-in");
    ck_assert_str_eq(os_event_type_name(OSEV_CONTEXT_SWITCH), "context-switch");
    ck_assert_str_eq(os_event_type_name(OSEV_PANIC), "panic");
    ck_assert_str_eq(os_event_type_name(OS_EVENT_INVALID), "invalid");
    ck_assert_str_eq(os_event_type_name(1000), "unknown");
    ck_assert_str_eq(os_event_type_name(-1), "unknown");
}
END_TEST

START_TEST(no_callbacks_is_safe)
{
    struct debugport_callbacks none = {0};
    debugport_init(&dp, &none);
    out_string("quiet\n");
    debugport_write(&dp, OSEV_ADDR_LO_PORT, 4, 0x100);
    debugport_write(&dp, 0xF4, 4, 1);
    ck_assert(dp.exited);
    ck_assert_uint_eq(dp.invalid_events, 1);
}
END_TEST

static Suite *debugport_suite(void)
{
    Suite *s = suite_create("debugport");
    TCase *tc = tcase_create("ports");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, log_is_line_buffered);
    tcase_add_test(tc, flush_emits_partial_line);
    tcase_add_test(tc, long_line_is_cut);
    tcase_add_test(tc, wide_out_logs_each_byte);
    tcase_add_test(tc, presence_check);
    tcase_add_test(tc, exit_port);
    tcase_add_test(tc, vma_and_page_events);
    tcase_add_test(tc, process_thread_switch_events);
    tcase_add_test(tc, syscall_name_and_panic);
    tcase_add_test(tc, invalid_records);
    tcase_add_test(tc, high_address_latch);
    tcase_add_test(tc, type_names);
    tcase_add_test(tc, no_callbacks_is_safe);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(debugport_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
