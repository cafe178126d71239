/* ports.h — which device and register an I/O port is, for port events:
 * the PC's standard port map (8259 PIC, 8254 PIT, i8042 PS/2, 16550 UART,
 * ATA primary channel) plus ringscope's debug ports (kernel log, exit,
 * OS events; the test harness's vector port). */
#ifndef RINGSCOPE_TRACE_PORTS_H
#define RINGSCOPE_TRACE_PORTS_H
#include <stdbool.h>
#include <stdint.h>

struct port_name {
    const char *device; /* "uart", "pic1", ... or "unknown" */
    const char *reg;    /* "THR", "IMR", ... or "" */
};

/* Registers can differ by direction (UART offset 0 is RBR on IN, THR on
 * OUT; i8042 0x64 is status on IN, command on OUT). */
struct port_name port_describe(uint16_t port, bool out);

#endif
