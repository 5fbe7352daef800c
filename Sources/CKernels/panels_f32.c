// Linear layers with fp32 weights packed in panels of 16 output columns: y[n, lo..<hi] = x W^T (+ bias, + y).
//
// Layout: packed[(p * k + i) * 16 + c] = W[16p + c][i], zero beyond m. One 64-byte load holds input i's weight for
// 16 output columns; with x[r][i] broadcast, one FMA updates 16 outputs of row r, and no horizontal sums are
// needed. A tile of up to 12 rows x 32 columns keeps 24 accumulators in registers (AVX-512), so each weight is
// read from memory once per tile: once per step in decode, and at a rate sgemm needs packing for in prefill.
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

size_t gk_panels_f32_size(size_t m, size_t k) { return (m + PANEL - 1) / PANEL * PANEL * k; }

void gk_pack_panels_f32(const float *w, size_t m, size_t k, float *packed) {
    size_t panels = (m + PANEL - 1) / PANEL;
    for (size_t p = 0; p < panels; p++) {
        for (size_t c = 0; c < PANEL; c++) {
            size_t j = p * PANEL + c;
            float *dst = packed + p * k * PANEL + c;
            for (size_t i = 0; i < k; i++) dst[i * PANEL] = j < m ? w[j * k + i] : 0;
        }
    }
}

void gk_pack_panels_f32_transposed(const float *wt, size_t m, size_t k, float *packed) {
    size_t panels = (m + PANEL - 1) / PANEL;
    for (size_t p = 0; p < panels; p++) {
        size_t j0 = p * PANEL, cols = m - j0 < PANEL ? m - j0 : PANEL;
        for (size_t i = 0; i < k; i++) {
            float *dst = packed + (p * k + i) * PANEL;
            memcpy(dst, wt + i * m + j0, cols * sizeof(float));  // 16 columns of input i are contiguous in [k, m]
            for (size_t c = cols; c < PANEL; c++) dst[c] = 0;
        }
    }
}

void gk_panels_f32_row(const float *packed, size_t k, size_t row, float *out) {
    const float *column = packed + row / PANEL * k * PANEL + row % PANEL;  // panel of `row`, its column in it
    for (size_t i = 0; i < k; i++) out[i] = column[i * PANEL];
}

static void panels_f32_portable(const float *x, size_t n, size_t k, const float *packed, const float *bias,
                                size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    for (size_t r = 0; r < n; r++) {
        for (size_t j = lo; j < hi; j++) {
            const float *col = packed + (j / PANEL) * k * PANEL + j % PANEL;
            float s = 0;
            for (size_t i = 0; i < k; i++) s += x[r * k + i] * col[i * PANEL];
            float *out = y + r * m + j;
            *out = (accumulate ? *out : 0) + s + (bias ? bias[j] : 0);
        }
    }
}

#if GK_X86
GK_INLINE GK_AVX512 void tile512(const float *x, size_t k, const float *pa, const int panels, const int rows,
                                 float *y, size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    __m512 a[MAX_TILE_ROWS], b[MAX_TILE_ROWS];
    UNROLL for (int r = 0; r < rows; r++) { a[r] = _mm512_setzero_ps(); b[r] = _mm512_setzero_ps(); }
    const float *pb = pa + k * PANEL;
    for (size_t i = 0; i < k; i++) {
        _mm_prefetch((const char *)(pa + i * PANEL) + PREFETCH_BYTES, _MM_HINT_T0);
        __m512 wa = _mm512_loadu_ps(pa + i * PANEL), wb = wa;
        if (panels == 2) {
            _mm_prefetch((const char *)(pb + i * PANEL) + PREFETCH_BYTES, _MM_HINT_T0);
            wb = _mm512_loadu_ps(pb + i * PANEL);
        }
        UNROLL for (int r = 0; r < rows; r++) {
            __m512 xv = _mm512_set1_ps(x[(size_t)r * k + i]);
            a[r] = _mm512_fmadd_ps(wa, xv, a[r]);
            if (panels == 2) b[r] = _mm512_fmadd_ps(wb, xv, b[r]);
        }
    }
    store_tile512(a, rows, y, m, j0, cols < 16 ? cols : 16, bias, accumulate);
    if (panels == 2) store_tile512(b, rows, y, m, j0 + 16, cols - 16, bias, accumulate);
}

GK_AVX512 static void panels_f32_avx512(const float *x, size_t n, size_t k, const float *packed,
                                        const float *bias, size_t m, size_t lo, size_t hi, float *y,
                                        int accumulate) {
    for (size_t j0 = lo; j0 < hi; j0 += 2 * PANEL) {
        size_t cols = hi - j0 < 2 * PANEL ? hi - j0 : 2 * PANEL;
        const float *pa = packed + (j0 / PANEL) * k * PANEL;
        for (size_t r0 = 0; r0 < n; r0 += MAX_TILE_ROWS) {
            int rows = n - r0 < MAX_TILE_ROWS ? (int)(n - r0) : MAX_TILE_ROWS;
            const float *xr = x + r0 * k;
            float *yr = y + r0 * m;
#define TILE(R)                                                                                                  \
    if (cols > PANEL) tile512(xr, k, pa, 2, R, yr, m, j0, cols, bias, accumulate);                              \
    else tile512(xr, k, pa, 1, R, yr, m, j0, cols, bias, accumulate)
            ROWS_SWITCH(TILE)
#undef TILE
        }
    }
}

// ---- AVX2: a panel as two halves of 8 columns, up to 6 rows per tile (12 accumulators) -------------------------

#define AVX2_TILE_ROWS 6

/// A tile of rows against one panel, or against two (`panels` 2, the columns j0..j0+31, whole: one row at batch 1,
/// two streams from memory, as the AVX-512 tile reads them).
GK_INLINE GK_AVX2 void tile256(const float *x, size_t k, const float *pa, const int panels, const int rows, float *y,
                               size_t m, size_t j0, size_t cols, const float *bias, int accumulate) {
    __m256 acc[2][AVX2_TILE_ROWS][2];
    UNROLL for (int p = 0; p < panels; p++) {
        UNROLL for (int r = 0; r < rows; r++) acc[p][r][0] = acc[p][r][1] = _mm256_setzero_ps();
    }
    for (size_t i = 0; i < k; i++) {
        UNROLL for (int p = 0; p < panels; p++) {
            const float *w = pa + (size_t)p * k * PANEL + i * PANEL;
            _mm_prefetch((const char *)w + PREFETCH_BYTES, _MM_HINT_T0);
            __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
            UNROLL for (int r = 0; r < rows; r++) {
                __m256 xv = _mm256_set1_ps(x[(size_t)r * k + i]);
                acc[p][r][0] = _mm256_fmadd_ps(w0, xv, acc[p][r][0]);
                acc[p][r][1] = _mm256_fmadd_ps(w1, xv, acc[p][r][1]);
            }
        }
    }
    UNROLL for (int p = 0; p < panels; p++) {
        size_t j = j0 + PANEL * p, width = panels == 2 ? PANEL : cols;
        UNROLL for (int r = 0; r < rows; r++) {
            float *out = y + (size_t)r * m + j;
            store_half256(acc[p][r][0], out, j, width < 8 ? width : 8, bias, accumulate);
            if (width > 8) store_half256(acc[p][r][1], out + 8, j + 8, width - 8, bias, accumulate);
        }
    }
}

GK_AVX2 static void panels_f32_avx2(const float *x, size_t n, size_t k, const float *packed, const float *bias,
                                    size_t m, size_t lo, size_t hi, float *y, int accumulate) {
    size_t j0 = lo;
    // One row: whole pairs of panels first, two streams at once.
    for (; n == 1 && j0 + 2 * PANEL <= hi; j0 += 2 * PANEL) {
        tile256(x, k, packed + (j0 / PANEL) * k * PANEL, 2, 1, y, m, j0, 2 * PANEL, bias, accumulate);
    }
    for (; j0 < hi; j0 += PANEL) {
        size_t cols = hi - j0 < PANEL ? hi - j0 : PANEL;
        const float *pa = packed + (j0 / PANEL) * k * PANEL;
        for (size_t r0 = 0; r0 < n; r0 += AVX2_TILE_ROWS) {
            int rows = n - r0 < AVX2_TILE_ROWS ? (int)(n - r0) : AVX2_TILE_ROWS;
            const float *xr = x + r0 * k;
            float *yr = y + r0 * m;
            switch (rows) {
                case 1: tile256(xr, k, pa, 1, 1, yr, m, j0, cols, bias, accumulate); break;
                case 2: tile256(xr, k, pa, 1, 2, yr, m, j0, cols, bias, accumulate); break;
                case 3: tile256(xr, k, pa, 1, 3, yr, m, j0, cols, bias, accumulate); break;
                case 4: tile256(xr, k, pa, 1, 4, yr, m, j0, cols, bias, accumulate); break;
                case 5: tile256(xr, k, pa, 1, 5, yr, m, j0, cols, bias, accumulate); break;
                default: tile256(xr, k, pa, 1, 6, yr, m, j0, cols, bias, accumulate); break;
            }
        }
    }
}
#endif

void gk_linear_panels_f32(const float *x, size_t n, size_t k, const float *packed, const float *bias, size_t m,
                          size_t lo, size_t hi, float *y, int accumulate) {
    if (lo >= hi || n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { panels_f32_avx512(x, n, k, packed, bias, m, lo, hi, y, accumulate); return; }
    if (level >= GK_SIMD_AVX2) { panels_f32_avx2(x, n, k, packed, bias, m, lo, hi, y, accumulate); return; }
#endif
    panels_f32_portable(x, n, k, packed, bias, m, lo, hi, y, accumulate);
}
