/* debug_command.c — `ringscope debug [DEBUG-OPTIONS] [RUN-OPTIONS] PROGRAM
 * [ARGS...]`: the debugger's own options first, then exactly the options
 * of `run` (parsed by cli.h), then either the window or one
 * headless screenshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "../debugger/app.h"
#include "../gdbstub/gdbstub.h"
#include "debug_command.h"
#include "debug_tui.h"

#define EXIT_USAGE 2

#define DEBUG_USAGE "ringscope debug [DEBUG-OPTIONS] [MACHINE-OPTIONS] PROGRAM [ARGS...]"

static const char debug_help[] =
    "usage: " DEBUG_USAGE "\n"
    "\n"
    "Opens the debugger window on PROGRAM running on the guest kernel: disassembly,\n"
    "registers (the current ring shown big), stack, the process's memory map with\n"
    "page states, the last page walk, the TLB, physical frames, console and events\n"
    "with a plain-language explanation of the latest one.  Press ? for the keys,\n"
    ": for the command line (break, watch, x, walk, ps, goto, step N, until...).\n"
    "PROGRAM is a bundled program or a static x86-64 ELF, as for ringscope run.\n"
    "\n"
    "debugger options (first):\n"
    "  --break ADDR|SYMBOL   start with a breakpoint there (repeatable)\n"
    "  --commands FILE       run the debugger commands in FILE first (one a line,\n"
    "                        the language of the : command line; each is printed\n"
    "                        with what it did), then open the window\n"
    "  --batch               with --commands: no window, exit after the script\n"
    "  --tui                 no window: draw the debugger in this terminal (ANSI\n"
    "                        colours, the same keys; works over SSH; at least\n"
    "                        120x32)\n"
    "  --scale N             draw the font N times bigger (1 to 4; default 1)\n"
    "  --screenshot FILE     no window: run as --steps/--until say, render one\n"
    "                        frame to FILE (.png or .bmp) and exit\n"
    "  --steps N             with --screenshot: execute N instructions first\n"
    "  --until EVENT         with --screenshot: run until EVENT first: syscall,\n"
    "                        page-fault, interrupt, ring, breakpoint or exit\n"
    "  --size COLSxROWS      screenshot size in character cells (default 200x60)\n"
    "  --help                this text\n"
    "\n"
    "machine options (then; the same as ringscope run):\n";

static const char debug_help_more[] =
    "  --max-insns N       a run command (--until, or one of --commands) stops\n"
    "                      after N instructions\n";

static const char debug_help_gdb[] =
    "                      (gdb drives the same machine as the window or the\n"
    "                      terminal; with --screenshot, the frame is rendered\n"
    "                      once gdb detaches)\n"
    "\n"
    "tracing (the same as ringscope run: the trace of what runs while you debug;\n"
    "step back does not trace its replays again):\n";

static const char debug_help_tail[] =
    "\n"
    "The guest's console is the Console panel (the window has no host stdin for it:\n"
    "Tab sends keys to its PS/2 keyboard).\n"
    "\n"
    "exit status: 0; 2 bad option, input or command (FILE:LINE names the line of\n"
    "--commands); 1 host failure (no display: use --tui or --screenshot).\n";

static void print_help(void)
{
    fputs(debug_help, stdout);
    cli_print_machine_help(stdout);
    fputs(debug_help_more, stdout);
    cli_print_gdb_help(stdout);
    fputs(debug_help_gdb, stdout);
    fputs(trace_options_help, stdout);
    fputs(debug_help_tail, stdout);
}

static int usage(const char *fmt, const char *arg)
{
    fputs("ringscope: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* "--opt VALUE" or "--opt=VALUE": the value, advancing *i; NULL if arg is
 * not opt (or has no value). */
static const char *option_value(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    const char *arg = argv[*i];
    if (strncmp(arg, opt, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != 0 || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static enum dbg_command until_command(const char *s)
{
    static const struct { const char *name; enum dbg_command cmd; } names[] = {
        {"syscall", DBG_UNTIL_SYSCALL}, {"page-fault", DBG_UNTIL_PAGE_FAULT}, {"fault", DBG_UNTIL_PAGE_FAULT},
        {"interrupt", DBG_UNTIL_INTERRUPT}, {"ring", DBG_UNTIL_RING}, {"breakpoint", DBG_RUN}, {"exit", DBG_RUN},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].cmd;
    return DBG_NONE;
}

/* The terminal mode's loop also serves gdb, without blocking. */
static void serve_gdb(void *stub) { gdbstub_poll(stub, 0); }

int debugger_main(int argc, char **argv)
{
    const char *breaks[DBG_MAX_BREAKPOINTS], *screenshot = NULL, *until = NULL, *commands = NULL;
    bool batch = false, tui = false;
    size_t nbreaks = 0;
    uint64_t steps = 0;
    int scale = 1, cols = APP_DEFAULT_COLS, rows = APP_DEFAULT_ROWS, i = 0, status = 0;
    char err[512];
    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help();
            return 0;
        } else if ((v = option_value(argc, argv, &i, "--break"))) {
            if (nbreaks < DBG_MAX_BREAKPOINTS)
                breaks[nbreaks++] = v;
        } else if ((v = option_value(argc, argv, &i, "--scale"))) {
            scale = atoi(v);
            if (scale < 1 || scale > 4)
                return usage("--scale %s: expected 1, 2, 3 or 4", v);
        } else if ((v = option_value(argc, argv, &i, "--screenshot"))) {
            size_t n = strlen(v);
            if (n < 5 || (strcasecmp(v + n - 4, ".png") != 0 && strcasecmp(v + n - 4, ".bmp") != 0))
                return usage("--screenshot %s: the file name must end in .png or .bmp", v);
            screenshot = v;
        } else if ((v = option_value(argc, argv, &i, "--steps"))) {
            char *end;
            steps = strtoull(v, &end, 10);
            if (*end || end == v)
                return usage("--steps %s: expected a number of instructions", v);
        } else if ((v = option_value(argc, argv, &i, "--until"))) {
            until = v;
            if (until_command(v) == DBG_NONE)
                return usage("--until %s: expected syscall, page-fault, interrupt, ring, breakpoint or exit", v);
        } else if ((v = option_value(argc, argv, &i, "--commands"))) {
            commands = v;
        } else if (strcmp(a, "--batch") == 0) {
            batch = true;
        } else if (strcmp(a, "--tui") == 0) {
            tui = true;
        } else if ((v = option_value(argc, argv, &i, "--size"))) {
            if (sscanf(v, "%dx%d", &cols, &rows) != 2 || cols < 80 || rows < 30 || cols > 1000 || rows > 500)
                return usage("--size %s: expected COLSxROWS, at least 80x30", v);
        } else {
            break; /* the run options, PROGRAM and its arguments */
        }
    }
    struct run_options *ro = calloc(1, sizeof *ro);
    if (!ro)
        return 1;
    if (cli_parse_run_as("debug", DEBUG_USAGE, argc - i, argv + i, ro, err, sizeof err) != 0) {
        free(ro);
        return usage("%s", err);
    }
    if (ro->help) {
        print_help();
        free(ro);
        return 0;
    }
    /* run's reports on stderr have no place here: the panels show both. */
    if (ro->stats || ro->kernel_log) {
        const char *opt = ro->stats ? "--stats" : "--kernel-log";
        free(ro);
        return usage("%s is an option of ringscope run; the debugger shows the same in its panels", opt);
    }
    struct dbg_options o = {.config = ro->config};
    struct tracer *tracer = NULL;
    struct gdbstub *stub = NULL;
    struct dbg *d = dbg_new(&o, err, sizeof err);
    if (!d) {
        free(ro);
        return usage("%s", err);
    }
    /* --trace…: the tracer watches the same machine as the window, and
     * writes what runs forward (step-back replays are not traced again). */
    if (ro->trace.kinds) {
        if (!(tracer = cli_attach_tracer(ro, d->m, NULL, err, sizeof err))) {
            status = usage("%s", err);
            goto done;
        }
        dbg_watch_forward(d, tracer_watcher(tracer));
    }
    for (size_t k = 0; k < nbreaks; k++) {
        uint64_t va;
        if (!dbg_parse_address(d, breaks[k], &va)) {
            status = usage("--break %s: no such symbol or address", breaks[k]);
            goto done;
        }
        dbg_toggle_breakpoint(d, va);
    }
    /* --gdb: the stub is one more front end of the same session. */
    if (ro->gdb) {
        if (!(stub = gdbstub_new(d, ro->gdb, err, sizeof err))) {
            status = usage("%s", err);
            goto done;
        }
        if (ro->gdb_script &&
            gdbstub_write_script(stub, ro->gdb_script, ro->kernel_path, ro->program_path, err, sizeof err) != 0) {
            status = usage("%s", err);
            goto done;
        }
        fprintf(stderr, "ringscope: gdb stub on %s:%u (gdb: target remote %s:%u)\n", gdbstub_host(stub),
                gdbstub_port(stub), gdbstub_host(stub), gdbstub_port(stub));
    }
    if (batch && !commands) {
        status = usage("%s", "--batch runs a --commands FILE: give one");
        goto done;
    }
    struct ui_view view = {.speed = d->insns_per_frame};
    bool quit = false;
    if (commands) {
        FILE *script = strcmp(commands, "-") == 0 ? stdin : fopen(commands, "r");
        if (!script) {
            status = usage("--commands %s: cannot open it", commands);
            goto done;
        }
        int rc = dbgcmd_run_script(d, &view, script, commands, stdout, ro->max_insns, &quit, err, sizeof err);
        if (script != stdin)
            fclose(script);
        if (rc != 0) {
            status = usage("%s", err);
            goto done;
        }
        if (batch)
            goto done;
    }
    if (screenshot) {
        if (steps)
            dbg_step_n(d, steps);
        if (until)
            dbg_run_command(d, until_command(until), ro->max_insns);
        /* gdb first, until it detaches: the frame shows where it left the machine. */
        while (stub && gdbstub_poll(stub, -1))
            ;
        if (app_screenshot(d, &view, cols, rows, scale, screenshot, err, sizeof err) != 0) {
            fprintf(stderr, "ringscope: %s\n", err);
            status = 1;
        }
        goto done;
    }
    if (quit)
        goto done;
    if (tui) {
        if (debug_tui(d, &view, stub ? serve_gdb : NULL, stub, err, sizeof err) != 0)
            status = usage("%s", err);
        goto done;
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "ringscope: cannot start SDL video (no display? try --screenshot): %s\n", SDL_GetError());
        status = 1;
        goto done;
    }
    struct app a;
    char title[160];
    snprintf(title, sizeof title, "ringscope debug %s", d->program_name);
    if (app_open(&a, d, scale, title, err, sizeof err) != 0) {
        fprintf(stderr, "ringscope: %s\n", err);
        status = 1;
    } else {
        view.speed = a.view.speed;
        a.view = view; /* where the script left the view */
        /* The window's loop also serves gdb, without blocking: a stop made
         * by either is the machine's, and both show it. */
        while (app_frame(&a))
            if (stub && !gdbstub_poll(stub, 0))
                gdbstub_listen_again(stub); /* gdb left (detach, kill): the next one may come */
        app_close(&a);
    }
    SDL_Quit();
done:
    gdbstub_free(stub);
    if (tracer && tracer_close(tracer, err, sizeof err) != 0) {
        fprintf(stderr, "ringscope: %s\n", err);
        status = 1;
    }
    dbg_free(d);
    free(ro);
    return status;
}
