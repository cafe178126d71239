/* test_debugger_window.c — the real debugger window under X (Xvfb: the
 * test re-executes itself through xvfb-run when there is no DISPLAY),
 * driven by synthetic SDL key events through SDL's own event queue: step,
 * breakpoint at a line (cursor + b) and continue, run until syscall, step
 * back, and keys typed with console focus reaching the guest's PS/2
 * keyboard.  After each key the machine state is checked against the guest
 * sources (tests/guests-elf/rings.S, keyboard.S), nm and capstone. */
#include <capstone/capstone.h>
#include <check.h>
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debugger/app.h"
#include "debugger/font.h"
#include "debugger/model.h"
#include "tests/guest_elf.h"

static char kernel_path[256];

/* Under ASan (make asan-test): the X11/D-Bus libraries SDL loads keep a few
 * allocations until exit; they are not ours.  LeakSanitizer calls this hook
 * when it is linked in. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libdbus-1.so\nleak:libX11.so\nleak:libSDL2\n"; }

static struct dbg *start_guest(const char *name)
{
    ck_assert_int_eq(guest_elf_build(name, kernel_path, sizeof kernel_path), 0);
    struct dbg_options o = {.config = {.ram_size = 8 << 20, .kernel_path = kernel_path, .disk_size = 64 << 10}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static uint64_t nm_address(const char *symbol)
{
    uint64_t addr = guest_elf_symbol(kernel_path, symbol);
    ck_assert_msg(addr, "nm: no %s", symbol);
    return addr;
}

static unsigned capstone_length(struct dbg *d, uint64_t va)
{
    uint8_t bytes[16];
    size_t n = machine_read_virt(d->m, va, bytes, sizeof bytes);
    csh h;
    cs_insn *insn;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
    ck_assert_uint_eq(cs_disasm(h, bytes, n, va, 1, &insn), 1);
    unsigned len = insn[0].size;
    cs_free(insn, 1);
    cs_close(&h);
    return len;
}

/* Push a key press (down + up) into SDL's queue and run one frame. */
static void push_key(struct app *a, SDL_Keycode sym, SDL_Scancode sc)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = sym;
    e.key.keysym.scancode = sc;
    e.key.windowID = SDL_GetWindowID(a->window);
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    ck_assert(app_frame(a));
}

/* The same, then frames until the command it started is over. */
static void press(struct app *a, SDL_Keycode sym, SDL_Scancode sc)
{
    push_key(a, sym, sc);
    for (int i = 0; i < 600 && a->view.running; i++)
        ck_assert(app_frame(a));
}

/* Type text as key presses: ':' as shift+semicolon, the way a US
 * keyboard sends it; other characters as their own key codes. */
static void type_text(struct app *a, const char *text)
{
    for (const char *c = text; *c; c++) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.state = SDL_PRESSED;
        e.key.keysym.sym = *c == ':' ? SDLK_SEMICOLON : *c == '\n' ? SDLK_RETURN : (SDL_Keycode)*c;
        e.key.keysym.mod = *c == ':' ? KMOD_LSHIFT : 0;
        e.key.windowID = SDL_GetWindowID(a->window);
        ck_assert_int_eq(SDL_PushEvent(&e), 1);
        ck_assert(app_frame(a));
    }
    for (int i = 0; i < 600 && a->view.running; i++)
        ck_assert(app_frame(a));
}

/* The text of the status line. */
static void status_line(struct app *a, char *buf, size_t cap)
{
    ck_assert(ui_row_text(&a->model, UI_STATUS_ROW(&a->model), buf, cap));
}

static void setup_video(void)
{
    ck_assert_msg(SDL_Init(SDL_INIT_VIDEO) == 0, "%s", SDL_GetError());
}

/* The `:` command line: typed commands act like their keys, errors show
 * in the status line, Up recalls the last command. */
START_TEST(command_line_in_the_window)
{
    setup_video();
    struct dbg *d = start_guest("rings");
    struct app a;
    char err[256], line[1024];
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    ck_assert(app_frame(&a));
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t to_user = nm_address("to_user");
    type_text(&a, ":");
    ck_assert_int_eq(a.view.prompt, PROMPT_COMMAND);
    type_text(&a, "break to_user");
    ck_assert_str_eq(a.view.input, "break to_user");
    type_text(&a, "\n");
    ck_assert(dbg_has_breakpoint(d, to_user));
    status_line(&a, line, sizeof line);
    ck_assert_msg(strstr(line, "breakpoint 1 at 0x"), "status: %s", line);
    type_text(&a, ":continue\n");
    ck_assert_uint_eq(cpu->rip, to_user);
    /* A mistake: the reason in the status line, in the warning colour. */
    type_text(&a, ":until lunch\n");
    status_line(&a, line, sizeof line);
    ck_assert_msg(strstr(line, "until: expected syscall, fault, interrupt or ring (not 'lunch')"), "%s", line);
    ck_assert(a.view.message_is_error);
    int x = (int)(strstr(line, "until:") - line);
    ck_assert_int_eq(a.model.cells[UI_STATUS_ROW(&a.model) * a.model.cols + x].fg, C_WARN);
    /* Up twice recalls "continue"; Enter runs it again (to the exit). */
    type_text(&a, ":");
    SDL_Event e;
    for (int i = 0; i < 2; i++) {
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.keysym.sym = SDLK_UP;
        SDL_PushEvent(&e);
        ck_assert(app_frame(&a));
    }
    ck_assert_str_eq(a.view.input, "continue");
    type_text(&a, "\n");
    ck_assert_int_eq(machine_exit_status(d->m), 0x3c07); /* rings.S: (RAX << 8) | RDI */
    app_close(&a);
    dbg_free(d);
    SDL_Quit();
}
END_TEST

/* Mouse events pushed into SDL's queue, as the X server would send them. */
static void push_click(struct app *a, int cx, int cy)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = SDL_PRESSED;
    e.button.clicks = 1;
    e.button.x = cx * FONT_WIDTH + 3;
    e.button.y = cy * FONT_HEIGHT + 8;
    e.button.windowID = SDL_GetWindowID(a->window);
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    e.type = SDL_MOUSEBUTTONUP;
    e.button.state = SDL_RELEASED;
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    ck_assert(app_frame(a));
    ck_assert(app_frame(a));
}

static void push_wheel(struct app *a, int cx, int cy, int notches)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = notches;
    e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
    e.wheel.mouseX = cx * FONT_WIDTH + 3;
    e.wheel.mouseY = cy * FONT_HEIGHT + 8;
    e.wheel.windowID = SDL_GetWindowID(a->window);
    ck_assert_int_eq(SDL_PushEvent(&e), 1);
    ck_assert(app_frame(a));
    ck_assert(app_frame(a));
}

/* The screen cell (x, y) where text first appears inside panel p. */
static bool find_in_panel(const struct ui_model *m, enum ui_panel_id p, const char *text, int *x, int *y)
{
    char line[1024];
    int i = ui_panel_find(m, p, text);
    if (i < 0 || !ui_panel_line(m, p, i, line, sizeof line))
        return false;
    *x = m->panel[p].x + 1 + (int)(strstr(line, text) - line);
    *y = m->panel[p].y + 1 + i;
    return true;
}

/* Click a disassembly line: its breakpoint on, off, on; click an address
 * in the registers: the walk and the bytes there; the wheel scrolls the
 * disassembly by three instructions (capstone's lengths) and back, and the
 * events panel to older events. */
START_TEST(mouse_clicks_and_wheel)
{
    setup_video();
    struct dbg *d = start_guest("rings");
    struct app a;
    char err[256], hex[32], line[1024];
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    ck_assert(app_frame(&a));
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t to_user = nm_address("to_user");
    int x, y;
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)to_user);
    /* Wheel down until to_user's line is in view. */
    for (int i = 0; i < 40 && !find_in_panel(&a.model, P_DISASM, hex, &x, &y); i++)
        push_wheel(&a, a.model.panel[P_DISASM].x + 10, a.model.panel[P_DISASM].y + 5, -1);
    ck_assert_msg(find_in_panel(&a.model, P_DISASM, hex, &x, &y), "to_user not shown");
    push_click(&a, x + 20, y); /* on the mnemonic */
    ck_assert(dbg_has_breakpoint(d, to_user));
    ck_assert_int_eq(a.model.cells[y * a.model.cols + a.model.panel[P_DISASM].x + 1].ch, FONT_BULLET);
    push_click(&a, x + 3, y); /* on the address */
    ck_assert(!dbg_has_breakpoint(d, to_user));
    push_click(&a, x + 20, y);
    ck_assert(dbg_has_breakpoint(d, to_user));
    press(&a, SDLK_c, SDL_SCANCODE_C);
    ck_assert_uint_eq(cpu->rip, to_user);

    /* RSP's value in the registers panel. */
    snprintf(hex, sizeof hex, "RSP %016llx", (unsigned long long)cpu->gpr[RSP]);
    ck_assert(ui_panel_find(&a.model, P_REGS, hex) >= 0);
    ck_assert(find_in_panel(&a.model, P_REGS, hex, &x, &y));
    push_click(&a, x + 10, y);
    char want[128];
    snprintf(want, sizeof want, "walk 0x%llx in the current address space", (unsigned long long)cpu->gpr[RSP]);
    ck_assert_msg(strstr(a.view.message, want), "%s", a.view.message);
    uint64_t top;
    ck_assert_uint_eq(machine_read_virt(d->m, cpu->gpr[RSP], &top, 8), 8);
    snprintf(want, sizeof want, "| 0x%llx: %02x", (unsigned long long)cpu->gpr[RSP], (unsigned)(top & 0xff));
    ck_assert_msg(strstr(a.view.message, want), "%s lacks %s", a.view.message, want);
    /* A word that is not an address does nothing. */
    ck_assert(find_in_panel(&a.model, P_REGS, "RFLAGS", &x, &y));
    char before[sizeof a.view.message];
    memcpy(before, a.view.message, sizeof before);
    push_click(&a, x + 1, y);
    ck_assert_str_eq(a.view.message, before);

    /* Wheel down over the disassembly: it starts three instructions later. */
    struct ui_rect r = a.model.panel[P_DISASM];
    uint64_t first = a.model.disasm_addr[0];
    unsigned skip = 0;
    for (int i = 0; i < 3; i++)
        skip += capstone_length(d, first + skip);
    push_wheel(&a, r.x + 10, r.y + 5, -1);
    ck_assert(a.view.goto_active);
    ck_assert_uint_eq(a.model.disasm_addr[0], first + skip);
    push_wheel(&a, r.x + 10, r.y + 5, 1);
    ck_assert_uint_eq(a.model.disasm_addr[0], first);

    /* Events: step through the syscall, then the wheel shows older ones. */
    press(&a, SDLK_y, SDL_SCANCODE_Y);
    press(&a, SDLK_s, SDL_SCANCODE_S);
    ck_assert_uint_ge(d->log_count, 2);
    r = a.model.panel[P_EVENTS];
    int last = r.h - 3;
    while (last > 0 && ui_panel_line(&a.model, P_EVENTS, last, line, sizeof line) && !line[0])
        last--;
    ck_assert(ui_panel_line(&a.model, P_EVENTS, last, line, sizeof line));
    ck_assert_msg(strstr(line, dbg_event_newest(d, 0)->text), "%s", line);
    push_wheel(&a, r.x + 10, r.y + 2, 1);
    ck_assert_int_eq(a.view.events_back, (int)(d->log_count - 1 < 3 ? d->log_count - 1 : 3));
    int back = a.view.events_back;
    last = r.h - 3;
    while (last > 0 && ui_panel_line(&a.model, P_EVENTS, last, line, sizeof line) && !line[0])
        last--;
    ck_assert(ui_panel_line(&a.model, P_EVENTS, last, line, sizeof line));
    ck_assert_msg(strstr(line, dbg_event_newest(d, (size_t)back)->text), "%s vs %s", line,
                  dbg_event_newest(d, (size_t)back)->text);
    /* The screenshot of this state, for a person to look at. */
    if (getenv("RINGSCOPE_SHOT"))
        ck_assert_int_eq(app_screenshot(d, &a.view, 200, 60, 1, getenv("RINGSCOPE_SHOT"), err, sizeof err), 0);
    push_wheel(&a, r.x + 10, r.y + 2, -5);
    ck_assert_int_eq(a.view.events_back, 0);
    /* Memory: the wheel leaves "follow the last access" and scrolls three
     * lines of 16 bytes a notch, up to lower addresses; the panel shows them. */
    ui_view_memory_follow(&a.view); /* the clicks above pointed it elsewhere */
    r = a.model.panel[P_MEMORY];
    push_wheel(&a, r.x + 10, r.y + 3, 1);
    ck_assert_int_eq(a.view.mem_mode, MEM_VIRTUAL);
    uint64_t up = a.view.mem_addr;
    push_wheel(&a, r.x + 10, r.y + 3, -2);
    ck_assert_uint_eq(a.view.mem_addr, up + 96);
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)((up + 96) & ~15ull));
    ck_assert_msg(ui_panel_find(&a.model, P_MEMORY, hex) >= 0, "memory panel lacks %s", hex);
    app_close(&a);
    dbg_free(d);
    SDL_Quit();
}
END_TEST

START_TEST(step_breakpoint_syscall_step_back)
{
    setup_video();
    struct dbg *d = start_guest("rings");
    struct app a;
    char err[256];
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    ck_assert(app_frame(&a));
    struct cpu *cpu = machine_cpu(d->m);

    /* s: one instruction. */
    uint64_t start = cpu->rip;
    ck_assert_uint_eq(start, nm_address("_start"));
    unsigned len = capstone_length(d, start);
    press(&a, SDLK_s, SDL_SCANCODE_S);
    ck_assert_uint_eq(cpu->icount, 1);
    ck_assert_uint_eq(cpu->rip, start + len);

    /* Down until the cursor is on to_user's line, b, then c. */
    uint64_t to_user = nm_address("to_user");
    for (int i = 0; i < 60 && !(a.view.cursor_active && a.view.cursor == to_user); i++)
        press(&a, SDLK_DOWN, SDL_SCANCODE_DOWN);
    ck_assert_uint_eq(a.view.cursor, to_user);
    press(&a, SDLK_b, SDL_SCANCODE_B);
    ck_assert(dbg_has_breakpoint(d, to_user));
    press(&a, SDLK_c, SDL_SCANCODE_C);
    ck_assert(!a.view.running);
    ck_assert_uint_eq(cpu->rip, to_user);
    ck_assert_uint_eq(cpu->cpl, 0);

    /* y: until the syscall; the kernel's entry in ring 0. */
    press(&a, SDLK_y, SDL_SCANCODE_Y);
    ck_assert_uint_eq(cpu->rip, nm_address("syscall_entry"));
    ck_assert_uint_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->gpr[RAX], 60);
    uint64_t at_syscall = cpu->icount;

    /* u: back before the SYSCALL: ring 3, at user_code + 10 (two 5-byte
     * movs), RAX = 60 and RDI = 7 as rings.S set them. */
    press(&a, SDLK_u, SDL_SCANCODE_U);
    ck_assert_uint_eq(cpu->icount, at_syscall - 1);
    ck_assert_uint_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->rip, nm_address("user_code") - 0xffffffff80000000ull + 10);
    ck_assert_uint_eq(cpu->gpr[RAX], 60);
    ck_assert_uint_eq(cpu->gpr[RDI], 7);
    /* The syscall has not happened yet: the log forgot it. */
    const struct dbg_event *ev = dbg_event_newest(d, 0);
    ck_assert_ptr_nonnull(ev);
    ck_assert_ptr_null(strstr(ev->text, "syscall 60"));
    /* And s again redoes the syscall exactly (and logs it). */
    press(&a, SDLK_s, SDL_SCANCODE_S);
    ck_assert_uint_eq(cpu->icount, at_syscall);
    ck_assert_uint_eq(cpu->rip, nm_address("syscall_entry"));
    ck_assert_ptr_nonnull(strstr(dbg_event_newest(d, 0)->text, "syscall 60"));

    /* The window shows the frame: every pixel of the window surface has the
     * palette colour of the rasterised model, and the frame is not blank. */
    SDL_Surface *s = SDL_GetWindowSurface(a.window);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_ge(s->w, a.raster.width);
    ck_assert_int_ge(s->h, a.raster.height);
    ck_assert_int_ge(a.raster.width, 100 * FONT_WIDTH);
    SDL_LockSurface(s);
    int bpp = s->format->BytesPerPixel, mismatches = 0, text = 0;
    for (int y = 0; y < a.raster.height; y += 3)
        for (int x = 0; x < a.raster.width; x += 2) {
            uint32_t px = 0;
            memcpy(&px, (uint8_t *)s->pixels + y * s->pitch + x * bpp, (size_t)bpp);
            uint8_t r, g, b, idx = a.raster.pixels[y * a.raster.width + x];
            SDL_GetRGB(px, s->format, &r, &g, &b);
            mismatches += r != ui_palette[idx].r || g != ui_palette[idx].g || b != ui_palette[idx].b;
            text += idx != C_BG;
        }
    SDL_UnlockSurface(s);
    ck_assert_int_eq(mismatches, 0);
    ck_assert_int_gt(text, 10000);

    /* ? opens the help, any key closes it; q quits. */
    press(&a, SDLK_QUESTION, SDL_SCANCODE_SLASH);
    ck_assert(a.view.show_help);
    press(&a, SDLK_x, SDL_SCANCODE_X);
    ck_assert(!a.view.show_help);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = SDLK_q;
    SDL_PushEvent(&e);
    ck_assert(!app_frame(&a));
    app_close(&a);
    dbg_free(d);
    SDL_Quit();
}
END_TEST

START_TEST(console_focus_keys_reach_the_guest)
{
    setup_video();
    struct dbg *d = start_guest("keyboard");
    struct app a;
    char err[256];
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    /* r: run; the guest halts waiting for IRQ1 and the window keeps running. */
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = SDLK_r;
    SDL_PushEvent(&e);
    for (int i = 0; i < 10; i++)
        ck_assert(app_frame(&a));
    ck_assert(a.view.running);
    ck_assert_int_lt(machine_exit_status(d->m), 0);
    /* Tab: console focus; then 'a' goes to the PS/2 keyboard, not to us. */
    push_key(&a, SDLK_TAB, SDL_SCANCODE_TAB);
    ck_assert(a.view.console_focus);
    ck_assert(a.view.running);
    SDL_Event k;
    memset(&k, 0, sizeof k);
    k.type = SDL_KEYDOWN;
    k.key.keysym.sym = SDLK_a;
    k.key.keysym.scancode = SDL_SCANCODE_A;
    SDL_PushEvent(&k);
    k.type = SDL_KEYUP;
    SDL_PushEvent(&k);
    for (int i = 0; i < 100 && a.view.running; i++)
        ck_assert(app_frame(&a));
    ck_assert(!a.view.running);
    /* keyboard.S exits with (make << 8) | break of the key: 'a' = 0x1E. */
    ck_assert_int_eq(machine_exit_status(d->m), 0x1e9e);
    ck_assert_uint_eq(d->nkeys, 2);
    app_close(&a);
    dbg_free(d);
    SDL_Quit();
}
END_TEST


/* The kernel and a bundled program, as `ringscope debug` starts them. */
static struct dbg *start_program(const char *program)
{
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = "build/os/kernel.elf",
                                       .program_path = program, .disk_size = 1 << 20}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Frames for `seconds` of real time. */
static void frames_for(struct app *a, double seconds)
{
    double t0 = seconds_now();
    while (seconds_now() - t0 < seconds)
        ck_assert(app_frame(a));
}

/* In the window an idle guest's virtual time follows real time: keystroke
 * (a 5 s timeout, 1 ms sleeps between polls) is still waiting after 1.5 s
 * of real time, its clock has not run ahead of the host's, and SPACE held
 * for 0.3 s of real time is held for about 0.3 s of the guest's time. */
START_TEST(idle_guest_time_follows_real_time)
{
    setup_video();
    struct dbg *d = start_program("build/programs/keystroke");
    struct app a;
    char err[256];
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    /* The guest's time from here on (booting to the program took some). */
    uint64_t virt0 = machine_time_ns(d->m);
    double t0 = seconds_now();
    push_key(&a, SDLK_r, SDL_SCANCODE_R);
    frames_for(&a, 1.5);
    double real = seconds_now() - t0;
    uint64_t virt = machine_time_ns(d->m) - virt0;
    ck_assert_msg(machine_exit_status(d->m) < 0, "keystroke ended after %.2f s real, %.2f s virtual", real,
                  virt / 1e9);
    ck_assert_msg(virt <= (uint64_t)((real + 0.05) * 1e9), "virtual %.3f s ran ahead of real %.3f s", virt / 1e9,
                  real);
    ck_assert_msg(virt >= (uint64_t)(0.5 * 1e9), "virtual time stood still: %.3f s", virt / 1e9);
    push_key(&a, SDLK_TAB, SDL_SCANCODE_TAB);
    SDL_Event k;
    memset(&k, 0, sizeof k);
    k.type = SDL_KEYDOWN;
    k.key.keysym.sym = SDLK_SPACE;
    k.key.keysym.scancode = SDL_SCANCODE_SPACE;
    SDL_PushEvent(&k);
    double held0 = seconds_now();
    frames_for(&a, 0.3);
    k.type = SDL_KEYUP;
    SDL_PushEvent(&k);
    double held = seconds_now() - held0;
    for (int i = 0; i < 300 && a.view.running; i++)
        ck_assert(app_frame(&a));
    ck_assert_int_eq(machine_exit_status(d->m), 0);
    ck_assert_uint_eq(d->nkeys, 2);
    double guest_held = (d->keys[1].time_ns - d->keys[0].time_ns) / 1e9;
    ck_assert_msg(guest_held >= 0.2 && guest_held <= held + 0.05, "held %.3f s real, %.3f s in the guest", held,
                  guest_held);
    app_close(&a);
    dbg_free(d);
    SDL_Quit();
}
END_TEST

/* Every key repaints: text typed at the g prompt appears at once; ?
 * shows the help and the next key closes it, the panels drawn again. */
START_TEST(prompt_and_help_repaint)
{
    setup_video();
    struct dbg *d = start_guest("rings");
    struct app a;
    char err[256];
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    ck_assert(app_frame(&a));
    char row[512];
    push_key(&a, SDLK_g, SDL_SCANCODE_G);
    push_key(&a, SDLK_a, SDL_SCANCODE_A);
    push_key(&a, SDLK_b, SDL_SCANCODE_B);
    ui_row_text(&a.model, a.model.rows - 1, row, sizeof row);
    ck_assert_msg(strstr(row, "Go to address or symbol: ab_"), "help bar: '%s'", row);
    push_key(&a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
    ui_row_text(&a.model, a.model.rows - 1, row, sizeof row);
    ck_assert_ptr_null(strstr(row, "Go to address"));
    push_key(&a, SDLK_QUESTION, SDL_SCANCODE_SLASH);
    bool shown = false;
    for (int y = 0; y < a.model.rows; y++) {
        ui_row_text(&a.model, y, row, sizeof row);
        shown |= strstr(row, "every key is one action") != NULL;
    }
    ck_assert(shown);
    push_key(&a, SDLK_x, SDL_SCANCODE_X);
    for (int y = 0; y < a.model.rows; y++) {
        ui_row_text(&a.model, y, row, sizeof row);
        ck_assert_msg(!strstr(row, "every key is one action"), "the help is still drawn: '%s'", row);
    }
    app_close(&a);
    dbg_free(d);
    SDL_Quit();
}
END_TEST

/* The pause key stops a long reverse-continue between its bursts, at a
 * position (the status says where); :reverse-continue again goes on to the
 * breakpoint. */
START_TEST(pause_key_interrupts_reverse_continue)
{
    setup_video();
    char err[256], line[1024];
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = "build/os/kernel.elf",
                                       .program_path = "build/programs/spin", .disk_size = 1 << 20}};
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    struct app a;
    ck_assert_msg(app_open(&a, d, 1, "ringscope test", err, sizeof err) == 0, "%s", err);
    ck_assert(app_frame(&a));
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t main_va = guest_elf_symbol("build/programs/spin", "main");
    type_text(&a, ":break main\n");
    type_text(&a, ":continue\n");
    for (int i = 0; i < 600 && a.view.running; i++)
        ck_assert(app_frame(&a));
    ck_assert_uint_eq(cpu->rip, main_va);
    uint64_t hit = cpu->icount;
    for (int i = 0; i < 12; i++)
        dbg_step_n(d, 1000000);
    uint64_t origin = cpu->icount;
    /* Slow (the - key's speed): a frame replays a few thousand instructions. */
    uint64_t speed = a.view.speed;
    a.view.speed = 4000;
    type_text(&a, ":reverse-continue\n");
    ck_assert_msg(a.view.running, "%s (at %llu, from %llu, hit %llu)", d->status, (unsigned long long)cpu->icount,
                  (unsigned long long)origin, (unsigned long long)hit);
    ck_assert(dbg_busy(d));
    for (int i = 0; i < 20000 && dbg_busy(d) && d->rscan_end == origin; i++)
        ck_assert(app_frame(&a)); /* frames until a stretch of history is scanned */
    ck_assert(dbg_busy(d));
    uint64_t scanned = d->rscan_end;
    ck_assert_uint_lt(scanned, origin);
    press(&a, SDLK_SPACE, SDL_SCANCODE_SPACE);
    ck_assert(!a.view.running);
    ck_assert(!dbg_busy(d));
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_PAUSE);
    ck_assert_uint_eq(cpu->icount, scanned);
    ck_assert_uint_gt(cpu->icount, hit);
    status_line(&a, line, sizeof line);
    ck_assert_msg(strstr(line, "reverse run paused at instruction"), "status: %s", line);
    a.view.speed = speed;
    type_text(&a, ":reverse-continue\n");
    for (int i = 0; i < 2000 && a.view.running; i++)
        ck_assert(app_frame(&a));
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    ck_assert_uint_eq(cpu->icount, hit);
    app_close(&a);
    dbg_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_window");
    TCase *t = tcase_create("window");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, command_line_in_the_window);
    tcase_add_test(t, mouse_clicks_and_wheel);
    tcase_add_test(t, step_breakpoint_syscall_step_back);
    tcase_add_test(t, console_focus_keys_reach_the_guest);
    tcase_add_test(t, idle_guest_time_follows_real_time);
    tcase_add_test(t, prompt_and_help_repaint);
    tcase_add_test(t, pause_key_interrupts_reverse_continue);
    suite_add_tcase(s, t);
    return s;
}

int main(int argc, char **argv)
{
    (void)argc;
    /* A real X server: Xvfb through xvfb-run when there is no display. */
    if (!getenv("DISPLAY") && !getenv("RINGSCOPE_UNDER_XVFB")) {
        setenv("RINGSCOPE_UNDER_XVFB", "1", 1);
        execlp("xvfb-run", "xvfb-run", "-a", "-s", "-screen 0 1920x1200x24", argv[0], (char *)NULL);
        fprintf(stderr, "test_debugger_window: cannot run xvfb-run (install the xvfb package)\n");
        return EXIT_FAILURE;
    }
    setenv("SDL_VIDEODRIVER", "x11", 1);
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
