/* gdbstub.h — a GDB remote stub on one debugging session (debugger/
 * session.h): gdb drives the same machine, breakpoints, watchpoints and
 * step back that the window uses.  No SDL here.
 *
 *     struct gdbstub *s = gdbstub_new(d, "127.0.0.1:1234", err, sizeof err);
 *     while (gdbstub_poll(s, -1))   // serve gdb; runs the machine when gdb resumes it
 *         ;
 *     gdbstub_free(s);
 *
 * The stub listens on TCP (loopback unless a host is given; port 0 picks a
 * free one: gdbstub_port), takes one gdb at a time, and serves it from
 * gdbstub_poll: packets in, replies out, and, while gdb has the machine
 * running, bursts of dbg_advance.  A front end with its own loop (the
 * window) calls gdbstub_poll(s, 0) once per frame: the machine is one, so
 * a stop made by either is the stop both see (gdb gets its stop reply when
 * the window pauses a run gdb started). */
#ifndef RINGSCOPE_GDBSTUB_GDBSTUB_H
#define RINGSCOPE_GDBSTUB_GDBSTUB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../debugger/session.h"

struct gdbstub;

/* Listen on [HOST:]PORT (HOST: a numeric IPv4 address or "localhost";
 * default 127.0.0.1).  NULL with a one-line reason ("port 1234 is in use")
 * in err. */
struct gdbstub *gdbstub_new(struct dbg *d, const char *hostport, char *err, size_t errlen);
void gdbstub_free(struct gdbstub *s);
uint16_t gdbstub_port(const struct gdbstub *s);
const char *gdbstub_host(const struct gdbstub *s);

/* Serve: wait at most timeout_ms (-1: until something happens) for gdb,
 * handle what it sent, and while it has resumed the machine run a burst
 * of it.  False once gdb killed the target (k) or detached (D): the
 * session is the caller's again. */
bool gdbstub_poll(struct gdbstub *s, int timeout_ms);
bool gdbstub_connected(const struct gdbstub *s);
/* How the session ended: gdb sent k (true) or D (false). */
bool gdbstub_killed(const struct gdbstub *s);

/* Write the gdb commands that load the kernel's and the program's
 * symbols at their addresses and connect to this stub. */
int gdbstub_write_script(const struct gdbstub *s, const char *path, const char *kernel_path,
                         const char *program_path, char *err, size_t errlen);

#endif
