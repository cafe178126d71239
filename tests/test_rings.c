/* test_rings.c — privilege levels end to end.  The ring-0 guest
 * tests/guests/rings.S builds its own GDT (with a 64-bit TSS descriptor),
 * IDT and TSS, enables SYSCALL, drops to ring 3 with IRETQ and runs the
 * scenario named by RDI; its handlers print what they see through port
 * 0xE9.  Expected values come from the SDM (error codes, frame layout,
 * SYSCALL/SYSRET register rules, Table 6-5) and from the assembler (the
 * label table at 0x100008), and are cross-checked against the CPU state
 * the harness exposes. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define GUEST "build/guests/rings.bin"
#define LABELS (HARNESS_GUEST_BASE + 8)

/* Indices into the guest's `labels` table. */
enum {
    L_HLT, L_CLI, L_MOVCR3, L_IN, L_WRMSR, L_AFTER_SYSCALL, L_INT81, L_AFTER_INT80,
    L_SYSRET, L_HLT8, L_GP_HANDLER, L_GP_FAULT, L_AFTER_INT82_USER, L_AFTER_INT82_KERNEL,
    L_GDT, L_TSS, L_INT80_HANDLER,
};

/* The guest's stacks (rings.S). */
#define KSTACK_TOP 0x70000ull
#define USER_STACK_TOP 0x50000ull
#define BOOT_STACK_TOP 0x78000ull

/* RFLAGS bits SYSCALL clears through the guest's IA32_FMASK. */
#define GUEST_FMASK 0x47700ull
#define RFLAGS_IF 0x200ull

static struct harness *h;
static enum cpu_stop stop;

static void setup(void)
{
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
}

static void run_scenario(int n)
{
    ck_assert_msg(harness_load_guest(h, GUEST) == 0, "cannot load %s (run `make guests`)", GUEST);
    h->cpu->gpr[RDI] = (uint64_t)n;
    stop = harness_run(h, 1000000);
    h->out[h->out_len] = 0;
}

static uint64_t label(int i)
{
    uint64_t v = 0;
    ck_assert(mmu_phys_read(h->mmu, LABELS + 8 * (uint64_t)i, &v, 8));
    return v;
}

static uint64_t phys64(uint64_t pa)
{
    uint64_t v = 0;
    ck_assert(mmu_phys_read(h->mmu, pa, &v, 8));
    return v;
}

/* The line the guest's #GP handler prints. */
static void gp_line(char *buf, size_t n, uint64_t err, uint64_t rip, uint64_t cs, uint64_t ss,
                    const char *stack)
{
    snprintf(buf, n, "GP err=%016" PRIx64 " rip=%016" PRIx64 " cs=%016" PRIx64 " ss=%016" PRIx64
             " cpl=0 stack=%s\n", err, rip, cs, ss, stack);
}

/* (1) HLT, CLI, MOV CR3, IN and WRMSR at CPL 3: each #GP(0) with the RIP
 * of the instruction itself, handled at CPL 0 on the TSS.RSP0 stack. */
START_TEST(privileged_instructions_in_ring3_raise_gp0)
{
    run_scenario(1);
    char expect[1024] = "", line[200];
    static const int which[] = { L_HLT, L_CLI, L_MOVCR3, L_IN, L_WRMSR };
    for (int i = 0; i < 5; i++) {
        gp_line(line, sizeof line, 0, label(which[i]), 0x2b, 0x23, "rsp0");
        strcat(expect, line);
    }
    ck_assert_int_eq(stop, STOP_REQUEST);
    ck_assert_str_eq(h->out, expect);
    ck_assert_int_eq(h->exit_code, 0x11);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 5);
    ck_assert_uint_eq(h->cpu->cpl, 0); /* the exit syscall ran in ring 0 */
}
END_TEST

/* (1) again, stopping inside the handler: the CPU state and the frame. */
START_TEST(gp_handler_runs_in_ring0_on_rsp0_with_the_architectural_frame)
{
    run_scenario(8);
    ck_assert_int_eq(h->exit_code, 0x88);
    struct cpu *c = h->cpu;
    ck_assert_uint_eq(c->cpl, 0);
    ck_assert_uint_eq(c->seg[SEG_CS].sel, 0x08);
    ck_assert_uint_eq(c->seg[SEG_SS].sel, 0); /* null SS, RPL = new CPL (SDM §6.14.4) */
    ck_assert_uint_eq(c->gpr[RSP], KSTACK_TOP - 48);
    ck_assert_uint_ge(c->rip, label(L_GP_HANDLER));
    ck_assert_uint_lt(c->rip, label(L_GP_HANDLER) + 32);
    ck_assert_uint_eq(c->rflags & RFLAGS_IF, 0); /* interrupt gate */
    uint64_t f = KSTACK_TOP - 48;
    ck_assert_uint_eq(phys64(f), 0);                       /* error code */
    ck_assert_uint_eq(phys64(f + 8), label(L_HLT8));       /* RIP of HLT */
    ck_assert_uint_eq(phys64(f + 16), 0x2b);               /* CS */
    ck_assert_uint_eq(phys64(f + 24) & (RFLAGS_IF | 2), RFLAGS_IF | 2);
    ck_assert_uint_eq(phys64(f + 32), USER_STACK_TOP);     /* RSP */
    ck_assert_uint_eq(phys64(f + 40), 0x23);               /* SS */
    ck_assert_uint_eq(c->exc_counts[EXC_GP], 1);
    /* The guest's LTR loaded its TSS and marked the descriptor busy
     * (type 9 -> 0xB, SDM LTR); its LGDT/LIDT bases are the guest's tables. */
    ck_assert_uint_eq(c->tr.sel, 0x30);
    ck_assert_uint_eq(c->tr.base, label(L_TSS));
    ck_assert_uint_eq((phys64(label(L_GDT) + 0x30) >> 40) & 0xff, 0x8b);
    ck_assert_uint_eq(c->gdtr.base, label(L_GDT));
    ck_assert_uint_eq(c->gdtr.limit, 0x3f);
}
END_TEST

/* (2) SYSCALL: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS/SS from
 * STAR[47:32]; SYSRETQ: CS/SS from STAR[63:48] with RPL 3, RFLAGS from R11. */
START_TEST(syscall_enters_lstar_and_sysret_returns_to_ring3)
{
    run_scenario(2);
    ck_assert_int_eq(stop, STOP_REQUEST);
    ck_assert_int_eq(h->exit_code, 0x22);
    uint64_t rcx, r11, r14, cs, ss, kflags, ucs, uss, uflags;
    int n = sscanf(h->out,
                   "SYSCALL rcx=%" SCNx64 " r11=%" SCNx64 " r14=%" SCNx64 " cs=%" SCNx64
                   " ss=%" SCNx64 " rflags=%" SCNx64 "\nUSER cs=%" SCNx64 " ss=%" SCNx64
                   " rflags=%" SCNx64 "\n",
                   &rcx, &r11, &r14, &cs, &ss, &kflags, &ucs, &uss, &uflags);
    ck_assert_msg(n == 9, "unexpected guest output: %s", h->out);
    ck_assert_uint_eq(rcx, label(L_AFTER_SYSCALL));
    ck_assert_uint_eq(r11, r14);                 /* R11 = RFLAGS at the SYSCALL */
    ck_assert_uint_eq(r11 & (RFLAGS_IF | 2), RFLAGS_IF | 2);
    ck_assert_uint_eq(cs, 0x08);
    ck_assert_uint_eq(ss, 0x10);
    ck_assert_uint_eq(kflags, r11 & ~GUEST_FMASK);
    ck_assert_uint_eq(ucs, 0x2b);
    ck_assert_uint_eq(uss, 0x23);
    ck_assert_uint_eq(uflags, (r11 & 0x3c7fd7) | 2);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 0);
}
END_TEST

/* (3) INT 0x80 through a DPL-3 interrupt gate switches to TSS.RSP0 and
 * clears IF; INT 0x81 through a DPL-0 gate is #GP(0x81*8+2). */
START_TEST(int80_switches_stacks_and_int_to_dpl0_gate_is_gp)
{
    run_scenario(3);
    ck_assert_int_eq(h->exit_code, 0x33);
    uint64_t rip, cs, rflags, rsp, ss, ifl;
    char rest[200];
    int n = sscanf(h->out,
                   "INT80 rip=%" SCNx64 " cs=%" SCNx64 " rflags=%" SCNx64 " rsp=%" SCNx64
                   " ss=%" SCNx64 " cpl=0 stack=rsp0 if=%" SCNx64 "\n%199[^\n]",
                   &rip, &cs, &rflags, &rsp, &ss, &ifl, rest);
    ck_assert_msg(n == 7, "unexpected guest output: %s", h->out);
    ck_assert_uint_eq(rip, label(L_AFTER_INT80)); /* a trap-like frame: next instruction */
    ck_assert_uint_eq(cs, 0x2b);
    ck_assert_uint_eq(rflags & RFLAGS_IF, RFLAGS_IF);
    ck_assert_uint_eq(rsp, USER_STACK_TOP);
    ck_assert_uint_eq(ss, 0x23);
    ck_assert_uint_eq(ifl, 0);
    char line[200];
    gp_line(line, sizeof line, 0x81 * 8 + 2, label(L_INT81), 0x2b, 0x23, "rsp0");
    line[strlen(line) - 1] = 0;
    ck_assert_str_eq(rest, line);
    ck_assert_uint_eq(h->cpu->exc_counts[0x80], 1);
    ck_assert_uint_eq(h->cpu->exc_counts[0x81], 0);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 1);
}
END_TEST

/* (4) A gate with IST=2 always runs on TSS.IST2, also without a privilege
 * change. */
START_TEST(ist_gate_runs_on_its_ist_stack)
{
    run_scenario(4);
    ck_assert_int_eq(h->exit_code, 0x44);
    ck_assert_str_eq(h->out, "IST cs=0000000000000008 cpl=0 stack=ist2\n"
                             "IST cs=000000000000002b cpl=0 stack=ist2\n");
    ck_assert_uint_eq(h->cpu->exc_counts[0x82], 2);
}
END_TEST

/* (5) SYSRETQ with a non-canonical RCX: #GP(0) delivered in ring 0, on the
 * kernel stack, RIP = the SYSRET (Intel; SDM SYSRET). */
START_TEST(sysret_to_noncanonical_rcx_faults_in_ring0)
{
    run_scenario(5);
    ck_assert_int_eq(h->exit_code, 0x55);
    char line[200];
    gp_line(line, sizeof line, 0, label(L_SYSRET), 0x08, 0x10, "0000000000078000");
    ck_assert_str_eq(h->out, line);
    ck_assert_uint_eq(h->cpu->cpl, 0);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 1);
}
END_TEST

/* (6) IDT limit 0: #UD cannot be delivered (#GP), nor can that #GP
 * (contributory + contributory = #DF), nor the #DF: shutdown. */
START_TEST(fault_with_empty_idt_is_a_triple_fault)
{
    run_scenario(6);
    ck_assert_int_eq(stop, STOP_TRIPLE_FAULT);
    ck_assert(h->cpu->shutdown);
    ck_assert_int_eq(h->exit_code, -1);
    ck_assert_uint_eq(h->out_len, 0);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_UD], 0);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 0);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_DF], 0);
}
END_TEST

/* (7) #GP whose gate names a data segment: delivering it raises #GP
 * (contributory during contributory) = #DF, error code 0, on IST1. */
START_TEST(gp_during_gp_delivery_is_a_double_fault)
{
    run_scenario(7);
    ck_assert_int_eq(h->exit_code, 0x77);
    ck_assert_str_eq(h->out, "DF err=0000000000000000 cs=0000000000000008 cpl=0 stack=ist1\n");
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_DF], 1);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 0);
    ck_assert(!h->cpu->shutdown);
}
END_TEST

/* #PF while pushing a frame (TSS.RSP0 unmapped): #GP then #PF is handled
 * serially, #PF during #PF delivery is #DF (Table 6-5), delivered on IST1
 * — the only stack that works.  CR2 holds the frame address that faulted. */
START_TEST(page_fault_on_the_new_stack_becomes_a_double_fault)
{
    run_scenario(9);
    ck_assert_int_eq(h->exit_code, 0x77);
    ck_assert_str_eq(h->out, "DF err=0000000000000000 cs=000000000000002b cpl=0 stack=ist1\n");
    ck_assert_uint_eq(h->cpu->cr2, 0x40001000ull - 48); /* the #GP frame (with error code) */
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_DF], 1);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_GP], 0);
    ck_assert_uint_eq(h->cpu->exc_counts[EXC_PF], 0);
}
END_TEST

/* The observer hooks see every delivery and ring transition of scenario 3
 * with the values the frame holds (hooks.h: struct exc_event, transfer). */
struct seen {
    int nexc, ntransfer;
    struct exc_event exc[8];
    struct { char kind[8]; uint8_t from, to; } transfer[16];
};

static void seen_exception(void *ctx, struct cpu *cpu, const struct exc_event *e)
{
    struct seen *s = ctx;
    (void)cpu;
    if (s->nexc < 8)
        s->exc[s->nexc++] = *e;
}

static void seen_transfer(void *ctx, struct cpu *cpu, enum ring_transfer kind, uint8_t from, uint8_t to)
{
    struct seen *s = ctx;
    (void)cpu;
    if (s->ntransfer < 16) {
        snprintf(s->transfer[s->ntransfer].kind, sizeof s->transfer[0].kind, "%s", ring_transfer_name(kind));
        s->transfer[s->ntransfer].from = from;
        s->transfer[s->ntransfer].to = to;
        s->ntransfer++;
    }
}

START_TEST(observer_sees_deliveries_and_ring_transitions)
{
    static struct seen seen;
    static struct cpu_observer obs = { .ctx = &seen, .exception = seen_exception,
                                       .transfer = seen_transfer };
    memset(&seen, 0, sizeof seen);
    cpu_set_observer(h->cpu, &obs, false);
    run_scenario(3);
    ck_assert_int_eq(h->exit_code, 0x33);
    ck_assert_int_eq(seen.nexc, 2);
    const struct exc_event *e = &seen.exc[0];
    ck_assert_uint_eq(e->vector, 0x80);
    ck_assert(e->soft && !e->external && !e->has_error);
    ck_assert_uint_eq(e->cpl_before, 3);
    ck_assert_uint_eq(e->cpl_after, 0);
    ck_assert(e->stack_switch);
    ck_assert_int_eq(e->ist, 0);
    ck_assert_uint_eq(e->rsp_before, USER_STACK_TOP);
    ck_assert_uint_eq(e->rsp_after, KSTACK_TOP - 40);
    ck_assert_uint_eq(e->rip, label(L_AFTER_INT80));
    ck_assert_uint_eq(e->handler, label(L_INT80_HANDLER));
    e = &seen.exc[1];
    ck_assert_uint_eq(e->vector, EXC_GP);
    ck_assert(!e->soft && e->has_error);
    ck_assert_uint_eq(e->error, 0x81 * 8 + 2);
    ck_assert_uint_eq(e->rip, label(L_INT81));
    ck_assert_uint_eq(e->rsp_after, KSTACK_TOP - 48);
    /* IRETQ 0->0 (CS reload), IRETQ 0->3 (to ring 3), IRETQ 0->3 twice
     * (return from INT 0x80 and from #GP), SYSCALL 3->0 (exit). */
    static const struct { const char *kind; uint8_t from, to; } want[] = {
        { "iretq", 0, 0 }, { "iretq", 0, 3 }, { "iretq", 0, 3 }, { "iretq", 0, 3 },
        { "syscall", 3, 0 },
    };
    ck_assert_int_eq(seen.ntransfer, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(seen.transfer[i].kind, want[i].kind);
        ck_assert_uint_eq(seen.transfer[i].from, want[i].from);
        ck_assert_uint_eq(seen.transfer[i].to, want[i].to);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rings");
    TCase *tc = tcase_create("rings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, privileged_instructions_in_ring3_raise_gp0);
    tcase_add_test(tc, gp_handler_runs_in_ring0_on_rsp0_with_the_architectural_frame);
    tcase_add_test(tc, syscall_enters_lstar_and_sysret_returns_to_ring3);
    tcase_add_test(tc, int80_switches_stacks_and_int_to_dpl0_gate_is_gp);
    tcase_add_test(tc, ist_gate_runs_on_its_ist_stack);
    tcase_add_test(tc, sysret_to_noncanonical_rcx_faults_in_ring0);
    tcase_add_test(tc, fault_with_empty_idt_is_a_triple_fault);
    tcase_add_test(tc, gp_during_gp_delivery_is_a_double_fault);
    tcase_add_test(tc, page_fault_on_the_new_stack_becomes_a_double_fault);
    tcase_add_test(tc, observer_sees_deliveries_and_ring_transitions);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
