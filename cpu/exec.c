/* exec.c — the dispatch table from (opcode map, opcode byte) to handler. */
#include "exec.h"
#include <stdio.h>
#include <stdlib.h>

exec_fn dispatch_table[4][256];

void exec_register(int map, int op, exec_fn fn)
{
    if (dispatch_table[map][op] && dispatch_table[map][op] != fn) {
        fprintf(stderr, "ringscope: internal error: opcode map %d byte %02x registered twice\n", map, op);
        abort();
    }
    dispatch_table[map][op] = fn;
}

void exec_ud(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_fault(cpu, EXC_UD, 0);
}

void exec_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    exec_int_register();
    exec_sse_register();
    exec_x87_register();
    exec_system_register();
}
