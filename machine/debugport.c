/* debugport.c — kernel log, OS-event records and the exit port (see
 * debugport.h and os/abi/osevent.h). */
#include "debugport.h"

#include <string.h>

void debugport_init(struct debugport *dp, const struct debugport_callbacks *cb)
{
    *dp = (struct debugport){.cb = *cb};
}

bool debugport_handles(uint16_t port)
{
    return port == OSEV_LOG_PORT || port == OSEV_EXIT_PORT || port == OSEV_ADDR_LO_PORT ||
           port == OSEV_ADDR_HI_PORT;
}

void debugport_flush(struct debugport *dp)
{
    if (dp->line_len && dp->cb.log)
        dp->cb.log(dp->cb.ctx, dp->line, dp->line_len);
    dp->line_len = 0;
}

static void log_byte(struct debugport *dp, uint8_t byte)
{
    if (byte == '\n') {
        if (dp->cb.log)
            dp->cb.log(dp->cb.ctx, dp->line, dp->line_len);
        dp->line_len = 0;
        return;
    }
    if (dp->line_len == DEBUGPORT_LINE_MAX)
        debugport_flush(dp);
    dp->line[dp->line_len++] = (char)byte;
}

const char *os_event_type_name(int type)
{
    static const char *const names[] = {
        [OS_EVENT_INVALID] = "invalid",
        [OSEV_VMA_RESERVE] = "vma-reserve",
        [OSEV_VMA_COMMIT] = "vma-commit",
        [OSEV_VMA_DECOMMIT] = "vma-decommit",
        [OSEV_VMA_RELEASE] = "vma-release",
        [OSEV_PAGE_IN] = "page-in",
        [OSEV_PAGE_OUT] = "page-out",
        [OSEV_PROC_CREATE] = "proc-create",
        [OSEV_PROC_EXIT] = "proc-exit",
        [OSEV_THREAD_CREATE] = "thread-create",
        [OSEV_THREAD_EXIT] = "thread-exit",
        [OSEV_CONTEXT_SWITCH] = "context-switch",
        [OSEV_SYSCALL_NAME] = "syscall-name",
        [OSEV_PANIC] = "panic",
    };
    if (type < 0 || (size_t)type >= sizeof names / sizeof names[0])
        return "unknown";
    return names[type];
}

/* Decode a record into ev; false (with ev->invalid_reason) if malformed. */
static bool decode(const struct osev_record *r, struct os_event *ev)
{
    if (r->magic != OSEV_MAGIC) {
        ev->invalid_reason = "bad magic";
        return false;
    }
    ev->pid = r->pid;
    ev->tid = r->tid;
    switch (r->type) {
    case OSEV_VMA_RESERVE:
    case OSEV_VMA_COMMIT:
    case OSEV_VMA_DECOMMIT:
    case OSEV_VMA_RELEASE:
        ev->vma.start = r->arg[0];
        ev->vma.length = r->arg[1];
        ev->vma.prot = (uint32_t)r->arg[2];
        break;
    case OSEV_PAGE_IN:
    case OSEV_PAGE_OUT:
        ev->page.va = r->arg[0];
        ev->page.frame = r->arg[1];
        ev->page.slot = r->arg[2];
        break;
    case OSEV_PROC_CREATE:
        ev->proc.pid = (uint32_t)r->arg[0];
        ev->proc.parent = (uint32_t)r->arg[1];
        break;
    case OSEV_PROC_EXIT:
        ev->proc.pid = (uint32_t)r->arg[0];
        ev->proc.status = (int32_t)r->arg[1];
        break;
    case OSEV_THREAD_CREATE:
    case OSEV_THREAD_EXIT:
        ev->thread.tid = (uint32_t)r->arg[0];
        ev->thread.pid = (uint32_t)r->arg[1];
        ev->thread.status = r->type == OSEV_THREAD_EXIT ? (int32_t)r->arg[2] : 0;
        break;
    case OSEV_CONTEXT_SWITCH:
        ev->sw.old_pid = (uint32_t)r->arg[0];
        ev->sw.old_tid = (uint32_t)r->arg[1];
        ev->sw.new_pid = (uint32_t)r->arg[2];
        ev->sw.new_tid = (uint32_t)r->arg[3];
        ev->sw.old_cr3 = r->arg[4];
        ev->sw.new_cr3 = r->arg[5];
        break;
    case OSEV_SYSCALL_NAME:
        ev->syscall.number = (uint32_t)r->arg[0];
        break;
    case OSEV_PANIC:
        ev->panic.rip = r->arg[0];
        break;
    default:
        ev->invalid_reason = "unknown record type";
        return false;
    }
    if (r->type == OSEV_PROC_CREATE || r->type == OSEV_SYSCALL_NAME || r->type == OSEV_PANIC) {
        size_t n = strnlen(r->text, OSEV_TEXT_SIZE);
        memcpy(ev->text, r->text, n);
        ev->text[n] = 0;
    }
    ev->type = r->type;
    return true;
}

static void deliver_record(struct debugport *dp, uint64_t pa)
{
    struct os_event ev = {.type = OS_EVENT_INVALID, .record_pa = pa};
    struct osev_record rec;
    if (pa > UINT64_MAX - sizeof rec || !dp->cb.read_phys ||
        dp->cb.read_phys(dp->cb.ctx, pa, &rec, sizeof rec) < 0)
        ev.invalid_reason = "record address outside RAM";
    else if (!decode(&rec, &ev))
        ev.type = OS_EVENT_INVALID;
    if (ev.type == OS_EVENT_INVALID)
        dp->invalid_events++;
    else
        dp->events++;
    if (dp->cb.event)
        dp->cb.event(dp->cb.ctx, &ev);
}

uint32_t debugport_read(struct debugport *dp, uint16_t port, unsigned size)
{
    if (port == OSEV_LOG_PORT)
        return OSEV_LOG_PORT; /* presence check */
    if (port == OSEV_ADDR_HI_PORT)
        return dp->record_addr_hi;
    return 0xFFFFFFFFu >> (32 - 8 * (size > 4 || size == 0 ? 4 : size));
}

void debugport_write(struct debugport *dp, uint16_t port, unsigned size, uint32_t value)
{
    switch (port) {
    case OSEV_LOG_PORT:
        for (unsigned i = 0; i < size && i < 4; i++)
            log_byte(dp, (uint8_t)(value >> (8 * i)));
        break;
    case OSEV_EXIT_PORT:
        dp->exited = true;
        dp->exit_status = value;
        if (dp->cb.exit)
            dp->cb.exit(dp->cb.ctx, value);
        break;
    case OSEV_ADDR_HI_PORT:
        dp->record_addr_hi = value;
        break;
    case OSEV_ADDR_LO_PORT:
        deliver_record(dp, (uint64_t)dp->record_addr_hi << 32 | value);
        break;
    default:
        break;
    }
}
