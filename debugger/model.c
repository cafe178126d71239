/* model.c — builds the UI model (model.h) from a debugging session: the
 * palette, the layout, the status/explanation/help lines, then each
 * panel's cells (panels.h); and reading the cells back as text. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "panels.h"
#include "pen.h"

const struct ui_rgb ui_palette[C_COUNT] = {
    [C_BG] = {16, 20, 26},          [C_BORDER] = {70, 80, 96},     [C_TITLE] = {255, 210, 100},
    [C_TEXT] = {214, 218, 224},     [C_DIM] = {118, 126, 138},     [C_ADDR] = {130, 180, 190},
    [C_SYM] = {140, 170, 255},      [C_CUR_BG] = {40, 64, 110},    [C_SEL_BG] = {56, 56, 70},
    [C_CHANGED] = {255, 140, 90},   [C_RING0] = {235, 80, 80},     [C_RING3] = {80, 210, 120},
    [C_BP] = {255, 70, 70},         [C_BAR_BG] = {34, 40, 52},     [C_KEY] = {255, 210, 100},
    [C_EXPLAIN_BG] = {44, 52, 30},  [C_WARN] = {255, 180, 60},     [C_GOOD] = {120, 220, 140},
    [C_PS_UNMAPPED] = {36, 40, 48}, [C_PS_RESERVED] = {84, 88, 130}, [C_PS_COMMITTED] = {190, 160, 60},
    [C_PS_RESIDENT] = {60, 170, 90}, [C_PS_SWAPPED] = {150, 90, 210}, [C_PS_GUARD] = {200, 50, 50},
    [C_OWN_FREE] = {40, 44, 52},    [C_OWN_KERNEL] = {60, 110, 200}, [C_OWN_TABLES] = {220, 130, 50},
    [C_OWN_PROC0] = {60, 170, 90},  [C_OWN_PROC1] = {200, 90, 170}, [C_OWN_PROC2] = {80, 190, 200},
    [C_OWN_PROC3] = {200, 200, 80}, [C_ACC_READ] = {90, 200, 255}, [C_ACC_WRITE] = {255, 80, 80},
    [C_ACC_EXEC] = {255, 255, 110}, [C_BLACK] = {0, 0, 0}, [C_OWN_KDATA] = {100, 110, 140},
};

static const char *const panel_titles[P_COUNT] = {
    [P_DISASM] = "Disassembly", [P_REGS] = "Registers", [P_STACK] = "Stack",
    [P_MEMMAP] = "Memory map (current process)", [P_WALK] = "Page walk (last memory access)",
    [P_TLB] = "TLB", [P_FRAMES] = "Physical frames", [P_CONSOLE] = "Console (UART)", [P_EVENTS] = "Events",
    [P_PROCS] = "Processes and threads (the kernel's tables)", [P_MEMORY] = "Memory (hex)",
    [P_PTABLES] = "Page tables (mapped ranges)",
};

const char *ui_panel_title(enum ui_panel_id p) { return p < P_COUNT ? panel_titles[p] : "?"; }

/* ---- layout ------------------------------------------------------------ */

static void layout(struct ui_model *m)
{
    int cols = m->cols, rows = m->rows;
    int area = rows - UI_BOTTOM_LINES;
    int strip = area / 5 < 7 ? 7 : area / 5;  /* events + console */
    int top = area - strip;
    int left = cols * 33 / 100 < 40 ? 40 : cols * 33 / 100;
    int mid = cols * 27 / 100 < 44 ? 44 : cols * 27 / 100;
    int right = cols - left - mid;
    int disasm_h = top * 40 / 100, stack_h = top * 22 / 100;
    int regs_h = 24, walk_h = 13;
    if (regs_h + walk_h + 5 > top) {
        regs_h = top / 2;
        walk_h = top / 4;
    }
    int map_h = top * 42 / 100, ptables_h = top * 20 / 100;
    int events_w = cols * 40 / 100, procs_w = cols * 30 / 100;
    m->panel[P_DISASM] = (struct ui_rect){0, 0, left, disasm_h};
    m->panel[P_STACK] = (struct ui_rect){0, disasm_h, left, stack_h};
    m->panel[P_MEMORY] = (struct ui_rect){0, disasm_h + stack_h, left, top - disasm_h - stack_h};
    m->panel[P_REGS] = (struct ui_rect){left, 0, mid, regs_h};
    m->panel[P_WALK] = (struct ui_rect){left, regs_h, mid, walk_h};
    m->panel[P_TLB] = (struct ui_rect){left, regs_h + walk_h, mid, top - regs_h - walk_h};
    m->panel[P_MEMMAP] = (struct ui_rect){left + mid, 0, right, map_h};
    m->panel[P_PTABLES] = (struct ui_rect){left + mid, map_h, right, ptables_h};
    m->panel[P_FRAMES] = (struct ui_rect){left + mid, map_h + ptables_h, right, top - map_h - ptables_h};
    m->panel[P_EVENTS] = (struct ui_rect){0, top, events_w, strip};
    m->panel[P_PROCS] = (struct ui_rect){events_w, top, procs_w, strip};
    m->panel[P_CONSOLE] = (struct ui_rect){events_w + procs_w, top, cols - events_w - procs_w, strip};
}

/* ---- status, explanation, help ----------------------------------------- */

static const struct { const char *key, *what; } help_keys[] = {
    {"s", "step"}, {"n", "over"}, {"o", "out"}, {"r", "run/pause"}, {"y", "to syscall"}, {"p", "to #PF"},
    {"i", "to irq"}, {"k", "to ring chg"}, {"c", "to bp"}, {"b", "bp"}, {"g", "goto"}, {"u", "back"},
    {"+/-", "speed"}, {"t", "turbo"}, {":", "command"}, {"Tab", "console"}, {"?", "help"}, {"q", "quit"},
};

static void draw_bottom(struct ui_model *m, struct dbg *d, const struct ui_view *v)
{
    int y = UI_STATUS_ROW(m);
    struct pen p = {m, 0, y, m->cols, UI_BOTTOM_LINES, 0, 0, C_TEXT, C_BAR_BG};
    struct cpu *cpu = machine_cpu(d->m);
    pen_color(&p, v->running ? C_GOOD : C_TITLE, C_BAR_BG);
    pen_text(&p, v->running ? " RUNNING " : " STOPPED ");
    /* The last command's message, when it already says the status, alone. */
    bool message_says_status = *v->message && *d->status && strstr(v->message, d->status);
    pen_color(&p, C_TEXT, C_BAR_BG);
    if (!message_says_status)
        pen_printf(&p, " %s", d->status);
    if (*v->message) {
        pen_color(&p, v->message_is_error ? C_WARN : C_KEY, C_BAR_BG);
        pen_printf(&p, message_says_status ? " %s" : "  | %s", v->message);
    }
    pen_color(&p, C_DIM, C_BAR_BG);
    pen_printf(&p, "  | insn %llu  speed %llu/frame%s  bps %zu", (unsigned long long)cpu->icount,
               (unsigned long long)v->speed, d->turbo ? " TURBO" : "", d->nbp);
    pen_fill(&p);
    pen_line(&p);
    /* The selected event: the newest, or the one the events panel is scrolled back to. */
    size_t back = v->events_back > 0 ? (size_t)v->events_back : 0;
    if (back >= d->log_count)
        back = d->log_count ? d->log_count - 1 : 0;
    const struct dbg_event *e = dbg_event_newest(d, back);
    pen_color(&p, C_KEY, C_EXPLAIN_BG);
    pen_text(&p, " What happened: ");
    if (e && back) {
        pen_color(&p, C_DIM, C_EXPLAIN_BG);
        pen_printf(&p, "(the selected event, at insn %llu) ", (unsigned long long)e->icount);
    } else if (e && cpu->icount > e->icount + 1) {
        pen_color(&p, C_DIM, C_EXPLAIN_BG);
        pen_printf(&p, "(latest event, %llu instructions ago) ", (unsigned long long)(cpu->icount - e->icount));
    }
    /* The sentence wraps onto a second line rather than being cut. */
    struct pen two = p;
    two.h = p.y + 2;
    for (int x = 0; x < m->cols; x++)
        put_cell(m, x, y + p.y + 1, ' ', C_TEXT, C_EXPLAIN_BG);
    pen_color(&two, C_TEXT, C_EXPLAIN_BG);
    pen_wrap(&two, e ? e->explain : "nothing yet. Step with s; each event gets a one-line explanation here.", 16);
    pen_fill(&two);
    m->explain_cut = m->cells[(y + p.y + 1) * m->cols + m->cols - 1].ch == FONT_ELLIPSIS;
    p.y += 2;
    p.x = 0;
    if (v->prompt != PROMPT_NONE) {
        pen_color(&p, C_KEY, C_BAR_BG);
        pen_text(&p, v->prompt == PROMPT_GOTO    ? " Go to address or symbol: "
                     : v->prompt == PROMPT_BREAK ? " Breakpoint at address or symbol: "
                                                 : " :");
        pen_color(&p, C_TEXT, C_BAR_BG);
        pen_printf(&p, "%s_", v->input);
        pen_color(&p, C_DIM, C_BAR_BG);
        pen_text(&p, v->prompt == PROMPT_COMMAND ? "   (Enter: run it, Up/Down: history, Esc: cancel, help: the commands)"
                                                 : "   (Enter: ok, Esc: cancel)");
    } else if (v->console_focus) {
        pen_color(&p, C_KEY, C_BAR_BG);
        pen_text(&p, " Keys go to the guest's PS/2 keyboard.  Esc: back to the debugger keys");
    } else {
        for (size_t i = 0; i < sizeof help_keys / sizeof help_keys[0]; i++) {
            pen_color(&p, C_KEY, C_BAR_BG);
            pen_printf(&p, " %s", help_keys[i].key);
            pen_color(&p, C_TEXT, C_BAR_BG);
            pen_printf(&p, " %s ", help_keys[i].what);
        }
    }
    pen_fill(&p);
}

static const char *const full_help[] = {
    "ringscope debugger: every key is one action.",
    "",
    "  s          step into: execute one instruction",
    "  n          step over: a call runs until it returns",
    "  o          step out: run until the current function returns",
    "  r / space  run freely / pause (the window keeps updating)",
    "  y          run until the next syscall (ring 3 -> ring 0)",
    "  p          run until the next page fault (#PF)",
    "  i          run until the next device interrupt",
    "  k          run until the ring changes (0 <-> 3)",
    "  c          continue until a breakpoint",
    "  b          toggle a breakpoint at the cursor line (or RIP)",
    "  B          breakpoint at an address or symbol (prompt)",
    "  g          go to an address or symbol in the disassembly (prompt)",
    "  Up/Down    move the line cursor;  Home: back to RIP",
    "  u / Bksp   step back one instruction (snapshot + deterministic replay)",
    "  + / -      run faster / slower;  t: turbo (no per-access tracking)",
    "  Tab        console focus: keys go to the guest keyboard (Esc leaves)",
    "  :          command line: break, watch, x, walk, ps, goto, step N, until...",
    "             (help lists them; Up/Down recall earlier ones)",
    "  ?          this help (any key closes it);  q / Esc: quit",
    "",
    "Colours: memory map  reserved / committed / resident / swapped / guard;",
    "frames by owner; R W X mark pages the last instruction read, wrote, ran.",
};

static void draw_help(struct ui_model *m)
{
    int lines = (int)(sizeof full_help / sizeof full_help[0]);
    int w = 76, h = lines + 2;
    int x0 = (m->cols - w) / 2, y0 = (m->rows - h) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            bool border = y == 0 || y == h - 1 || x == 0 || x == w - 1;
            put_cell(m, x0 + x, y0 + y, border ? (y == 0 || y == h - 1 ? FONT_HLINE : FONT_VLINE) : ' ',
                     C_TITLE, C_BAR_BG);
        }
    for (int i = 0; i < lines; i++)
        for (int k = 0; full_help[i][k] && k < w - 4; k++)
            put_cell(m, x0 + 2 + k, y0 + 1 + i, (uint8_t)full_help[i][k], i == 0 ? C_TITLE : C_TEXT, C_BAR_BG);
}

/* ---- the model --------------------------------------------------------- */

const struct kproc *shown_process(const struct kstate *ks, struct dbg *d, const struct ui_view *v)
{
    if (!ks->ready)
        return NULL;
    if (v->proc_pid)
        return kstate_proc(ks, v->proc_pid);
    const struct kproc *p = kstate_proc_by_cr3(ks, machine_cpu(d->m)->cr3);
    if (p)
        return p;
    for (size_t i = 0; i < ks->nthread; i++)
        if (ks->thread[i].on_cpu)
            return kstate_proc(ks, ks->thread[i].pid);
    return NULL;
}

int ui_model_build(struct ui_model *model, struct dbg *d, struct ui_view *view, int cols, int rows)
{
    if (cols < 40)
        cols = 40;
    if (rows < 20)
        rows = 20;
    if (!model->cells || model->cols != cols || model->rows != rows) {
        struct ui_cell *c = realloc(model->cells, (size_t)cols * rows * sizeof *c);
        if (!c)
            return -1;
        model->cells = c;
        model->cols = cols;
        model->rows = rows;
    }
    for (int i = 0; i < cols * rows; i++)
        model->cells[i] = (struct ui_cell){' ', C_TEXT, C_BG};
    layout(model);
    dbg_refresh_regs(d);
    char extra[64];
    for (int p = 0; p < P_COUNT; p++) {
        extra[0] = 0;
        if (p == P_EVENTS && view->events_back > 0)
            snprintf(extra, sizeof extra, "[%d newer below, wheel down to see them]", view->events_back);
        if (p == P_CONSOLE && view->console_focus)
            snprintf(extra, sizeof extra, "[keyboard focus]");
        if (p == P_MEMORY && view->mem_mode != MEM_FOLLOW)
            snprintf(extra, sizeof extra, "[pointed; follows the last access when reset]");
        if (p == P_WALK && view->walk_active)
            snprintf(extra, sizeof extra, "[an address asked for]");
        if (p == P_DISASM && view->goto_active)
            snprintf(extra, sizeof extra, "[at 0x%llx, Home: back to RIP]", (unsigned long long)view->goto_addr);
        draw_frame(model, (enum ui_panel_id)p, panel_titles[p], extra);
    }
    draw_disasm(model, d, view);
    draw_registers(model, d);
    if (!model->ks && !(model->ks = malloc(sizeof *model->ks)))
        return -1;
    kstate_read(model->ks, d->m);
    draw_stack(model, d, model->ks);
    draw_memmap(model, d, model->ks, view);
    draw_frames(model, d, model->ks, view);
    draw_walk(model, d, model->ks, view);
    draw_procs(model, d, model->ks, view);
    draw_memory(model, d, model->ks, view);
    draw_page_tables(model, d, model->ks, view);
    draw_tlb(model, d);
    draw_console(model, d, view);
    draw_bottom(model, d, view);   /* first: the events panel completes a cut explanation */
    draw_events(model, d, view);
    if (view->show_help)
        draw_help(model);
    return 0;
}

void ui_model_free(struct ui_model *model)
{
    free(model->ks);
    model->ks = NULL;
    free(model->cells);
    model->cells = NULL;
}

static void row_text(const struct ui_model *m, int x0, int y, int w, char *buf, size_t cap)
{
    size_t n = 0;
    for (int x = x0; x < x0 + w && n + 1 < cap; x++) {
        uint8_t ch = m->cells[y * m->cols + x].ch;
        buf[n++] = ch == FONT_ELLIPSIS ? UI_CUT_MARK : ch >= 0x20 && ch < 0x7f ? (char)ch : '#';
    }
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    buf[n] = 0;
}

bool ui_panel_line(const struct ui_model *m, enum ui_panel_id id, int line, char *buf, size_t cap)
{
    struct ui_rect r = m->panel[id];
    if (line < 0 || line >= r.h - 2 || cap == 0)
        return false;
    row_text(m, r.x + 1, r.y + 1 + line, r.w - 2, buf, cap);
    return true;
}

int ui_panel_find(const struct ui_model *m, enum ui_panel_id id, const char *needle)
{
    char buf[512];
    for (int i = 0; ui_panel_line(m, id, i, buf, sizeof buf); i++)
        if (strstr(buf, needle))
            return i;
    return -1;
}

bool ui_row_text(const struct ui_model *m, int row, char *buf, size_t cap)
{
    if (row < 0 || row >= m->rows)
        return false;
    row_text(m, 0, row, m->cols, buf, cap);
    return true;
}
