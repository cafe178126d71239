/* exec_x87.c — placeholder registration until this instruction family lands. */
#include "exec.h"

void exec_x87_register(void)
{
}
