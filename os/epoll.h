/* epoll.h — the hook file.c calls when an open file is released: Linux
 * removes a file from every epoll set when its last descriptor closes. */
#ifndef OS_EPOLL_H
#define OS_EPOLL_H

struct file;
void epoll_forget(struct file *f);

#endif
