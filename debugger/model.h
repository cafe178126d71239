/* model.h — the UI model: everything the debugger window shows, as pure
 * data computed from a session (session.h) for a screen of cols x rows
 * character cells.  The SDL renderer (render.h) only paints cells; tests
 * read panel text from the model without SDL.
 *
 * Layout (cells): three columns — disassembly over stack; registers over
 * page walk over TLB; memory map over physical frames — then events and
 * console side by side, a status line, the explanation of the latest event
 * and the help bar.  Panels grow with the window; text that does not fit
 * wraps, or is cut with a visible mark (FONT_ELLIPSIS in the last cell)
 * where its full form is reachable elsewhere (the selected event in full
 * in the events panel). */
#ifndef RINGSCOPE_DEBUGGER_MODEL_H
#define RINGSCOPE_DEBUGGER_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kstate.h"
#include "session.h"

/* Colours (the renderer's palette, model.c). */
enum ui_color {
    C_BG, C_BORDER, C_TITLE, C_TEXT, C_DIM, C_ADDR, C_SYM, C_CUR_BG, C_SEL_BG, C_CHANGED, C_RING0, C_RING3,
    C_BP, C_BAR_BG, C_KEY, C_EXPLAIN_BG, C_WARN, C_GOOD,
    C_PS_UNMAPPED, C_PS_RESERVED, C_PS_COMMITTED, C_PS_RESIDENT, C_PS_SWAPPED, C_PS_GUARD,
    C_OWN_FREE, C_OWN_KERNEL, C_OWN_TABLES, C_OWN_PROC0, C_OWN_PROC1, C_OWN_PROC2, C_OWN_PROC3,
    C_ACC_READ, C_ACC_WRITE, C_ACC_EXEC, C_BLACK, C_OWN_KDATA,
    C_COUNT
};
struct ui_rgb {
    uint8_t r, g, b;
};
extern const struct ui_rgb ui_palette[C_COUNT];

struct ui_cell {
    uint8_t ch;   /* font code (font.h): ASCII or a FONT_* symbol */
    uint8_t fg, bg;
};

enum ui_panel_id {
    P_DISASM, P_REGS, P_STACK, P_MEMMAP, P_WALK, P_TLB, P_FRAMES, P_CONSOLE, P_EVENTS, P_PROCS, P_MEMORY, P_PTABLES,
    P_COUNT
};

struct ui_rect {
    int x, y, w, h;   /* outer rectangle (with the border) in cells */
};

/* Interface state that is not machine state: where the disassembly looks,
 * the line cursor, keyboard focus, the prompt, the help overlay. */
enum ui_prompt { PROMPT_NONE, PROMPT_GOTO, PROMPT_BREAK, PROMPT_COMMAND };
struct ui_view {
    uint64_t disasm_top;        /* first address shown last time (kept while RIP stays visible) */
    bool goto_active;           /* show goto_addr instead of following RIP */
    uint64_t goto_addr;
    bool cursor_active;         /* the line cursor (for b), else RIP */
    uint64_t cursor;
    bool console_focus;         /* keys go to the guest's keyboard */
    bool show_help;
    int events_back;            /* the events panel scrolled back this many events (0: newest at the bottom) */
    enum ui_prompt prompt;
    char input[160];            /* the prompt's text */
    char message[2 * DBG_TEXT]; /* feedback for the last key ("breakpoint set at ...") */
    bool message_is_error;      /* ... an error: drawn in the warning colour */
    bool running;               /* a run command is in progress */
    /* Which process the memory map, frames, page tables and memory panels
     * show: 0 follows the CPU (the address space CR3 holds). */
    uint32_t proc_pid;
    /* The page-walk panel: an address asked for (in walk_pid, 0: the
     * process shown) instead of the last access. */
    bool walk_active;
    uint64_t walk_va;
    uint32_t walk_pid;
    /* The memory panel: follows the last access (MEM_FOLLOW), or shows
     * mem_addr in process mem_pid (0: the process shown) or physical. */
    enum ui_mem_mode { MEM_FOLLOW, MEM_VIRTUAL, MEM_PHYSICAL } mem_mode;
    uint64_t mem_addr;
    uint32_t mem_pid;
    int ptables_top;            /* the page-table view: first range shown */
    uint64_t speed;             /* instructions per frame while running */
};

#define UI_MAX_DISASM_LINES 128
/* The rows under the panels: status, the explanation (two rows), help. */
#define UI_BOTTOM_LINES 4
#define UI_STATUS_ROW(model) ((model)->rows - UI_BOTTOM_LINES)

struct ui_model {
    int cols, rows;
    struct ui_cell *cells;      /* rows * cols */
    struct ui_rect panel[P_COUNT];
    /* The current ring, drawn big (scale x the font) at cell (x, y). */
    struct {
        int x, y, scale;
        uint8_t fg;
        char text[12];
    } big;
    /* Instruction addresses of the disassembly lines (for the cursor). */
    uint64_t disasm_addr[UI_MAX_DISASM_LINES];
    int ndisasm;
    /* The explanation of the selected event (the newest, or events_back
     * older) did not fit its two rows: the events panel then shows it in
     * full under that event. */
    bool explain_cut;
    /* The guest kernel's state at this instant (kstate.h), read once per build. */
    struct kstate *ks;
};

/* Pointing the panels (the command line and the mouse bind to these).
 * pid 0 means the process the panels show (ui_view_process). */
void ui_view_process(struct ui_view *v, uint32_t pid);          /* 0: follow the CPU */
void ui_view_memory_at(struct ui_view *v, uint32_t pid, uint64_t va);
void ui_view_memory_physical(struct ui_view *v, uint64_t pa);
void ui_view_memory_follow(struct ui_view *v);                  /* the last access (the default) */
void ui_view_walk(struct ui_view *v, uint32_t pid, uint64_t va); /* walk va in pid now, no side effects */
void ui_view_walk_last(struct ui_view *v);                      /* back to the last access */
void ui_view_page_tables_scroll(struct ui_view *v, int lines);

/* Build (or rebuild) the model for a screen of cols x rows cells.
 * Returns 0, or -1 if host memory runs out. */
int ui_model_build(struct ui_model *model, struct dbg *d, struct ui_view *view, int cols, int rows);
void ui_model_free(struct ui_model *model);

const char *ui_panel_title(enum ui_panel_id p);
/* How the cut mark (FONT_ELLIPSIS) reads in ui_panel_line and ui_row_text. */
#define UI_CUT_MARK '~'
/* Text of inner line `line` of panel p (inside the border), trailing blanks
 * removed; the cut mark reads as UI_CUT_MARK, other symbols outside ASCII as '#'.  Returns false past the end. */
bool ui_panel_line(const struct ui_model *model, enum ui_panel_id p, int line, char *buf, size_t cap);
/* The first inner line of panel p containing needle, or -1. */
int ui_panel_find(const struct ui_model *model, enum ui_panel_id p, const char *needle);
/* A whole screen row as text (status, explanation and help lines). */
bool ui_row_text(const struct ui_model *model, int row, char *buf, size_t cap);

#endif
