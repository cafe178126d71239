/* window_loader.c — `ringscope debug` in the ringscope binary: the
 * debugger's window (the debugger/ files that use SDL2, and
 * app/debug_command.c) is a module, ringscope-debug.so, loaded here on
 * demand, so `ringscope run` never pays for linking SDL2 at start-up.  The
 * module finds the rest of ringscope (the debugger's session and model,
 * machine, trace, cli...) in this executable, which exports its symbols
 * (-rdynamic).
 *
 * The module lives next to the binary in a build tree (build/ringscope-debug.so)
 * or in PREFIX/lib/ringscope for an installed PREFIX/bin/ringscope, the same
 * places app/cli.c looks for the guest kernel.  Only build/ringscope links
 * this file; libringscope.a (and the tests) hold the whole debugger. */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "debug_command.h"

#define MODULE "ringscope-debug.so"

static void *load_module(char *err, size_t errlen)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the ringscope binary (/proc/self/exe)");
        return NULL;
    }
    exe[n] = 0;
    const char *dir = dirname(exe);
    snprintf(path, sizeof path, "%s/%s", dir, MODULE);
    if (access(path, F_OK) != 0)
        snprintf(path, sizeof path, "%s/../lib/ringscope/%s", dir, MODULE);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        snprintf(err, errlen, "cannot load the debugger: %s", dlerror());
    return h;
}

int debugger_main(int argc, char **argv)
{
    char err[PATH_MAX + 256];
    void *h = load_module(err, sizeof err);
    if (!h) {
        fprintf(stderr, "ringscope: %s\n", err);
        return 1;
    }
    /* dlsym on the module's handle finds the module's own debugger_main
     * (debug_command.c), not this one. */
    int (*module_main)(int, char **);
    void *sym = dlsym(h, "debugger_main");
    memcpy(&module_main, &sym, sizeof module_main);
    if (!module_main || module_main == debugger_main) {
        fprintf(stderr, "ringscope: %s has no debugger_main\n", MODULE);
        return 1;
    }
    return module_main(argc, argv);
}
