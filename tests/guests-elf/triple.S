/* triple.S — executes UD2 with the boot state's empty IDT (limit 0): the
 * #UD cannot be delivered (#GP), nor the #GP (#DF), nor the #DF: a triple
 * fault, and the machine shuts down (SDM Vol. 3A §6.15, Interrupt 8). */
    .text
    .globl _start
_start:
    ud2
