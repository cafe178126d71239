/* pic.h — the two 8259A interrupt controllers (os/i8259.c). */
#ifndef OS_PIC_H
#define OS_PIC_H
#include <stdbool.h>

void pic_init(void);
void pic_unmask(int irq);
/* End of interrupt for irq; false when it was a spurious IRQ7/IRQ15 (then
 * the handler must do nothing). */
bool pic_is_spurious(int irq);
void pic_eoi(int irq);

#endif
