// Pieces shared by the panel kernels (panels*.c): the panel width, the tile sizes, the row-count dispatch, the int8
// rounding of activations and the stores of a finished tile (bias, accumulation into y, masked tails).
#ifndef GK_PANELS_H
#define GK_PANELS_H
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "simd.h"

#define PANEL 16
// The row loops of a tile must be unrolled so the accumulators live in registers (rows is a constant after
// inlining; without the hint clang keeps them on the stack and runs 2x slower).
#define UNROLL _Pragma("clang loop unroll(full)")
#define MAX_TILE_ROWS 12
// How far ahead in the weight stream the kernels prefetch. 4 KiB: on an Intel Xeon 2 KiB left batch-1 decode of the
// block formats (Q4_K, Q5_0, Q6_K) 4-19% and the AVX2 kernels' 0-18% short, and changed nothing else but vdpbf16ps's,
// which keeps 2 KiB, the distance measured for it on Zen 4 (journal, 2026-11-23 and 2026-12-07 afternoon).
#ifndef PREFETCH_BYTES
#define PREFETCH_BYTES 4096
#endif
#define DPBF16_PREFETCH_BYTES 2048

/// One activation as int8 at `inverse` = 127 / max |x| of its row or block: rounded to nearest even, clamped to
/// [-127, 127] (the int8, Q4_K and Q5_0 kernels' activations).
static inline int8_t quantize(float v, float inverse) {
    float q = nearbyintf(v * inverse);
    return (int8_t)(q > 127 ? 127 : (q < -127 ? -127 : q));
}

/// An IEEE fp16 value as fp32 (exact): the scales of GGUF blocks.
static inline float gk_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    if (exponent == 0) {
        float v = ldexpf((float)mantissa, -24);  // zero or subnormal: exact in fp32
        return sign ? -v : v;
    }
    uint32_t bits = exponent == 31 ? sign | 0x7F800000u | mantissa << 13
                                   : sign | (exponent + 112) << 23 | mantissa << 13;
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

/// Writes one output value: bias, accumulation into y, or both.
static inline void put(float *out, float sum, const float *bias, size_t j, int accumulate) {
    *out = (accumulate ? *out : 0) + sum + (bias ? bias[j] : 0);
}

#define ROWS_SWITCH(CALL_WITH_ROWS)                                                                              \
    switch (rows) {                                                                                              \
        case 1: CALL_WITH_ROWS(1); break;                                                                        \
        case 2: CALL_WITH_ROWS(2); break;                                                                        \
        case 3: CALL_WITH_ROWS(3); break;                                                                        \
        case 4: CALL_WITH_ROWS(4); break;                                                                        \
        case 5: CALL_WITH_ROWS(5); break;                                                                        \
        case 6: CALL_WITH_ROWS(6); break;                                                                        \
        case 7: CALL_WITH_ROWS(7); break;                                                                        \
        case 8: CALL_WITH_ROWS(8); break;                                                                        \
        case 9: CALL_WITH_ROWS(9); break;                                                                        \
        case 10: CALL_WITH_ROWS(10); break;                                                                      \
        case 11: CALL_WITH_ROWS(11); break;                                                                      \
        default: CALL_WITH_ROWS(12); break;                                                                      \
    }

/// The same for tiles of at most 8 rows (the Q6_K kernels' and the AVX-512 Q4_K one).
#define ROWS_SWITCH8(CALL_WITH_ROWS)                                                                             \
    switch (rows) {                                                                                              \
        case 1: CALL_WITH_ROWS(1); break;                                                                        \
        case 2: CALL_WITH_ROWS(2); break;                                                                        \
        case 3: CALL_WITH_ROWS(3); break;                                                                        \
        case 4: CALL_WITH_ROWS(4); break;                                                                        \
        case 5: CALL_WITH_ROWS(5); break;                                                                        \
        case 6: CALL_WITH_ROWS(6); break;                                                                        \
        case 7: CALL_WITH_ROWS(7); break;                                                                        \
        default: CALL_WITH_ROWS(8); break;                                                                       \
    }

/// The same for tiles of at most 4 rows (the AVX2 kernels' and the 4-bit VNNI ones').
#define ROWS_SWITCH4(CALL_WITH_ROWS)                                                                             \
    switch (rows) {                                                                                              \
        case 1: CALL_WITH_ROWS(1); break;                                                                        \
        case 2: CALL_WITH_ROWS(2); break;                                                                        \
        case 3: CALL_WITH_ROWS(3); break;                                                                        \
        default: CALL_WITH_ROWS(4); break;                                                                       \
    }

/// The same for tiles of at most 3 rows (the AVX2 Q4_K kernel's small batches).
#define ROWS_SWITCH3(CALL_WITH_ROWS)                                                                             \
    switch (rows) {                                                                                              \
        case 1: CALL_WITH_ROWS(1); break;                                                                        \
        case 2: CALL_WITH_ROWS(2); break;                                                                        \
        default: CALL_WITH_ROWS(3); break;                                                                       \
    }

#if GK_X86
/// The targets of the int8 dot-product kernels: AVX-512 with VNNI (vpdpbusd), and AVX2 with F16C (fp16 scales).
#define GK_AVX512_VNNI __attribute__((target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl,avx512vnni")))
#define GK_AVX2_F16C __attribute__((target("avx2,fma,f16c")))

/// Four bytes at any alignment as one int32 (a broadcast operand of vpdpbusd / vpmaddubsw).
static inline int32_t load4(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/// Stores a [rows, 16] tile of sums (lanes = columns j0..j0+15, of which `cols` are real).
GK_INLINE GK_AVX512 void store_tile512(const __m512 *acc, const int rows, float *y, size_t m, size_t j0,
                                       size_t cols, const float *bias, int accumulate) {
    __mmask16 mask = cols >= 16 ? 0xffff : gk_mask16(cols);
    __m512 b = bias ? _mm512_maskz_loadu_ps(mask, bias + j0) : _mm512_setzero_ps();
    UNROLL
    for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * m + j0;
        __m512 v = _mm512_add_ps(acc[r], b);
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, out));
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

/// Stores 8 sums (lanes = columns j..j+7, of which `cols` are real).
GK_INLINE GK_AVX2 void store_half256(__m256 acc, float *out, size_t j, size_t cols, const float *bias,
                                     int accumulate) {
    if (cols >= 8) {
        __m256 v = _mm256_add_ps(acc, bias ? _mm256_loadu_ps(bias + j) : _mm256_setzero_ps());
        if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(out));
        _mm256_storeu_ps(out, v);
    } else {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc);
        for (size_t c = 0; c < cols; c++) put(out + c, lanes[c], bias, j + c, accumulate);
    }
}

/// Stores one row's sums for two whole panels (columns j0..j0+31): acc[panel][half panel].
GK_INLINE GK_AVX2 void store_pair256(__m256 acc[2][2], float *y, size_t j0, const float *bias, int accumulate) {
    for (int p = 0; p < 2; p++) {
        for (int h = 0; h < 2; h++) {
            size_t j = j0 + PANEL * p + 8 * h;
            store_half256(acc[p][h], y + j, j, 8, bias, accumulate);
        }
    }
}
#endif

#endif
