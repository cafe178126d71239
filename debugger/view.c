/* view.c — pointing the panels at a process or an address (model.h): the
 * interface state the command line and the mouse change; the model
 * computes the panels from it and the machine at each draw. */
#include "model.h"

void ui_view_process(struct ui_view *v, uint32_t pid) { v->proc_pid = pid; }

void ui_view_memory_at(struct ui_view *v, uint32_t pid, uint64_t va)
{
    v->mem_mode = MEM_VIRTUAL;
    v->mem_pid = pid;
    v->mem_addr = va;
}

void ui_view_memory_physical(struct ui_view *v, uint64_t pa)
{
    v->mem_mode = MEM_PHYSICAL;
    v->mem_pid = 0;
    v->mem_addr = pa;
}

void ui_view_memory_follow(struct ui_view *v) { v->mem_mode = MEM_FOLLOW; }

void ui_view_walk(struct ui_view *v, uint32_t pid, uint64_t va)
{
    v->walk_active = true;
    v->walk_pid = pid;
    v->walk_va = va;
}

void ui_view_walk_last(struct ui_view *v) { v->walk_active = false; }

void ui_view_page_tables_scroll(struct ui_view *v, int lines)
{
    v->ptables_top += lines;
    if (v->ptables_top < 0)
        v->ptables_top = 0;
}
