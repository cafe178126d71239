/* app.h — the debugger window: an SDL2 window showing the UI model, the
 * keys (one per action, help bar + `?`), and the frame loop that runs the
 * machine in bursts between frames (60 frames per second at most) so the
 * window never freezes.  Also the headless screenshot (no window at all:
 * the model is rasterised in memory and written as PNG or BMP). */
#ifndef RINGSCOPE_DEBUGGER_APP_H
#define RINGSCOPE_DEBUGGER_APP_H
#include <stdbool.h>
#include <SDL.h>
#include "command.h"
#include "model.h"
#include "raster.h"
#include "session.h"

#define APP_DEFAULT_COLS 200
#define APP_DEFAULT_ROWS 60

struct app {
    struct dbg *d;
    struct ui_view view;
    struct ui_model model;
    struct raster raster;
    int scale;
    SDL_Window *window;
    SDL_Surface *indexed;          /* wraps raster.pixels with the palette */
    bool quit;
    bool forwarded[SDL_NUM_SCANCODES]; /* keys down at the guest (their ups go there too) */
    uint64_t frames;
    uint64_t last_generation;      /* d->model_generation at the last rebuild */
    struct dbgcmd_history history; /* the `:` command line's */
};

/* Open the window (SDL video must be initialised).  0, or -1 with SDL's
 * message in err. */
int app_open(struct app *a, struct dbg *d, int scale, const char *title, char *err, size_t errlen);
void app_close(struct app *a);

/* One frame: handle pending SDL events, run the machine for a burst if a
 * command is in progress, redraw, present, and wait out the rest of the
 * 1/60 s.  Returns false once the user quit. */
bool app_frame(struct app *a);

/* Run the command in progress for one frame's burst (a few ms of host
 * time, or view.speed instructions); no SDL calls. */
void app_run_burst(struct app *a);

/* What one key does (also used by tests without a window, and by the
 * terminal mode, which sends its keys as SDL key codes: no SDL calls). */
void app_key(struct app *a, SDL_Keycode sym, Uint16 mod, SDL_Scancode scancode, bool down);

/* Execute one command line (command.h) as typed at `:`: its message goes
 * to the status line, a run command starts as its key would. */
void app_command(struct app *a, const char *line);

/* The mouse, at pixel (px, py) of the window: a left click on a
 * disassembly line toggles its breakpoint, on any address shown (hex in
 * any panel) shows it in the memory and walk panels; the wheel (dy notches,
 * + up) scrolls the disassembly or the events under the pointer. */
void app_click(struct app *a, int px, int py);
void app_wheel(struct app *a, int px, int py, int dy);

/* Render the current state into a cols x rows model and write it to path
 * (.png: through libpng, .bmp: SDL_SaveBMP).  0, or -1 with a reason. */
int app_screenshot(struct dbg *d, struct ui_view *view, int cols, int rows, int scale, const char *path,
                   char *err, size_t errlen);

#endif
