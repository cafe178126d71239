/* command.h — the debugger's command language: one typed form for every
 * action of the window (the `:` line), of the terminal mode and of a
 * `--commands FILE` script, so a lesson or a bug report can be replayed:
 *
 *   break [ADDR|SYM] [if COND]   delete [N]   enable N   disable N
 *   watch|rwatch|awatch ADDR|SYM [LEN] [if COND]   x ADDR|SYM [LEN]   walk ADDR|SYM [PID]
 *   ps   goto ADDR|SYM   step [N]   next   finish   continue
 *   until syscall|fault|interrupt|ring   reverse-step   reverse-continue
 *   info break   help [COMMAND]   quit
 *
 * COND is condition.h's language (rax == 0 && pid == 2).  Breakpoints and
 * watchpoints are the session's run control (ids, enable, hit counts).
 * Parsing is pure (no session): a line becomes a struct dbgcmd or a
 * one-line error.  Executing acts on a session (session.h) and the view
 * (model.h); commands that run the machine are handed back to the caller,
 * which runs them its own way (the window in bursts between frames, a
 * script to completion).  No SDL here. */
#ifndef RINGSCOPE_DEBUGGER_COMMAND_H
#define RINGSCOPE_DEBUGGER_COMMAND_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "model.h"
#include "session.h"

#define DBGCMD_LINE 160     /* longest command line kept */
#define DBGCMD_TEXT 96      /* longest operand */
#define DBGCMD_MESSAGE 320

enum dbgcmd_kind {
    DC_NONE,              /* an empty line or a # comment */
    DC_BREAK, DC_DELETE, DC_ENABLE, DC_DISABLE,
    DC_WATCH, DC_RWATCH, DC_AWATCH,
    DC_X, DC_WALK, DC_PS, DC_GOTO,
    DC_STEP, DC_NEXT, DC_FINISH, DC_CONTINUE, DC_UNTIL,
    DC_REVERSE_STEP, DC_REVERSE_CONTINUE,
    DC_INFO_BREAK, DC_HELP, DC_QUIT,
    DC_COUNT
};

struct dbgcmd {
    enum dbgcmd_kind kind;
    char where[DBGCMD_TEXT];        /* the ADDR|SYM operand as typed; "" if none */
    bool has_n;
    uint64_t n;                     /* step N, delete/enable/disable N, LEN, PID, help's command */
    bool has_cond;
    char cond[DBGCMD_TEXT];         /* break/watch ... if COND: the condition (condition.h) */
    enum dbg_command until;         /* DC_UNTIL: what to run to */
    enum dbgcmd_kind topic;         /* DC_HELP COMMAND */
};

/* Parse one line.  0, or -1 with a one-line reason in err. */
int dbgcmd_parse(const char *line, struct dbgcmd *c, char *err, size_t errlen);
/* The canonical text of c (parses back to the same command). */
void dbgcmd_format(const struct dbgcmd *c, char *buf, size_t cap);
/* An address: HEX (0x optional), SYMBOL, $REG (rip, rsp, rax...) with an
 * optional +OFFSET or -OFFSET.  0, or -1 with a reason. */
int dbgcmd_address(struct dbg *d, const char *text, uint64_t *va, char *err, size_t errlen);

enum dbgcmd_outcome {
    DBGCMD_DONE,    /* done; message says what happened */
    DBGCMD_RUN,     /* the caller starts run (dbg_start / dbg_run_command) */
    DBGCMD_QUIT,
    DBGCMD_ERROR,   /* nothing done; message says why */
};
struct dbgcmd_result {
    enum dbgcmd_outcome outcome;
    enum dbg_command run;
    char message[DBGCMD_MESSAGE];
};

/* Execute c on the session and the view (v may not be NULL). */
void dbgcmd_execute(struct dbg *d, struct ui_view *v, const struct dbgcmd *c, struct dbgcmd_result *r);
/* Parse and execute one line (parse errors come back as DBGCMD_ERROR). */
void dbgcmd_execute_line(struct dbg *d, struct ui_view *v, const char *line, struct dbgcmd_result *r);

/* The help: one line per command ("break [ADDR|SYM] [if COND]  ..."). */
size_t dbgcmd_help_count(void);
const char *dbgcmd_help_line(size_t i);

/* Run a script: each line is echoed to out as "(rs) LINE", executed (run
 * commands to completion, at most max_insns instructions each, 0: no cap)
 * and followed by what it did.  Stops at the first line that fails or at
 * quit (then *quit is set).  0, or -1 with "NAME:LINE: reason" in err. */
int dbgcmd_run_script(struct dbg *d, struct ui_view *v, FILE *in, const char *name, FILE *out,
                      uint64_t max_insns, bool *quit, char *err, size_t errlen);
/* What the machine looks like after a run command, in one line. */
void dbgcmd_describe_stop(struct dbg *d, char *buf, size_t cap);

/* The command line's history (Up / Down recall, newest last). */
#define DBGCMD_HISTORY 64
struct dbgcmd_history {
    char line[DBGCMD_HISTORY][DBGCMD_LINE];
    int count;       /* lines kept */
    int browse;      /* Up/Down position: count = the line being typed */
    char draft[DBGCMD_LINE];   /* what was typed before Up */
};
void dbgcmd_history_add(struct dbgcmd_history *h, const char *line);
/* Up (dir -1) or Down (+1): replace input (cap bytes) with the recalled line. */
void dbgcmd_history_move(struct dbgcmd_history *h, int dir, char *input, size_t cap);

#endif
