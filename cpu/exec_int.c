/* exec_int.c — placeholder registration until this instruction family lands. */
#include "exec.h"

void exec_int_register(void)
{
}
