/* bitslice.h -- evaluation kernels of Boolean truth-table networks (N3).
 *
 * The parameters.  A network A(n0, ..., nL) of unrestricted Boolean units
 * keeps every truth table in one bit block, packed without gaps: unit j of
 * layer i (1 <= i <= L, 0 <= j < n_i) has the 2^(n_{i-1}) bits starting at
 * bit off[i-1] + j 2^(n_{i-1}) of tab, off[0] = 0, off[i] = off[i-1] +
 * n_i 2^(n_{i-1}); off[L] = w = sum_i n_i 2^(n_{i-1}) is the parameter count
 * and the block has ceil(w / 64) words.  Bit b of the block is bit b % 64 of
 * word b / 64.  Entry idx of a table is the unit's output when the previous
 * layer, read as a binary number with unit 0 as the least significant bit,
 * equals idx.
 *
 * Bit-sliced values.  A layer of n units over N = 64 nw patterns is n rows
 * of nw words, row a at x + a*ldx: bit p % 64 of word p / 64 of row a is
 * unit a's value on pattern p.  One word operation thus acts on 64 patterns.
 *
 * Kernels: raw pointers, no allocation, no error paths.  Scratch space comes
 * from the caller (fal__bs_scratch_words). */
#ifndef FALLACY_BITSLICE_H
#define FALLACY_BITSLICE_H

#include <stddef.h>
#include <stdint.h>

/* Largest fan-in: a table over 24 inputs has 2^24 bits (2 MiB). */
#define FAL_BS_MAX_FANIN 24
/* Words processed together by the multiplexer kernel (8 words = 512
 * patterns: one AVX-512 register, two AVX2 ones); measured faster than 4
 * per pattern on full blocks (doc/bool.md). */
#define FAL_BS_W 8
/* Fan-in up to which fal__bs_layer uses the multiplexer tree; beyond, the
 * gather (see bitslice.c for the costs that set it). */
#define FAL_BS_MUX_MAX 11

/* The network, borrowed: width has L + 1 entries with width[i] <=
 * FAL_BS_MAX_FANIN for i < L; off has L + 1 entries (fal__bs_layout). */
typedef struct fal__bnet {
    const uint64_t *tab;
    const size_t *width;
    const uint64_t *off;
    size_t L;
} fal__bnet;

/* off[0..L] for widths[0..L] (as above); returns w = off[L], or UINT64_MAX
 * if it overflows 64 bits or a fan-in exceeds FAL_BS_MAX_FANIN. */
uint64_t fal__bs_layout(const size_t *width, size_t L, uint64_t *off);

/* Scratch words fal__bs_layer and fal__bs_eval need for fan-ins <= m. */
size_t fal__bs_scratch_words(size_t m);

/* One layer, bit-sliced: y rows j < n (stride ldy) from x rows a < m
 * (stride ldx), nw words each (any nw >= 1).  tab/off: the layer's first
 * table starts at bit off, unit j's at off + j 2^m.  m in [1, 24].  Chooses
 * the multiplexer tree for m <= FAL_BS_MUX_MAX, else the gather.  x and y
 * must not overlap. */
void fal__bs_layer(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                   uint64_t *y, size_t ldy, size_t nw, uint64_t *scratch);
/* The two strategies, for the tests and the benchmark.
 * Multiplexer tree (Shannon expansion): y = x_m-1 ? T_hi(x) : T_lo(x),
 * recursively, with the leaves (functions of the k <= 3 lowest inputs) read
 * from a per-layer table of all 2^(2^k) such functions: 3 word ops per
 * internal node, 2^(m-k) leaves per unit.  m <= 12. */
void fal__bs_layer_mux(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                       uint64_t *y, size_t ldy, size_t nw, uint64_t *scratch);
/* Gather: the m input rows are transposed once per layer into one index per
 * pattern; each unit then reads its 64 table bits per word. */
void fal__bs_layer_gather(const uint64_t *tab, uint64_t off, size_t m, size_t n, const uint64_t *x, size_t ldx,
                          uint64_t *y, size_t ldy, size_t nw, uint64_t *scratch);

/* The whole network: x holds n0 rows (stride ldx), y receives nL rows
 * (stride ldy), nw words each.  buf: 2 * maxw * nw words, maxw = the
 * largest hidden width (1 if L == 1); scratch: fal__bs_scratch_words(the
 * largest fan-in). */
void fal__bs_eval(const fal__bnet *net, const uint64_t *x, size_t ldx, uint64_t *y, size_t ldy, size_t nw,
                  uint64_t *buf, uint64_t *scratch);

/* The reference: one pattern at a time, one byte (0 or 1) per unit.
 * in: n0 bytes, out: nL bytes, buf: 2 * maxw bytes. */
void fal__bs_ref_eval(const fal__bnet *net, const uint8_t *in, uint8_t *out, uint8_t *buf);

/* Input rows for the consecutive patterns p0, p0 + 1, ... (p0 a multiple of
 * 64): pattern p's input a is bit a of p.  n0 rows of nw words. */
void fal__bs_enum_inputs(size_t n0, uint64_t p0, uint64_t *x, size_t ldx, size_t nw);
/* Input rows for the patterns code[0..np): input a of pattern p is bit a of
 * code[p]; words past np are zero.  n0 rows of nw >= ceil(np / 64) words. */
void fal__bs_pack_inputs(size_t n0, const uint32_t *code, size_t np, uint64_t *x, size_t ldx, size_t nw);

/* Bit b of the block. */
static inline unsigned fal__bs_bit(const uint64_t *tab, uint64_t b)
{
    return (unsigned)(tab[b >> 6] >> (b & 63)) & 1u;
}

#endif
