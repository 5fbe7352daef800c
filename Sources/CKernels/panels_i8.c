// Linear layers with int8 weights packed in panels: y[n, lo..<hi] = x[n, k] W[lo..<hi, k]^T (+ bias, + y).
//
// Weights: one scale per output column (max |W[j, :]| / 127, computed at load from fp32), W[j, i] ~ scale[j] q[j, i]
// with q in [-127, 127]. Layout ("panels of 16", groups of 4 inputs): packed[((p * k4/4 + g) * 16 + c) * 4 + e] =
// q[16p + c][4g + e], zero beyond m and k (k4 = k rounded up to a multiple of 4). One 64-byte load holds 16 columns x
// 4 inputs: the operand of vpdpbusd, which adds 4 u8 x s8 products into each of 16 int32 lanes. Each panel is one
// contiguous stream, read once per tile of up to 12 rows (decode: all rows at once), a quarter of fp32's bytes.
//
// Activations: quantized per row when a layer runs (scale max |x[r, :]| / 127, q in [-127, 127]) and stored as
// u8 = q + 128, because vpdpbusd multiplies unsigned by signed bytes. The 128 is taken back out with the column
// sums of q: sum_i (q_x + 128) q_w = sum_i q_x q_w + 128 sums[j]. Every path computes the same exact int32 dot
// products from the same bytes; only the fp32 epilogue (scales, bias) is rounded.
#include <math.h>
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

size_t gk_panels_i8_size(size_t m, size_t k) { return (m + PANEL - 1) / PANEL * PANEL * ((k + 3) & ~(size_t)3); }

size_t gk_panels_i8_columns(size_t m) { return (m + PANEL - 1) / PANEL * PANEL; }

/// Scales and column sums of the padded columns beyond m are zero.
static void finish_columns(size_t m, float *scales, int32_t *sums) {
    for (size_t j = m; j < gk_panels_i8_columns(m); j++) { scales[j] = 0; sums[j] = 0; }
}

void gk_pack_panels_i8(const float *w, size_t m, size_t k, int8_t *packed, float *scales, int32_t *sums) {
    size_t k4 = (k + 3) & ~(size_t)3;
    memset(packed, 0, gk_panels_i8_size(m, k));
    for (size_t j = 0; j < m; j++) {
        const float *row = w + j * k;
        float amax = 0;
        for (size_t i = 0; i < k; i++) amax = fmaxf(amax, fabsf(row[i]));
        float scale = amax / 127, inverse = amax > 0 ? 127 / amax : 0;
        int8_t *dst = packed + (j / PANEL) * k4 * PANEL + (j % PANEL) * 4;
        int32_t sum = 0;
        for (size_t i = 0; i < k; i++) {
            int8_t q = quantize(row[i], inverse);
            dst[(i / 4) * 4 * PANEL + (i & 3)] = q;
            sum += q;
        }
        scales[j] = scale;
        sums[j] = sum;
    }
    finish_columns(m, scales, sums);
}

void gk_pack_panels_i8_transposed(const float *wt, size_t m, size_t k, int8_t *packed, float *scales,
                                  int32_t *sums) {
    size_t k4 = (k + 3) & ~(size_t)3;
    memset(packed, 0, gk_panels_i8_size(m, k));
    // Column maxima first, reading [k, m] row by row, then one more pass that quantizes.
    for (size_t j = 0; j < m; j++) { scales[j] = 0; sums[j] = 0; }
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < m; j++) scales[j] = fmaxf(scales[j], fabsf(wt[i * m + j]));
    }
    // Four input rows at a time, so each column's 4 bytes of a group, and a panel's 64, are written together.
    for (size_t i0 = 0; i0 < k; i0 += 4) {
        size_t rows = k - i0 < 4 ? k - i0 : 4;
        for (size_t j = 0; j < m; j++) {
            int8_t *dst = packed + (j / PANEL) * k4 * PANEL + ((i0 / 4) * PANEL + j % PANEL) * 4;
            float inverse = scales[j] > 0 ? 127 / scales[j] : 0;
            for (size_t e = 0; e < rows; e++) {
                int8_t q = quantize(wt[(i0 + e) * m + j], inverse);
                dst[e] = q;
                sums[j] += q;
            }
        }
    }
    for (size_t j = 0; j < m; j++) scales[j] /= 127;
    finish_columns(m, scales, sums);
}

void gk_panels_i8_row(const int8_t *packed, const float *scales, size_t k, size_t row, float *out) {
    size_t k4 = (k + 3) & ~(size_t)3;
    const int8_t *column = packed + (row / PANEL) * k4 * PANEL + (row % PANEL) * 4;
    for (size_t i = 0; i < k; i++) out[i] = scales[row] * column[(i / 4) * 4 * PANEL + (i & 3)];
}

#if GK_X86
/// One row of gk_activations_i8 with AVX-512: the same rounding (to nearest even) and clamping as the scalar loop.
GK_AVX512 static float quantize_row512(const float *row, size_t k, uint8_t *dst) {
    __m512 vmax = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= k; i += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(row + i)));
    float amax = _mm512_reduce_max_ps(vmax);
    for (; i < k; i++) amax = fmaxf(amax, fabsf(row[i]));
    float inverse = amax > 0 ? 127 / amax : 0;
    __m512 vinv = _mm512_set1_ps(inverse), hi = _mm512_set1_ps(127), lo = _mm512_set1_ps(-127);
    __m512i offset = _mm512_set1_epi32(128);
    for (i = 0; i + 16 <= k; i += 16) {
        __m512 q = _mm512_roundscale_ps(_mm512_mul_ps(_mm512_loadu_ps(row + i), vinv),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        q = _mm512_max_ps(_mm512_min_ps(q, hi), lo);
        _mm_storeu_si128((__m128i *)(dst + i), _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(q), offset)));
    }
    for (; i < k; i++) dst[i] = (uint8_t)(quantize(row[i], inverse) + 128);
    return amax;
}

/// One row of gk_activations_i8 with AVX2, the same rounding and clamping as the scalar loop.
GK_AVX2 static float quantize_row256(const float *row, size_t k, uint8_t *dst) {
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 vmax = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(row + i), magnitude));
    float amax = gk_hmax256(vmax);
    for (; i < k; i++) amax = fmaxf(amax, fabsf(row[i]));
    float inverse = amax > 0 ? 127 / amax : 0;
    __m256 vinv = _mm256_set1_ps(inverse), hi = _mm256_set1_ps(127), lo = _mm256_set1_ps(-127);
    __m256i offset = _mm256_set1_epi32(128), order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (i = 0; i + 32 <= k; i += 32) {
        __m256i q[4];
        for (int part = 0; part < 4; part++) {
            __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(row + i + 8 * part), vinv),
                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            v = _mm256_max_ps(_mm256_min_ps(v, hi), lo);
            q[part] = _mm256_add_epi32(_mm256_cvtps_epi32(v), offset);
        }
        // The packs work within 128-bit lanes; the permute puts the 4 x 8 bytes back in order.
        __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_permutevar8x32_epi32(bytes, order));
    }
    for (; i < k; i++) dst[i] = (uint8_t)(quantize(row[i], inverse) + 128);
    return amax;
}
#endif

void gk_activations_i8(const float *x, size_t n, size_t k, uint8_t *xq, float *row_scales) {
    size_t k4 = (k + 3) & ~(size_t)3;
    for (size_t r = 0; r < n; r++) {
        const float *row = x + r * k;
        uint8_t *dst = xq + r * k4;
        float amax = 0;
#if GK_X86
        if (gk_simd_active() >= GK_SIMD_AVX512) {
            amax = quantize_row512(row, k, dst);
        } else if (gk_simd_active() >= GK_SIMD_AVX2) {
            amax = quantize_row256(row, k, dst);
        } else
#endif
        {
            for (size_t i = 0; i < k; i++) amax = fmaxf(amax, fabsf(row[i]));
            float inverse = amax > 0 ? 127 / amax : 0;
            for (size_t i = 0; i < k; i++) dst[i] = (uint8_t)(quantize(row[i], inverse) + 128);
        }
        for (size_t i = k; i < k4; i++) dst[i] = 128;
        row_scales[r] = amax / 127;
    }
}

/// Output (r, j) from the exact dot product of the quantized row and column.
static inline void put_i8(float *out, int32_t dot, float row_scale, const float *scales, const float *bias,
                          size_t j, int accumulate) {
    put(out, (float)dot * (row_scale * scales[j]), bias, j, accumulate);
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void panels_i8_portable(const uint8_t *xq, const float *xs, size_t n, size_t k, const int8_t *packed,
                               const float *scales, const int32_t *sums, const float *bias, size_t m, size_t lo,
                               size_t hi, float *y, int accumulate) {
    size_t k4 = (k + 3) & ~(size_t)3;
    for (size_t r = 0; r < n; r++) {
        const uint8_t *xr = xq + r * k4;
        for (size_t j = lo; j < hi; j++) {
            const int8_t *col = packed + (j / PANEL) * k4 * PANEL + (j % PANEL) * 4;
            int32_t s = 0;
            for (size_t i = 0; i < k4; i++) s += (int32_t)xr[i] * col[(i / 4) * 4 * PANEL + (i & 3)];
            put_i8(y + r * m + j, s - 128 * sums[j], xs[r], scales, bias, j, accumulate);
        }
    }
}

#if GK_X86
// ---- AVX-512 VNNI: vpdpbusd with a broadcast group of 4 activation bytes -----------------------------------------

/// Turns a [rows, 16] tile of int32 sums into outputs: (sum - 128 sums[j]) row_scale scale[j] (+ bias, + y).
GK_INLINE GK_AVX512_VNNI void store_tile_i8(const __m512i *acc, const int rows, const float *xs,
                                            const float *scales, const int32_t *sums, float *y, size_t m,
                                            size_t j0, size_t cols, const float *bias, int accumulate) {
    __m512i correction = _mm512_slli_epi32(_mm512_loadu_si512(sums + j0), 7);
    __m512 scale = _mm512_loadu_ps(scales + j0);
    __m512 out[MAX_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) {
        __m512 dot = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r], correction));
        out[r] = _mm512_mul_ps(dot, _mm512_mul_ps(scale, _mm512_set1_ps(xs[r])));
    }
    store_tile512(out, rows, y, m, j0, cols, bias, accumulate);
}

GK_INLINE GK_AVX512_VNNI void tile_vnni(const uint8_t *xq, size_t k4, const float *xs, const int8_t *pa,
                                        const int panels, const int rows, const float *scales,
                                        const int32_t *sums, float *y, size_t m, size_t j0, size_t cols,
                                        const float *bias, int accumulate) {
    __m512i a[MAX_TILE_ROWS], b[MAX_TILE_ROWS];
    UNROLL
    for (int r = 0; r < rows; r++) { a[r] = _mm512_setzero_si512(); b[r] = _mm512_setzero_si512(); }
    size_t groups = k4 / 4;
    const int8_t *pb = pa + k4 * PANEL;
    for (size_t g = 0; g < groups; g++) {
        _mm_prefetch((const char *)(pa + g * 4 * PANEL) + PREFETCH_BYTES, _MM_HINT_T0);
        __m512i wa = _mm512_loadu_si512(pa + g * 4 * PANEL), wb = wa;
        if (panels == 2) {
            _mm_prefetch((const char *)(pb + g * 4 * PANEL) + PREFETCH_BYTES, _MM_HINT_T0);
            wb = _mm512_loadu_si512(pb + g * 4 * PANEL);
        }
        UNROLL
        for (int r = 0; r < rows; r++) {
            int32_t quad;
            memcpy(&quad, xq + (size_t)r * k4 + 4 * g, 4);
            __m512i xv = _mm512_set1_epi32(quad);
            a[r] = _mm512_dpbusd_epi32(a[r], xv, wa);
            if (panels == 2) b[r] = _mm512_dpbusd_epi32(b[r], xv, wb);
        }
    }
    store_tile_i8(a, rows, xs, scales, sums, y, m, j0, cols < 16 ? cols : 16, bias, accumulate);
    if (panels == 2) store_tile_i8(b, rows, xs, scales, sums, y, m, j0 + 16, cols - 16, bias, accumulate);
}

GK_AVX512_VNNI static void panels_i8_vnni(const uint8_t *xq, const float *xs, size_t n, size_t k,
                                          const int8_t *packed, const float *scales, const int32_t *sums,
                                          const float *bias, size_t m, size_t lo, size_t hi, float *y,
                                          int accumulate) {
    size_t k4 = (k + 3) & ~(size_t)3, panel_size = k4 * PANEL;
    for (size_t j0 = lo; j0 < hi; j0 += 2 * PANEL) {
        size_t cols = hi - j0 < 2 * PANEL ? hi - j0 : 2 * PANEL;
        const int8_t *pa = packed + (j0 / PANEL) * panel_size;
        for (size_t r0 = 0; r0 < n; r0 += MAX_TILE_ROWS) {
            int rows = n - r0 < MAX_TILE_ROWS ? (int)(n - r0) : MAX_TILE_ROWS;
            const uint8_t *xr = xq + r0 * k4;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (cols > PANEL) tile_vnni(xr, k4, xs + r0, pa, 2, R, scales, sums, yr, m, j0, cols, bias, accumulate);     \
    else tile_vnni(xr, k4, xs + r0, pa, 1, R, scales, sums, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH(TILE)
#undef TILE
        }
    }
}

// ---- AVX2: vpmaddubsw on |w| and the activation signed like w, then vpmaddwd; one panel, up to 4 rows per tile --
//
// vpmaddubsw multiplies u8 by s8 and adds pairs into int16 with saturation. The stored activations (q_x + 128, up
// to 255) times weights (up to 127 in magnitude) could saturate a pair (2 x 255 x 127 > 32767), so the AVX2 path
// multiplies the signed q_x instead: |q_w| as the unsigned operand and q_x with the sign of q_w (vpsignb) as the
// signed one. Each product is q_x q_w and a pair is at most 2 x 127 x 127 = 32258 in magnitude: the int16 sums are
// exact, and so are the int32 dots, without the 128 correction. One 32-byte half of a group holds 8 columns x 4
// inputs, so after vpmaddwd with ones each int32 lane is one column's sum of 4 products: no horizontal sums.

#define AVX2_I8_TILE_ROWS 4

/// Stores 8 columns of one row: dot row_scale scale[j] (+ bias, + y).
GK_INLINE GK_AVX2 void store_half_i8(__m256i dot, float row_scale, const float *scales, float *out, size_t j,
                                     size_t cols, const float *bias, int accumulate) {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(dot),
                             _mm256_mul_ps(_mm256_loadu_ps(scales + j), _mm256_set1_ps(row_scale)));
    store_half256(v, out, j, cols, bias, accumulate);
}

/// A tile of rows against one panel, or against two (`panels` 2, the columns j0..j0+31, whole: one row at batch 1,
/// two streams from memory, as the AVX-512 tile reads them).
GK_INLINE GK_AVX2 void tile_i8_256(const uint8_t *xq, size_t k4, const float *xs, const int8_t *pa, const int panels,
                                   const int rows, const float *scales, float *y, size_t m, size_t j0, size_t cols,
                                   const float *bias, int accumulate) {
    __m256i dot[2][AVX2_I8_TILE_ROWS][2];
    UNROLL
    for (int p = 0; p < panels; p++) {
        UNROLL
        for (int r = 0; r < rows; r++) dot[p][r][0] = dot[p][r][1] = _mm256_setzero_si256();
    }
    const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8((char)0x80);
    size_t groups = k4 / 4;
    for (size_t g = 0; g < groups; g++) {
        UNROLL
        for (int p = 0; p < panels; p++) {
            const int8_t *w = pa + (size_t)p * k4 * PANEL + g * 4 * PANEL;
            _mm_prefetch((const char *)w + PREFETCH_BYTES, _MM_HINT_T0);
            __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
            __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1);
            UNROLL
            for (int r = 0; r < rows; r++) {
                int32_t quad;
                memcpy(&quad, xq + (size_t)r * k4 + 4 * g, 4);
                __m256i x = _mm256_xor_si256(_mm256_set1_epi32(quad), flip);  // q_x + 128 -> q_x
                __m256i p0 = _mm256_maddubs_epi16(a0, _mm256_sign_epi8(x, w0));
                __m256i p1 = _mm256_maddubs_epi16(a1, _mm256_sign_epi8(x, w1));
                dot[p][r][0] = _mm256_add_epi32(dot[p][r][0], _mm256_madd_epi16(p0, ones));
                dot[p][r][1] = _mm256_add_epi32(dot[p][r][1], _mm256_madd_epi16(p1, ones));
            }
        }
    }
    UNROLL
    for (int p = 0; p < panels; p++) {
        size_t j = j0 + PANEL * p, width = panels == 2 ? PANEL : cols;
        UNROLL
        for (int r = 0; r < rows; r++) {
            float *out = y + (size_t)r * m + j;
            store_half_i8(dot[p][r][0], xs[r], scales, out, j, width < 8 ? width : 8, bias, accumulate);
            if (width > 8) {
                store_half_i8(dot[p][r][1], xs[r], scales, out + 8, j + 8, width - 8, bias, accumulate);
            }
        }
    }
}

// ---- AVX-VNNI: the AVX-512 VNNI tile at half width (two 8-column halves of a panel), up to 4 rows per tile ---------
//
// vpdpbusd adds 4 exact u8 x s8 products into each int32 lane: the stored activations (q_x + 128) as they are, one
// instruction where AVX2 takes four (vpsignb, vpmaddubsw, vpmaddwd, vpaddd), and the 128 taken back out with the
// column sums when the tile is stored, as on AVX-512. The dot products are the same integers as every other path's.

/// A tile of rows against one panel, or against two (`panels` 2, as in the AVX2 tile).
GK_INLINE GK_AVX_VNNI void tile_i8_avx_vnni(const uint8_t *xq, size_t k4, const float *xs, const int8_t *pa,
                                            const int panels, const int rows, const float *scales,
                                            const int32_t *sums, float *y, size_t m, size_t j0, size_t cols,
                                            const float *bias, int accumulate) {
    __m256i dot[2][AVX2_I8_TILE_ROWS][2];
    UNROLL
    for (int p = 0; p < panels; p++) {
        UNROLL
        for (int r = 0; r < rows; r++) dot[p][r][0] = dot[p][r][1] = _mm256_setzero_si256();
    }
    size_t groups = k4 / 4;
    for (size_t g = 0; g < groups; g++) {
        UNROLL
        for (int p = 0; p < panels; p++) {
            const int8_t *w = pa + (size_t)p * k4 * PANEL + g * 4 * PANEL;
            _mm_prefetch((const char *)w + PREFETCH_BYTES, _MM_HINT_T0);
            __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
            UNROLL
            for (int r = 0; r < rows; r++) {
                int32_t quad;
                memcpy(&quad, xq + (size_t)r * k4 + 4 * g, 4);
                __m256i x = _mm256_set1_epi32(quad);
                dot[p][r][0] = _mm256_dpbusd_avx_epi32(dot[p][r][0], x, w0);
                dot[p][r][1] = _mm256_dpbusd_avx_epi32(dot[p][r][1], x, w1);
            }
        }
    }
    UNROLL
    for (int p = 0; p < panels; p++) {
        size_t j = j0 + PANEL * p, width = panels == 2 ? PANEL : cols;
        __m256i correction_lo = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(sums + j)), 7);
        __m256i correction_hi = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(sums + j + 8)), 7);
        UNROLL
        for (int r = 0; r < rows; r++) {
            float *out = y + (size_t)r * m + j;
            __m256i low = _mm256_sub_epi32(dot[p][r][0], correction_lo);
            store_half_i8(low, xs[r], scales, out, j, width < 8 ? width : 8, bias, accumulate);
            if (width > 8) {
                __m256i high = _mm256_sub_epi32(dot[p][r][1], correction_hi);
                store_half_i8(high, xs[r], scales, out + 8, j + 8, width - 8, bias, accumulate);
            }
        }
    }
}

GK_AVX_VNNI static void panels_i8_avx_vnni(const uint8_t *xq, const float *xs, size_t n, size_t k,
                                           const int8_t *packed, const float *scales, const int32_t *sums,
                                           const float *bias, size_t m, size_t lo, size_t hi, float *y,
                                           int accumulate) {
    size_t k4 = (k + 3) & ~(size_t)3, panel_size = k4 * PANEL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        tile_i8_avx_vnni(xq, k4, xs, packed + (j0 / PANEL) * panel_size, 2, 1, scales, sums, y, m, j0, 2 * PANEL, bias,
                         accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const int8_t *pa = packed + (j0 / PANEL) * panel_size;
        for (size_t r0 = 0; r0 < n; r0 += AVX2_I8_TILE_ROWS) {
            int rows = n - r0 < AVX2_I8_TILE_ROWS ? (int)(n - r0) : AVX2_I8_TILE_ROWS;
            const uint8_t *xr = xq + r0 * k4;
            float *yr = y + r0 * m;
#define TILE(R) tile_i8_avx_vnni(xr, k4, xs + r0, pa, 1, R, scales, sums, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH4(TILE)
#undef TILE
        }
    }
}

GK_AVX2 static void panels_i8_avx2(const uint8_t *xq, const float *xs, size_t n, size_t k, const int8_t *packed,
                                   const float *scales, const float *bias, size_t m, size_t lo, size_t hi,
                                   float *y, int accumulate) {
    size_t k4 = (k + 3) & ~(size_t)3, panel_size = k4 * PANEL;
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        tile_i8_256(xq, k4, xs, packed + (j0 / PANEL) * panel_size, 2, 1, scales, y, m, j0, 2 * PANEL, bias,
                    accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const int8_t *pa = packed + (j0 / PANEL) * panel_size;
        for (size_t r0 = 0; r0 < n; r0 += AVX2_I8_TILE_ROWS) {
            int rows = n - r0 < AVX2_I8_TILE_ROWS ? (int)(n - r0) : AVX2_I8_TILE_ROWS;
            const uint8_t *xr = xq + r0 * k4;
            float *yr = y + r0 * m;
#define TILE(R) tile_i8_256(xr, k4, xs + r0, pa, 1, R, scales, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH4(TILE)
#undef TILE
        }
    }
}
#endif

void gk_linear_panels_i8(const uint8_t *xq, const float *row_scales, size_t n, size_t k, const int8_t *packed,
                         const float *scales, const int32_t *sums, const float *bias, size_t m, size_t lo,
                         size_t hi, float *y, int accumulate) {
    if (lo >= hi || n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512 && gk_simd_has_vnni()) {
        panels_i8_vnni(xq, row_scales, n, k, packed, scales, sums, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level == GK_SIMD_AVX_VNNI) {
        panels_i8_avx_vnni(xq, row_scales, n, k, packed, scales, sums, bias, m, lo, hi, y, accumulate);
        return;
    }
    if (level >= GK_SIMD_AVX2) {
        panels_i8_avx2(xq, row_scales, n, k, packed, scales, bias, m, lo, hi, y, accumulate);
        return;
    }
#endif
    panels_i8_portable(xq, row_scales, n, k, packed, scales, sums, bias, m, lo, hi, y, accumulate);
}
