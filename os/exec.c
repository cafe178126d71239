/* exec.c — the program loader: static ELF64 executables (ET_EXEC) and
 * static position-independent ones (ET_DYN without PT_INTERP), and the
 * process entry state of the System V x86-64 psABI (3.4.1):
 *
 *   RSP ->  argc
 *           argv[0] ... argv[argc-1], NULL
 *           envp[0] ... NULL
 *           auxv: (tag, value) pairs ... (AT_NULL, 0)
 *           ... padding, AT_RANDOM's 16 bytes, the strings ...
 *   USER_STACK_TOP
 *
 * RSP is 16-byte aligned, RDX = 0 (no exit-time function for _start to
 * register), every other register 0, RFLAGS = 0x202 (IF set). */
#include "exec.h"
#include "elf.h"
#include "errno.h"
#include "fs.h"
#include "kheap.h"
#include "memlayout.h"
#include "paging.h"
#include "printf.h"
#include "segments.h"
#include "string.h"
#include "x86.h"

#define MAX_PHDRS 32
#define AUXV_PAIRS 20

/* Write bytes into a (new) address space regardless of the area's rights:
 * the loader fills read-only text too.  Commits pages as needed. */
static int load_bytes(struct mm *mm, uint64_t va, const void *src, uint64_t n)
{
    for (uint64_t done = 0; done < n;) {
        uint64_t pa = vma_fill_page(mm, va + done);
        if (!pa)
            return -ENOMEM;
        uint64_t off = (va + done) & (PAGE_SIZE - 1);
        uint64_t len = PAGE_SIZE - off < n - done ? PAGE_SIZE - off : n - done;
        memcpy((char *)p2v(pa) + off, (const char *)src + done, len);
        done += len;
    }
    return 0;
}

static uint32_t segment_prot(uint32_t flags)
{
    return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

struct image {
    const uint8_t *file;
    uint64_t size;
    const struct elf64_ehdr *eh;
    const struct elf64_phdr *ph;
    uint64_t bias;       /* added to every p_vaddr (static PIE) */
    uint64_t phdr_va;    /* AT_PHDR */
    uint64_t end;        /* highest segment end: the heap starts above */
};

static int check_header(struct image *im)
{
    const struct elf64_ehdr *eh = im->eh;
    if (im->size < sizeof *eh || eh->magic != ELF_MAGIC || eh->class != ELFCLASS64 || eh->data != ELFDATA2LSB ||
        eh->machine != EM_X86_64 || (eh->type != ET_EXEC && eh->type != ET_DYN))
        return -ENOEXEC;
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phnum > MAX_PHDRS ||
        eh->phoff > im->size || eh->phnum * sizeof(struct elf64_phdr) > im->size - eh->phoff)
        return -ENOEXEC;
    im->ph = (const struct elf64_phdr *)(im->file + eh->phoff);
    uint64_t lowest = UINT64_MAX;
    for (int i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = &im->ph[i];
        if (ph->type == PT_INTERP) {
            kprintf("exec: dynamically linked (PT_INTERP): only static programs run here\n");
            return -ENOEXEC;
        }
        if (ph->type != PT_LOAD)
            continue;
        if (ph->offset > im->size || ph->filesz > im->size - ph->offset || ph->filesz > ph->memsz ||
            ((ph->vaddr - ph->offset) & (PAGE_SIZE - 1)))
            return -ENOEXEC;
        if (ph->vaddr < lowest)
            lowest = ph->vaddr;
    }
    if (lowest == UINT64_MAX)
        return -ENOEXEC;
    im->bias = eh->type == ET_DYN ? USER_PIE_BASE - PAGE_ROUND_DOWN(lowest) : 0;
    if (eh->entry + im->bias >= USER_END)
        return -ENOEXEC; /* the entry point must be a user address */
    return 0;
}

static int load_segments(struct mm *mm, struct image *im)
{
    uint64_t mapped_end = 0; /* segments may share a page: map each page once */
    for (int i = 0; i < im->eh->phnum; i++) {
        const struct elf64_phdr *ph = &im->ph[i];
        if (ph->type == PT_PHDR)
            im->phdr_va = ph->vaddr + im->bias;
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        uint64_t va = ph->vaddr + im->bias;
        uint64_t stack_guard = USER_STACK_TOP - USER_STACK_SIZE - USER_STACK_GUARD;
        if (va < USER_MIN_ADDR || va >= stack_guard || ph->memsz > stack_guard - va)
            return -ENOEXEC;
        uint64_t start = PAGE_ROUND_DOWN(va), end = PAGE_ROUND_UP(va + ph->memsz);
        if (start < mapped_end)
            start = mapped_end;
        if (start < end) {
            int err = vma_map(mm, start, end - start, segment_prot(ph->flags), VMA_PROGRAM);
            if (err)
                return err;
            mapped_end = end;
        }
        int err = load_bytes(mm, va, im->file + ph->offset, ph->filesz);
        if (err)
            return err;
        if (!im->phdr_va && im->eh->phoff >= ph->offset && im->eh->phoff < ph->offset + ph->filesz)
            im->phdr_va = va + (im->eh->phoff - ph->offset);
        if (end > im->end)
            im->end = end;
    }
    return 0;
}

/* Deterministic "random" bytes for AT_RANDOM: the same run, the same bytes
 * (xorshift64 seeded from the pid). */
static void entry_random(uint8_t out[16], int pid)
{
    uint64_t x = 0x9E3779B97F4A7C15ull ^ (uint64_t)pid;
    for (int i = 0; i < 16; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = (uint8_t)x;
    }
}

struct stack_builder {
    struct mm *mm;
    uint64_t sp;
    int err;
};

static uint64_t push_bytes(struct stack_builder *sb, const void *data, uint64_t n)
{
    sb->sp -= n;
    if (!sb->err)
        sb->err = load_bytes(sb->mm, sb->sp, data, n);
    return sb->sp;
}

static uint64_t push_string(struct stack_builder *sb, const char *s) { return push_bytes(sb, s, strlen(s) + 1); }

static int build_stack(struct mm *mm, const struct image *im, const char *path, char *const argv[], int argc,
                       char *const envp[], int envc, int pid, uint64_t *rsp)
{
    struct stack_builder sb = {mm, USER_STACK_TOP, 0};
    uint64_t execfn = push_string(&sb, path);
    uint64_t platform = push_string(&sb, "x86_64");
    uint64_t pointers_size = (uint64_t)(argc + envc + 2) * 8;
    uint64_t *argv_va = kheap_alloc(pointers_size); /* too big for the kernel stack */
    if (!argv_va)
        return -ENOMEM;
    uint64_t *envp_va = argv_va + argc + 1;
    for (int i = envc - 1; i >= 0; i--)
        envp_va[i] = push_string(&sb, envp[i]);
    for (int i = argc - 1; i >= 0; i--)
        argv_va[i] = push_string(&sb, argv[i]);
    argv_va[argc] = envp_va[envc] = 0;
    uint8_t random[16];
    entry_random(random, pid);
    sb.sp &= ~15ull;
    uint64_t random_va = push_bytes(&sb, random, sizeof random);
    uint64_t auxv[2 * AUXV_PAIRS], n = 0;
#define AUX(tag, value) (auxv[n++] = (tag), auxv[n++] = (value))
    AUX(AT_PHDR, im->phdr_va);
    AUX(AT_PHENT, sizeof(struct elf64_phdr));
    AUX(AT_PHNUM, im->eh->phnum);
    AUX(AT_PAGESZ, PAGE_SIZE);
    AUX(AT_BASE, 0);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, im->eh->entry + im->bias);
    AUX(AT_UID, 0);
    AUX(AT_EUID, 0);
    AUX(AT_GID, 0);
    AUX(AT_EGID, 0);
    AUX(AT_PLATFORM, platform);
    AUX(AT_HWCAP, 0);
    AUX(AT_CLKTCK, 100);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, random_va);
    AUX(AT_HWCAP2, 0);
    AUX(AT_EXECFN, execfn);
    AUX(AT_NULL, 0);
#undef AUX
    uint64_t words = 1 + (argc + 1) + (envc + 1) + n;
    if ((sb.sp - words * 8) & 15)
        sb.sp -= 8; /* so that RSP (at argc) ends 16-byte aligned */
    push_bytes(&sb, auxv, n * 8);
    push_bytes(&sb, envp_va, (envc + 1) * 8);
    push_bytes(&sb, argv_va, (argc + 1) * 8);
    uint64_t argc64 = (uint64_t)argc;
    *rsp = push_bytes(&sb, &argc64, 8);
    kheap_free(argv_va, pointers_size);
    return sb.err;
}

static void set_entry_registers(struct thread *t, uint64_t rip, uint64_t rsp)
{
    memset(t->tf, 0, sizeof *t->tf); /* every GPR 0, RDX included */
    t->tf->rip = rip;
    t->tf->rsp = rsp;
    t->tf->cs = SEL_UCODE;
    t->tf->ss = SEL_UDATA;
    t->tf->rflags = RFLAGS_IF | 0x2;
    t->fs_base = 0;
    wrmsr(MSR_FS_BASE, 0);
    if (t == current_thread())
        thread_reset_fpu();
}

static int build_address_space(struct mm *mm, struct image *im, const char *path, char *const argv[], int argc,
                               char *const envp[], int envc, int pid, uint64_t *rsp)
{
    int err = load_segments(mm, im);
    if (err)
        return err;
    uint64_t stack_low = USER_STACK_TOP - USER_STACK_SIZE;
    err = vma_map(mm, stack_low - USER_STACK_GUARD, USER_STACK_GUARD, PROT_NONE, VMA_GUARD);
    if (!err)
        err = vma_map(mm, stack_low, USER_STACK_SIZE, PROT_READ | PROT_WRITE, VMA_STACK);
    if (!err)
        err = build_stack(mm, im, path, argv, argc, envp, envc, pid, rsp);
    mm->brk_start = mm->brk = im->end;
    return err;
}

static int exec_image(struct thread *t, const char *path, const uint8_t *file, uint64_t size, char *const argv[],
                      int argc, char *const envp[], int envc);

int exec(struct thread *t, const char *path, char *const argv[], int argc, char *const envp[], int envc)
{
    struct inode *ino = fs_lookup(path);
    if (!ino)
        return -ENOENT;
    if (ino->type != INODE_FILE)
        return -EACCES;
    /* A file written in /tmp lives in its page cache, page by page: the
     * loader reads a contiguous copy, freed once the program is loaded. */
    uint8_t *copy = 0;
    uint64_t copy_size = ino->size ? ino->size : 1;
    if (!ino->data) {
        struct elf64_ehdr eh;
        if (fs_read(ino, 0, &eh, sizeof eh) != (long)sizeof eh || eh.magic != ELF_MAGIC)
            return -ENOEXEC; /* before copying what may be a huge sparse file */
        copy = kheap_alloc(copy_size);
        if (!copy)
            return -ENOMEM;
        fs_read(ino, 0, copy, copy_size);
    }
    int err = exec_image(t, path, copy ? copy : ino->data, ino->size, argv, argc, envp, envc);
    if (copy)
        kheap_free(copy, copy_size);
    return err;
}

static int exec_image(struct thread *t, const char *path, const uint8_t *file, uint64_t size, char *const argv[],
                      int argc, char *const envp[], int envc)
{
    struct image im = {.file = file, .size = size, .eh = (const struct elf64_ehdr *)file};
    int err = check_header(&im);
    if (err)
        return err;
    struct mm *mm = mm_new();
    if (!mm)
        return -ENOMEM;
    uint64_t rsp = 0;
    struct proc *p = t->proc;
    struct mm *old = p->mm;
    p->mm = mm; /* so the page replacer may evict the new pages too */
    err = build_address_space(mm, &im, path, argv, argc, envp, envc, p->pid, &rsp);
    if (err) {
        p->mm = old;
        mm_free(mm);
        return err;
    }
    /* The point of no return: load the new address space, drop the old. */
    if (t == current_thread())
        write_cr3(mm_cr3(mm));
    if (old && --old->users == 0)
        mm_free(old);
    set_entry_registers(t, im.eh->entry + im.bias, rsp);
    strlcpy(p->name, fs_basename(path), sizeof p->name);
    strlcpy(p->exe, path, sizeof p->exe);
    kprintf("[pid %d] exec %s: entry %lx, rsp %lx\n", p->pid, path, t->tf->rip, rsp);
    return 0;
}
