/* exec_int.c — registers the general-purpose integer instructions: each
 * family (exec_int.h lists them) fills its own dispatch-table slots and
 * offers its specialised handler variants (exec_int_specialize). */
#include "exec_int.h"

void exec_int_register(void)
{
    exec_alu_register();
    exec_muldiv_register();
    exec_shift_register();
    exec_bits_register();
    exec_move_register();
    exec_stack_register();
    exec_branch_register();
    exec_string_register();
}

exec_fn exec_int_specialize(const struct insn *in)
{
    exec_fn fn = exec_alu_specialize(in);
    if (!fn)
        fn = exec_move_specialize(in);
    if (!fn)
        fn = exec_branch_specialize(in);
    if (!fn)
        fn = exec_stack_specialize(in);
    if (!fn)
        fn = exec_shift_specialize(in);
    return fn;
}
