/* exec_int.c — registers the general-purpose integer instructions: each
 * family (exec_int.h lists them) fills its own dispatch-table slots. */
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
