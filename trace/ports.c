/* ports.c — the port map of ports.h.  Register names follow the device
 * data sheets (ringscope's own debug ports: os/abi/osevent.h): 8259A (ICW/OCW, IMR), 8254 (counters, control word),
 * 8042 (data, status, command), NS16550A (RBR/THR ... SCR) and the ATA/ATAPI
 * task-file registers of the primary channel. */
#include "ports.h"

struct port_range {
    uint16_t first, last;
    const char *device;
    const char *regs_in[8];  /* by offset from first */
    const char *regs_out[8]; /* NULL: same as regs_in */
};

static const struct port_range ranges[] = {
    {0x20, 0x21, "pic1", {"ISR/IRR", "IMR"}, {"ICW1/OCW2/OCW3", "ICW2-4/IMR"}},
    {0xa0, 0xa1, "pic2", {"ISR/IRR", "IMR"}, {"ICW1/OCW2/OCW3", "ICW2-4/IMR"}},
    {0x40, 0x43, "pit", {"counter0", "counter1", "counter2", "control"}, {0}},
    {0x60, 0x60, "ps2", {"data"}, {0}},
    {0x64, 0x64, "ps2", {"status"}, {"command"}},
    {0x3f8, 0x3ff, "uart", {"RBR", "IER", "IIR", "LCR", "MCR", "LSR", "MSR", "SCR"},
     {"THR", "IER", "FCR", "LCR", "MCR", "LSR", "MSR", "SCR"}},
    {0x2f8, 0x2ff, "uart2", {"RBR", "IER", "IIR", "LCR", "MCR", "LSR", "MSR", "SCR"},
     {"THR", "IER", "FCR", "LCR", "MCR", "LSR", "MSR", "SCR"}},
    {0x1f0, 0x1f7, "ata", {"data", "error", "sector count", "lba low", "lba mid", "lba high",
                           "drive/head", "status"},
     {"data", "features", "sector count", "lba low", "lba mid", "lba high", "drive/head",
      "command"}},
    {0x3f6, 0x3f6, "ata", {"alt status"}, {"device control"}},
    {0xe9, 0xe9, "log", {"presence"}, {"byte"}},
    {0x500, 0x500, "osevent", {""}, {"record addr lo"}},
    {0x504, 0x504, "osevent", {""}, {"record addr hi"}},
    {0xf4, 0xf4, "exit", {"code"}, {0}},
    {0xf5, 0xf5, "harness", {"vector"}, {0}},
};

struct port_name port_describe(uint16_t port, bool out)
{
    for (unsigned i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const struct port_range *r = &ranges[i];
        if (port < r->first || port > r->last)
            continue;
        unsigned off = port - r->first;
        const char *reg = out && r->regs_out[0] ? r->regs_out[off] : r->regs_in[off];
        return (struct port_name){r->device, reg ? reg : ""};
    }
    return (struct port_name){"unknown", ""};
}
