/* hello.c — the smallest test program: prints its arguments and exits with
 * the status given as the first argument (default 0).  Built with
 * musl-gcc -static; the kernel tests run it. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("hello from ring 3\n");
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return argc > 1 ? atoi(argv[1]) : 0;
}
