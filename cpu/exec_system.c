/* exec_system.c — placeholder registration until this instruction family lands. */
#include "exec.h"

void exec_system_register(void)
{
}
