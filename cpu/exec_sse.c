/* exec_sse.c — placeholder registration until this instruction family lands. */
#include "exec.h"

void exec_sse_register(void)
{
}
