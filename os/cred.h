/* cred.h — process credentials (os/cred.c): real, effective and saved
 * user and group ids and the supplementary groups.  Programs start as
 * root (all ids 0, no supplementary groups, like Linux's init); the
 * set*id calls follow credentials(7): with euid 0 anything goes, without
 * it a process may only switch among its own real/effective/saved ids. */
#ifndef OS_CRED_H
#define OS_CRED_H
#include "proc.h"

void cred_copy(struct proc *child, const struct proc *parent);
/* /etc/passwd and /etc/group naming root, unless the initrd brought its own
 * (programs such as id and ls print names from them). */
void cred_base_files(void);

#endif
