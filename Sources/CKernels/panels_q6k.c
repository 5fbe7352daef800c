// Linear layers with GGUF Q6_K weights kept 6-bit, repacked at load into panels: y[n, lo..<hi] = x[n, k] W^T
// (+ b, + y).
//
// Q6_K (ggml's block_q6_K): per row, super-blocks of 256 inputs, each with fp16 d and 16 sub-blocks of 16 inputs
// with an int8 scale sc_s; W[i] = (d sc_s) (q - 32) with q in 0..63 (4 low bits and 2 high bits). The panels hold
// the same numbers, only moved, so they are exactly the file's weights (6.5625 bits a weight, as in the file).
//
// Inputs are taken in groups of 4 (group g = inputs 4g..4g+3; sub-block g / 4). Layout: panels of 16 output columns;
// per panel, one block of Q6K_BLOCK_BYTES per super-block, in input order:
//   [0, 3072)     48 lines of 64 bytes, line u + 16v (u < 16, v < 3) for group u + 16v: byte 4c + e holds q of input
//                 4(u + 16v) + e of column c in bits 0-5, and in bits 6-7 bits 2v, 2v + 1 of q of input 4(u + 48) + e
//                 (group u + 48).
//   [3072, 3328)  scales, int8 [16 sub-blocks][16 columns].
//   [3328, 3360)  d, fp16 [16].
// So a group of the first three quarters is one load and one mask (a vpdpbusd operand of 16 columns x 4 inputs), and
// group u + 48 the top bits of lines u, u + 16 and u + 32, which its three siblings have just loaded: about 2.75
// instructions a group where 4 low bits and 2 high bits kept apart (as the file does) took 4.25 on AVX2.
// Columns beyond m are zero (d = 0).
//
// Activations are those of the Q4_K kernels (int8 per 256 inputs with one scale, ggml's Q8_K) and their sums over
// each 16 inputs, which fold the offset 32 out of the products: per column and super-block
//   isum = sum_s sc_s (dot16_s(q_w, q_x) - 32 asum_s)   (|each bracket| <= 16 * 32 * 127, |isum| < 2^31),
//   y += x_scale d isum.
// Every path computes the same exact integer brackets from the same bytes; the portable and AVX2 paths sum them into
// isum exactly, the AVX-512 one scales each by d sc in fp32 (exact) and sums those, so only fp32 rounding differs.
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

#define Q6K_BLOCK 256
#define Q6K_FILE_BLOCK_BYTES 210
#define Q6K_BLOCK_BYTES 3360
#define Q6K_SCALES 3072
#define Q6K_D 3328
#define Q6K_SUBS 16
// Rows of one tile of the AVX-512 kernel: three registers a row (the sub-block's dot product, the block's sum, the
// row's), so 8 rows leave room for the group being multiplied.
#define Q6K_TILE_ROWS 8

size_t gk_panels_q6k_size(size_t m, size_t k) { return (m + PANEL - 1) / PANEL * (k / Q6K_BLOCK) * Q6K_BLOCK_BYTES; }

/// The block of super-block b of the panel holding column j.
static inline uint8_t *block_of(uint8_t *packed, size_t k, size_t j, size_t b) {
    return packed + ((j / PANEL) * (k / Q6K_BLOCK) + b) * Q6K_BLOCK_BYTES;
}

void gk_pack_panels_q6k_row(const uint8_t *blocks, size_t k, size_t j, uint8_t *packed) {
    size_t c = j % PANEL;
    for (size_t b = 0; b < k / Q6K_BLOCK; b++) {
        const uint8_t *src = blocks + b * Q6K_FILE_BLOCK_BYTES;
        uint8_t *dst = block_of(packed, k, j, b);
        // The file's element 128h + 32k + l: low nibble of byte 64h + 32(k % 2) + l shifted by 4(k / 2), high bits of
        // byte 128 + 32h + l shifted by 2k.
        for (int i = 0; i < Q6K_BLOCK; i++) {
            int h = i / 128, kk = (i % 128) / 32, l = i % 32;
            uint8_t low = (src[64 * h + 32 * (kk % 2) + l] >> (4 * (kk / 2))) & 0x0F;
            uint8_t high = (src[128 + 32 * h + l] >> (2 * kk)) & 0x03;
            int g = i / 4, e = i % 4, q = low | high << 4;
            if (g < 48) {
                dst[g * 64 + 4 * c + e] |= (uint8_t)q;
            } else {
                // Group g's two bits 2v, 2v + 1 go to the top of its siblings' bytes, lines g - 48 + 16v.
                for (int v = 0; v < 3; v++) {
                    dst[(g - 48 + 16 * v) * 64 + 4 * c + e] |= (uint8_t)(((q >> (2 * v)) & 3) << 6);
                }
            }
        }
        for (int s = 0; s < Q6K_SUBS; s++) dst[Q6K_SCALES + s * PANEL + c] = src[192 + s];
        memcpy(dst + Q6K_D + 2 * c, src + 208, 2);
    }
}

/// q (0..63) of input i of column c in a panel block.
static inline int q_of(const uint8_t *blk, size_t c, int i) {
    int g = i / 4, e = i % 4;
    if (g < 48) return blk[g * 64 + 4 * c + e] & 0x3F;
    int q = 0;
    for (int v = 0; v < 3; v++) q |= (blk[(g - 48 + 16 * v) * 64 + 4 * c + e] >> 6) << (2 * v);
    return q;
}

void gk_panels_q6k_row(const uint8_t *packed, size_t k, size_t j, float *out) {
    size_t c = j % PANEL;
    for (size_t b = 0; b < k / Q6K_BLOCK; b++) {
        const uint8_t *blk = block_of((uint8_t *)packed, k, j, b);
        uint16_t dh;
        memcpy(&dh, blk + Q6K_D + 2 * c, 2);
        float d = gk_half_to_float(dh);
        for (int i = 0; i < Q6K_BLOCK; i++) {
            float scale = (float)(int8_t)blk[Q6K_SCALES + (i / 16) * PANEL + c];
            // The file's order of operations (gguf-py's and ggml's), so rows equal its dequantization bit for bit.
            out[b * Q6K_BLOCK + i] = (d * scale) * (float)(q_of(blk, c, i) - 32);
        }
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void panels_q6k_portable(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n, size_t k,
                                const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                                int accumulate) {
    size_t blocks = k / Q6K_BLOCK;
    for (size_t r = 0; r < n; r++) {
        for (size_t j = lo; j < hi; j++) {
            size_t c = j % PANEL;
            float sum = 0;
            for (size_t b = 0; b < blocks; b++) {
                const uint8_t *blk = block_of((uint8_t *)packed, k, j, b);
                const int8_t *a = xq + r * k + b * Q6K_BLOCK;
                const int16_t *asum = xsum + (r * blocks + b) * Q6K_SUBS;
                int32_t isum = 0;
                for (int s = 0; s < Q6K_SUBS; s++) {
                    int32_t dot = 0;
                    for (int i = 16 * s; i < 16 * s + 16; i++) dot += q_of(blk, c, i) * a[i];
                    isum += (int8_t)blk[Q6K_SCALES + s * PANEL + c] * (dot - 32 * asum[s]);
                }
                uint16_t dh;
                memcpy(&dh, blk + Q6K_D + 2 * c, 2);
                sum += xs[r * blocks + b] * (gk_half_to_float(dh) * (float)isum);
            }
            put(y + r * m + j, sum, bias, j, accumulate);
        }
    }
}

#if GK_X86
// ---- AVX-512 VNNI: one panel, tiles of up to 8 rows; vpdpbusd of 6-bit q (u8) and activations (s8) ------------
//
// Sub-block by sub-block: its four groups are unpacked once per tile and multiplied into every row, and its scale
// (d sc, exact in fp32) multiplies the row's exact integer dot product into an fp32 sum for the block. Scaling in
// fp32 takes two instructions a row and sub-block where the int32 product (vpmulld) took three, and needs one
// register a row instead of four, so a tile holds 8 rows and each group is unpacked half as often at batch 8.

/// q (0..63) of 16 columns x 4 inputs of group u + 16v: line u + 16v masked (v < 3), or the top bits of lines u, u + 16
/// and u + 32 (v = 3; see the layout above).
GK_INLINE GK_AVX512_VNNI __m512i q6k_unpack512(const uint8_t *blk, int u, int v) {
    const __m512i six = _mm512_set1_epi8(0x3F), top = _mm512_set1_epi8((char)0xC0);
    if (v < 3) return _mm512_and_si512(_mm512_loadu_si512(blk + (u + 16 * v) * 64), six);
    __m512i bits[3];
    UNROLL
    for (int t = 0; t < 3; t++) {
        // Bits 6-7 moved to 2t, 2t + 1 (masked first, so no bits of the next byte come along).
        bits[t] = _mm512_srli_epi16(_mm512_and_si512(_mm512_loadu_si512(blk + (u + 16 * t) * 64), top), 6 - 2 * t);
    }
    return _mm512_or_si512(_mm512_or_si512(bits[0], bits[1]), bits[2]);
}

/// Fetches sub-block sub's sixteenth of a panel block (210 bytes) 4 KiB ahead, as four lines so that none is skipped
/// (one line each of two chunks, in an earlier layout, left a third of the stream to the hardware).
GK_INLINE void q6k_prefetch_sub(const uint8_t *blk, int sub) {
    for (int line = 0; line < 4; line++) {
        _mm_prefetch((const char *)blk + sub * (Q6K_BLOCK_BYTES / 16) + 64 * line + PREFETCH_BYTES, _MM_HINT_T0);
    }
}

/// -32 times each sub-block's activation sum (one row's 16 sums of a block): where its dot products start, which
/// folds the offset of q.
GK_INLINE GK_AVX512_VNNI void q6k_offsets512(const int16_t *sums, int32_t *offsets) {
    __m512i wide = _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)sums));
    _mm512_storeu_si512(offsets, _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(wide, 5)));
}

/// d sc of sub-block sub of a panel block for 16 columns (exact in fp32).
GK_INLINE GK_AVX512_VNNI __m512 q6k_scale512(const uint8_t *blk, int sub, __m512 d) {
    __m128i sc = _mm_loadu_si128((const __m128i *)(blk + Q6K_SCALES + sub * PANEL));
    return _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(sc)));
}

/// Every group of a panel unpacked once, for tiles of many rows: [block][sub-block][group of it][64 bytes].
GK_AVX512_VNNI static void q6k_unpack_panel(const uint8_t *panel, size_t blocks, uint8_t *out) {
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q6K_BLOCK_BYTES;
        for (int sub = 0; sub < Q6K_SUBS; sub++) {
            q6k_prefetch_sub(blk, sub);
            for (int s = 0; s < 4; s++) {
                __m512i q = q6k_unpack512(blk, 4 * (sub % 4) + s, sub / 4);
                _mm512_store_si512(out + ((b * Q6K_SUBS + sub) * 4 + s) * 64, q);
            }
        }
    }
}

/// One tile of rows against a panel, its groups unpacked from the panel's blocks or read from `unpacked` (from
/// q6k_unpack_panel) where that is not NULL.
GK_INLINE GK_AVX512_VNNI void q6k_tile_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                            const uint8_t *panel, const uint8_t *unpacked, const int rows, float *y,
                                            size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q6K_BLOCK;
    __m512 acc[Q6K_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q6K_BLOCK_BYTES;
        int32_t offsets[Q6K_TILE_ROWS][Q6K_SUBS];
        UNROLL
        for (int r = 0; r < rows; r++) q6k_offsets512(xsum + ((size_t)r * blocks + b) * Q6K_SUBS, offsets[r]);
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + Q6K_D)));
        __m512 sum[Q6K_TILE_ROWS];
        UNROLL
        for (int r = 0; r < rows; r++) sum[r] = _mm512_setzero_ps();
        for (int sub = 0; sub < Q6K_SUBS; sub++) {
            if (!unpacked) q6k_prefetch_sub(blk, sub);
            // Sub-block sub = p + 4v holds groups 4p + s + 16v, s < 4.
            int p = sub % 4, v = sub / 4;
            __m512i dot[Q6K_TILE_ROWS];
            UNROLL
            for (int r = 0; r < rows; r++) dot[r] = _mm512_set1_epi32(offsets[r][sub]);
            for (int s = 0; s < 4; s++) {
                int u = 4 * p + s;
                __m512i q = unpacked ? _mm512_load_si512(unpacked + ((b * Q6K_SUBS + sub) * 4 + s) * 64)
                                     : q6k_unpack512(blk, u, v);
                UNROLL
                for (int r = 0; r < rows; r++) {
                    const int8_t *a = xq + (size_t)r * k + b * Q6K_BLOCK + 64 * v + 4 * u;
                    dot[r] = _mm512_dpbusd_epi32(dot[r], q, _mm512_set1_epi32(load4(a)));
                }
            }
            __m512 scale = q6k_scale512(blk, sub, d);
            UNROLL
            for (int r = 0; r < rows; r++) sum[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]), scale, sum[r]);
        }
        UNROLL
        for (int r = 0; r < rows; r++) {
            acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(xs[(size_t)r * blocks + b]), sum[r], acc[r]);
        }
    }
    store_tile512(acc, rows, y, m, j0, cols, bias, accumulate);
}

/// One row against two panels at once (the columns j0..j0+31): the same steps as a tile of one row, in two streams
/// from memory (as the Q4_K kernel does at batch 1).
GK_INLINE GK_AVX512_VNNI void q6k_row_pair_vnni(const int8_t *a, const float *xs, const int16_t *xsum, size_t k,
                                                const uint8_t *panel, size_t panel_size, float *y, size_t j0,
                                                const float *bias, int accumulate) {
    size_t blocks = k / Q6K_BLOCK;
    __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk[2] = {panel + b * Q6K_BLOCK_BYTES, panel + panel_size + b * Q6K_BLOCK_BYTES};
        int32_t offsets[Q6K_SUBS];
        q6k_offsets512(xsum + b * Q6K_SUBS, offsets);
        __m512 d[2], sum[2];
        UNROLL
        for (int t = 0; t < 2; t++) {
            d[t] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk[t] + Q6K_D)));
            sum[t] = _mm512_setzero_ps();
        }
        for (int sub = 0; sub < Q6K_SUBS; sub++) {
            int p = sub % 4, v = sub / 4;
            __m512i dot[2];
            UNROLL
            for (int t = 0; t < 2; t++) {
                q6k_prefetch_sub(blk[t], sub);
                dot[t] = _mm512_set1_epi32(offsets[sub]);
            }
            for (int s = 0; s < 4; s++) {
                int u = 4 * p + s;
                __m512i x = _mm512_set1_epi32(load4(a + b * Q6K_BLOCK + 64 * v + 4 * u));
                UNROLL
                for (int t = 0; t < 2; t++) dot[t] = _mm512_dpbusd_epi32(dot[t], q6k_unpack512(blk[t], u, v), x);
            }
            UNROLL
            for (int t = 0; t < 2; t++) {
                sum[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[t]), q6k_scale512(blk[t], sub, d[t]), sum[t]);
            }
        }
        UNROLL
        for (int t = 0; t < 2; t++) acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(xs[b]), sum[t], acc[t]);
    }
    store_tile512(&acc[0], 1, y, 0, j0, PANEL, bias, accumulate);
    store_tile512(&acc[1], 1, y, 0, j0 + PANEL, PANEL, bias, accumulate);
}

GK_AVX512_VNNI static void panels_q6k_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n,
                                           size_t k, const uint8_t *packed, const float *bias, size_t m, size_t lo,
                                           size_t hi, float *y, int accumulate) {
    size_t blocks = k / Q6K_BLOCK, panel_size = blocks * Q6K_BLOCK_BYTES;
    // More rows than a tile: each panel is unpacked once (4 KiB a block, in L2 for k up to 32k) and every tile reads
    // its bytes, rather than unpacking them again per tile. Without the memory, tiles unpack as at batch 8.
    uint8_t *unpacked = n > Q6K_TILE_ROWS ? aligned_alloc(64, blocks * Q6K_SUBS * 4 * 64) : NULL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        q6k_row_pair_vnni(xq, xs, xsum, k, packed + (j0 / PANEL) * panel_size, panel_size, y, j0, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * panel_size;
        if (unpacked) q6k_unpack_panel(panel, blocks, unpacked);
        for (size_t r0 = 0; r0 < n; r0 += Q6K_TILE_ROWS) {
            int rows = n - r0 < Q6K_TILE_ROWS ? (int)(n - r0) : Q6K_TILE_ROWS;
            const int8_t *a = xq + r0 * k;
            const float *s = xs + r0 * blocks;
            const int16_t *sums = xsum + r0 * blocks * Q6K_SUBS;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (unpacked) q6k_tile_vnni(a, s, sums, k, panel, unpacked, R, yr, m, j0, cols, bias, accumulate);           \
    else q6k_tile_vnni(a, s, sums, k, panel, NULL, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH8(TILE)
#undef TILE
        }
    }
    free(unpacked);
}

// ---- AVX2: one panel, tiles of up to 8 rows, 8 columns at a time; vpmaddubsw of q (u8) and activations (s8) ----
//
// Each group's 6-bit q is unpacked once per tile and multiplied into every row of it (unpacked again for each row, it
// cost as much as the products), or, for more rows than a tile, once per panel into a buffer every tile reads. The
// int16 pair sums of vpmaddubsw are at most 2 * 63 * 127, so two groups are added before vpmaddwd widens them to
// int32, multiplying by the sub-block's scale as it does (each column's scale in both halves of its lane; widening by
// ones and then vpmulld took two instructions more a row and sub-block). The offset 32 of q goes in once a block:
// vpmaddwd of two sub-blocks' scales, side by side in each column's lane, and their -16 asum (which fits int16),
// doubled (a broadcast of -16 asum and a vpmaddwd for every sub-block took a fifth of the time at batch 8).

#define AVX2_Q6K_TILE_ROWS 8
// Bytes of one block unpacked: [half panel][p][v][s][32], q of 8 columns x 4 inputs (group 4p + s + 16v).
#define AVX2_Q6K_UNPACKED_BYTES 4096

/// q (0..63) of 8 columns x 4 inputs of group u + 16v from the half panel's half of line u + 16v (v < 3), or of the top
/// bits of lines u, u + 16 and u + 32 (v = 3; see the layout above).
GK_INLINE GK_AVX2 __m256i q6k_unpack_avx2(const uint8_t *blk, int u, int v, int half) {
    const __m256i six = _mm256_set1_epi8(0x3F), top = _mm256_set1_epi8((char)0xC0);
    if (v < 3) {
        return _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(blk + (u + 16 * v) * 64 + 32 * half)), six);
    }
    __m256i bits[3];
    UNROLL for (int t = 0; t < 3; t++) {
        // Bits 6-7 moved to 2t, 2t + 1 (masked first, so no bits of the next byte come along).
        __m256i line = _mm256_loadu_si256((const __m256i *)(blk + (u + 16 * t) * 64 + 32 * half));
        bits[t] = _mm256_srli_epi16(_mm256_and_si256(line, top), 6 - 2 * t);
    }
    return _mm256_or_si256(_mm256_or_si256(bits[0], bits[1]), bits[2]);
}

/// Where unpacked group 4p + s + 16v of a half panel lies in q6k_unpack_panel_avx2's buffer.
GK_INLINE size_t q6k_unpacked_at(size_t b, int half, int p, int v, int s) {
    return b * AVX2_Q6K_UNPACKED_BYTES + ((((size_t)half * 4 + p) * 4 + v) * 4 + s) * 32;
}

/// Every group of a panel unpacked once, for more rows than a tile.
GK_AVX2 static void q6k_unpack_panel_avx2(const uint8_t *panel, size_t blocks, uint8_t *out) {
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q6K_BLOCK_BYTES;
        for (int line = 0; line < Q6K_BLOCK_BYTES / 64; line++) {
            _mm_prefetch((const char *)blk + 64 * line + PREFETCH_BYTES, _MM_HINT_T0);
        }
        for (int half = 0; half < 2; half++) {
            for (int p = 0; p < 4; p++) {
                for (int v = 0; v < 4; v++) {
                    for (int s = 0; s < 4; s++) {
                        _mm256_store_si256((__m256i *)(out + q6k_unpacked_at(b, half, p, v, s)),
                                           q6k_unpack_avx2(blk, 4 * p + s, v, half));
                    }
                }
            }
        }
    }
}

/// -16 times each sub-block's activation sum of one row and block, an operand of the offset's vpmaddwd.
GK_INLINE GK_AVX2 void q6k_offsets_avx2(const int16_t *sums, int16_t *offsets) {
    __m256i sixteen = _mm256_slli_epi16(_mm256_loadu_si256((const __m256i *)sums), 4);
    _mm256_storeu_si256((__m256i *)offsets, _mm256_sub_epi16(_mm256_setzero_si256(), sixteen));
}

/// The scales of sub-blocks 2t and 2t + 1 for half panel `half`: each column's two side by side in its lane.
GK_INLINE GK_AVX2 __m256i q6k_scale_pairs_avx2(const uint8_t *blk, int t, int half) {
    const uint8_t *scales = blk + Q6K_SCALES + 2 * t * PANEL + 8 * half;
    __m128i even = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)scales));
    __m128i odd = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(scales + PANEL)));
    return _mm256_set_m128i(_mm_unpackhi_epi16(even, odd), _mm_unpacklo_epi16(even, odd));
}

/// The scale of sub-block `sub` for half panel `half`: each column's in both int16 halves of its lane.
GK_INLINE GK_AVX2 __m256i q6k_scale_avx2(const uint8_t *blk, int sub, int half) {
    __m128i sc = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(blk + Q6K_SCALES + sub * PANEL + 8 * half)));
    return _mm256_set_m128i(_mm_unpackhi_epi16(sc, sc), _mm_unpacklo_epi16(sc, sc));
}

/// The offset's part of isum for half panel `half` of a block: sum_s sc_s (-32 asum_s), two sub-blocks per vpmaddwd
/// (their scales side by side in each column's lane, against -16 asum of both), doubled.
GK_INLINE GK_AVX2 __m256i q6k_offset_part_avx2(const uint8_t *blk, const int16_t *offsets, int half) {
    __m256i sum = _mm256_setzero_si256();
    for (int t = 0; t < Q6K_SUBS / 2; t++) {
        __m256i offset = _mm256_set1_epi32(load4(offsets + 2 * t));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(q6k_scale_pairs_avx2(blk, t, half), offset));
    }
    return _mm256_slli_epi32(sum, 1);
}

/// One row's fp32 step for a block and half panel: acc + x_scale (d isum).
GK_INLINE GK_AVX2_F16C __m256 q6k_half_fp32(const uint8_t *blk, int half, __m256 x_scale, __m256i isum, __m256 acc) {
    __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + Q6K_D + 16 * half)));
    return _mm256_fmadd_ps(x_scale, _mm256_mul_ps(d, _mm256_cvtepi32_ps(isum)), acc);
}

/// First reads of the lines of groups 4p + s2 and 4p + s2 + 1 (+ 16v, v < 3): fetch what lies a few KiB ahead, so
/// decode streams.
GK_INLINE void q6k_prefetch_avx2(const uint8_t *blk, int p, int v, int s2) {
    const uint8_t *line = blk + (4 * p + s2 + 16 * v) * 64;
    _mm_prefetch((const char *)line + PREFETCH_BYTES, _MM_HINT_T0);
    _mm_prefetch((const char *)line + 64 + PREFETCH_BYTES, _MM_HINT_T0);
}

/// One tile of rows against a panel, its groups unpacked from the panel's blocks or read from `unpacked` (from
/// q6k_unpack_panel_avx2) where that is not NULL.
GK_INLINE GK_AVX2_F16C void q6k_tile_avx2(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                          const uint8_t *panel, const uint8_t *unpacked, const int rows, float *y,
                                          size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q6K_BLOCK;
    __m256 acc[AVX2_Q6K_TILE_ROWS][2];
    UNROLL for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q6K_BLOCK_BYTES;
        // -16 times each sub-block's activation sum, an operand of the offset's vpmaddwd.
        int16_t offsets[AVX2_Q6K_TILE_ROWS][Q6K_SUBS];
        UNROLL for (int r = 0; r < rows; r++) q6k_offsets_avx2(xsum + ((size_t)r * blocks + b) * Q6K_SUBS, offsets[r]);
        for (int half = 0; half < 2; half++) {
            __m256i isum[AVX2_Q6K_TILE_ROWS];
            UNROLL for (int r = 0; r < rows; r++) isum[r] = _mm256_setzero_si256();
            for (int t = 0; t < Q6K_SUBS / 2; t++) {
                __m256i pairs = q6k_scale_pairs_avx2(blk, t, half);
                UNROLL for (int r = 0; r < rows; r++) {
                    __m256i offset = _mm256_set1_epi32(load4(offsets[r] + 2 * t));
                    isum[r] = _mm256_add_epi32(isum[r], _mm256_madd_epi16(pairs, offset));
                }
            }
            UNROLL for (int r = 0; r < rows; r++) isum[r] = _mm256_slli_epi32(isum[r], 1);
            for (int p = 0; p < 4; p++) {
                UNROLL for (int v = 0; v < 4; v++) {
                    // Sub-block p + 4v: groups 4p + s + 16v, s < 4.
                    __m256i scale = q6k_scale_avx2(blk, p + 4 * v, half);
                    UNROLL for (int s2 = 0; s2 < 4; s2 += 2) {
                        if (!unpacked && half == 0 && v < 3) q6k_prefetch_avx2(blk, p, v, s2);
                        __m256i q0, q1;
                        if (unpacked) {
                            const uint8_t *at = unpacked + q6k_unpacked_at(b, half, p, v, s2);
                            q0 = _mm256_load_si256((const __m256i *)at);
                            q1 = _mm256_load_si256((const __m256i *)(at + 32));
                        } else {
                            q0 = q6k_unpack_avx2(blk, 4 * p + s2, v, half);
                            q1 = q6k_unpack_avx2(blk, 4 * p + s2 + 1, v, half);
                        }
                        UNROLL for (int r = 0; r < rows; r++) {
                            const int8_t *a = xq + (size_t)r * k + b * Q6K_BLOCK + 64 * v + 4 * (4 * p + s2);
                            __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(q0, _mm256_set1_epi32(load4(a))),
                                                             _mm256_maddubs_epi16(q1, _mm256_set1_epi32(load4(a + 4))));
                            isum[r] = _mm256_add_epi32(isum[r], _mm256_madd_epi16(pairs, scale));
                        }
                    }
                }
            }
            UNROLL for (int r = 0; r < rows; r++) {
                __m256 scale = _mm256_set1_ps(xs[(size_t)r * blocks + b]);
                acc[r][half] = q6k_half_fp32(blk, half, scale, isum[r], acc[r][half]);
            }
        }
    }
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * m;
        store_half256(acc[r][0], out + j0, j0, cols, bias, accumulate);
        if (cols > 8) store_half256(acc[r][1], out + j0 + 8, j0 + 8, cols - 8, bias, accumulate);
    }
}

/// One row against two panels at once (the columns j0..j0+31): the tile's steps for one row, in two streams from
/// memory (as the AVX-512 kernel does at batch 1).
GK_INLINE GK_AVX2_F16C void q6k_row_pair_avx2(const int8_t *a, const float *xs, const int16_t *xsum, size_t k,
                                              const uint8_t *panel, size_t panel_size, float *y, size_t j0,
                                              const float *bias, int accumulate) {
    size_t blocks = k / Q6K_BLOCK;
    __m256 acc[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk[2] = {panel + b * Q6K_BLOCK_BYTES, panel + panel_size + b * Q6K_BLOCK_BYTES};
        int16_t offsets[Q6K_SUBS];
        q6k_offsets_avx2(xsum + b * Q6K_SUBS, offsets);
        for (int half = 0; half < 2; half++) {
            __m256i isum[2];
            UNROLL for (int i = 0; i < 2; i++) isum[i] = q6k_offset_part_avx2(blk[i], offsets, half);
            for (int p = 0; p < 4; p++) {
                UNROLL for (int v = 0; v < 4; v++) {
                    int sub = p + 4 * v;
                    __m256i scale[2] = {q6k_scale_avx2(blk[0], sub, half), q6k_scale_avx2(blk[1], sub, half)};
                    UNROLL for (int s2 = 0; s2 < 4; s2 += 2) {
                        const int8_t *x = a + b * Q6K_BLOCK + 64 * v + 4 * (4 * p + s2);
                        __m256i x0 = _mm256_set1_epi32(load4(x)), x1 = _mm256_set1_epi32(load4(x + 4));
                        UNROLL for (int i = 0; i < 2; i++) {
                            if (half == 0 && v < 3) q6k_prefetch_avx2(blk[i], p, v, s2);
                            __m256i pairs = _mm256_add_epi16(
                                _mm256_maddubs_epi16(q6k_unpack_avx2(blk[i], 4 * p + s2, v, half), x0),
                                _mm256_maddubs_epi16(q6k_unpack_avx2(blk[i], 4 * p + s2 + 1, v, half), x1));
                            isum[i] = _mm256_add_epi32(isum[i], _mm256_madd_epi16(pairs, scale[i]));
                        }
                    }
                }
            }
            __m256 scale = _mm256_set1_ps(xs[b]);
            UNROLL for (int i = 0; i < 2; i++) acc[i][half] = q6k_half_fp32(blk[i], half, scale, isum[i], acc[i][half]);
        }
    }
    store_pair256(acc, y, j0, bias, accumulate);
}

GK_AVX2_F16C static void panels_q6k_avx2(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n, size_t k,
                                         const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi,
                                         float *y, int accumulate) {
    size_t blocks = k / Q6K_BLOCK, panel_size = blocks * Q6K_BLOCK_BYTES;
    // More rows than a tile: each panel is unpacked once (4 KiB a block) and every tile reads it.
    uint8_t *unpacked = n > AVX2_Q6K_TILE_ROWS ? aligned_alloc(64, blocks * AVX2_Q6K_UNPACKED_BYTES) : NULL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        q6k_row_pair_avx2(xq, xs, xsum, k, packed + (j0 / PANEL) * panel_size, panel_size, y, j0, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * panel_size;
        if (unpacked) q6k_unpack_panel_avx2(panel, blocks, unpacked);
        for (size_t r0 = 0; r0 < n; r0 += AVX2_Q6K_TILE_ROWS) {
            int rows = n - r0 < AVX2_Q6K_TILE_ROWS ? (int)(n - r0) : AVX2_Q6K_TILE_ROWS;
            const int8_t *a = xq + r0 * k;
            const float *s = xs + r0 * blocks;
            const int16_t *sums = xsum + r0 * blocks * Q6K_SUBS;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (unpacked) q6k_tile_avx2(a, s, sums, k, panel, unpacked, R, yr, m, j0, cols, bias, accumulate);           \
    else q6k_tile_avx2(a, s, sums, k, panel, NULL, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH8(TILE)
#undef TILE
        }
    }
    free(unpacked);
}

// ---- AVX-VNNI at batch 1: the AVX2 row pair with each sub-block's 4 groups summed by vpdpbusd into int32 lanes and
// times its scale by vpmulld, where AVX2 takes 4 vpmaddubsw, 2 vpaddw, 2 vpmaddwd and 2 vpaddd. The same integer
// isum and fp32 steps as the AVX2 kernel, so the same outputs bit for bit. Batches of 2 rows and more stay on the
// AVX2 tile: its int16 sums serve 8 rows a tile, where vpdpbusd and vpmulld in tiles of 4 ran 15% slower at 8 rows.

GK_INLINE GK_AVX_VNNI void q6k_row_pair_avx_vnni(const int8_t *a, const float *xs, const int16_t *xsum, size_t k,
                                                 const uint8_t *panel, size_t panel_size, float *y, size_t j0,
                                                 const float *bias, int accumulate) {
    size_t blocks = k / Q6K_BLOCK;
    __m256 acc[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk[2] = {panel + b * Q6K_BLOCK_BYTES, panel + panel_size + b * Q6K_BLOCK_BYTES};
        int16_t offsets[Q6K_SUBS];
        q6k_offsets_avx2(xsum + b * Q6K_SUBS, offsets);
        for (int half = 0; half < 2; half++) {
            __m256i isum[2];
            UNROLL for (int i = 0; i < 2; i++) isum[i] = q6k_offset_part_avx2(blk[i], offsets, half);
            for (int p = 0; p < 4; p++) {
                UNROLL for (int v = 0; v < 4; v++) {
                    __m256i dot[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
                    UNROLL for (int s = 0; s < 4; s++) {
                        __m256i x = _mm256_set1_epi32(load4(a + b * Q6K_BLOCK + 64 * v + 4 * (4 * p + s)));
                        UNROLL for (int i = 0; i < 2; i++) {
                            if (half == 0 && v < 3 && s % 2 == 0) q6k_prefetch_avx2(blk[i], p, v, s);
                            dot[i] = _mm256_dpbusd_avx_epi32(dot[i], q6k_unpack_avx2(blk[i], 4 * p + s, v, half), x);
                        }
                    }
                    UNROLL for (int i = 0; i < 2; i++) {
                        const uint8_t *scales = blk[i] + Q6K_SCALES + (p + 4 * v) * PANEL + 8 * half;
                        __m256i scale = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)scales));
                        isum[i] = _mm256_add_epi32(isum[i], _mm256_mullo_epi32(dot[i], scale));
                    }
                }
            }
            __m256 scale = _mm256_set1_ps(xs[b]);
            UNROLL for (int i = 0; i < 2; i++) acc[i][half] = q6k_half_fp32(blk[i], half, scale, isum[i], acc[i][half]);
        }
    }
    store_pair256(acc, y, j0, bias, accumulate);
}

/// Batch 1 in pairs of panels with vpdpbusd, the rest (a last panel, larger batches) on the AVX2 kernel.
GK_AVX_VNNI static void panels_q6k_avx_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n,
                                            size_t k, const uint8_t *packed, const float *bias, size_t m, size_t lo,
                                            size_t hi, float *y, int accumulate) {
    size_t panel_size = k / Q6K_BLOCK * Q6K_BLOCK_BYTES, j0 = lo;
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        q6k_row_pair_avx_vnni(xq, xs, xsum, k, packed + (j0 / PANEL) * panel_size, panel_size, y, j0, bias,
                              accumulate);
    }
    if (j0 < hi) panels_q6k_avx2(xq, xs, xsum, n, k, packed, bias, m, j0, hi, y, accumulate);
}
#endif

void gk_linear_panels_q6k(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n, size_t k,
                          const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                          int accumulate) {
    if (lo >= hi || n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512 && gk_simd_has_vnni()) {
        panels_q6k_vnni(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level == GK_SIMD_AVX_VNNI) {
        panels_q6k_avx_vnni(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level >= GK_SIMD_AVX2) {
        panels_q6k_avx2(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
        return;
    }
#endif
    panels_q6k_portable(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
}
