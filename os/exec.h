/* exec.h — replace a process's program (os/exec.c). */
#ifndef OS_EXEC_H
#define OS_EXEC_H
#include "proc.h"

/* Load the static ELF at path (absolute) into a fresh address space, build
 * the System V entry stack from argv/envp (kernel strings) and point t's
 * trap frame at the entry point.  On success the old address space is gone;
 * on failure (-errno) the process is untouched. */
int exec(struct thread *t, const char *path, char *const argv[], int argc, char *const envp[], int envc);

#endif
