/* interp — a bytecode interpreter loop: a small stack machine (switch
 * dispatch, an operand stack, variables) running a program that counts the
 * primes below a limit by trial division.  The interpreter's own hot loop is
 * an indirect jump per bytecode — the same shape as ringscope's inner loop.
 *   usage: interp [SCALE]   (the limit is 30000 * SCALE, default 1) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, LE, JMP, JZ, JNZ, HALT };

struct insn {
    enum op op;
    int64_t arg;
};

enum var { N, D, PRIME, COUNT, LIMIT, NVARS };

static struct insn code[64];
static int pc_end;
static int emit(enum op op, int64_t arg)
{
    code[pc_end] = (struct insn){op, arg};
    return pc_end++;
}

/* count = 0; n = 2;
 * while (n < limit) {
 *     prime = 1; d = 2;
 *     while (d * d <= n) { if (n % d == 0) { prime = 0; break; } d = d + 1; }
 *     count = count + prime; n = n + 1;
 * } */
static void compile(void)
{
    emit(PUSH, 0), emit(STORE, COUNT), emit(PUSH, 2), emit(STORE, N);
    int outer = emit(LOAD, N);
    emit(LOAD, LIMIT), emit(LT, 0);
    int exit_outer = emit(JZ, 0);
    emit(PUSH, 1), emit(STORE, PRIME), emit(PUSH, 2), emit(STORE, D);
    int inner = emit(LOAD, D);
    emit(LOAD, D), emit(MUL, 0), emit(LOAD, N), emit(LE, 0);
    int exit_inner = emit(JZ, 0);
    emit(LOAD, N), emit(LOAD, D), emit(MOD, 0);
    int not_divisor = emit(JNZ, 0);
    emit(PUSH, 0), emit(STORE, PRIME);
    int composite = emit(JMP, 0);
    code[not_divisor].arg = emit(LOAD, D);
    emit(PUSH, 1), emit(ADD, 0), emit(STORE, D), emit(JMP, inner);
    code[exit_inner].arg = code[composite].arg = emit(LOAD, COUNT);
    emit(LOAD, PRIME), emit(ADD, 0), emit(STORE, COUNT);
    emit(LOAD, N), emit(PUSH, 1), emit(ADD, 0), emit(STORE, N), emit(JMP, outer);
    code[exit_outer].arg = emit(HALT, 0);
}

static int64_t run(int64_t *vars)
{
    int64_t stack[16];
    int sp = 0, pc = 0;
    uint64_t steps = 0;
    for (;;) {
        const struct insn *i = &code[pc++];
        steps++;
        switch (i->op) {
        case PUSH: stack[sp++] = i->arg; break;
        case LOAD: stack[sp++] = vars[i->arg]; break;
        case STORE: vars[i->arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case LE: sp--; stack[sp - 1] = stack[sp - 1] <= stack[sp]; break;
        case JMP: pc = (int)i->arg; break;
        case JZ: if (!stack[--sp]) pc = (int)i->arg; break;
        case JNZ: if (stack[--sp]) pc = (int)i->arg; break;
        case HALT: return (int64_t)steps;
        }
    }
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        return 1;
    compile();
    int64_t vars[NVARS] = {0};
    vars[LIMIT] = 30000 * scale;
    int64_t steps = run(vars);
    printf("interp: %lld primes below %lld, %lld bytecodes executed\n", (long long)vars[COUNT],
           (long long)vars[LIMIT], (long long)steps);
    return 0;
}
