/* main.c — kmain: from the loader's entry state to the first process.
 *
 * Order matters: the boot-info record lives in memory the frame allocator
 * will reuse, so it is copied first; the kernel's own GDT/IDT come before
 * anything can fault; its own page tables before the loader's boot memory
 * is handed to the allocator; devices before interrupts are unmasked. */
#include "kinfo.h"
#include "abi/bootinfo.h"
#include "abi/osevent.h"
#include "console.h"
#include "cred.h"
#include "errno.h"
#include "fdtable.h"
#include "events.h"
#include "exec.h"
#include "file.h"
#include "frame.h"
#include "fs.h"
#include "initrd.h"
#include "keyboard.h"
#include "memlayout.h"
#include "paging.h"
#include "panic.h"
#include "pic.h"
#include "printf.h"
#include "proc.h"
#include "segments.h"
#include "string.h"
#include "swap.h"
#include "syscall.h"
#include "timer.h"
#include "trap.h"
#include "tty.h"

static struct bootinfo boot; /* a copy: the original is in reusable boot memory */

static void read_bootinfo(const struct bootinfo *bi)
{
    if (bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION || bi->size != sizeof boot)
        panic("bad boot-info record at %p (magic %lx version %u)", (const void *)bi, bi->magic, bi->version);
    memcpy(&boot, bi, sizeof boot);
    if (boot.mmap_count > BOOTINFO_MMAP_MAX)
        boot.mmap_count = BOOTINFO_MMAP_MAX;
    boot.cmdline[BOOTINFO_CMDLINE_MAX - 1] = 0;
    kprintf("ringscope kernel: %lu MiB RAM, kernel %lx-%lx, initrd %lu bytes, cmdline \"%s\"\n",
            boot.ram_size >> 20, boot.kernel_phys, boot.kernel_phys_end, boot.initrd_size, boot.cmdline);
}

static void devices_init(void)
{
    pic_init();
    timer_init();
    tty_init(boot.cmdline);
    console_init();
    keyboard_init();
    pic_unmask(IRQ_TIMER);
    pic_unmask(IRQ_KEYBOARD);
    pic_unmask(IRQ_COM1);
}

/* Process 1: the program from the initrd, with the console (COM1) as
 * stdin and stdout and COM2 as stderr, the way the host's descriptors are
 * (tty.h).  Its exit ends the machine (proc_exit).  It runs as a program a
 * shell started: in the session of whoever owns the terminal (0, outside
 * the machine), and leading its own foreground group at a terminal. */
static void start_init(char *argv[], int argc)
{
    static char *const envp[] = {"PATH=/bin", "HOME=/", "PWD=/"};
    struct proc *p = proc_alloc();
    struct thread *t = p ? thread_alloc(p) : 0;
    struct file *console = file_open(fs_lookup("/dev/console"), O_RDWR);
    struct file *out = tty_stdout_is_console() ? (console ? file_dup(console) : 0)
                                               : file_open(fs_lookup("/dev/ttyS0"), O_RDWR);
    struct file *err = file_open(fs_lookup("/dev/ttyS1"), O_RDWR);
    if (!t || !console || !out || !err)
        panic("out of memory creating the first process");
    fd_alloc(p, console, 0, false);
    fd_alloc(p, out, 1, false);
    fd_alloc(p, err, 2, false);
    p->sid = 0;
    p->pgid = tty_is_terminal() ? p->pid : 0;
    int rc = exec(t, argv[0], argv, argc, envp, sizeof envp / sizeof envp[0]);
    if (rc) {
        cprintf("ringscope: cannot execute %s: %s\n", argv[0],
                rc == -ENOEXEC ? "not a static x86-64 ELF executable" : rc == -ENOENT ? "not found" : "out of memory");
        machine_exit(rc == -ENOENT ? 127 : 126);
    }
    osev_report(OSEV_PROC_CREATE, p->pid, 0, 0, 0, 0, 0, p->name);
    thread_make_runnable(t);
    scheduler();
}

void kmain(const struct bootinfo *bi)
{
    gdt_init();
    idt_init();
    read_bootinfo(bi);
    timer_set_cpu_rate(boot.insns_per_second);
    frames_init(&boot);
    vm_init(boot.ram_size);
    frames_add_boot_memory(boot.mmap, boot.mmap_count);
    syscall_init();
    devices_init();
    if (!swap_init())
        kprintf("swap: no disk, no pagefile\n");
    fs_init();
    if (boot.initrd_size && initrd_unpack(p2v(boot.initrd_phys), boot.initrd_size) < 0)
        panic("the initrd is not a valid cpio newc archive");
    cred_base_files();
    proc_init();
    kinfo_init();
    static char *argv[INITRD_MAX_ARGS];
    int argc = initrd_argv(argv, INITRD_MAX_ARGS);
    if (argc == 0)
        panic("no program to run: the initrd has no boot/argv");
    start_init(argv, argc);
}
