/* test_trace_writers.c — the trace writers (text and JSON Lines) on
 * hand-made events, byte for byte as trace/README.md specifies them, and
 * the tables behind the words they print: RFLAGS letters, error-code words
 * (SDM Vol. 3A §4.7 and §6.13), port names, Linux syscall and errno names
 * (checked against the host's <sys/syscall.h> and <errno.h>), syscall
 * argument decoding, and the --trace… option parser. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "machine/debugport.h"
#include "trace/ports.h"
#include "trace/query.h"
#include "trace/syscalls.h"
#include "trace/tracer.h"
#include "trace/vectors.h"
#include "trace/writer.h"

/* Events of one instruction: `add [rdi], rax` writing memory, changing
 * RFLAGS, with a TLB miss it caused; then an external interrupt. */
static void sample_events(struct trace_writer *w)
{
    struct trace_event e;
    trace_event_init(&e, TRACE_INSN, 7, false);
    trace_add(&e, "time", TF_DEC, 9);
    trace_add(&e, "cpl", TF_DEC, 3);
    trace_add(&e, "cr3", TF_HEX, 0x5000);
    trace_add(&e, "rip", TF_HEX, 0x401000);
    trace_add_str(&e, "sym", "main+0x1c");
    trace_add_str(&e, "bytes", "48 01 07");
    trace_add_str(&e, "disasm", "add qword ptr [rdi], rax");
    trace_writer_event(w, &e);

    trace_event_init(&e, TRACE_TLB, 7, true);
    trace_add_str(&e, "op", "miss");
    trace_add(&e, "va", TF_HEX, 0x7ffe0010);
    trace_writer_event(w, &e);

    trace_event_init(&e, TRACE_MEM, 7, true);
    trace_add_str(&e, "op", "write");
    trace_add(&e, "va", TF_HEX, 0x7ffe0010);
    trace_add(&e, "pa", TF_HEX, 0x23010);
    trace_add(&e, "size", TF_DEC, 8);
    trace_add(&e, "value", TF_HEX, 0x2a);
    trace_writer_event(w, &e);

    trace_event_init(&e, TRACE_REG, 7, true);
    trace_add_str(&e, "name", "rflags");
    trace_add(&e, "old", TF_HEX, 0x202);
    trace_add(&e, "new", TF_HEX, 0x246);
    trace_add_str(&e, "old_flags", "odItszapc");
    trace_add_str(&e, "new_flags", "odItsZaPc");
    trace_writer_event(w, &e);

    trace_event_init(&e, TRACE_INTERRUPT, 8, false);
    trace_add(&e, "vector", TF_DEC, 32);
    trace_add_str(&e, "source", "external");
    trace_add_pair(&e, "cpl", 3, 0);
    trace_writer_event(w, &e);
}

static char *render(enum trace_format fmt, void (*fill)(struct trace_writer *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    struct trace_writer *w = trace_writer_new(fmt, f);
    fill(w);
    ck_assert_int_eq(trace_writer_flush(w), 0);
    trace_writer_free(w);
    fclose(f);
    return buf;
}

START_TEST(text_format)
{
    char *s = render(TRACE_FORMAT_TEXT, sample_events);
    const char *want =
        "#    step      time r cr3      rip              symbol                      bytes       "
        "                  disassembly                         effects\n"
        "        7         9 3 00005000 0000000000401000 main+0x1c                   48 01 07    "
        "                  add qword ptr [rdi], rax            W8 0x7ffe0010(pa 0x23010)=0x2a  "
        "rflags=odItszapc->odItsZaPc\n"
        "        7   tlb       op=miss va=0x7ffe0010\n"
        "        8   interrupt vector=32 source=external cpl=3->0\n";
    ck_assert_str_eq(s, want);
    free(s);
}
END_TEST

START_TEST(jsonl_format)
{
    char *s = render(TRACE_FORMAT_JSONL, sample_events);
    const char *want =
        "{\"kind\":\"insn\",\"step\":7,\"time\":9,\"cpl\":3,\"cr3\":\"0x5000\",\"rip\":\"0x401000\","
        "\"sym\":\"main+0x1c\",\"bytes\":\"48 01 07\",\"disasm\":\"add qword ptr [rdi], rax\"}\n"
        "{\"kind\":\"tlb\",\"step\":7,\"op\":\"miss\",\"va\":\"0x7ffe0010\"}\n"
        "{\"kind\":\"mem\",\"step\":7,\"op\":\"write\",\"va\":\"0x7ffe0010\",\"pa\":\"0x23010\","
        "\"size\":8,\"value\":\"0x2a\"}\n"
        "{\"kind\":\"reg\",\"step\":7,\"name\":\"rflags\",\"old\":\"0x202\",\"new\":\"0x246\","
        "\"old_flags\":\"odItszapc\",\"new_flags\":\"odItsZaPc\"}\n"
        "{\"kind\":\"interrupt\",\"step\":8,\"vector\":32,\"source\":\"external\",\"cpl\":\"3->0\"}\n";
    ck_assert_str_eq(s, want);
    free(s);
}
END_TEST

static void escaped_event(struct trace_writer *w)
{
    struct trace_event e;
    trace_event_init(&e, TRACE_LOG, 1, false);
    trace_add_str(&e, "text", "say \"hi\"\\\n\x01\xe9");
    trace_add(&e, "result", TF_SDEC, (uint64_t)-2);
    trace_writer_event(w, &e);
}

START_TEST(jsonl_escapes_and_signed)
{
    char *s = render(TRACE_FORMAT_JSONL, escaped_event);
    ck_assert_str_eq(s, "{\"kind\":\"log\",\"step\":1,\"text\":\"say \\\"hi\\\"\\\\\\u000a\\u0001"
                        "\\u00e9\",\"result\":-2}\n");
    free(s);
}
END_TEST

/* Bochs order O D I T S Z A P C, upper case when set. */
START_TEST(rflags_as_letters)
{
    char b[10];
    rflags_letters(0x246, b); /* IF ZF PF + the fixed bit 1 */
    ck_assert_str_eq(b, "odItsZaPc");
    rflags_letters(0xcd5, b); /* OF DF SF ZF AF PF CF */
    ck_assert_str_eq(b, "ODitSZAPC");
    rflags_letters(0x2, b);
    ck_assert_str_eq(b, "oditszapc");
}
END_TEST

START_TEST(error_code_words)
{
    char b[64];
    /* #PF (§4.7): bit 0 P, 1 W/R, 2 U/S, 3 RSVD, 4 I/D. */
    vector_error_words(14, 0x7, b, sizeof b);
    ck_assert_str_eq(b, "P W U");
    vector_error_words(14, 0x0, b, sizeof b);
    ck_assert_str_eq(b, "NP R S");
    vector_error_words(14, 0x15, b, sizeof b);
    ck_assert_str_eq(b, "P R U I");
    vector_error_words(14, 0x9, b, sizeof b);
    ck_assert_str_eq(b, "P R S RSVD");
    /* Selector error codes (§6.13): EXT bit 0, IDT bit 1, TI bit 2, index 15:3. */
    vector_error_words(13, (13 << 3) | 2 | 1, b, sizeof b);
    ck_assert_str_eq(b, "ext idt index 13");
    vector_error_words(11, (5 << 3) | 4, b, sizeof b);
    ck_assert_str_eq(b, "ldt index 5");
    vector_error_words(13, 0x28, b, sizeof b);
    ck_assert_str_eq(b, "gdt index 5");
    vector_error_words(13, 0, b, sizeof b);
    ck_assert_str_eq(b, "0");
    ck_assert_str_eq(vector_mnemonic(14), "#PF");
    ck_assert_str_eq(vector_mnemonic(13), "#GP");
    ck_assert_str_eq(vector_mnemonic(0x80), "int");
    ck_assert_str_eq(vector_description(6), "invalid opcode");
}
END_TEST

START_TEST(port_names)
{
    struct port_name p = port_describe(0x3f8, true);
    ck_assert_str_eq(p.device, "uart");
    ck_assert_str_eq(p.reg, "THR");
    p = port_describe(0x3f8, false);
    ck_assert_str_eq(p.reg, "RBR");
    p = port_describe(0x3fd, false);
    ck_assert_str_eq(p.reg, "LSR");
    p = port_describe(0x64, false);
    ck_assert_str_eq(p.device, "ps2");
    ck_assert_str_eq(p.reg, "status");
    p = port_describe(0x64, true);
    ck_assert_str_eq(p.reg, "command");
    p = port_describe(0x1f7, true);
    ck_assert_str_eq(p.device, "ata");
    ck_assert_str_eq(p.reg, "command");
    p = port_describe(0x43, true);
    ck_assert_str_eq(p.device, "pit");
    ck_assert_str_eq(p.reg, "control");
    p = port_describe(0xa1, true);
    ck_assert_str_eq(p.device, "pic2");
    p = port_describe(0x1234, true);
    ck_assert_str_eq(p.device, "unknown");
}
END_TEST

/* The host's syscall numbers and errno values are the oracle. */
START_TEST(syscall_and_errno_names)
{
    static const struct {
        long nr;
        const char *name;
    } calls[] = {
        {SYS_read, "read"},         {SYS_write, "write"},       {SYS_openat, "openat"},
        {SYS_mmap, "mmap"},         {SYS_brk, "brk"},           {SYS_clone, "clone"},
        {SYS_futex, "futex"},       {SYS_exit_group, "exit_group"},
        {SYS_arch_prctl, "arch_prctl"}, {SYS_set_tid_address, "set_tid_address"},
        {SYS_getrandom, "getrandom"}, {SYS_wait4, "wait4"},     {SYS_execve, "execve"},
        {SYS_io_uring_setup, "io_uring_setup"}, {SYS_clone3, "clone3"},
        {SYS_process_madvise, "process_madvise"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        ck_assert_ptr_nonnull(syscall_name((uint64_t)calls[i].nr));
        ck_assert_str_eq(syscall_name((uint64_t)calls[i].nr), calls[i].name);
    }
    ck_assert_ptr_null(syscall_name(100000));
    ck_assert_str_eq(errno_name(ENOENT), "ENOENT");
    ck_assert_str_eq(errno_name(ENOSYS), "ENOSYS");
    ck_assert_str_eq(errno_name(EFAULT), "EFAULT");
    ck_assert_str_eq(errno_name(EAGAIN), "EAGAIN");
    ck_assert_ptr_null(errno_name(4000));
}
END_TEST

/* A fake guest: "hi\n" at 0x1000, "/tmp/x" at 0x2000, nothing else mapped. */
static bool fake_read(void *ctx, uint64_t va, void *dst, size_t len)
{
    (void)ctx;
    static const char page1[] = "hi\n", page2[] = "/tmp/x";
    for (size_t i = 0; i < len; i++) {
        uint64_t a = va + i;
        if (a >= 0x1000 && a < 0x1000 + sizeof page1)
            ((char *)dst)[i] = page1[a - 0x1000];
        else if (a >= 0x2000 && a < 0x2000 + sizeof page2)
            ((char *)dst)[i] = page2[a - 0x2000];
        else
            return false;
    }
    return true;
}

START_TEST(syscall_arguments)
{
    char b[256];
    uint64_t w[6] = {1, 0x1000, 3, 0, 0, 0};
    syscall_format_args(SYS_write, w, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "1, \"hi\\n\", 3");
    uint64_t o[6] = {(uint64_t)-100, 0x2000, 0x241, 0644, 0, 0};
    syscall_format_args(SYS_openat, o, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "AT_FDCWD, \"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644");
    uint64_t bad[6] = {(uint64_t)-100, 0x9000, 0, 0, 0, 0};
    syscall_format_args(SYS_openat, bad, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "AT_FDCWD, <unmapped at 0x9000>, O_RDONLY"); /* no O_CREAT: no mode */
    uint64_t e[6] = {0};
    syscall_format_args(SYS_exit_group, e, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "0");
    uint64_t u[6] = {1, 2, 3, 4, 5, 6};
    syscall_format_args(999, u, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "0x1, 0x2, 0x3, 0x4, 0x5, 0x6");
    /* A buffer longer than the 32 shown bytes ends with "...". */
    uint64_t lw[6] = {1, 0x1000, 100, 0, 0, 0};
    syscall_format_args(SYS_write, lw, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "1, \"hi\\n\\0\"<unmapped at 0x1004>, 100");
    /* Flag words and enums by name, what no name covers in hex. */
    uint64_t m[6] = {0, 8192, 3, 0x22 | 0x20000, (uint64_t)-1, 0x1000};
    syscall_format_args(SYS_mmap, m, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0x1000");
    uint64_t pn[6] = {0x7f0000000000, 4096, 0x10000000 | 1, 0, 0, 0};
    syscall_format_args(SYS_mprotect, pn, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "0x7f0000000000, 4096, PROT_READ|0x10000000");
    uint64_t cl[6] = {0x7d0f00, 0x7f00001000, 0x7f00002000, 0x7f00002000, 0x7f00003000, 0};
    syscall_format_args(SYS_clone, cl, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "child_stack=0x7f00001000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
                        "CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|"
                        "CLONE_CHILD_CLEARTID|CLONE_DETACHED, parent_tid=0x7f00002000, "
                        "child_tidptr=0x7f00002000, tls=0x7f00003000");
    uint64_t fx[6] = {0x1000, 128 | 0, 2, 0, 0, 0};
    syscall_format_args(SYS_futex, fx, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "0x1000, FUTEX_WAIT_PRIVATE, 2, NULL");
    uint64_t k[6] = {12, 33, 0, 0, 0, 0};
    syscall_format_args(SYS_kill, k, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "12, SIGRT_1");
    /* Results: errno names, addresses in hex. */
    syscall_format_result(SYS_openat, o, -2, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "-1 ENOENT");
    syscall_format_result(SYS_mmap, m, 0x7f0000001000, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "0x7f0000001000");
    syscall_format_result(SYS_write, w, 3, fake_read, NULL, b, sizeof b);
    ck_assert_str_eq(b, "3");
}
END_TEST

START_TEST(option_parsing)
{
    struct trace_config c;
    char err[256];
    trace_config_init(&c);
    ck_assert_uint_eq(c.kinds, 0);
    ck_assert_int_eq(trace_parse_option(&c, "--trace=insn,syscall", NULL, err, sizeof err), 1);
    ck_assert_uint_eq(c.kinds, (1u << TRACE_INSN) | (1u << TRACE_SYSCALL));
    ck_assert_int_eq(trace_parse_option(&c, "--trace-file", "out.txt", err, sizeof err), 2);
    ck_assert_str_eq(c.file, "out.txt");
    ck_assert_uint_eq(c.kinds, (1u << TRACE_INSN) | (1u << TRACE_SYSCALL)); /* kept */
    ck_assert_int_eq(trace_parse_option(&c, "--trace-format=jsonl", NULL, err, sizeof err), 1);
    ck_assert_int_eq(c.format, TRACE_FORMAT_JSONL);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-range", "0x1000-0x2000", err, sizeof err), 2);
    ck_assert(c.has_range && c.range_lo == 0x1000 && c.range_hi == 0x2000);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-ring=3", NULL, err, sizeof err), 1);
    ck_assert_int_eq(c.ring, 3);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-pid", "4", err, sizeof err), 2);
    ck_assert_int_eq(c.pid, 4);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-from=main", NULL, err, sizeof err), 1);
    ck_assert_str_eq(c.from_sym, "main");
    ck_assert_int_eq(trace_parse_option(&c, "--ram", "64M", err, sizeof err), 0);

    ck_assert_int_eq(trace_parse_option(&c, "--trace=insn,sycall", NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "unknown trace kind 'sycall'"), "%s", err);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-ring", "1", err, sizeof err), -1);
    ck_assert_str_eq(err, "--trace-ring: '1' is not 0 or 3");
    ck_assert_int_eq(trace_parse_option(&c, "--trace-range", "0x2000-0x1000", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "LO < HI"), "%s", err);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-format", "xml", err, sizeof err), -1);
    ck_assert_str_eq(err, "--trace-format: 'xml' is not text, jsonl, bin or perfetto");
    ck_assert_int_eq(trace_parse_option(&c, "--trace-file", NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "--trace-file needs a value");

    trace_config_init(&c);
    ck_assert_int_eq(trace_parse_option(&c, "--trace", "prog", err, sizeof err), 1);
    ck_assert_uint_eq(c.kinds, TRACE_KINDS_USER); /* --trace alone: the program's view */
    ck_assert(c.user_scope);
    ck_assert_int_eq(trace_parse_option(&c, "--trace=all", NULL, err, sizeof err), 1);
    ck_assert_uint_eq(c.kinds, TRACE_KINDS_ALL);
    ck_assert(!c.user_scope);
    ck_assert_int_eq(trace_parse_option(&c, "--trace=user,port", NULL, err, sizeof err), 1);
    ck_assert_uint_eq(c.kinds, TRACE_KINDS_USER | (1u << TRACE_PORT));
    ck_assert(c.user_scope);
    trace_config_init(&c);
    ck_assert_int_eq(trace_parse_option(&c, "--trace-ring", "0", err, sizeof err), 2);
    ck_assert_uint_eq(c.kinds, TRACE_KINDS_USER); /* any --trace-… option turns tracing on */
}
END_TEST

/* OS events and log lines reach the trace without a CPU; a context switch
 * drives the --trace-pid filter. */
START_TEST(os_events_log_lines_and_pid_filter)
{
    struct trace_config c;
    char err[256];
    trace_config_init(&c);
    c.kinds = TRACE_KINDS_ALL;
    c.no_output = true;
    c.pid = 5;
    struct tracer *t = tracer_new(&c, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    struct trace_recording rec;
    trace_recording_init(&rec);
    tracer_record(t, &rec);

    struct os_event ev = {.type = OSEV_VMA_COMMIT, .pid = 4, .tid = 4};
    ev.vma.start = 0x400000;
    ev.vma.length = 0x2000;
    ev.vma.prot = OSEV_PROT_READ | OSEV_PROT_WRITE;
    trace_os_event(t, &ev); /* pid 4 is not running yet as far as the filter knows: hidden */
    trace_log_line(t, "hidden\n", 7);
    struct os_event sw = {.type = OSEV_CONTEXT_SWITCH, .pid = 4, .tid = 4};
    sw.sw.old_pid = 4;
    sw.sw.old_tid = 4;
    sw.sw.new_pid = 5;
    sw.sw.new_tid = 6;
    sw.sw.old_cr3 = 0x10000;
    sw.sw.new_cr3 = 0x20000;
    trace_os_event(t, &sw);
    ev.pid = 5;
    trace_os_event(t, &ev);
    trace_log_line(t, "boot:\tok\x01", 9);
    struct os_event name = {.type = OSEV_SYSCALL_NAME, .pid = 5};
    name.syscall.number = 500;
    strcpy(name.text, "key_state");
    trace_os_event(t, &name);
    ck_assert_int_eq(tracer_close(t, err, sizeof err), 0);

    ck_assert_uint_eq(rec.count, 4);
    size_t i = trace_find(&rec, 0, "os event=context-switch");
    ck_assert_uint_eq(i, 0);
    char b[64];
    ck_assert_str_eq(trace_get_text(&rec, i, "new_cr3", b, sizeof b), "0x20000");
    ck_assert_str_eq(trace_get_text(&rec, i, "new_pid", b, sizeof b), "5");
    i = trace_find(&rec, 0, "os event=vma-commit pid=5");
    ck_assert_uint_eq(i, 1);
    ck_assert_str_eq(trace_get_text(&rec, i, "prot", b, sizeof b), "rw-");
    ck_assert_str_eq(trace_get_text(&rec, i, "length", b, sizeof b), "0x2000");
    ck_assert_str_eq(trace_get_text(&rec, 2, "text", b, sizeof b), "boot: ok?");
    ck_assert_uint_eq(trace_find(&rec, 0, "os event=syscall-name nr=500 name=key_state"), 3);
    trace_recording_free(&rec);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_writers");
    TCase *tc = tcase_create("writers");
    tcase_add_test(tc, text_format);
    tcase_add_test(tc, jsonl_format);
    tcase_add_test(tc, jsonl_escapes_and_signed);
    tcase_add_test(tc, rflags_as_letters);
    tcase_add_test(tc, error_code_words);
    tcase_add_test(tc, port_names);
    tcase_add_test(tc, syscall_and_errno_names);
    tcase_add_test(tc, syscall_arguments);
    tcase_add_test(tc, option_parsing);
    tcase_add_test(tc, os_events_log_lines_and_pid_filter);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
