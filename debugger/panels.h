/* panels.h — each panel of the UI model drawn into its rectangle of cells
 * (model.c lays them out and calls these).  panels_cpu.c: what the CPU
 * does (disassembly, registers, stack, console, events); panels_memory.c:
 * how memory is mapped (memory map, physical frames, page walk, TLB). */
#ifndef RINGSCOPE_DEBUGGER_PANELS_H
#define RINGSCOPE_DEBUGGER_PANELS_H
#include "model.h"
#include "kstate.h"
#include "osview.h"
#include "session.h"

#define PAGE 4096ull
#define USER_TOP 0x0000800000000000ull      /* end of the user half (48-bit canonical) */
#define KERNEL_BASE 0xffff800000000000ull   /* start of the kernel half */

void draw_disasm(struct ui_model *m, struct dbg *d, struct ui_view *v);
void draw_registers(struct ui_model *m, struct dbg *d);
void draw_stack(struct ui_model *m, struct dbg *d, const struct kstate *ks);
void draw_console(struct ui_model *m, struct dbg *d, const struct ui_view *v);
void draw_events(struct ui_model *m, struct dbg *d, const struct ui_view *v);

/* The process the memory panels show (view->proc_pid, else the one whose
 * address space CR3 holds, else the one on the CPU); NULL: none. */
const struct kproc *shown_process(const struct kstate *ks, struct dbg *d, const struct ui_view *v);

void draw_memmap(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v);
void draw_frames(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v);
void draw_walk(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v);
void draw_tlb(struct ui_model *m, struct dbg *d);

void draw_procs(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v);
void draw_memory(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v);
void draw_page_tables(struct ui_model *m, struct dbg *d, const struct kstate *ks, const struct ui_view *v);

#endif
