// Linear layers with GGUF Q4_K weights kept 4-bit, repacked at load into panels: y[n, lo..<hi] = x[n, k] W^T (+ b, + y).
//
// Q4_K (ggml's block_q4_K): per row, super-blocks of 256 inputs, each with fp16 d and dmin and 8 sub-blocks of 32
// inputs with 6-bit scale sc_j and min m_j; W[i] = (d sc_j) q[i] - dmin m_j with q in 0..15. The panels hold the
// same numbers, only moved, so they are exactly the file's weights (4.625 bits a weight against the file's 4.5).
//
// Layout: panels of 16 output columns; per panel, one block of Q4K_BLOCK_BYTES per super-block, in input order:
//   [0, 2048)     32 chunks of 64 bytes, chunk t = 8p + s (sub-block pair p < 4, s < 8): byte 4c + e holds, for
//                 column c, q of input 64p + 4s + e (sub-block 2p) in its low nibble and q of input 64p + 32 + 4s + e
//                 (sub-block 2p + 1) in its high nibble. `& 0x0F` and `>> 4 & 0x0F` of one 64-byte load give two
//                 vpdpbusd operands of 16 columns x 4 inputs.
//   [2048, 2176)  scales u8 [4 pairs][16 columns][2]: sc of sub-blocks 2p and 2p + 1, side by side, so widening
//                 32 bytes to int16 gives one int32 lane per column holding both.
//   [2176, 2304)  mins, the same layout (a vpmaddwd operand against the activations' sub-block sums).
//   [2304, 2336)  d, fp16 [16];  [2336, 2368) dmin, fp16 [16].
// Columns beyond m are zero (d = dmin = 0).
//
// Activations (like ggml's Q8_K): per row and super-block one scale max|x| / 127, int8 q in [-127, 127], and the
// sum of q over each sub-block of 32 (int16). Then per column and super-block:
//   isum = sum_j sc_j dot32_j(q_w, q_x)  (|isum| <= 8 * 63 * 32 * 15 * 127 < 2^31),  msum = sum_j m_j asum_j,
//   y += x_scale (d isum - dmin msum).
// Every path computes the same exact dot32_j and msum from the same bytes; the portable and AVX2 paths sum isum
// exactly, the AVX-512 one scales each dot32_j by d sc_j in fp32 (exact) and sums those, so only fp32 rounding differs.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

#define Q4K_BLOCK 256
#define Q4K_FILE_BLOCK_BYTES 144
#define Q4K_BLOCK_BYTES 2368
#define Q4K_SCALES 2048
#define Q4K_MINS 2176
#define Q4K_D 2304
#define Q4K_DMIN 2336
// Rows of one tile of the AVX-512 kernel: three registers a row (the sub-block's dot product, the block's sum, the
// row's), so 8 rows leave room for the chunk being multiplied.
#define Q4K_TILE_ROWS 8
// Bytes of one block's nibbles unpacked for tiles of many rows (256 inputs x 16 columns, a byte each; each SIMD path
// lays them out in the order its tiles read them).
#define Q4K_UNPACKED_BYTES 4096

size_t gk_panels_q4k_size(size_t m, size_t k) { return (m + PANEL - 1) / PANEL * (k / Q4K_BLOCK) * Q4K_BLOCK_BYTES; }

/// ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j from a block's 12 packed bytes.
static void scale_min(const uint8_t *q, int j, uint8_t *sc, uint8_t *mn) {
    if (j < 4) {
        *sc = q[j] & 63;
        *mn = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        *mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// The block of super-block b of the panel holding column j.
static inline uint8_t *block_of(uint8_t *packed, size_t k, size_t j, size_t b) {
    return packed + ((j / PANEL) * (k / Q4K_BLOCK) + b) * Q4K_BLOCK_BYTES;
}

void gk_pack_panels_q4k_row(const uint8_t *blocks, size_t k, size_t j, uint8_t *packed) {
    size_t c = j % PANEL;
    for (size_t b = 0; b < k / Q4K_BLOCK; b++) {
        const uint8_t *src = blocks + b * Q4K_FILE_BLOCK_BYTES;
        uint8_t *dst = block_of(packed, k, j, b);
        // The file's nibbles: byte 32p + l holds input 64p + l (low) and 64p + 32 + l (high), the same pairing.
        for (int p = 0; p < 4; p++) {
            for (int s = 0; s < 8; s++) memcpy(dst + (8 * p + s) * 64 + 4 * c, src + 16 + 32 * p + 4 * s, 4);
        }
        for (int sub = 0; sub < 8; sub++) {
            uint8_t sc, mn;
            scale_min(src + 4, sub, &sc, &mn);
            dst[Q4K_SCALES + ((sub / 2) * PANEL + c) * 2 + sub % 2] = sc;
            dst[Q4K_MINS + ((sub / 2) * PANEL + c) * 2 + sub % 2] = mn;
        }
        memcpy(dst + Q4K_D + 2 * c, src, 2);
        memcpy(dst + Q4K_DMIN + 2 * c, src + 2, 2);
    }
}

void gk_panels_q4k_row(const uint8_t *packed, size_t k, size_t j, float *out) {
    size_t c = j % PANEL;
    for (size_t b = 0; b < k / Q4K_BLOCK; b++) {
        const uint8_t *blk = block_of((uint8_t *)packed, k, j, b);
        uint16_t dh, mh;
        memcpy(&dh, blk + Q4K_D + 2 * c, 2);
        memcpy(&mh, blk + Q4K_DMIN + 2 * c, 2);
        float d = gk_half_to_float(dh), dmin = gk_half_to_float(mh);
        for (int i = 0; i < Q4K_BLOCK; i++) {
            int p = i / 64, high = (i % 64) / 32, s = (i % 32) / 4, e = i % 4, sub = 2 * p + high;
            uint8_t byte = blk[(8 * p + s) * 64 + 4 * c + e];
            uint8_t q = high ? byte >> 4 : byte & 0x0F;
            size_t at = ((size_t)p * PANEL + c) * 2 + high;
            // The file's order of operations (gguf-py's), so rows equal its dequantization bit for bit.
            out[b * Q4K_BLOCK + i] = (d * (float)blk[Q4K_SCALES + at]) * (float)q - dmin * (float)blk[Q4K_MINS + at];
        }
    }
}

/// One block of 256 inputs of gk_activations_q8k: its int8 values, their scale and the sums of each 16.
static void quantize_block(const float *v, int8_t *q, float *scale, int16_t *sums) {
    float amax = 0;
    for (int i = 0; i < Q4K_BLOCK; i++) amax = fmaxf(amax, fabsf(v[i]));
    float inverse = amax > 0 ? 127 / amax : 0;
    for (int part = 0; part < 16; part++) {
        int sum = 0;
        for (int i = 16 * part; i < 16 * part + 16; i++) {
            q[i] = quantize(v[i], inverse);
            sum += q[i];
        }
        sums[part] = (int16_t)sum;
    }
    *scale = amax / 127;
}

#if GK_X86
/// The same with AVX-512: the same product, rounding (to nearest even) and clamp, so the same bytes.
GK_AVX512 static void quantize_block512(const float *v, int8_t *q, float *scale, int16_t *sums) {
    __m512 vmax = _mm512_setzero_ps();
    for (int i = 0; i < Q4K_BLOCK; i += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(v + i)));
    float amax = _mm512_reduce_max_ps(vmax);
    __m512 inverse = _mm512_set1_ps(amax > 0 ? 127 / amax : 0), hi = _mm512_set1_ps(127), lo = _mm512_set1_ps(-127);
    for (int i = 0; i < Q4K_BLOCK; i += 16) {
        __m512 rounded = _mm512_roundscale_ps(_mm512_mul_ps(_mm512_loadu_ps(v + i), inverse),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512i value = _mm512_cvtps_epi32(_mm512_max_ps(_mm512_min_ps(rounded, hi), lo));
        _mm_storeu_si128((__m128i *)(q + i), _mm512_cvtepi32_epi8(value));
        sums[i / 16] = (int16_t)_mm512_reduce_add_epi32(value);
    }
    *scale = amax / 127;
}

/// The sum of the 16 int32 lanes of a and b.
GK_INLINE GK_AVX2 int32_t sum16_256(__m256i a, __m256i b) {
    __m256i sum = _mm256_add_epi32(a, b);
    __m128i half = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
    return _mm_cvtsi128_si32(half);
}

/// The same with AVX2.
GK_AVX2 static void quantize_block256(const float *v, int8_t *q, float *scale, int16_t *sums) {
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 vmax = _mm256_setzero_ps();
    for (int i = 0; i < Q4K_BLOCK; i += 8) vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(v + i), magnitude));
    float amax = gk_hmax256(vmax);
    __m256 inverse = _mm256_set1_ps(amax > 0 ? 127 / amax : 0), hi = _mm256_set1_ps(127), lo = _mm256_set1_ps(-127);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int i = 0; i < Q4K_BLOCK; i += 32) {
        __m256i value[4];
        for (int part = 0; part < 4; part++) {
            __m256 rounded = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i + 8 * part), inverse),
                                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            value[part] = _mm256_cvtps_epi32(_mm256_max_ps(_mm256_min_ps(rounded, hi), lo));
        }
        // The packs work within 128-bit lanes; the permute puts the 4 x 8 bytes back in order.
        __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(value[0], value[1]),
                                           _mm256_packs_epi32(value[2], value[3]));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(bytes, order));
        sums[i / 16] = (int16_t)sum16_256(value[0], value[1]);
        sums[i / 16 + 1] = (int16_t)sum16_256(value[2], value[3]);
    }
    *scale = amax / 127;
}
#endif

void gk_activations_q8k(const float *x, size_t n, size_t k, size_t group, int8_t *xq, float *scales, int16_t *sums) {
    size_t blocks = k / Q4K_BLOCK, per_block = Q4K_BLOCK / group;
#if GK_X86
    int level = gk_simd_active();
#endif
    for (size_t i = 0; i < n * blocks; i++) {
        const float *v = x + i * Q4K_BLOCK;
        int8_t *q = xq + i * Q4K_BLOCK;
        int16_t sums16[16];
#if GK_X86
        if (level >= GK_SIMD_AVX512) quantize_block512(v, q, scales + i, sums16);
        else if (level >= GK_SIMD_AVX2) quantize_block256(v, q, scales + i, sums16);
        else
#endif
            quantize_block(v, q, scales + i, sums16);
        // Sums of 16 (Q6_K's sub-blocks) as they are, of 32 (Q4_K's) in pairs: both fit int16 (<= 32 * 127).
        for (size_t j = 0; j < per_block; j++) {
            sums[i * per_block + j] = group == 16 ? sums16[j] : (int16_t)(sums16[2 * j] + sums16[2 * j + 1]);
        }
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void panels_q4k_portable(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n, size_t k,
                                const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                                int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    for (size_t r = 0; r < n; r++) {
        for (size_t j = lo; j < hi; j++) {
            size_t c = j % PANEL;
            float sum = 0;
            for (size_t b = 0; b < blocks; b++) {
                const uint8_t *blk = block_of((uint8_t *)packed, k, j, b);
                const int8_t *a = xq + r * k + b * Q4K_BLOCK;
                const int16_t *asum = xsum + (r * blocks + b) * 8;
                int32_t isum = 0, msum = 0;
                for (int p = 0; p < 4; p++) {
                    int32_t low = 0, high = 0;
                    for (int s = 0; s < 8; s++) {
                        const uint8_t *w = blk + (8 * p + s) * 64 + 4 * c;
                        for (int e = 0; e < 4; e++) {
                            low += (w[e] & 0x0F) * a[64 * p + 4 * s + e];
                            high += (w[e] >> 4) * a[64 * p + 32 + 4 * s + e];
                        }
                    }
                    size_t at = ((size_t)p * PANEL + c) * 2;
                    isum += blk[Q4K_SCALES + at] * low + blk[Q4K_SCALES + at + 1] * high;
                    msum += blk[Q4K_MINS + at] * asum[2 * p] + blk[Q4K_MINS + at + 1] * asum[2 * p + 1];
                }
                uint16_t dh, mh;
                memcpy(&dh, blk + Q4K_D + 2 * c, 2);
                memcpy(&mh, blk + Q4K_DMIN + 2 * c, 2);
                sum += xs[r * blocks + b] * (gk_half_to_float(dh) * (float)isum - gk_half_to_float(mh) * (float)msum);
            }
            put(y + r * m + j, sum, bias, j, accumulate);
        }
    }
}

#if GK_X86
// ---- AVX-512 VNNI: one panel, tiles of up to 8 rows; vpdpbusd of nibbles (u8) and activations (s8) ------------
//
// Sub-block by sub-block: its nibbles are unpacked once per tile (or once per panel into a buffer, for more rows than
// a tile) and multiplied into every row, and its scale (d sc, exact in fp32) multiplies the row's exact integer dot
// product into an fp32 sum for the block, as in the Q6_K kernel. Both sub-blocks of a chunk at once, scaled by
// vpmulld, took four registers a row and three instructions a row and sub-block where this takes two: tiles of 4
// rows, at about half of vpdpbusd's rate.

/// q (0..15) of sub-block j, chunk s of a panel block: 16 columns x 4 inputs.
GK_INLINE GK_AVX512_VNNI __m512i q4k_unpack512(const uint8_t *blk, int j, int s) {
    __m512i w = _mm512_loadu_si512(blk + (8 * (j / 2) + s) * 64);
    return _mm512_and_si512(j % 2 ? _mm512_srli_epi16(w, 4) : w, _mm512_set1_epi8(0x0F));
}

/// Every chunk of a panel unpacked once, for more rows than a tile: [block][sub-block][chunk][64 bytes].
GK_AVX512_VNNI static void q4k_unpack_panel512(const uint8_t *panel, size_t blocks, uint8_t *out) {
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        for (int j = 0; j < 8; j++) {
            for (int s = 0; s < 8; s++, out += 64) {
                if (j % 2 == 0) _mm_prefetch((const char *)blk + (8 * (j / 2) + s) * 64 + PREFETCH_BYTES, _MM_HINT_T0);
                _mm512_store_si512(out, q4k_unpack512(blk, j, s));
            }
        }
    }
}

/// sum_j m_j asum_j of a panel block for 16 columns: the mins' part, against one row's activation sums of the block.
GK_INLINE GK_AVX512_VNNI __m512 q4k_mins512(const uint8_t *blk, const int16_t *sums) {
    __m512i msum = _mm512_setzero_si512();
    UNROLL
    for (int p = 0; p < 4; p++) {
        __m512i mn = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(blk + Q4K_MINS + 32 * p)));
        msum = _mm512_add_epi32(msum, _mm512_madd_epi16(mn, _mm512_set1_epi32(load4(sums + 2 * p))));
    }
    return _mm512_cvtepi32_ps(msum);
}

/// d sc_j of a panel block for 16 columns (exact in fp32): each column's scale of sub-block j is the low (j even) or
/// high word of its lane's pair of scales.
GK_INLINE GK_AVX512_VNNI __m512 q4k_scale512(const uint8_t *blk, int j, __m512 d) {
    __m512i sc = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(blk + Q4K_SCALES + 32 * (j / 2))));
    sc = j % 2 ? _mm512_srli_epi32(sc, 16) : _mm512_and_si512(sc, _mm512_set1_epi32(0xFFFF));
    return _mm512_mul_ps(d, _mm512_cvtepi32_ps(sc));
}

/// One tile of rows against a panel, its nibbles unpacked from the panel's blocks or read from `unpacked` (from
/// q4k_unpack_panel512) where that is not NULL.
GK_INLINE GK_AVX512_VNNI void q4k_tile_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                            const uint8_t *panel, const uint8_t *unpacked, const int rows, float *y,
                                            size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    __m512 acc[Q4K_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        // The mins' part, -dmin sum_j m_j asum_j, first: its registers are free again before the products start.
        __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + Q4K_DMIN)));
        UNROLL
        for (int r = 0; r < rows; r++) {
            __m512 xd = _mm512_mul_ps(_mm512_set1_ps(xs[(size_t)r * blocks + b]), dmin);
            acc[r] = _mm512_fnmadd_ps(xd, q4k_mins512(blk, xsum + ((size_t)r * blocks + b) * 8), acc[r]);
        }
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + Q4K_D)));
        __m512 sum[Q4K_TILE_ROWS];
        UNROLL
        for (int r = 0; r < rows; r++) sum[r] = _mm512_setzero_ps();
        for (int j = 0; j < 8; j++) {
            __m512i dot[Q4K_TILE_ROWS];
            UNROLL
            for (int r = 0; r < rows; r++) dot[r] = _mm512_setzero_si512();
            for (int s = 0; s < 8; s++) {
                __m512i q;
                if (unpacked) {
                    q = _mm512_load_si512(unpacked + (((b * 8) + j) * 8 + s) * 64);
                } else {
                    if (j % 2 == 0) {
                        _mm_prefetch((const char *)blk + (8 * (j / 2) + s) * 64 + PREFETCH_BYTES, _MM_HINT_T0);
                    }
                    q = q4k_unpack512(blk, j, s);
                }
                UNROLL
                for (int r = 0; r < rows; r++) {
                    const int8_t *a = xq + (size_t)r * k + b * Q4K_BLOCK + 32 * j + 4 * s;
                    dot[r] = _mm512_dpbusd_epi32(dot[r], q, _mm512_set1_epi32(load4(a)));
                }
            }
            __m512 scale = q4k_scale512(blk, j, d);
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
/// from memory, which batch 1 reads at 95-97% of the read probe's rate against 89% for one (a 604 MB matrix).
GK_INLINE GK_AVX512_VNNI void q4k_row_pair_vnni(const int8_t *a, const float *xs, const int16_t *xsum, size_t k,
                                                const uint8_t *panel, size_t panel_size, float *y, size_t j0,
                                                const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk[2] = {panel + b * Q4K_BLOCK_BYTES, panel + panel_size + b * Q4K_BLOCK_BYTES};
        __m512 d[2], sum[2];
        UNROLL
        for (int t = 0; t < 2; t++) {
            __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk[t] + Q4K_DMIN)));
            acc[t] = _mm512_fnmadd_ps(_mm512_mul_ps(_mm512_set1_ps(xs[b]), dmin), q4k_mins512(blk[t], xsum + b * 8),
                                      acc[t]);
            d[t] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk[t] + Q4K_D)));
            sum[t] = _mm512_setzero_ps();
        }
        for (int j = 0; j < 8; j++) {
            __m512i dot[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int s = 0; s < 8; s++) {
                __m512i x = _mm512_set1_epi32(load4(a + b * Q4K_BLOCK + 32 * j + 4 * s));
                UNROLL
                for (int t = 0; t < 2; t++) {
                    if (j % 2 == 0) {
                        _mm_prefetch((const char *)blk[t] + (8 * (j / 2) + s) * 64 + PREFETCH_BYTES, _MM_HINT_T0);
                    }
                    dot[t] = _mm512_dpbusd_epi32(dot[t], q4k_unpack512(blk[t], j, s), x);
                }
            }
            UNROLL
            for (int t = 0; t < 2; t++) {
                sum[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[t]), q4k_scale512(blk[t], j, d[t]), sum[t]);
            }
        }
        UNROLL
        for (int t = 0; t < 2; t++) acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(xs[b]), sum[t], acc[t]);
    }
    store_tile512(&acc[0], 1, y, 0, j0, PANEL, bias, accumulate);
    store_tile512(&acc[1], 1, y, 0, j0 + PANEL, PANEL, bias, accumulate);
}

GK_AVX512_VNNI static void panels_q4k_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n,
                                           size_t k, const uint8_t *packed, const float *bias, size_t m, size_t lo,
                                           size_t hi, float *y, int accumulate) {
    size_t blocks = k / Q4K_BLOCK, panel_size = blocks * Q4K_BLOCK_BYTES;
    // More rows than a tile: each panel is unpacked once (4 KiB a block, in L2 for k up to 32k) and every tile reads
    // it. Without the memory, tiles unpack as at batch 8.
    uint8_t *unpacked = n > Q4K_TILE_ROWS ? aligned_alloc(64, blocks * Q4K_UNPACKED_BYTES) : NULL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        q4k_row_pair_vnni(xq, xs, xsum, k, packed + (j0 / PANEL) * panel_size, panel_size, y, j0, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * panel_size;
        if (unpacked) q4k_unpack_panel512(panel, blocks, unpacked);
        for (size_t r0 = 0; r0 < n; r0 += Q4K_TILE_ROWS) {
            int rows = n - r0 < Q4K_TILE_ROWS ? (int)(n - r0) : Q4K_TILE_ROWS;
            const int8_t *a = xq + r0 * k;
            const float *s = xs + r0 * blocks;
            const int16_t *sums = xsum + r0 * blocks * 8;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (unpacked) q4k_tile_vnni(a, s, sums, k, panel, unpacked, R, yr, m, j0, cols, bias, accumulate);           \
    else q4k_tile_vnni(a, s, sums, k, panel, NULL, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH8(TILE)
#undef TILE
        }
    }
    free(unpacked);
}

// ---- AVX2: one panel, up to 4 rows per tile; vpmaddubsw of nibbles (u8) and activations (s8) ------------------
//
// Sub-block by sub-block, both halves of the panel (8 columns each, 32 bytes of a chunk) at once: the int16 pair
// sums of vpmaddubsw are added over the sub-block's 8 chunks before widening (each is at most 2 * 15 * 127, so 8 of
// them stay below 2^15), and vpmaddwd against each column's scale widens them. A sub-block's nibbles, unpacked
// once (or read from a panel unpacked once, for many rows), serve every row of the tile, and each row's broadcast of
// 4 activations serves both halves. Batches of 1-3 rows take q4k_small_tile_avx2 below, with the same fp32 steps (one
// row two panels at a time, q4k_row_pair_avx2).

#define AVX2_Q4K_TILE_ROWS 4

/// q (0..15) of sub-block j, chunk s, half panel h of a panel block: 8 columns x 4 inputs.
GK_INLINE GK_AVX2 __m256i q4k_unpack256(const uint8_t *blk, int j, int s, int h) {
    __m256i w = _mm256_loadu_si256((const __m256i *)(blk + (8 * (j / 2) + s) * 64 + 32 * h));
    return _mm256_and_si256(j % 2 ? _mm256_srli_epi16(w, 4) : w, _mm256_set1_epi8(0x0F));
}

/// Every chunk of a panel unpacked once, for many rows: [block][sub-block][chunk][half panel][32 bytes].
GK_AVX2 static void q4k_unpack_panel_avx2(const uint8_t *panel, size_t blocks, uint8_t *out) {
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        uint8_t *to = out + b * Q4K_UNPACKED_BYTES;
        for (int j = 0; j < 8; j++) {
            for (int s = 0; s < 8; s++) {
                if (j % 2 == 0) _mm_prefetch((const char *)blk + (8 * (j / 2) + s) * 64 + PREFETCH_BYTES, _MM_HINT_T0);
                for (int h = 0; h < 2; h++, to += 32) _mm256_store_si256((__m256i *)to, q4k_unpack256(blk, j, s, h));
            }
        }
    }
}

/// The scales of sub-block j for half panel h, each column's in both words of its int32 lane (a vpmaddwd operand):
/// words 0, 2 (j even) or 1, 3 (odd) of the lane's pair of scales.
GK_INLINE GK_AVX2 __m256i q4k_scales256(const uint8_t *blk, int j, int h) {
    __m256i sc = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(blk + Q4K_SCALES + 32 * (j / 2) + 16 * h)));
    return j % 2 ? _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(sc, 0xF5), 0xF5)
                 : _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(sc, 0xA0), 0xA0);
}

/// Chunk s of sub-block j of block b into each row's int16 sums for both half panels (chunk 0 starts them).
GK_INLINE GK_AVX2 void q4k_chunk_avx2(const int8_t *xq, size_t k, size_t b, const uint8_t *blk, const uint8_t *unpacked,
                                      int j, int s, const int rows, __m256i dot[][2]) {
    if (!unpacked && j % 2 == 0) _mm_prefetch((const char *)blk + (8 * (j / 2) + s) * 64 + PREFETCH_BYTES, _MM_HINT_T0);
    __m256i q[2];
    UNROLL for (int h = 0; h < 2; h++) {
        q[h] = unpacked ? _mm256_load_si256((const __m256i *)(unpacked + b * Q4K_UNPACKED_BYTES
                                                              + ((j * 8 + s) * 2 + h) * 32))
                        : q4k_unpack256(blk, j, s, h);
    }
    UNROLL for (int r = 0; r < rows; r++) {
        __m256i x = _mm256_set1_epi32(load4(xq + (size_t)r * k + b * Q4K_BLOCK + 32 * j + 4 * s));
        UNROLL for (int h = 0; h < 2; h++) {
            __m256i products = _mm256_maddubs_epi16(q[h], x);
            dot[r][h] = s == 0 ? products : _mm256_add_epi16(dot[r][h], products);
        }
    }
}

/// The mins' part of block b, -dmin sum_j m_j asum_j, into each row's sums for both half panels: first, so that its
/// registers are free again before the products start.
GK_INLINE GK_AVX2_F16C void q4k_mins_avx2(const uint8_t *blk, const float *xs, const int16_t *xsum, size_t blocks,
                                          size_t b, const int rows, __m256 acc[][2]) {
    UNROLL for (int h = 0; h < 2; h++) {
        __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + Q4K_DMIN + 16 * h)));
        UNROLL for (int r = 0; r < rows; r++) {
            __m256i msum = _mm256_setzero_si256();
            UNROLL for (int p = 0; p < 4; p++) {
                __m256i mn = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(blk + Q4K_MINS + 32 * p + 16 * h)));
                __m256i pair = _mm256_set1_epi32(load4(xsum + ((size_t)r * blocks + b) * 8 + 2 * p));
                msum = _mm256_add_epi32(msum, _mm256_madd_epi16(mn, pair));
            }
            __m256 xd = _mm256_mul_ps(_mm256_set1_ps(xs[(size_t)r * blocks + b]), dmin);
            acc[r][h] = _mm256_fnmadd_ps(xd, _mm256_cvtepi32_ps(msum), acc[r][h]);
        }
    }
}

/// The products' part of block b, d sum_j sc_j (q . x)_j from each row's integer sums, into each row's sums.
GK_INLINE GK_AVX2_F16C void q4k_products_avx2(const uint8_t *blk, const float *xs, size_t blocks, size_t b,
                                              const int rows, __m256i isum[][2], __m256 acc[][2]) {
    UNROLL for (int h = 0; h < 2; h++) {
        __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + Q4K_D + 16 * h)));
        UNROLL for (int r = 0; r < rows; r++) {
            __m256 xd = _mm256_mul_ps(_mm256_set1_ps(xs[(size_t)r * blocks + b]), d);
            acc[r][h] = _mm256_fmadd_ps(xd, _mm256_cvtepi32_ps(isum[r][h]), acc[r][h]);
        }
    }
}

/// One tile of rows against a panel, its nibbles unpacked from the panel's blocks or read from `unpacked` (from
/// q4k_unpack_panel_avx2) where that is not NULL. Each row's sums are formed in the same order as one row alone, so
/// results do not depend on the tiling.
GK_INLINE GK_AVX2_F16C void q4k_tile_avx2(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                          const uint8_t *panel, const uint8_t *unpacked, const int rows, float *y,
                                          size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    __m256 acc[AVX2_Q4K_TILE_ROWS][2];
    UNROLL for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        q4k_mins_avx2(blk, xs, xsum, blocks, b, rows, acc);
        __m256i isum[AVX2_Q4K_TILE_ROWS][2];
        UNROLL for (int r = 0; r < rows; r++) { isum[r][0] = _mm256_setzero_si256(); isum[r][1] = isum[r][0]; }
        for (int j = 0; j < 8; j++) {
            __m256i dot[AVX2_Q4K_TILE_ROWS][2];
            // Not unrolled: the tile's registers spill when it is.
            for (int s = 0; s < 8; s++) q4k_chunk_avx2(xq, k, b, blk, unpacked, j, s, rows, dot);
            UNROLL for (int h = 0; h < 2; h++) {
                __m256i scale = q4k_scales256(blk, j, h);
                UNROLL for (int r = 0; r < rows; r++) {
                    isum[r][h] = _mm256_add_epi32(isum[r][h], _mm256_madd_epi16(dot[r][h], scale));
                }
            }
        }
        q4k_products_avx2(blk, xs, blocks, b, rows, isum, acc);
    }
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * m;
        store_half256(acc[r][0], out + j0, j0, cols, bias, accumulate);
        if (cols > 8) store_half256(acc[r][1], out + j0 + 8, j0 + 8, cols - 8, bias, accumulate);
    }
}

/// One row's fp32 steps for block `blk` and half panel h, in the tile's order (the mins' part, then the products'),
/// so that a row's outputs are the same bit for bit whatever the batch it comes in: acc - x_scale dmin msum +
/// x_scale d isum.
GK_INLINE GK_AVX2_F16C __m256 q4k_half_fp32(const uint8_t *blk, int h, __m256 x_scale, __m256i isum, __m256i msum,
                                            __m256 acc) {
    __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + Q4K_D + 16 * h)));
    __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + Q4K_DMIN + 16 * h)));
    acc = _mm256_fnmadd_ps(_mm256_mul_ps(x_scale, dmin), _mm256_cvtepi32_ps(msum), acc);
    return _mm256_fmadd_ps(_mm256_mul_ps(x_scale, d), _mm256_cvtepi32_ps(isum), acc);
}

// Rows of a small batch (the keystroke's decode, a document or two, a short draft) take the kernel's first shape:
// each chunk loaded once for both of its sub-blocks, half a panel at a time, where the tile above loads it once per
// sub-block. Out of L3, 1-3 rows run 5-15% faster this way; from 4 rows on the tile is as fast or faster.
#define AVX2_Q4K_SMALL_ROWS 3

GK_INLINE GK_AVX2_F16C void q4k_small_tile_avx2(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                                const uint8_t *panel, const int rows, float *y, size_t m, size_t j0,
                                                size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256 acc[AVX2_Q4K_SMALL_ROWS][2];
    UNROLL for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        for (int h = 0; h < 2; h++) {
            __m256i isum[AVX2_Q4K_SMALL_ROWS], msum[AVX2_Q4K_SMALL_ROWS];
            UNROLL for (int r = 0; r < rows; r++) { isum[r] = _mm256_setzero_si256(); msum[r] = isum[r]; }
            for (int p = 0; p < 4; p++) {
                __m256i low[AVX2_Q4K_SMALL_ROWS], high[AVX2_Q4K_SMALL_ROWS];
                UNROLL for (int r = 0; r < rows; r++) { low[r] = _mm256_setzero_si256(); high[r] = low[r]; }
                for (int s = 0; s < 8; s++) {
                    const uint8_t *chunk = blk + (8 * p + s) * 64;
                    if (h == 0) _mm_prefetch((const char *)chunk + PREFETCH_BYTES, _MM_HINT_T0);
                    __m256i w = _mm256_loadu_si256((const __m256i *)(chunk + 32 * h));
                    __m256i wl = _mm256_and_si256(w, nibble), wh = _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble);
                    UNROLL for (int r = 0; r < rows; r++) {
                        const int8_t *x = xq + (size_t)r * k + b * Q4K_BLOCK + 64 * p + 4 * s;
                        low[r] = _mm256_add_epi16(low[r], _mm256_maddubs_epi16(wl, _mm256_set1_epi32(load4(x))));
                        high[r] = _mm256_add_epi16(high[r], _mm256_maddubs_epi16(wh, _mm256_set1_epi32(load4(x + 32))));
                    }
                }
                __m256i mn = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(blk + Q4K_MINS + 32 * p + 16 * h)));
                __m256i scale_low = q4k_scales256(blk, 2 * p, h), scale_high = q4k_scales256(blk, 2 * p + 1, h);
                UNROLL for (int r = 0; r < rows; r++) {
                    __m256i pair = _mm256_set1_epi32(load4(xsum + ((size_t)r * blocks + b) * 8 + 2 * p));
                    isum[r] = _mm256_add_epi32(isum[r], _mm256_add_epi32(_mm256_madd_epi16(low[r], scale_low),
                                                                         _mm256_madd_epi16(high[r], scale_high)));
                    msum[r] = _mm256_add_epi32(msum[r], _mm256_madd_epi16(mn, pair));
                }
            }
            UNROLL for (int r = 0; r < rows; r++) {
                __m256 scale = _mm256_set1_ps(xs[(size_t)r * blocks + b]);
                acc[r][h] = q4k_half_fp32(blk, h, scale, isum[r], msum[r], acc[r][h]);
            }
        }
    }
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * m;
        store_half256(acc[r][0], out + j0, j0, cols, bias, accumulate);
        if (cols > 8) store_half256(acc[r][1], out + j0 + 8, j0 + 8, cols - 8, bias, accumulate);
    }
}

/// One row against two panels at once (the columns j0..j0+31): the small tile's steps for one row, in two streams
/// from memory, as the AVX-512 kernel's row pair.
GK_INLINE GK_AVX2_F16C void q4k_row_pair_avx2(const int8_t *a, const float *xs, const int16_t *xsum, size_t k,
                                              const uint8_t *panel, size_t panel_size, float *y, size_t j0,
                                              const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256 acc[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk[2] = {panel + b * Q4K_BLOCK_BYTES, panel + panel_size + b * Q4K_BLOCK_BYTES};
        __m256 scale = _mm256_set1_ps(xs[b]);
        for (int h = 0; h < 2; h++) {
            __m256i isum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()}, msum[2] = {isum[0], isum[0]};
            for (int p = 0; p < 4; p++) {
                __m256i low[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()}, high[2] = {low[0], low[0]};
                for (int s = 0; s < 8; s++) {
                    const int8_t *x = a + b * Q4K_BLOCK + 64 * p + 4 * s;
                    __m256i xl = _mm256_set1_epi32(load4(x)), xh = _mm256_set1_epi32(load4(x + 32));
                    UNROLL for (int t = 0; t < 2; t++) {
                        const uint8_t *chunk = blk[t] + (8 * p + s) * 64;
                        if (h == 0) _mm_prefetch((const char *)chunk + PREFETCH_BYTES, _MM_HINT_T0);
                        __m256i w = _mm256_loadu_si256((const __m256i *)(chunk + 32 * h));
                        __m256i wl = _mm256_and_si256(w, nibble);
                        __m256i wh = _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble);
                        low[t] = _mm256_add_epi16(low[t], _mm256_maddubs_epi16(wl, xl));
                        high[t] = _mm256_add_epi16(high[t], _mm256_maddubs_epi16(wh, xh));
                    }
                }
                __m256i pair = _mm256_set1_epi32(load4(xsum + b * 8 + 2 * p));
                UNROLL for (int t = 0; t < 2; t++) {
                    __m256i mn = _mm256_cvtepu8_epi16(
                        _mm_loadu_si128((const __m128i *)(blk[t] + Q4K_MINS + 32 * p + 16 * h)));
                    __m256i products = _mm256_add_epi32(
                        _mm256_madd_epi16(low[t], q4k_scales256(blk[t], 2 * p, h)),
                        _mm256_madd_epi16(high[t], q4k_scales256(blk[t], 2 * p + 1, h)));
                    isum[t] = _mm256_add_epi32(isum[t], products);
                    msum[t] = _mm256_add_epi32(msum[t], _mm256_madd_epi16(mn, pair));
                }
            }
            UNROLL for (int t = 0; t < 2; t++) {
                acc[t][h] = q4k_half_fp32(blk[t], h, scale, isum[t], msum[t], acc[t][h]);
            }
        }
    }
    store_pair256(acc, y, j0, bias, accumulate);
}

GK_AVX2_F16C static void panels_q4k_avx2(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n, size_t k,
                                         const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi,
                                         float *y, int accumulate) {
    size_t blocks = k / Q4K_BLOCK, panel_size = blocks * Q4K_BLOCK_BYTES;
    // More rows than two tiles: each panel is unpacked once (4 KiB a block, in L2 for k up to 32k) and every tile
    // reads it. Two tiles (batch 8) unpack for themselves: writing the buffer cost more than unpacking twice. Without
    // the memory, tiles unpack as at batch 8.
    uint8_t *unpacked = n > 2 * AVX2_Q4K_TILE_ROWS ? aligned_alloc(64, blocks * Q4K_UNPACKED_BYTES) : NULL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        q4k_row_pair_avx2(xq, xs, xsum, k, packed + (j0 / PANEL) * panel_size, panel_size, y, j0, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * panel_size;
        if (n <= AVX2_Q4K_SMALL_ROWS) {
            int rows = (int)n;
#define TILE(R) q4k_small_tile_avx2(xq, xs, xsum, k, panel, R, y, m, j0, cols, bias, accumulate)
            ROWS_SWITCH3(TILE)
#undef TILE
            continue;
        }
        if (unpacked) q4k_unpack_panel_avx2(panel, blocks, unpacked);
        for (size_t r0 = 0; r0 < n; r0 += AVX2_Q4K_TILE_ROWS) {
            int rows = n - r0 < AVX2_Q4K_TILE_ROWS ? (int)(n - r0) : AVX2_Q4K_TILE_ROWS;
            const int8_t *a = xq + r0 * k;
            const float *s = xs + r0 * blocks;
            const int16_t *sums = xsum + r0 * blocks * 8;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (unpacked) q4k_tile_avx2(a, s, sums, k, panel, unpacked, R, yr, m, j0, cols, bias, accumulate);           \
    else q4k_tile_avx2(a, s, sums, k, panel, NULL, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH4(TILE)
#undef TILE
        }
    }
    free(unpacked);
}

// ---- AVX-VNNI: the AVX2 tile with each chunk's products summed by vpdpbusd into int32 lanes (one instruction where
// AVX2 takes vpmaddubsw and vpaddw), and each sub-block's sum times its column's scale by vpmulld (the sum of 32
// products no longer fits the int16 lanes vpmaddwd takes). Batches of up to 4 rows take the AVX2 small tile's shape
// the same way. The integer sums are the AVX2 kernel's and so are the fp32 steps, in the same order: both paths give
// the same outputs bit for bit, and a row gives the same outputs in any batch. At batch 1-4 the high nibbles stay
// where they are, as 16 q (one mask, where moving them down took a shift and a mask; vpdpbusd's int32 lanes hold the
// larger products), and each sub-block's sum is shifted back once, exactly: 0-4% faster in a driver (2026-12-08).

// Three rows a tile: each row's chunk sums, sub-block sums and fp32 sums for both half panels (6 registers a row)
// leave no room for a fourth row without spills (64 rows of 2,048 x 8,192: 3.5 against 4.2 ms with 4, 3.8 with 2).
#define AVX_VNNI_Q4K_TILE_ROWS 3

/// The scales of sub-block j for half panel h as int32 lanes, one column each.
GK_INLINE GK_AVX2 __m256i q4k_scales_epi32(const uint8_t *blk, int j, int h) {
    __m256i sc = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(blk + Q4K_SCALES + 32 * (j / 2) + 16 * h)));
    return j % 2 ? _mm256_srli_epi32(sc, 16) : _mm256_and_si256(sc, _mm256_set1_epi32(0xFFFF));
}

GK_INLINE GK_AVX_VNNI void q4k_tile_avx_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                             const uint8_t *panel, const uint8_t *unpacked, const int rows, float *y,
                                             size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    __m256 acc[AVX_VNNI_Q4K_TILE_ROWS][2];
    UNROLL for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        q4k_mins_avx2(blk, xs, xsum, blocks, b, rows, acc);
        __m256i isum[AVX_VNNI_Q4K_TILE_ROWS][2];
        UNROLL for (int r = 0; r < rows; r++) { isum[r][0] = _mm256_setzero_si256(); isum[r][1] = isum[r][0]; }
        for (int j = 0; j < 8; j++) {
            __m256i dot[AVX_VNNI_Q4K_TILE_ROWS][2];
            UNROLL for (int r = 0; r < rows; r++) { dot[r][0] = _mm256_setzero_si256(); dot[r][1] = dot[r][0]; }
            for (int s = 0; s < 8; s++) {
                if (!unpacked && j % 2 == 0) {
                    _mm_prefetch((const char *)blk + (8 * (j / 2) + s) * 64 + PREFETCH_BYTES, _MM_HINT_T0);
                }
                __m256i q[2];
                UNROLL for (int h = 0; h < 2; h++) {
                    q[h] = unpacked ? _mm256_load_si256((const __m256i *)(unpacked + b * Q4K_UNPACKED_BYTES
                                                                          + ((j * 8 + s) * 2 + h) * 32))
                                    : q4k_unpack256(blk, j, s, h);
                }
                UNROLL for (int r = 0; r < rows; r++) {
                    __m256i x = _mm256_set1_epi32(load4(xq + (size_t)r * k + b * Q4K_BLOCK + 32 * j + 4 * s));
                    UNROLL for (int h = 0; h < 2; h++) dot[r][h] = _mm256_dpbusd_avx_epi32(dot[r][h], q[h], x);
                }
            }
            UNROLL for (int h = 0; h < 2; h++) {
                __m256i scale = q4k_scales_epi32(blk, j, h);
                UNROLL for (int r = 0; r < rows; r++) {
                    isum[r][h] = _mm256_add_epi32(isum[r][h], _mm256_mullo_epi32(dot[r][h], scale));
                }
            }
        }
        q4k_products_avx2(blk, xs, blocks, b, rows, isum, acc);
    }
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * m;
        store_half256(acc[r][0], out + j0, j0, cols, bias, accumulate);
        if (cols > 8) store_half256(acc[r][1], out + j0 + 8, j0 + 8, cols - 8, bias, accumulate);
    }
}

// Up to 4 rows (a keystroke's decode, a few documents, a short draft), where the AVX2 small tile stops at 3: driver,
// 2,048 x 8,192, 1 / 3 / 4 rows 0.168 / 0.23 / 0.27 ms against AVX2's 0.170 / 0.26 / 0.33.
#define AVX_VNNI_Q4K_SMALL_ROWS 4

/// A small batch: the AVX2 small tile's shape, each chunk loaded once for both of its sub-blocks, its products
/// summed by vpdpbusd.
GK_INLINE GK_AVX_VNNI void q4k_small_tile_avx_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t k,
                                                   const uint8_t *panel, const int rows, float *y, size_t m,
                                                   size_t j0, size_t cols, const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256 acc[AVX_VNNI_Q4K_SMALL_ROWS][2];
    UNROLL for (int r = 0; r < rows; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk = panel + b * Q4K_BLOCK_BYTES;
        for (int h = 0; h < 2; h++) {
            __m256i isum[AVX_VNNI_Q4K_SMALL_ROWS], msum[AVX_VNNI_Q4K_SMALL_ROWS];
            UNROLL for (int r = 0; r < rows; r++) { isum[r] = _mm256_setzero_si256(); msum[r] = isum[r]; }
            for (int p = 0; p < 4; p++) {
                __m256i low[AVX_VNNI_Q4K_SMALL_ROWS], high[AVX_VNNI_Q4K_SMALL_ROWS];
                UNROLL for (int r = 0; r < rows; r++) { low[r] = _mm256_setzero_si256(); high[r] = low[r]; }
                for (int s = 0; s < 8; s++) {
                    const uint8_t *chunk = blk + (8 * p + s) * 64;
                    if (h == 0) _mm_prefetch((const char *)chunk + PREFETCH_BYTES, _MM_HINT_T0);
                    __m256i w = _mm256_loadu_si256((const __m256i *)(chunk + 32 * h));
                    __m256i wl = _mm256_and_si256(w, nibble), wh = _mm256_andnot_si256(nibble, w);
                    UNROLL for (int r = 0; r < rows; r++) {
                        const int8_t *x = xq + (size_t)r * k + b * Q4K_BLOCK + 64 * p + 4 * s;
                        low[r] = _mm256_dpbusd_avx_epi32(low[r], wl, _mm256_set1_epi32(load4(x)));
                        high[r] = _mm256_dpbusd_avx_epi32(high[r], wh, _mm256_set1_epi32(load4(x + 32)));
                    }
                }
                __m256i mn = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(blk + Q4K_MINS + 32 * p + 16 * h)));
                __m256i scale_low = q4k_scales_epi32(blk, 2 * p, h), scale_high = q4k_scales_epi32(blk, 2 * p + 1, h);
                UNROLL for (int r = 0; r < rows; r++) {
                    __m256i pair = _mm256_set1_epi32(load4(xsum + ((size_t)r * blocks + b) * 8 + 2 * p));
                    __m256i products = _mm256_add_epi32(
                        _mm256_mullo_epi32(low[r], scale_low),
                        _mm256_mullo_epi32(_mm256_srai_epi32(high[r], 4), scale_high));
                    isum[r] = _mm256_add_epi32(isum[r], products);
                    msum[r] = _mm256_add_epi32(msum[r], _mm256_madd_epi16(mn, pair));
                }
            }
            UNROLL for (int r = 0; r < rows; r++) {
                __m256 scale = _mm256_set1_ps(xs[(size_t)r * blocks + b]);
                acc[r][h] = q4k_half_fp32(blk, h, scale, isum[r], msum[r], acc[r][h]);
            }
        }
    }
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * m;
        store_half256(acc[r][0], out + j0, j0, cols, bias, accumulate);
        if (cols > 8) store_half256(acc[r][1], out + j0 + 8, j0 + 8, cols - 8, bias, accumulate);
    }
}

/// One row against two panels at once (the columns j0..j0+31): the small tile's steps for one row, in two streams
/// from memory, as the AVX-512 kernel's row pair.
GK_INLINE GK_AVX_VNNI void q4k_row_pair_avx_vnni(const int8_t *a, const float *xs, const int16_t *xsum, size_t k,
                                                 const uint8_t *panel, size_t panel_size, float *y, size_t j0,
                                                 const float *bias, int accumulate) {
    size_t blocks = k / Q4K_BLOCK;
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256 acc[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *blk[2] = {panel + b * Q4K_BLOCK_BYTES, panel + panel_size + b * Q4K_BLOCK_BYTES};
        __m256 scale = _mm256_set1_ps(xs[b]);
        for (int h = 0; h < 2; h++) {
            __m256i isum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()}, msum[2] = {isum[0], isum[0]};
            for (int p = 0; p < 4; p++) {
                __m256i low[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()}, high[2] = {low[0], low[0]};
                for (int s = 0; s < 8; s++) {
                    const int8_t *x = a + b * Q4K_BLOCK + 64 * p + 4 * s;
                    __m256i xl = _mm256_set1_epi32(load4(x)), xh = _mm256_set1_epi32(load4(x + 32));
                    UNROLL for (int t = 0; t < 2; t++) {
                        const uint8_t *chunk = blk[t] + (8 * p + s) * 64;
                        if (h == 0) _mm_prefetch((const char *)chunk + PREFETCH_BYTES, _MM_HINT_T0);
                        __m256i w = _mm256_loadu_si256((const __m256i *)(chunk + 32 * h));
                        low[t] = _mm256_dpbusd_avx_epi32(low[t], _mm256_and_si256(w, nibble), xl);
                        high[t] = _mm256_dpbusd_avx_epi32(high[t], _mm256_andnot_si256(nibble, w), xh);
                    }
                }
                __m256i pair = _mm256_set1_epi32(load4(xsum + b * 8 + 2 * p));
                UNROLL for (int t = 0; t < 2; t++) {
                    __m256i mn = _mm256_cvtepu8_epi16(
                        _mm_loadu_si128((const __m128i *)(blk[t] + Q4K_MINS + 32 * p + 16 * h)));
                    __m256i products = _mm256_add_epi32(_mm256_mullo_epi32(low[t], q4k_scales_epi32(blk[t], 2 * p, h)),
                                                        _mm256_mullo_epi32(_mm256_srai_epi32(high[t], 4),
                                                                           q4k_scales_epi32(blk[t], 2 * p + 1, h)));
                    isum[t] = _mm256_add_epi32(isum[t], products);
                    msum[t] = _mm256_add_epi32(msum[t], _mm256_madd_epi16(mn, pair));
                }
            }
            UNROLL for (int t = 0; t < 2; t++) {
                acc[t][h] = q4k_half_fp32(blk[t], h, scale, isum[t], msum[t], acc[t][h]);
            }
        }
    }
    store_pair256(acc, y, j0, bias, accumulate);
}

/// One row two panels at a time, small batches in one pass over each panel; larger ones in tiles of 3 rows, each
/// panel unpacked once for all of them (or, without the memory, by each tile).
GK_AVX_VNNI static void panels_q4k_avx_vnni(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n,
                                            size_t k, const uint8_t *packed, const float *bias, size_t m, size_t lo,
                                            size_t hi, float *y, int accumulate) {
    size_t blocks = k / Q4K_BLOCK, panel_size = blocks * Q4K_BLOCK_BYTES;
    uint8_t *unpacked = n > AVX_VNNI_Q4K_SMALL_ROWS ? aligned_alloc(64, blocks * Q4K_UNPACKED_BYTES) : NULL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        q4k_row_pair_avx_vnni(xq, xs, xsum, k, packed + (j0 / PANEL) * panel_size, panel_size, y, j0, bias,
                              accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const uint8_t *panel = packed + (j0 / PANEL) * panel_size;
        if (n <= AVX_VNNI_Q4K_SMALL_ROWS) {
            int rows = (int)n;
#define TILE(R) q4k_small_tile_avx_vnni(xq, xs, xsum, k, panel, R, y, m, j0, cols, bias, accumulate)
            ROWS_SWITCH4(TILE)
#undef TILE
            continue;
        }
        if (unpacked) q4k_unpack_panel_avx2(panel, blocks, unpacked);
        for (size_t r0 = 0; r0 < n; r0 += AVX_VNNI_Q4K_TILE_ROWS) {
            int rows = n - r0 < AVX_VNNI_Q4K_TILE_ROWS ? (int)(n - r0) : AVX_VNNI_Q4K_TILE_ROWS;
            const int8_t *a = xq + r0 * k;
            const float *s = xs + r0 * blocks;
            const int16_t *sums = xsum + r0 * blocks * 8;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (unpacked) q4k_tile_avx_vnni(a, s, sums, k, panel, unpacked, R, yr, m, j0, cols, bias, accumulate);       \
    else q4k_tile_avx_vnni(a, s, sums, k, panel, NULL, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH3(TILE)
#undef TILE
        }
    }
    free(unpacked);
}
#endif

void gk_linear_panels_q4k(const int8_t *xq, const float *xs, const int16_t *xsum, size_t n, size_t k,
                          const uint8_t *packed, const float *bias, size_t m, size_t lo, size_t hi, float *y,
                          int accumulate) {
    if (lo >= hi || n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512 && gk_simd_has_vnni()) {
        panels_q4k_vnni(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level == GK_SIMD_AVX_VNNI) {
        panels_q4k_avx_vnni(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level >= GK_SIMD_AVX2) {
        panels_q4k_avx2(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
        return;
    }
#endif
    panels_q4k_portable(xq, xs, xsum, n, k, packed, bias, m, lo, hi, y, accumulate);
}
