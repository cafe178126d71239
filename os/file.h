/* file.h — open files: what a file descriptor points at (os/file.c).
 * Several descriptors (dup, fork) may share one struct file and with it the
 * offset, as on Unix. */
#ifndef OS_FILE_H
#define OS_FILE_H
#include <stdbool.h>
#include <stdint.h>
#include "fs.h"

#define MAX_FILES 128
#define PIPE_SIZE 4096

/* open() flags (Linux values) */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000

enum file_kind { FILE_INODE, FILE_PIPE };

struct pipe {
    uint8_t buf[PIPE_SIZE];
    uint64_t read_pos, write_pos; /* bytes ever read / written */
    int readers, writers;
};

struct file {
    enum file_kind kind;
    int refs;
    uint32_t flags;       /* O_* given to open */
    uint64_t offset;
    struct inode *inode;  /* FILE_INODE */
    struct pipe *pipe;    /* FILE_PIPE */
    char *snapshot;       /* generated files (/proc/self/maps): the text, taken at open */
    uint64_t snapshot_size, snapshot_alloc;
    bool pipe_writer;     /* which end */
};

struct file *file_open(struct inode *ino, uint32_t flags);
int file_pipe(struct file *ends[2]);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);
/* poll(2) readiness */
#define POLLIN 0x001
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
/* What a read or write would do now: POLLIN / POLLOUT if it would not
 * block, POLLHUP when the other end of a pipe is gone. */
unsigned file_poll(const struct file *f);
/* Kernel-buffer I/O at the file's offset (pipes and the console block). */
long file_read(struct file *f, void *dst, uint64_t n);
long file_write(struct file *f, const void *src, uint64_t n);

/* The calling process's descriptors (sys_file.c): the open file of fd (or
 * NULL), and installing f at the lowest free descriptor >= lowest. */
struct file *fd_file(uint64_t fd);
int fd_install(struct file *f, int lowest, bool cloexec);

/* fcntl F_ADD_SEALS / F_GET_SEALS (sys_memfd.c) */
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
long file_seals(struct file *f, bool add, uint32_t seals);

#endif
