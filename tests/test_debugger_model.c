/* test_debugger_model.c — the debugger's UI model at known steps of a
 * bare-metal guest (tests/guests-elf/rings.S: ring 0 sets up SYSCALL,
 * makes the low 2 MiB user-accessible, SYSRETs to ring 3, which makes
 * syscall 60), checked against oracles we did not write: capstone for the
 * disassembly, nm for symbol addresses, the guest's own direct-map
 * definition for physical addresses, SDL_LoadBMP for the screenshot.
 * Also: the plain-language explanation of page faults from the page's state,
 * and the screenshot smoke tests (BMP through SDL, PNG structure). */
#define _GNU_SOURCE   /* memmem */
#include <capstone/capstone.h>
#include <check.h>
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugger/app.h"
#include "app/debug_command.h"
#include "debugger/explain.h"
#include "debugger/font.h"
#include "debugger/model.h"
#include "debugger/session.h"
#include "tests/guest_elf.h"
#include "tests/linux_oracle.h"
#include "trace/recording.h"
#include "trace/tracer.h"

#define DIRECT_MAP 0xffff800000000000ull   /* rings.S: .set DIRECT_MAP */
#define COLS 200
#define ROWS 60

static char kernel_path[256];

static struct dbg *start_guest(const char *name)
{
    ck_assert_int_eq(guest_elf_build(name, kernel_path, sizeof kernel_path), 0);
    struct dbg_options o = {.config = {.ram_size = 16 << 20, .kernel_path = kernel_path, .disk_size = 1 << 20}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static void build(struct ui_model *m, struct dbg *d, struct ui_view *v)
{
    ck_assert_int_eq(ui_model_build(m, d, v, COLS, ROWS), 0);
}

/* A symbol's address as nm prints it (an oracle independent of trace/). */
static uint64_t nm_address(const char *elf, const char *symbol)
{
    uint64_t addr = guest_elf_symbol(elf, symbol);
    ck_assert_msg(addr != 0, "nm has no %s", symbol);
    return addr;
}

/* Capstone's Intel-syntax text of the instruction at va. */
static void capstone_text(struct dbg *d, uint64_t va, char *out, size_t cap)
{
    uint8_t bytes[16];
    size_t n = machine_read_virt(d->m, va, bytes, sizeof bytes);
    csh h;
    cs_insn *insn;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
    ck_assert_uint_eq(cs_disasm(h, bytes, n, va, 1, &insn), 1);
    snprintf(out, cap, "%s%s%s", insn[0].mnemonic, insn[0].op_str[0] ? " " : "", insn[0].op_str);
    cs_free(insn, 1);
    cs_close(&h);
}

/* The disassembly line with the RIP marker. */
static int rip_line(const struct ui_model *m, char *buf, size_t cap)
{
    for (int i = 0; ui_panel_line(m, P_DISASM, i, buf, cap); i++)
        if (buf[1] == '#')  /* FONT_RIGHT reads as '#' */
            return i;
    return -1;
}

START_TEST(initial_state_panels)
{
    struct dbg *d = start_guest("rings");
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    char line[512], want[256];
    ck_assert_str_eq(m.big.text, "RING 0");
    ck_assert_int_eq(m.big.fg, C_RING0);
    ck_assert_int_ge(ui_panel_find(&m, P_REGS, "ring 0: kernel mode"), 0);
    uint64_t start = nm_address(kernel_path, "_start");
    ck_assert_uint_eq(machine_cpu(d->m)->rip, start);
    ck_assert_int_ge(ui_panel_find(&m, P_REGS, "kernel:_start"), 0);
    /* The current line: RIP's address and capstone's text. */
    ck_assert_int_ge(rip_line(&m, line, sizeof line), 0);
    capstone_text(d, start, want, sizeof want);
    ck_assert_msg(strstr(line, want), "line '%s' lacks '%s'", line, want);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)start);
    ck_assert_msg(strstr(line, want), "line '%s' lacks the address", line);
    /* A label line names the function. */
    ck_assert_int_ge(ui_panel_find(&m, P_DISASM, "kernel:_start:"), 0);
    /* Every panel has its title in the top border. */
    for (int p = 0; p < P_COUNT; p++) {
        char row[COLS + 1];
        ui_row_text(&m, m.panel[p].y, row, sizeof row);
        ck_assert_msg(strstr(row, ui_panel_title((enum ui_panel_id)p)), "panel %d title missing", p);
    }
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

START_TEST(ring_change_syscall_and_explanations)
{
    struct dbg *d = start_guest("rings");
    struct ui_model m = {0};
    struct ui_view v = {0};
    char line[512], want[256];
    dbg_run_command(d, DBG_UNTIL_RING, 10000);
    struct cpu *cpu = machine_cpu(d->m);
    ck_assert_uint_eq(cpu->cpl, 3);
    build(&m, d, &v);
    ck_assert_str_eq(m.big.text, "RING 3");
    ck_assert_int_eq(m.big.fg, C_RING3);
    ck_assert_int_ge(ui_panel_find(&m, P_REGS, "ring 3: user mode"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_EVENTS, "sysret, ring 0 -> 3"), 0);
    /* user_code runs at its identity (physical) address. */
    uint64_t user = nm_address(kernel_path, "user_code") - 0xffffffff80000000ull;
    ck_assert_uint_eq(cpu->rip, user);
    ck_assert_int_ge(rip_line(&m, line, sizeof line), 0);
    capstone_text(d, user, want, sizeof want);
    ck_assert_msg(strstr(line, want), "line '%s' lacks '%s'", line, want);

    /* One step: mov eax, 60 changes RAX, highlighted. */
    dbg_run_command(d, DBG_STEP, 0);
    ck_assert_uint_eq(cpu->gpr[RAX], 60);
    build(&m, d, &v);
    int rax = ui_panel_find(&m, P_REGS, "RAX 000000000000003c");
    ck_assert_int_ge(rax, 0);
    struct ui_rect r = m.panel[P_REGS];
    const struct ui_cell *value = &m.cells[(r.y + 1 + rax) * m.cols + r.x + 1 + 4];
    ck_assert_int_eq(value->fg, C_CHANGED);
    const struct ui_cell *rdx = &m.cells[(r.y + 1 + rax + 2) * m.cols + r.x + 1 + 4];
    ck_assert_int_eq(rdx->fg, C_TEXT);

    /* Until the syscall: the kernel's entry, ring 0, explained. */
    dbg_run_command(d, DBG_UNTIL_SYSCALL, 10000);
    ck_assert_uint_eq(cpu->rip, nm_address(kernel_path, "syscall_entry"));
    ck_assert_uint_eq(cpu->cpl, 0);
    build(&m, d, &v);
    ck_assert_int_ge(ui_panel_find(&m, P_EVENTS, "syscall 60 (exit), ring 3 -> 0"), 0);
    const struct dbg_event *e = dbg_event_newest(d, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(strstr(e->explain, "LSTAR"));
    /* The sentence takes two rows above the help bar, wrapped, not cut. */
    char row[COLS + 1], row2[COLS + 1], both[2 * COLS + 2];
    ui_row_text(&m, ROWS - 3, row, sizeof row);
    ui_row_text(&m, ROWS - 2, row2, sizeof row2);
    snprintf(both, sizeof both, "%s %s", row, row2);
    ck_assert_ptr_nonnull(strstr(row, "What happened:"));
    ck_assert_ptr_nonnull(strstr(both, "LSTAR"));
    ck_assert_ptr_nonnull(strstr(both, e->explain + strlen(e->explain) - 8)); /* its end is shown */
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

START_TEST(page_walk_of_a_write)
{
    struct dbg *d = start_guest("rings");
    struct ui_model m = {0};
    struct ui_view v = {0};
    struct cpu *cpu = machine_cpu(d->m);
    /* Step to the first instruction that writes memory: orq $4, (PML4). */
    bool wrote = false;
    for (int i = 0; i < 100 && !wrote; i++) {
        dbg_run_command(d, DBG_STEP, 0);
        for (size_t k = 0; k < d->nacc; k++)
            wrote |= d->acc[k].kind == MEM_WRITE;
    }
    ck_assert(wrote);
    uint64_t va = 0;
    for (size_t k = 0; k < d->nacc; k++)
        if (d->acc[k].kind == MEM_WRITE)
            va = d->acc[k].va;
    build(&m, d, &v);
    char want[256], line[512];
    snprintf(want, sizeof want, "write of 0x%016llx", (unsigned long long)va);
    ck_assert_int_eq(ui_panel_find(&m, P_WALK, want), 0);
    /* The direct map: physical = virtual - DIRECT_MAP. */
    snprintf(want, sizeof want, "physical address 0x%llx", (unsigned long long)(va - DIRECT_MAP));
    ck_assert_int_ge(ui_panel_find(&m, P_WALK, want), 0);
    /* The split (SDM Vol. 3A Figure 4-8): 9-bit indices and the offset. */
    snprintf(want, sizeof want, "PML4 %llu PDPT %llu PD %llu PT %llu off 0x%03llx",
             (unsigned long long)((va >> 39) & 511), (unsigned long long)((va >> 30) & 511),
             (unsigned long long)((va >> 21) & 511), (unsigned long long)((va >> 12) & 511),
             (unsigned long long)(va & 0xfff));
    ck_assert_int_ge(ui_panel_find(&m, P_WALK, want), 0);
    /* The PML4 entry lives at CR3 + 8 * index. */
    snprintf(want, sizeof want, "@%09llx", (unsigned long long)((cpu->cr3 & ~0xfffull) + 8 * ((va >> 39) & 511)));
    int l = ui_panel_find(&m, P_WALK, want);
    ck_assert_int_ge(l, 0);
    ui_panel_line(&m, P_WALK, l, line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, "PML4"));
    ck_assert_ptr_nonnull(strstr(line, " P W"));
    /* The TLB panel lists the page the write used first, highlighted. */
    ck_assert_int_ge(ui_panel_find(&m, P_TLB, "hits"), 0);
    snprintf(want, sizeof want, "%016llx ->", (unsigned long long)(va & ~0xfffull));
    ck_assert_int_ge(ui_panel_find(&m, P_TLB, want), 0);
    /* The frames panel marks the written frame W; the map has a legend. */
    ck_assert_int_ge(ui_panel_find(&m, P_FRAMES, "frames of 4 KiB"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_FRAMES, "W"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "committed"), 0);
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

START_TEST(user_mapping_in_memory_map)
{
    struct dbg *d = start_guest("rings");
    struct ui_model m = {0};
    struct ui_view v = {0};
    dbg_run_command(d, DBG_UNTIL_RING, 10000);
    build(&m, d, &v);
    /* The low identity map (user-accessible now) is a band at address 0. */
    ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "0000000000000000"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "kernel space"), 0);
    /* The stack panel shows RSP's slot. */
    char want[64];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)machine_cpu(d->m)->gpr[RSP]);
    int l = ui_panel_find(&m, P_STACK, want);
    ck_assert_int_ge(l, 0);
    char line[512];
    ui_panel_line(&m, P_STACK, l, line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, "<- RSP"));
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

START_TEST(breakpoints_and_step_over)
{
    struct dbg *d = start_guest("rings");
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t to_user = nm_address(kernel_path, "to_user"), va;
    ck_assert(dbg_parse_address(d, "to_user", &va));
    ck_assert_uint_eq(va, to_user);
    ck_assert(dbg_toggle_breakpoint(d, to_user));
    dbg_run_command(d, DBG_RUN, 100000);
    ck_assert_uint_eq(cpu->rip, to_user);
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    char line[512];
    int l = rip_line(&m, line, sizeof line);
    ck_assert_int_ge(l, 0);
    ck_assert_int_eq(line[0], '#');  /* FONT_BULLET: the breakpoint mark */
    ck_assert(!dbg_toggle_breakpoint(d, to_user));
    ck_assert(!dbg_has_breakpoint(d, to_user));
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

START_TEST(page_fault_explanations)
{
    /* A page's state decides the explanation. */
    struct os_event reserve = {.type = OSEV_VMA_RESERVE, .pid = 1, .vma = {0x400000, 0x10000, OSEV_PROT_READ | OSEV_PROT_WRITE}};
    struct os_event commit = {.type = OSEV_VMA_COMMIT, .pid = 1, .vma = {0x400000, 0x4000, 0}};
    struct os_event out = {.type = OSEV_PAGE_OUT, .pid = 1, .page = {0x402000, 0x5000, 9}};
    struct osview os = {0};
    osview_apply(&os, &reserve);
    osview_apply(&os, &commit);
    osview_apply(&os, &out);
    /* Paging on, the PML4 at 0 with one mapped page: 0x403000 -> 0x5000
     * through the PDPT at 0x1000, the PD at 0x2000 and the PT at 0x3000. */
    char err[128];
    struct mmu *mmu = mmu_new(32 << 10, NULL, err, sizeof err);
    ck_assert_msg(mmu != NULL, "%s", err);
    const uint64_t up = PTE_P | PTE_W | PTE_U;
    const uint64_t entries[][2] = {{0x0000, 0x1000 | up}, {0x1000, 0x2000 | up}, {0x2000 + 2 * 8, 0x3000 | up},
                                   {0x3000 + 3 * 8, 0x5000 | up}};
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        ck_assert(mmu_phys_write(mmu, entries[i][0], &entries[i][1], 8));
    mmu_set_control(mmu, CR0_PE | CR0_PG, 0, CR4_PAE, EFER_LME | EFER_LMA, TLB_CAUSE_EXTERNAL);
    struct fault_context fc = {.os = &os, .mmu = mmu, .cr3 = 0, .pid = 1};
    char text[256], why[512];
    struct exc_event e = {.vector = EXC_PF, .has_error = true, .error = PF_W | PF_U, .cr2 = 0x401008};
    explain_exception(&e, &fc, text, sizeof text, why, sizeof why);
    ck_assert_ptr_nonnull(strstr(why, "user-mode write to a committed page that has no frame yet"));
    ck_assert_ptr_nonnull(strstr(why, "demand-zero"));
    e.cr2 = 0x402010;
    explain_exception(&e, &fc, text, sizeof text, why, sizeof why);
    ck_assert_ptr_nonnull(strstr(why, "pagefile slot 9"));
    e.cr2 = 0x408000;
    explain_exception(&e, &fc, text, sizeof text, why, sizeof why);
    ck_assert_ptr_nonnull(strstr(why, "reserved"));
    e.cr2 = 0x900000;
    explain_exception(&e, &fc, text, sizeof text, why, sizeof why);
    ck_assert_ptr_nonnull(strstr(why, "segmentation fault"));
    e.error = PF_P | PF_W | PF_U;
    explain_exception(&e, &fc, text, sizeof text, why, sizeof why);
    ck_assert_ptr_nonnull(strstr(why, "copy-on-write"));
    ck_assert_int_eq(osview_page_state(&os, mmu, 0, 1, 0x401000), PS_COMMITTED);
    ck_assert_int_eq(osview_page_state(&os, mmu, 0, 1, 0x402000), PS_SWAPPED);
    ck_assert_int_eq(osview_page_state(&os, mmu, 0, 1, 0x403000), PS_RESIDENT);
    ck_assert_int_eq(osview_page_state(&os, mmu, 0, 1, 0x40c000), PS_RESERVED);
    ck_assert_int_eq(osview_page_state(&os, mmu, 0, 1, 0x410000), PS_UNMAPPED);
    /* Another address space (a CR3 that is not the current one). */
    ck_assert_int_eq(osview_page_state(&os, mmu, 0x4000, 1, 0x403000), PS_COMMITTED);
    mmu_free(mmu);
    osview_free(&os);
}
END_TEST

/* ---- with the guest kernel and a bundled program ----------------------- */

#define KERNEL_ELF "build/os/kernel.elf"
#define HELLO_ELF "build/programs/hello"

static uint64_t nm_of(const char *elf, const char *symbol)
{
    snprintf(kernel_path, sizeof kernel_path, "%s", elf);
    return nm_address(kernel_path, symbol);
}

/* The length and mnemonic of the instruction at va, by capstone. */
static unsigned capstone_insn(struct dbg *d, uint64_t va, char *mnemonic, size_t cap)
{
    uint8_t bytes[16];
    size_t n = machine_read_virt(d->m, va, bytes, sizeof bytes);
    csh h;
    cs_insn *insn;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
    ck_assert_uint_eq(cs_disasm(h, bytes, n, va, 1, &insn), 1);
    unsigned len = insn[0].size;
    snprintf(mnemonic, cap, "%s", insn[0].mnemonic);
    cs_free(insn, 1);
    cs_close(&h);
    return len;
}

/* Single-step to the next CALL (at most 50 instructions). */
static uint64_t step_to_call(struct dbg *d, unsigned *len)
{
    char mn[32];
    struct cpu *cpu = machine_cpu(d->m);
    for (int i = 0; i < 50; i++) {
        *len = capstone_insn(d, cpu->rip, mn, sizeof mn);
        if (strcmp(mn, "call") == 0)
            return cpu->rip;
        dbg_run_command(d, DBG_STEP, 0);
    }
    ck_abort_msg("no call within 50 instructions");
    return 0;
}

START_TEST(hello_step_over_and_out)
{
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF, .program_path = HELLO_ELF,
                                       .disk_size = 1 << 20}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t main_va, puts_va = nm_of(HELLO_ELF, "puts"), printf_va = nm_of(HELLO_ELF, "printf");
    ck_assert(dbg_parse_address(d, "main", &main_va));
    ck_assert_uint_eq(main_va, nm_of(HELLO_ELF, "main"));
    dbg_toggle_breakpoint(d, main_va);
    dbg_run_command(d, DBG_RUN, 50000000);
    ck_assert_uint_eq(cpu->rip, main_va);
    ck_assert_uint_eq(cpu->cpl, 3);

    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    ck_assert_int_ge(ui_panel_find(&m, P_REGS, "ring 3: user mode"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_DISASM, "<puts>"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "code (text)"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "stack"), 0);
    ck_assert_int_ge(ui_panel_find(&m, P_MEMMAP, "pid 1 hello"), 0);

    /* Step over puts: back in main after the call, same RSP, and the
     * console shows what the native program prints first. */
    unsigned len;
    uint64_t call = step_to_call(d, &len);
    uint64_t rsp = cpu->gpr[RSP];
    dbg_run_command(d, DBG_STEP_OVER, 10000000);
    ck_assert_uint_eq(cpu->rip, call + len);
    ck_assert_uint_eq(cpu->gpr[RSP], rsp);
    FILE *native = popen(HELLO_ELF, "r");
    char first[128] = "";
    ck_assert_ptr_nonnull(fgets(first, sizeof first, native));
    pclose(native);
    size_t n;
    const uint8_t *console = machine_console(d->m, &n);
    ck_assert_uint_ge(n, strlen(first));
    ck_assert_int_eq(memcmp(console, first, strlen(first)), 0);

    /* Step into printf, then out of it. */
    call = step_to_call(d, &len);
    rsp = cpu->gpr[RSP];
    dbg_run_command(d, DBG_STEP, 0);
    ck_assert_uint_eq(cpu->rip, printf_va);
    ck_assert_uint_eq(cpu->gpr[RSP], rsp - 8);
    /* The stack panel names the return address on top of the stack. */
    build(&m, d, &v);
    char line[512], want[64];
    int l = ui_panel_find(&m, P_STACK, "<- RSP");
    ck_assert_int_ge(l, 0);
    ui_panel_line(&m, P_STACK, l, line, sizeof line);
    snprintf(want, sizeof want, "%016llx <- RSP main+0x%llx", (unsigned long long)(call + len),
             (unsigned long long)(call + len - main_va));
    ck_assert_msg(strstr(line, want), "'%s' lacks '%s'", line, want);
    dbg_run_command(d, DBG_STEP_OUT, 10000000);
    ck_assert_uint_eq(cpu->rip, call + len);
    ck_assert_uint_eq(cpu->gpr[RSP], rsp);
    ck_assert_uint_ne(puts_va, 0);
    ui_model_free(&m);
    dbg_free(d);
}
END_TEST

/* ---- the console panel: stdout and stderr ----------------------------- */

/* A program writing to both: stdout through stdio, stderr unbuffered, then
 * a write to address 0 (the kernel's "[pid N] killed" line goes to COM2 too;
 * natively the shell would print it, so the native run checks only the
 * program's own lines). */
static const char *two_streams_src =
    "#include <stdio.h>\n"
    "#include <unistd.h>\n"
    "int main(void) {\n"
    "    for (int i = 0; i < 5; i++) printf(\"out line %d\\n\", i);\n"
    "    fflush(stdout);\n"
    "    fprintf(stderr, \"err: first problem\\n\");\n"
    "    fprintf(stderr, \"err: second problem\\n\");\n"
    "    *(volatile int *)0 = 1;\n"
    "    return 0;\n"
    "}\n";

static void check_console_panel_streams(const char *path)
{
    /* The native run: its stdout and stderr, apart. */
    struct oracle_output native = oracle_run_native(path, 0, NULL, "", 0);
    ck_assert_int_eq(native.status, 128 + 11);
    ck_assert_str_eq(native.err, "err: first problem\nerr: second problem\n");

    /* The debugger's machine captures both and writes neither to the
     * host: fd 2 points at a file while it runs, which must stay empty. */
    char errfile[64];
    snprintf(errfile, sizeof errfile, "/tmp/ringscope-dbg-err-%d", (int)getpid());
    FILE *sink = fopen(errfile, "w+");
    ck_assert_ptr_nonnull(sink);
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(sink), 2);
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF, .program_path = path,
                                       .disk_size = 1 << 20}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    dbg_run_command(d, DBG_RUN, 50000000);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fseek(sink, 0, SEEK_END);
    ck_assert_int_eq(ftell(sink), 0);
    fclose(sink);
    unlink(errfile);
    ck_assert_int_eq(machine_exit_status(d->m), 128 + 11);

    size_t n, en;
    const uint8_t *console = machine_console(d->m, &n);
    const uint8_t *errors = machine_stderr(d->m, &en);
    ck_assert_uint_eq(n, native.len);
    ck_assert_int_eq(memcmp(console, native.out, n), 0);
    /* stderr: the program's lines exactly, then the kernel's. */
    ck_assert_uint_gt(en, native.err_len);
    ck_assert_int_eq(memcmp(errors, native.err, native.err_len), 0);
    ck_assert_msg(memmem(errors + native.err_len, en - native.err_len, "killed", 6), "%.*s", (int)en,
                  (const char *)errors);
    ck_assert_ptr_null(memmem(console, n, "err:", 4));

    /* The panel: the console's last line, and stderr under it. */
    struct ui_model m = {0};
    struct ui_view v = {0};
    build(&m, d, &v);
    int out_line = ui_panel_find(&m, P_CONSOLE, "out line 4");
    int err_first = ui_panel_find(&m, P_CONSOLE, "err: first problem");
    int err_second = ui_panel_find(&m, P_CONSOLE, "err: second problem");
    int killed = ui_panel_find(&m, P_CONSOLE, "killed");
    ck_assert_int_ge(out_line, 0);
    ck_assert_int_gt(err_first, out_line);
    ck_assert_int_eq(err_second, err_first + 1);
    ck_assert_int_gt(killed, err_second);

    /* Step back to before the errors and run again: stderr is rolled
     * back with the machine, so it holds each line once. */
    ck_assert_int_eq(dbg_rewind_to(d, machine_cpu(d->m)->icount / 2), 0);
    dbg_run_command(d, DBG_RUN, 50000000);
    const uint8_t *again = machine_stderr(d->m, &n);
    ck_assert_uint_eq(n, en);
    ck_assert_int_eq(memcmp(again, native.err, native.err_len), 0);
    ui_model_free(&m);
    dbg_free(d);
    oracle_output_free(&native);
}

START_TEST(console_panel_shows_stderr_under_stdout)
{
    check_console_panel_streams(oracle_musl("two_streams", two_streams_src));
    check_console_panel_streams(oracle_glibc("two_streams_glibc", two_streams_src));
    oracle_cleanup();
}
END_TEST

/* ---- screenshots ------------------------------------------------------- */

START_TEST(screenshot_bmp_and_png)
{
    struct dbg *d = start_guest("rings");
    dbg_step_n(d, 12);
    ck_assert_uint_eq(machine_cpu(d->m)->icount, 12);
    struct ui_view v = {.speed = 1000};
    char err[256], bmp[64], png[64];
    snprintf(bmp, sizeof bmp, "/tmp/ringscope-shot-%d.bmp", (int)getpid());
    snprintf(png, sizeof png, "/tmp/ringscope-shot-%d.png", (int)getpid());
    ck_assert_msg(app_screenshot(d, &v, COLS, ROWS, 1, bmp, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(app_screenshot(d, &v, COLS, ROWS, 2, png, err, sizeof err) == 0, "%s", err);
    /* SDL reads the BMP back: right size, and not blank (many colours,
     * text pixels in the disassembly). */
    SDL_Surface *s = SDL_LoadBMP(bmp);
    ck_assert_msg(s != NULL, "%s", SDL_GetError());
    ck_assert_int_eq(s->w, COLS * FONT_WIDTH);
    ck_assert_int_eq(s->h, ROWS * FONT_HEIGHT);
    SDL_Surface *rgb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB888, 0);
    ck_assert_ptr_nonnull(rgb);
    uint32_t seen[64];
    int nseen = 0, text_pixels = 0;
    const uint32_t bg = (uint32_t)ui_palette[C_BG].r << 16 | ui_palette[C_BG].g << 8 | ui_palette[C_BG].b;
    for (int y = 0; y < rgb->h; y++)
        for (int x = 0; x < rgb->w; x++) {
            uint32_t p = ((uint32_t *)((uint8_t *)rgb->pixels + y * rgb->pitch))[x] & 0xffffff;
            bool known = false;
            for (int k = 0; k < nseen; k++)
                known |= seen[k] == p;
            if (!known && nseen < 64)
                seen[nseen++] = p;
            if (y < 10 * FONT_HEIGHT && x < 40 * FONT_WIDTH && p != bg)
                text_pixels++;
        }
    ck_assert_int_ge(nseen, 10);
    ck_assert_int_ge(text_pixels, 2000);
    SDL_FreeSurface(rgb);
    SDL_FreeSurface(s);
    /* The PNG (written by libpng), read by an independent decoder
     * (tests/png_pixels.py: struct + zlib, every CRC, the row filters):
     * the 2x size, palette colour, and pixels spread over the image equal
     * to the rasterised model's. */
    struct ui_model model = {0};
    struct raster ras = {0};
    ck_assert_int_eq(ui_model_build(&model, d, &v, COLS, ROWS), 0);
    ck_assert_int_eq(raster_model(&ras, &model, 2), 0);
    char cmd[8192];
    int n = snprintf(cmd, sizeof cmd, "python3 tests/png_pixels.py %s", png);
    /* A grid over the whole image, then pixels the model paints in a
     * colour other than the background (text, bars, the big ring), so
     * the comparison is not only of empty space. */
    enum { MAX_SAMPLES = 400 };
    int sx[MAX_SAMPLES], sy[MAX_SAMPLES], samples = 0, painted = 0;
    for (int y = 3; y < ras.height; y += 193)
        for (int x = 5; x < ras.width && samples < MAX_SAMPLES; x += 121, samples++)
            sx[samples] = x, sy[samples] = y;
    size_t npix = (size_t)ras.width * ras.height;
    for (size_t i = 0; i < npix && samples < MAX_SAMPLES && painted < 100; i += 997)
        if (ras.pixels[i] != C_BG) {
            sx[samples] = (int)(i % ras.width), sy[samples] = (int)(i / ras.width);
            samples++, painted++;
        }
    ck_assert_int_ge(painted, 50);
    for (int i = 0; i < samples && n < (int)sizeof cmd; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " %d,%d", sx[i], sy[i]);
    ck_assert_int_lt(n, (int)sizeof cmd);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    int pw, ph, ctype;
    ck_assert_int_eq(fscanf(p, "%d %d %d", &pw, &ph, &ctype), 3);
    ck_assert_int_eq(pw, 2 * COLS * FONT_WIDTH);
    ck_assert_int_eq(ph, 2 * ROWS * FONT_HEIGHT);
    ck_assert_int_eq(ctype, 3);
    int differ = 0;
    for (int i = 0; i < samples; i++) {
        int r, g, b;
        ck_assert_int_eq(fscanf(p, "%d %d %d", &r, &g, &b), 3);
        struct ui_rgb want = ui_palette[ras.pixels[(size_t)sy[i] * ras.width + sx[i]]];
        differ += r != want.r || g != want.g || b != want.b;
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_int_eq(differ, 0);
    raster_free(&ras);
    ui_model_free(&model);
    /* file(1) agrees, and it is compressed: far smaller than the indices. */
    snprintf(cmd, sizeof cmd, "file -b %s", png);
    p = popen(cmd, "r");
    char what[256] = "";
    ck_assert_ptr_nonnull(fgets(what, sizeof what, p));
    pclose(p);
    char want[128];
    snprintf(want, sizeof want, "PNG image data, %d x %d, 8-bit colormap", pw, ph);
    ck_assert_msg(strncmp(what, want, strlen(want)) == 0, "file says: %s", what);
    FILE *f = fopen(png, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    ck_assert_int_lt(size, (long)pw * ph / 8);
    /* A file that cannot be written: one line saying why, no file left. */
    ck_assert_int_eq(app_screenshot(d, &v, COLS, ROWS, 1, "/nonexistent-dir/shot.png", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot write /nonexistent-dir/shot.png: No such file or directory"), "%s", err);
    unlink(bmp);
    unlink(png);
    dbg_free(d);
}
END_TEST

/* The `ringscope debug` entry point, headless. */
START_TEST(debug_command_screenshot)
{
    char png[64];
    snprintf(png, sizeof png, "/tmp/ringscope-debug-%d.png", (int)getpid());
    char *ok[] = {"--screenshot", png, "--until", "syscall", "--size", "120x40", "--kernel", KERNEL_ELF,
                  HELLO_ELF, NULL};
    ck_assert_int_eq(debugger_main(9, ok), 0);
    FILE *f = fopen(png, "rb");
    ck_assert_ptr_nonnull(f);
    uint8_t head[24];
    ck_assert_uint_eq(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    ck_assert_int_eq(memcmp(head, "\x89PNG", 4), 0);
    ck_assert_uint_eq((uint32_t)head[18] << 8 | head[19], 120 * FONT_WIDTH);
    unlink(png);
    char *bad_until[] = {"--screenshot", png, "--until", "lunch", HELLO_ELF, NULL};
    ck_assert_int_eq(debugger_main(5, bad_until), 2);
    char *bad_option[] = {"--screenshot", png, "--kernel", KERNEL_ELF, "--frobnicate", HELLO_ELF, NULL};
    ck_assert_int_eq(debugger_main(6, bad_option), 2);
    char *bad_ext[] = {"--screenshot", "/tmp/x.jpg", "--kernel", KERNEL_ELF, HELLO_ELF, NULL};
    ck_assert_int_eq(debugger_main(5, bad_ext), 2);
    ck_assert_int_ne(access(png, F_OK), 0);
}
END_TEST


/* One event model: the debugger's event log is the trace — the events a
 * recording tracer attached to the same machine records (and .expect files
 * assert), in the same order, with the same steps and fields — each with a
 * headline and an explanation.  privileged forks children that take #GP in
 * ring 3: syscalls, faults, interrupts, iretq and OS events of several
 * processes. */
START_TEST(the_event_log_is_the_trace)
{
    char err[256];
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF,
                                       .program_path = "build/programs/privileged"}};
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    struct trace_config cfg;
    trace_config_init(&cfg);
    cfg.kinds = (1u << TRACE_EXCEPTION) | (1u << TRACE_INTERRUPT) | (1u << TRACE_IRET) | (1u << TRACE_SYSCALL) |
                (1u << TRACE_SYSRET) | (1u << TRACE_OS);
    cfg.no_output = true;
    struct trace_recording rec;
    trace_recording_init(&rec);
    struct tracer *t = tracer_new(&cfg, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    tracer_load_symbols(t, KERNEL_ELF, "kernel:", 0, err, sizeof err);
    tracer_load_symbols(t, "build/programs/privileged", "", 0, err, sizeof err);
    tracer_record(t, &rec);
    ck_assert_int_eq(tracer_attach(t, machine_watch_hub(d->m), err, sizeof err), 0);
    dbg_run_command(d, DBG_RUN, 0);
    ck_assert_int_eq(machine_exit_status(d->m), 0);
    ck_assert_uint_gt(rec.count, 100);
    size_t n = d->log_count;
    ck_assert_uint_eq(n, rec.count < DBG_LOG_SIZE ? rec.count : DBG_LOG_SIZE);
    int faults = 0;
    for (size_t i = 0; i < n; i++) {
        const struct dbg_event *de = dbg_event_newest(d, i);
        struct trace_event te;
        trace_recording_get(&rec, rec.count - 1 - i, &te);
        char want[4 * DBG_TEXT];
        trace_event_summary(&te, want, sizeof want);
        ck_assert_str_eq(de->fields, want);
        ck_assert_uint_eq(de->kind, te.kind);
        ck_assert_uint_eq(de->step, te.step);
        ck_assert_msg(de->text[0] && de->explain[0], "no explanation for %s", want);
        if (te.kind == TRACE_EXCEPTION && strstr(want, "vector=13")) {
            ck_assert_ptr_nonnull(strstr(de->explain, "general protection"));
            faults++;
        }
    }
    ck_assert_int_ge(faults, 1);
    tracer_close(t, err, sizeof err);
    trace_recording_free(&rec);
    dbg_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_model");
    TCase *t = tcase_create("model");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, initial_state_panels);
    tcase_add_test(t, ring_change_syscall_and_explanations);
    tcase_add_test(t, page_walk_of_a_write);
    tcase_add_test(t, user_mapping_in_memory_map);
    tcase_add_test(t, breakpoints_and_step_over);
    tcase_add_test(t, page_fault_explanations);
    tcase_add_test(t, hello_step_over_and_out);
    tcase_add_test(t, console_panel_shows_stderr_under_stdout);
    tcase_add_test(t, screenshot_bmp_and_png);
    tcase_add_test(t, debug_command_screenshot);
    tcase_add_test(t, the_event_log_is_the_trace);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
