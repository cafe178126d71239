/* app.c — the SDL2 window, the keys and the frame loop (app.h). */
#include "app.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../machine/keys.h"
#include "font.h"
#include "pngwrite.h"

#define FRAME_MS 16                 /* 60 frames per second at most */
#define BURST_MS 12                 /* time for running the machine per frame */
#define SPEED_MIN 1000ull
#define SPEED_MAX 50000000ull
#define TURBO_REDRAW_FRAMES 15      /* turbo: redraw 4 times a second */

/* ---- the palette as SDL colours ---------------------------------------- */

static void set_palette(SDL_Surface *s)
{
    SDL_Color colors[C_COUNT];
    for (int i = 0; i < C_COUNT; i++)
        colors[i] = (SDL_Color){ui_palette[i].r, ui_palette[i].g, ui_palette[i].b, 255};
    SDL_SetPaletteColors(s->format->palette, colors, 0, C_COUNT);
}

static SDL_Surface *wrap_raster(struct raster *r)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom(r->pixels, r->width, r->height, 8, r->width,
                                                        SDL_PIXELFORMAT_INDEX8);
    if (s)
        set_palette(s);
    return s;
}

/* ---- screenshots ------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int app_screenshot(struct dbg *d, struct ui_view *view, int cols, int rows, int scale, const char *path,
                   char *err, size_t errlen)
{
    struct ui_model model = {0};
    struct raster r = {0};
    int rc = -1;
    if (ui_model_build(&model, d, view, cols, rows) != 0 || raster_model(&r, &model, scale) != 0) {
        snprintf(err, errlen, "out of host memory");
        goto done;
    }
    if (ends_with(path, ".png")) {
        struct png_rgb pal[C_COUNT];
        for (int i = 0; i < C_COUNT; i++)
            pal[i] = (struct png_rgb){ui_palette[i].r, ui_palette[i].g, ui_palette[i].b};
        if (png_write_indexed(path, r.pixels, r.width, r.height, pal, C_COUNT, err, errlen) != 0)
            goto done;
    } else if (ends_with(path, ".bmp")) {
        SDL_Surface *s = wrap_raster(&r);
        if (!s || SDL_SaveBMP(s, path) != 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, SDL_GetError());
            SDL_FreeSurface(s);
            goto done;
        }
        SDL_FreeSurface(s);
    } else {
        snprintf(err, errlen, "--screenshot %s: the file name must end in .png or .bmp", path);
        goto done;
    }
    rc = 0;
done:
    raster_free(&r);
    ui_model_free(&model);
    return rc;
}

/* ---- the window -------------------------------------------------------- */

int app_open(struct app *a, struct dbg *d, int scale, const char *title, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->d = d;
    /* Our pixels are made in software: blit them to the window without a
     * GL texture in between (no GPU needed, e.g. under Xvfb). */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    a->scale = scale < 1 ? 1 : scale;
    a->view.speed = d->insns_per_frame;
    d->wait_when_idle = true;
    d->pace_idle = true; /* only the window: headless runs and tests stay deterministic */
    /* The default size, but not bigger than the screen. */
    int w = APP_DEFAULT_COLS * FONT_WIDTH * a->scale, h = APP_DEFAULT_ROWS * FONT_HEIGHT * a->scale;
    SDL_Rect usable;
    if (SDL_GetDisplayUsableBounds(0, &usable) == 0 && usable.w > 0 && usable.h > 0) {
        if (w > usable.w)
            w = usable.w;
        if (h > usable.h - 40)
            h = usable.h - 40;
    }
    a->window = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, SDL_WINDOW_RESIZABLE);
    if (!a->window) {
        snprintf(err, errlen, "cannot open the debugger window: %s", SDL_GetError());
        return -1;
    }
    a->last_generation = ~0ull;
    return 0;
}

void app_close(struct app *a)
{
    if (a->indexed)
        SDL_FreeSurface(a->indexed);
    raster_free(&a->raster);
    ui_model_free(&a->model);
    if (a->window)
        SDL_DestroyWindow(a->window);
    memset(a, 0, sizeof *a);
}

static void redraw(struct app *a)
{
    int w, h;
    SDL_GetWindowSize(a->window, &w, &h);
    int cols = w / (FONT_WIDTH * a->scale), rows = h / (FONT_HEIGHT * a->scale);
    uint8_t *old = a->raster.pixels;
    if (ui_model_build(&a->model, a->d, &a->view, cols, rows) != 0 || raster_model(&a->raster, &a->model, a->scale) != 0)
        return;
    if (!a->indexed || old != a->raster.pixels || a->indexed->w != a->raster.width || a->indexed->h != a->raster.height) {
        if (a->indexed)
            SDL_FreeSurface(a->indexed);
        a->indexed = wrap_raster(&a->raster);
    }
    SDL_Surface *screen = SDL_GetWindowSurface(a->window);
    if (!screen || !a->indexed)
        return;
    SDL_FillRect(screen, NULL, SDL_MapRGB(screen->format, ui_palette[C_BG].r, ui_palette[C_BG].g, ui_palette[C_BG].b));
    SDL_BlitSurface(a->indexed, NULL, screen, NULL);
    SDL_UpdateWindowSurface(a->window);
    a->last_generation = a->d->model_generation;
}

/* ---- keys -------------------------------------------------------------- */

/* The PC key for an SDL scancode (the keyboard's position, not the layout). */
static enum key pc_key(SDL_Scancode sc)
{
    if (sc >= SDL_SCANCODE_A && sc <= SDL_SCANCODE_Z) {
        char name[2] = {(char)('a' + (sc - SDL_SCANCODE_A)), 0};
        return keys_lookup(name, 1);
    }
    if (sc >= SDL_SCANCODE_1 && sc <= SDL_SCANCODE_0) {
        char name[2] = {sc == SDL_SCANCODE_0 ? '0' : (char)('1' + (sc - SDL_SCANCODE_1)), 0};
        return keys_lookup(name, 1);
    }
    static const struct { SDL_Scancode sc; enum key key; } table[] = {
        {SDL_SCANCODE_RETURN, KEY_ENTER}, {SDL_SCANCODE_ESCAPE, KEY_ESC}, {SDL_SCANCODE_BACKSPACE, KEY_BACKSPACE},
        {SDL_SCANCODE_TAB, KEY_TAB}, {SDL_SCANCODE_SPACE, KEY_SPACE}, {SDL_SCANCODE_MINUS, KEY_MINUS},
        {SDL_SCANCODE_EQUALS, KEY_EQUALS}, {SDL_SCANCODE_LEFTBRACKET, KEY_LBRACKET},
        {SDL_SCANCODE_RIGHTBRACKET, KEY_RBRACKET}, {SDL_SCANCODE_BACKSLASH, KEY_BACKSLASH},
        {SDL_SCANCODE_SEMICOLON, KEY_SEMICOLON}, {SDL_SCANCODE_APOSTROPHE, KEY_QUOTE},
        {SDL_SCANCODE_GRAVE, KEY_BACKQUOTE}, {SDL_SCANCODE_COMMA, KEY_COMMA}, {SDL_SCANCODE_PERIOD, KEY_PERIOD},
        {SDL_SCANCODE_SLASH, KEY_SLASH}, {SDL_SCANCODE_LSHIFT, KEY_LSHIFT}, {SDL_SCANCODE_RSHIFT, KEY_RSHIFT},
        {SDL_SCANCODE_LCTRL, KEY_LCTRL}, {SDL_SCANCODE_RCTRL, KEY_RCTRL}, {SDL_SCANCODE_LALT, KEY_LALT},
        {SDL_SCANCODE_RALT, KEY_RALT}, {SDL_SCANCODE_UP, KEY_UP}, {SDL_SCANCODE_DOWN, KEY_DOWN},
        {SDL_SCANCODE_LEFT, KEY_LEFT}, {SDL_SCANCODE_RIGHT, KEY_RIGHT}, {SDL_SCANCODE_CAPSLOCK, KEY_CAPSLOCK},
        {SDL_SCANCODE_HOME, KEY_HOME}, {SDL_SCANCODE_END, KEY_END}, {SDL_SCANCODE_DELETE, KEY_DELETE},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].sc == sc)
            return table[i].key;
    return KEY_NONE;
}

static void start(struct app *a, enum dbg_command cmd)
{
    if (dbg_busy(a->d))
        dbg_pause(a->d);
    a->view.goto_active = false;
    a->view.cursor_active = false;
    a->view.message[0] = 0;
    a->view.message_is_error = false;
    dbg_start(a->d, cmd);
    if (cmd == DBG_STEP || cmd == DBG_STEP_OVER) {
        /* Most step-overs finish within one burst: try one right away. */
        a->view.running = !dbg_advance(a->d, a->view.speed);
    } else {
        a->view.running = true;
    }
}

static void move_cursor(struct app *a, int delta)
{
    const struct ui_model *m = &a->model;
    if (m->ndisasm == 0)
        return;
    uint64_t from = a->view.cursor_active ? a->view.cursor : a->d->now.rip;
    int at = -1;
    for (int i = 0; i < m->ndisasm; i++)
        if (m->disasm_addr[i] == from)
            at = i;
    int next = at < 0 ? 0 : at + delta;
    if (next < 0)
        next = 0;
    if (next >= m->ndisasm) {
        /* Scroll: show the window from the line the cursor leaves. */
        a->view.goto_active = true;
        a->view.goto_addr = m->disasm_addr[m->ndisasm - 1];
        next = m->ndisasm - 1;
    }
    a->view.cursor_active = true;
    a->view.cursor = m->disasm_addr[next];
}

void app_command(struct app *a, const char *line)
{
    struct ui_view *v = &a->view;
    struct dbgcmd_result r;
    dbgcmd_execute_line(a->d, v, line, &r);
    if (r.outcome == DBGCMD_RUN)
        start(a, r.run);
    else if (r.outcome == DBGCMD_QUIT)
        a->quit = true;
    if (r.outcome != DBGCMD_RUN)
        snprintf(v->message, sizeof v->message, "%s", r.message);
    v->message_is_error = r.outcome == DBGCMD_ERROR;
    a->d->model_generation++;
}

/* g and B are the goto and break commands with the prompt's text. */
static void prompt_done(struct app *a)
{
    struct ui_view *v = &a->view;
    char line[sizeof v->input + 8];
    if (v->prompt == PROMPT_COMMAND)
        dbgcmd_history_add(&a->history, v->input);
    snprintf(line, sizeof line, "%s%s", v->prompt == PROMPT_GOTO ? "goto " : v->prompt == PROMPT_BREAK ? "break " : "",
             v->input);
    v->prompt = PROMPT_NONE;
    v->input[0] = 0;
    app_command(a, line);
}

static void prompt_key(struct app *a, SDL_Keycode sym, Uint16 mod)
{
    struct ui_view *v = &a->view;
    size_t n = strlen(v->input);
    if (sym == SDLK_ESCAPE) {
        v->prompt = PROMPT_NONE;
        v->input[0] = 0;
    } else if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER) {
        prompt_done(a);
    } else if (sym == SDLK_BACKSPACE) {
        if (n)
            v->input[n - 1] = 0;
    } else if ((sym == SDLK_UP || sym == SDLK_DOWN) && v->prompt == PROMPT_COMMAND) {
        dbgcmd_history_move(&a->history, sym == SDLK_UP ? -1 : 1, v->input, sizeof v->input);
    } else if (sym >= 32 && sym < 127 && n + 1 < sizeof v->input) {
        char c = (char)sym;
        if (mod & KMOD_SHIFT)
            c = c == '-' ? '_' : c == ';' ? ':' : c == '=' ? '+' : c == '4' ? '$' : (char)toupper((unsigned char)c);
        v->input[n] = c;
        v->input[n + 1] = 0;
    }
}

void app_key(struct app *a, SDL_Keycode sym, Uint16 mod, SDL_Scancode scancode, bool down)
{
    struct ui_view *v = &a->view;
    struct dbg *d = a->d;
    bool shift = mod & KMOD_SHIFT;
    bool known = scancode >= 0 && scancode < SDL_NUM_SCANCODES;
    a->last_generation = ~0ull; /* every key repaints: prompt text, closing the help */
    if (!down && known && a->forwarded[scancode]) {
        /* The release of a key the guest saw go down (even after Esc). */
        a->forwarded[scancode] = false;
        enum key k = pc_key(scancode);
        if (k != KEY_NONE)
            dbg_key(d, k, false);
        return;
    }
    if (v->console_focus) {
        if (sym == SDLK_ESCAPE && down) {
            v->console_focus = false;
            return;
        }
        enum key k = pc_key(scancode);
        if (down && k != KEY_NONE && known) {
            dbg_key(d, k, true);
            a->forwarded[scancode] = true;
        }
        return;
    }
    if (!down)
        return;
    if (v->prompt != PROMPT_NONE) {
        prompt_key(a, sym, mod);
        return;
    }
    if (v->show_help) {
        v->show_help = false;
        return;
    }
    switch (sym) {
    case SDLK_s: start(a, DBG_STEP); break;
    case SDLK_n: start(a, DBG_STEP_OVER); break;
    case SDLK_o: start(a, DBG_STEP_OUT); break;
    case SDLK_r: case SDLK_SPACE:
        if (dbg_busy(d)) {
            dbg_pause(d);
            v->running = false;
        } else {
            start(a, DBG_RUN);
        }
        break;
    case SDLK_c: start(a, DBG_RUN); break;
    case SDLK_y: start(a, DBG_UNTIL_SYSCALL); break;
    case SDLK_p: start(a, DBG_UNTIL_PAGE_FAULT); break;
    case SDLK_i: start(a, DBG_UNTIL_INTERRUPT); break;
    case SDLK_k: start(a, DBG_UNTIL_RING); break;
    case SDLK_b:
        if (shift) {
            v->prompt = PROMPT_BREAK;
        } else {
            uint64_t at = v->cursor_active ? v->cursor : d->now.rip;
            bool set = dbg_toggle_breakpoint(d, at);
            snprintf(v->message, sizeof v->message, "breakpoint %s at 0x%llx", set ? "set" : "cleared",
                     (unsigned long long)at);
        }
        break;
    case SDLK_g: v->prompt = PROMPT_GOTO; break;
    case SDLK_COLON: v->prompt = PROMPT_COMMAND; a->history.browse = a->history.count; break;
    case SDLK_SEMICOLON:
        if (shift) {
            v->prompt = PROMPT_COMMAND;
            a->history.browse = a->history.count;
        }
        break;
    case SDLK_u: case SDLK_BACKSPACE:
        if (dbg_busy(d))
            dbg_pause(d);
        v->running = false;
        v->goto_active = v->cursor_active = false;
        if (dbg_step_back(d) != 0)
            snprintf(v->message, sizeof v->message, "nothing to step back to");
        else
            v->message[0] = 0;
        break;
    case SDLK_PLUS: case SDLK_KP_PLUS: case SDLK_EQUALS:
        v->speed = v->speed * 2 > SPEED_MAX ? SPEED_MAX : v->speed * 2;
        break;
    case SDLK_MINUS: case SDLK_KP_MINUS:
        v->speed = v->speed / 2 < SPEED_MIN ? SPEED_MIN : v->speed / 2;
        break;
    case SDLK_t:
        d->turbo = !d->turbo;
        snprintf(v->message, sizeof v->message, "turbo %s", d->turbo ? "on: redraws 4 times a second, no per-access tracking" : "off");
        break;
    case SDLK_TAB:
        v->console_focus = true;
        break;
    case SDLK_UP: move_cursor(a, -1); break;
    case SDLK_DOWN: move_cursor(a, 1); break;
    case SDLK_PAGEDOWN: move_cursor(a, a->model.ndisasm); break;
    case SDLK_HOME: v->goto_active = v->cursor_active = false; break;
    case SDLK_QUESTION: v->show_help = true; break;
    case SDLK_SLASH: if (shift) v->show_help = true; break;
    case SDLK_q: case SDLK_ESCAPE: a->quit = true; break;
    default: break;
    }
    d->model_generation++;
}

/* ---- the mouse --------------------------------------------------------- */

/* The panel whose inside holds cell (x, y), or P_COUNT. */
static enum ui_panel_id panel_at(const struct ui_model *m, int x, int y)
{
    for (int p = 0; p < P_COUNT; p++) {
        struct ui_rect r = m->panel[p];
        if (x > r.x && x < r.x + r.w - 1 && y > r.y && y < r.y + r.h - 1)
            return (enum ui_panel_id)p;
    }
    return P_COUNT;
}

static bool hex_char(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* The address written at cell (x, y): a run of hex digits through it
 * ("0x" optional), read as an address when it says so — 0x-prefixed, or
 * at least 8 digits (the panels print addresses 9 to 16 digits wide) —
 * so words like "add" are not.  Its first cell goes to *start. */
static bool address_at(const struct ui_model *m, int x, int y, uint64_t *va, int *start)
{
    if (x < 0 || y < 0 || x >= m->cols || y >= m->rows)
        return false;
    const struct ui_cell *row = &m->cells[y * m->cols];
    bool x_mark = (row[x].ch == 'x' || row[x].ch == 'X') && x > 0 && row[x - 1].ch == '0';
    if (!hex_char(row[x].ch) && !x_mark)
        return false;
    int lo = x, hi = x;
    if (x_mark)
        hi = lo = x + 1;
    while (lo > 0 && hex_char(row[lo - 1].ch))
        lo--;
    if (lo >= 2 && (row[lo - 1].ch == 'x' || row[lo - 1].ch == 'X') && row[lo - 2].ch == '0' &&
        (lo < 3 || !hex_char(row[lo - 3].ch)))
        lo -= 2; /* "0x" */
    while (hi + 1 < m->cols && hex_char(row[hi + 1].ch))
        hi++;
    bool prefixed = row[lo].ch == '0' && hi > lo + 1 && (row[lo + 1].ch == 'x' || row[lo + 1].ch == 'X');
    int digits = hi - lo + 1 - (prefixed ? 2 : 0);
    /* A word glued to letters or digits on either side is not an address. */
    bool alone = (lo == 0 || !((row[lo - 1].ch | 0x20) >= 'g' && (row[lo - 1].ch | 0x20) <= 'z')) &&
                 (hi + 1 >= m->cols || !((row[hi + 1].ch | 0x20) >= 'g' && (row[hi + 1].ch | 0x20) <= 'z'));
    if (digits < 1 || digits > 16 || !alone || (!prefixed && digits < 8))
        return false;
    uint64_t v = 0;
    for (int i = hi - digits + 1; i <= hi; i++) {
        uint8_t c = row[i].ch;
        v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    *va = v;
    *start = lo;
    return true;
}

/* The instruction address a disassembly row shows (its address column). */
static bool disasm_row_address(const struct ui_model *m, int y, uint64_t *va)
{
    struct ui_rect r = m->panel[P_DISASM];
    int start;
    for (int x = r.x + 1; x < r.x + r.w - 1 && x < r.x + 8; x++)
        if (address_at(m, x, y, va, &start))
            return true;
    return false;
}

void app_click(struct app *a, int px, int py)
{
    const struct ui_model *m = &a->model;
    int cell_w = FONT_WIDTH * a->scale, cell_h = FONT_HEIGHT * a->scale;
    int x = px / cell_w, y = py / cell_h, start;
    enum ui_panel_id p = panel_at(m, x, y);
    uint64_t va, line;
    if (p == P_COUNT || !m->cells)
        return;
    bool on_address = address_at(m, x, y, &va, &start);
    if (p == P_DISASM && disasm_row_address(m, y, &line) && (!on_address || va == line)) {
        /* A disassembly line: its breakpoint on or off, as b on the cursor line. */
        a->view.cursor_active = true;
        a->view.cursor = line;
        if (dbg_break_at(a->d, line)) {
            dbg_toggle_breakpoint(a->d, line);
            snprintf(a->view.message, sizeof a->view.message, "breakpoint at 0x%llx deleted",
                     (unsigned long long)line);
            a->view.message_is_error = false;
            a->d->model_generation++;
        } else {
            char cmd[48];
            snprintf(cmd, sizeof cmd, "break 0x%llx", (unsigned long long)line);
            app_command(a, cmd);
        }
        return;
    }
    if (!on_address)
        return;
    /* Any other address: the memory and walk panels show it. */
    char cmd[48], walked[sizeof a->view.message];
    snprintf(cmd, sizeof cmd, "walk 0x%llx", (unsigned long long)va);
    app_command(a, cmd);
    snprintf(walked, sizeof walked, "%s", a->view.message);
    snprintf(cmd, sizeof cmd, "x 0x%llx", (unsigned long long)va);
    app_command(a, cmd);
    if (!a->view.message_is_error) {
        char bytes[sizeof a->view.message];
        snprintf(bytes, sizeof bytes, "%s", a->view.message);
        snprintf(a->view.message, sizeof a->view.message, "%.200s | %.100s", walked, bytes);
    }
}

/* The address `lines` instructions before the first one shown, decoding
 * forward from its function's start (x86 cannot be decoded backwards). */
static bool lines_before(struct app *a, uint64_t top, int lines, uint64_t *out)
{
    char sym[128];
    dbg_symbol(a->d, top - 1, sym, sizeof sym);
    const char *plus = strrchr(sym, '+');
    uint64_t off = plus ? strtoull(plus + 1, NULL, 16) : 0;
    if (!*sym || off > 0x4000)
        return false;
    uint64_t addrs[64], va = top - 1 - off;
    size_t n = 0;
    while (va < top) {
        uint8_t bytes[16];
        struct insn in;
        size_t got = machine_read_virt(a->d->m, va, bytes, sizeof bytes);
        if (!got || decode(bytes, got, &in) != DECODE_OK)
            return false;
        addrs[n++ % 64] = va;
        va += in.len;
    }
    if (va != top || n == 0)
        return false;
    /* Fewer lines in this function than asked: go on in the one before. */
    if ((size_t)lines > n && lines_before(a, top - 1 - off, lines - (int)n, out))
        return true;
    size_t back = (size_t)lines < n ? (size_t)lines : n;
    *out = addrs[(n - back) % 64];
    return true;
}

void app_wheel(struct app *a, int px, int py, int dy)
{
    const struct ui_model *m = &a->model;
    struct ui_view *v = &a->view;
    int x = px / (FONT_WIDTH * a->scale), y = py / (FONT_HEIGHT * a->scale);
    enum ui_panel_id p = panel_at(m, x, y);
    if (p == P_EVENTS) {
        /* Up: older events. */
        int most = (int)a->d->log_count - 1;
        v->events_back += 3 * dy;
        if (v->events_back > most)
            v->events_back = most > 0 ? most : 0;
        if (v->events_back < 0)
            v->events_back = 0;
    } else if (p == P_MEMORY) {
        /* Three lines of 16 bytes a notch, from where the panel stands
         * (following the last access: from that access). */
        uint64_t at = v->mem_addr;
        if (v->mem_mode == MEM_FOLLOW) {
            at = machine_cpu(a->d->m)->rip;
            for (size_t i = 0; i < a->d->nacc; i++)
                if (a->d->acc[i].kind != MEM_FETCH)
                    at = a->d->acc[i].va;
            ui_view_memory_at(v, 0, at);
        }
        uint64_t step = 48 * (uint64_t)(dy < 0 ? -dy : dy);
        v->mem_addr = dy > 0 ? (at >= step ? at - step : 0) : at + step;
    } else if (p == P_PTABLES) {
        ui_view_page_tables_scroll(v, -3 * dy);
    } else if (p == P_DISASM && m->ndisasm > 0) {
        /* Three instructions a notch: the view starts elsewhere. */
        uint64_t top = m->disasm_addr[0], to = top;
        int lines = 3 * (dy < 0 ? -dy : dy);
        if (dy < 0)
            to = m->disasm_addr[lines < m->ndisasm ? lines : m->ndisasm - 1];
        else if (!lines_before(a, top, lines, &to))
            return;
        v->goto_active = true;
        v->goto_addr = to;
        v->disasm_top = to;
        v->cursor_active = false;
    } else {
        return;
    }
    a->d->model_generation++;
}

/* ---- the frame loop ---------------------------------------------------- */

/* Run the command in progress for up to BURST_MS (turbo: the whole frame),
 * at most view.speed instructions unless turbo. */
static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void app_run_burst(struct app *a)
{
    struct dbg *d = a->d;
    if (!a->view.running)
        return;
    uint64_t t0 = now_ms();
    uint64_t budget = d->turbo ? SPEED_MAX : a->view.speed;
    uint64_t chunk = budget < 20000 ? budget : budget / 8;
    if (chunk > 1000000)
        chunk = 1000000; /* keys stay responsive in turbo */
    uint64_t ran = 0;
    while (ran < budget) {
        uint64_t before = machine_cpu(d->m)->icount;
        if (dbg_advance(d, chunk)) {
            a->view.running = false;
            break;
        }
        if (d->rscan) {
            ran += chunk; /* backwards: a stretch of history replayed */
        } else {
            if (machine_cpu(d->m)->icount == before)
                break; /* idle: nothing happens until a key comes */
            ran += machine_cpu(d->m)->icount - before;
        }
        if (now_ms() - t0 >= (d->turbo ? FRAME_MS : BURST_MS))
            break;
    }
}

bool app_frame(struct app *a)
{
    Uint64 t0 = SDL_GetTicks64();
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        if (e.type == SDL_QUIT)
            a->quit = true;
        else if (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP)
            app_key(a, e.key.keysym.sym, e.key.keysym.mod, e.key.keysym.scancode, e.type == SDL_KEYDOWN);
        else if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT)
            app_click(a, e.button.x, e.button.y);
        else if (e.type == SDL_MOUSEWHEEL) {
            int mx, my;
#if SDL_VERSION_ATLEAST(2, 26, 0)
            mx = e.wheel.mouseX, my = e.wheel.mouseY;
#else
            SDL_GetMouseState(&mx, &my);
#endif
            app_wheel(a, mx, my, e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e.wheel.y : e.wheel.y);
        } else if (e.type == SDL_WINDOWEVENT)
            a->last_generation = ~0ull;
    }
    app_run_burst(a);
    bool turbo_skip = a->view.running && a->d->turbo && a->frames % TURBO_REDRAW_FRAMES != 0;
    if (!turbo_skip && (a->view.running || a->last_generation != a->d->model_generation))
        redraw(a);
    a->frames++;
    Uint64 spent = SDL_GetTicks64() - t0;
    if (spent < FRAME_MS)
        SDL_Delay((Uint32)(FRAME_MS - spent));
    return !a->quit;
}
