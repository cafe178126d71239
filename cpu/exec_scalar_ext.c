/* exec_scalar_ext.c — general-register instructions of the x86-64-v2 era
 * and later that are not VEX-encoded: ADCX/ADOX (ADX, 66/F3 0F 38 F6),
 * MOVBE (0F 38 F0/F1), CRC32 (F2 0F 38 F0/F1, SSE4.2) and RDRAND/RDSEED
 * (0F C7 /6 /7 register forms, reached from exec_group9).  SDM Vol. 2A/2B,
 * the pages of those names. */
#include "exec_integer.h"

/* 66 0F 38 F6 ADCX / F3 0F 38 F6 ADOX r, r/m: unsigned add with carry in
 * and out through CF (ADCX) or OF (ADOX) alone; the other flags are
 * unchanged — two independent carry chains. */
void exec_adcx_adox(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    bool adox = in->pfx == PFX_F3;
    unsigned size = in->opsize == 8 ? 8 : 4;
    uint64_t a = reg_read(cpu, in, in->reg, size), b = rm_read(cpu, in, size);
    uint64_t carry_in = adox ? flag_of(cpu) : flag_cf(cpu);
    uint64_t mask = size_mask(size);
    uint64_t sum = (a + b + carry_in) & mask;
    bool carry = sum < a || (carry_in && sum == a);
    reg_write(cpu, in, in->reg, size, sum);
    if (adox)
        flags_update(cpu, RF_OF, carry ? RF_OF : 0);
    else
        flags_update(cpu, RF_CF, carry ? RF_CF : 0);
}

static uint64_t byte_swap(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

/* CRC32C (Castagnoli polynomial 11EDC6F41h) over `n` bytes of `data`
 * (least significant first), bit-reflected as SDM CRC32 specifies:
 * TEMP1 = BIT_REFLECT(SRC), TEMP2 = BIT_REFLECT(DEST), mod-2 division; the
 * reflected form is the usual right-shifting loop with 82F63B78h. */
static uint32_t crc32c(uint32_t crc, uint64_t data, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        crc ^= (uint8_t)(data >> (8 * i));
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
    }
    return crc;
}

/* 0F 38 F0/F1: MOVBE r, m / MOVBE m, r (no prefix, or 66 for 16 bits;
 * memory only) — a load or store with the bytes reversed.
 * F2 0F 38 F0/F1: CRC32 r32/r64, r/m8 / r/m16/32/64 — the CRC-32C of the
 * source accumulated into the low 32 bits of the destination, the result
 * zero-extended (REX.W selects a 64-bit destination, whose upper half is
 * ignored).  Flags unchanged. */
void exec_movbe_crc32(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    if (in->pfx == PFX_F2) {
        unsigned src_size = in->op == 0xf0 ? 1 : in->opsize;
        unsigned dst_size = (in->rex & 8) ? 8 : 4;
        uint64_t src = rm_read(cpu, in, src_size);
        uint32_t crc = crc32c((uint32_t)cpu->gpr[in->reg], src, src_size);
        reg_write(cpu, in, in->reg, dst_size, crc);
        return;
    }
    if (in->mod == 3)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned size = in->opsize;
    uint64_t ea = insn_ea(cpu, in);
    if (in->op == 0xf0)
        reg_write(cpu, in, in->reg, size, byte_swap(mem_read(cpu, ea, size), size));
    else
        mem_write(cpu, ea, size, byte_swap(reg_read(cpu, in, in->reg, size), size));
}

/* 0F C7 /6 RDRAND, /7 RDSEED r16/r32/r64.  ringscope's "entropy" is a
 * deterministic generator (SplitMix64, Steele et al. 2014) whose state is
 * part of the CPU (cpu->rand_state, seeded by cpu_new and kept in
 * snapshots), so a run and its trace are reproducible.  The result is
 * always valid: CF = 1, OF SF ZF AF PF = 0. */
void exec_rdrand(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint64_t z = (cpu->rand_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    reg_write(cpu, in, in->rm, in->opsize, z);
    flags_update(cpu, RF_STATUS, RF_CF);
}
