// Few-row linear layers with fp32 weights (decode): y[n, lo..<hi] = x[n, k] W[lo..<hi, k]^T (+ bias, + y).
//
// Columns are taken in blocks of BLOCK_COLS weight rows; each block is streamed from memory once and dotted with
// every activation row, up to 8 rows per pass (8 accumulators; later passes find the block in cache). Decode is
// bound by the bytes of W read, so the goal is one sequential read of W per call.
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#define BLOCK_COLS 16
#define MAX_ROWS 8
#define UNROLL _Pragma("clang loop unroll(full)")
// Software prefetch distance in bytes ahead of the weight stream: the hardware prefetcher alone leaves the loop
// waiting on memory when each line is used by several rows (measured: 8 rows ran at 9 GB/s without it).
#ifndef PREFETCH_BYTES
#define PREFETCH_BYTES 2048
#endif
#define PREFETCH(p) _mm_prefetch((const char *)(p) + PREFETCH_BYTES, _MM_HINT_T0)

GK_INLINE void store_out(float *y, size_t m, size_t j, const float *bias, int accumulate, const float *sums,
                         int nr) {
    float b = bias ? bias[j] : 0;
    for (int r = 0; r < nr; r++) {
        float *out = y + (size_t)r * m + j;
        *out = (accumulate ? *out : 0) + sums[r] + b;
    }
}

// ---- Portable ------------------------------------------------------------------------------------------------

static void linear_f32_portable(const float *x, size_t n, size_t k, const float *w, const float *bias, size_t m,
                                size_t lo, size_t hi, float *y, int accumulate) {
    for (size_t j = lo; j < hi; j++) {
        for (size_t r = 0; r < n; r++) {
            float s = 0;
            for (size_t i = 0; i < k; i++) s += x[r * k + i] * w[j * k + i];
            float *out = y + r * m + j;
            *out = (accumulate ? *out : 0) + s + (bias ? bias[j] : 0);
        }
    }
}

#if GK_X86
// ---- AVX2: 8 lanes ----------------------------------------------------------------------------------------------

GK_INLINE GK_AVX2 __m256 load_w_avx2(const float *w) { return _mm256_loadu_ps(w); }

#define AVX2_COLUMN(NAME, WTYPE, LOADW, SCALARW)                                                                 \
    GK_INLINE GK_AVX2 void NAME(const float *x, size_t k, const WTYPE *wj, const int nr, float *sums) {          \
        __m256 acc[MAX_ROWS];                                                                                    \
        for (int r = 0; r < nr; r++) acc[r] = _mm256_setzero_ps();                                               \
        size_t i = 0;                                                                                            \
        for (; i + 8 <= k; i += 8) {                                                                             \
            PREFETCH(wj + i);                                                                                    \
            __m256 wv = LOADW(wj + i);                                                                           \
            for (int r = 0; r < nr; r++) acc[r] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + r * k + i), acc[r]);  \
        }                                                                                                        \
        for (int r = 0; r < nr; r++) {                                                                           \
            float s = gk_hsum256(acc[r]);                                                                        \
            for (size_t t = i; t < k; t++) s += x[r * k + t] * SCALARW(wj[t]);                                   \
            sums[r] = s;                                                                                         \
        }                                                                                                        \
    }
#define IDENTITY(v) (v)
AVX2_COLUMN(column_f32_avx2, float, load_w_avx2, IDENTITY)

#define ROW_GROUPS(COLUMN, WTYPE, ATTR)                                                                          \
    ATTR static void COLUMN##_rows(const float *x, size_t n, size_t k, const WTYPE *w, const float *bias,        \
                                   size_t m, size_t lo, size_t hi, float *y, int accumulate) {                   \
        float sums[MAX_ROWS];                                                                                    \
        for (size_t jb = lo; jb < hi; jb += BLOCK_COLS) {                                                        \
            size_t je = jb + BLOCK_COLS < hi ? jb + BLOCK_COLS : hi;                                             \
            for (size_t r0 = 0; r0 < n; r0 += MAX_ROWS) {                                                        \
                int nr = n - r0 < MAX_ROWS ? (int)(n - r0) : MAX_ROWS;                                           \
                const float *xr = x + r0 * k;                                                                    \
                float *yr = y + r0 * m;                                                                          \
                for (size_t j = jb; j < je; j++) {                                                               \
                    const WTYPE *wj = w + j * k;                                                                 \
                    switch (nr) {                                                                                \
                        case 1: COLUMN(xr, k, wj, 1, sums); break;                                               \
                        case 2: COLUMN(xr, k, wj, 2, sums); break;                                               \
                        case 3: COLUMN(xr, k, wj, 3, sums); break;                                               \
                        case 4: COLUMN(xr, k, wj, 4, sums); break;                                               \
                        case 5: COLUMN(xr, k, wj, 5, sums); break;                                               \
                        case 6: COLUMN(xr, k, wj, 6, sums); break;                                               \
                        case 7: COLUMN(xr, k, wj, 7, sums); break;                                               \
                        default: COLUMN(xr, k, wj, 8, sums); break;                                              \
                    }                                                                                            \
                    store_out(yr, m, j, bias, accumulate, sums, nr);                                             \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
    }
ROW_GROUPS(column_f32_avx2, float, GK_AVX2)

// ---- AVX-512: 16 lanes, masked tails ---------------------------------------------------------------------------

GK_INLINE GK_AVX512 __m512 load_w_avx512(const float *w, __mmask16 mask) { return _mm512_maskz_loadu_ps(mask, w); }

#define AVX512_COLUMN(NAME, WTYPE, LOADW)                                                                        \
    GK_INLINE GK_AVX512 void NAME(const float *x, size_t k, const WTYPE *wj, const int nr, float *sums) {        \
        __m512 acc[MAX_ROWS];                                                                                    \
        for (int r = 0; r < nr; r++) acc[r] = _mm512_setzero_ps();                                               \
        size_t i = 0;                                                                                            \
        for (; i + 16 <= k; i += 16) {                                                                           \
            PREFETCH(wj + i);                                                                                    \
            __m512 wv = LOADW(wj + i, 0xffff);                                                                   \
            for (int r = 0; r < nr; r++) acc[r] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + r * k + i), acc[r]);  \
        }                                                                                                        \
        if (i < k) {                                                                                             \
            __mmask16 mask = gk_mask16(k - i);                                                                   \
            __m512 wv = LOADW(wj + i, mask);                                                                     \
            for (int r = 0; r < nr; r++)                                                                         \
                acc[r] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(mask, x + r * k + i), acc[r]);                \
        }                                                                                                        \
        for (int r = 0; r < nr; r++) sums[r] = _mm512_reduce_add_ps(acc[r]);                                     \
    }
AVX512_COLUMN(column_f32_avx512, float, load_w_avx512)
ROW_GROUPS(column_f32_avx512, float, GK_AVX512)

#endif

void gk_linear_f32(const float *x, size_t n, size_t k, const float *w, const float *bias, size_t m, size_t lo,
                   size_t hi, float *y, int accumulate) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { column_f32_avx512_rows(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
    if (level >= GK_SIMD_AVX2) { column_f32_avx2_rows(x, n, k, w, bias, m, lo, hi, y, accumulate); return; }
#endif
    linear_f32_portable(x, n, k, w, bias, m, lo, hi, y, accumulate);
}
