// Causal attention of a run of query rows of one head against that head's gathered keys and values: the prefill
// path, where a row of new tokens is long enough that two matrix products beat one walk per token.
//
// Both products are C[rows, cols] = A[rows, k] B[k, cols] with B row-major, so a 64-byte row piece of B holds 16
// output columns and, with A[r][i] broadcast, one FMA updates 16 sums of row r (no horizontal sums): the scores
// S = Q K^T read the keys transposed, [D, n]; the outputs O = P V read the values as the cache holds them, [n, D].
// The products stop at the last position the rows can see, so a prompt's rows in runs of a few dozen skip most of
// the masked upper triangle.
#include <string.h>
#include "CKernels.h"
#include "simd.h"

#include "panels.h"

static void product_portable(const float *a, size_t lda, const float *b, size_t ldb, size_t rows, size_t cols,
                             size_t k, float *c, size_t ldc) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < cols; j++) c[r * ldc + j] = 0;
        for (size_t i = 0; i < k; i++) {
            float x = a[r * lda + i];
            for (size_t j = 0; j < cols; j++) c[r * ldc + j] += x * b[i * ldb + j];
        }
    }
}

#if GK_X86
// ---- AVX-512: tiles of up to 12 rows x 32 columns, 24 accumulators --------------------------------------------

GK_INLINE GK_AVX512 void tile512(const float *a, size_t lda, const float *b, size_t ldb, const int rows, size_t cols,
                                 size_t k, float *c, size_t ldc) {
    __m512 lo[MAX_TILE_ROWS], hi[MAX_TILE_ROWS];
    UNROLL for (int r = 0; r < rows; r++) { lo[r] = _mm512_setzero_ps(); hi[r] = _mm512_setzero_ps(); }
    __mmask16 mlo = cols >= 16 ? 0xffff : gk_mask16(cols);
    __mmask16 mhi = cols >= 32 ? 0xffff : gk_mask16(cols > 16 ? cols - 16 : 0);
    for (size_t i = 0; i < k; i++) {
        __m512 w0 = _mm512_maskz_loadu_ps(mlo, b + i * ldb), w1 = _mm512_maskz_loadu_ps(mhi, b + i * ldb + 16);
        UNROLL for (int r = 0; r < rows; r++) {
            __m512 x = _mm512_set1_ps(a[(size_t)r * lda + i]);
            lo[r] = _mm512_fmadd_ps(w0, x, lo[r]);
            hi[r] = _mm512_fmadd_ps(w1, x, hi[r]);
        }
    }
    store_tile512(lo, rows, c, ldc, 0, cols < 16 ? cols : 16, NULL, 0);
    if (cols > 16) store_tile512(hi, rows, c, ldc, 16, cols - 16, NULL, 0);
}

GK_AVX512 static void product_avx512(const float *a, size_t lda, const float *b, size_t ldb, size_t n, size_t cols,
                                     size_t k, float *c, size_t ldc) {
    for (size_t j0 = 0; j0 < cols; j0 += 32) {
        size_t width = cols - j0 < 32 ? cols - j0 : 32;
        for (size_t r0 = 0; r0 < n; r0 += MAX_TILE_ROWS) {
            int rows = n - r0 < MAX_TILE_ROWS ? (int)(n - r0) : MAX_TILE_ROWS;
            const float *ar = a + r0 * lda;
            float *cr = c + r0 * ldc + j0;
#define TILE(R) tile512(ar, lda, b + j0, ldb, R, width, k, cr, ldc)
            ROWS_SWITCH(TILE)
#undef TILE
        }
    }
}

// ---- AVX2: tiles of up to 6 rows x 16 columns, 12 accumulators -------------------------------------------------

#define AVX2_TILE_ROWS 6

/// 8 floats of a row of B, the lanes past `cols` zero.
GK_INLINE GK_AVX2 __m256 load8(const float *p, size_t cols) {
    if (cols >= 8) return _mm256_loadu_ps(p);
    float lanes[8] = {0};
    memcpy(lanes, p, cols * sizeof(float));
    return _mm256_loadu_ps(lanes);
}

GK_INLINE GK_AVX2 void tile256(const float *a, size_t lda, const float *b, size_t ldb, const int rows, size_t cols,
                               size_t k, float *c, size_t ldc) {
    __m256 lo[AVX2_TILE_ROWS], hi[AVX2_TILE_ROWS];
    UNROLL for (int r = 0; r < rows; r++) { lo[r] = _mm256_setzero_ps(); hi[r] = _mm256_setzero_ps(); }
    size_t cols_hi = cols > 8 ? cols - 8 : 0;
    for (size_t i = 0; i < k; i++) {
        const float *w = b + i * ldb;
        __m256 w0, w1;
        if (cols >= 16) { w0 = _mm256_loadu_ps(w); w1 = _mm256_loadu_ps(w + 8); }
        else { w0 = load8(w, cols < 8 ? cols : 8); w1 = cols_hi ? load8(w + 8, cols_hi) : _mm256_setzero_ps(); }
        UNROLL for (int r = 0; r < rows; r++) {
            __m256 x = _mm256_set1_ps(a[(size_t)r * lda + i]);
            lo[r] = _mm256_fmadd_ps(w0, x, lo[r]);
            hi[r] = _mm256_fmadd_ps(w1, x, hi[r]);
        }
    }
    UNROLL for (int r = 0; r < rows; r++) {
        float *out = c + (size_t)r * ldc;
        store_half256(lo[r], out, 0, cols < 8 ? cols : 8, NULL, 0);
        if (cols > 8) store_half256(hi[r], out + 8, 8, cols_hi, NULL, 0);
    }
}

GK_AVX2 static void product_avx2(const float *a, size_t lda, const float *b, size_t ldb, size_t rows, size_t cols,
                                 size_t k, float *c, size_t ldc) {
    for (size_t j0 = 0; j0 < cols; j0 += 16) {
        size_t width = cols - j0 < 16 ? cols - j0 : 16;
        for (size_t r0 = 0; r0 < rows; r0 += AVX2_TILE_ROWS) {
            int rows_left = rows - r0 < AVX2_TILE_ROWS ? (int)(rows - r0) : AVX2_TILE_ROWS;
            const float *ar = a + r0 * lda;
            float *cr = c + r0 * ldc + j0;
            switch (rows_left) {
                case 1: tile256(ar, lda, b + j0, ldb, 1, width, k, cr, ldc); break;
                case 2: tile256(ar, lda, b + j0, ldb, 2, width, k, cr, ldc); break;
                case 3: tile256(ar, lda, b + j0, ldb, 3, width, k, cr, ldc); break;
                case 4: tile256(ar, lda, b + j0, ldb, 4, width, k, cr, ldc); break;
                case 5: tile256(ar, lda, b + j0, ldb, 5, width, k, cr, ldc); break;
                default: tile256(ar, lda, b + j0, ldb, 6, width, k, cr, ldc); break;
            }
        }
    }
}
#endif

/// C[rows, cols] = A[rows, k] B[k, cols], all row-major with the given leading dimensions.
static void product(const float *a, size_t lda, const float *b, size_t ldb, size_t rows, size_t cols, size_t k,
                    float *c, size_t ldc) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { product_avx512(a, lda, b, ldb, rows, cols, k, c, ldc); return; }
    if (level >= GK_SIMD_AVX2) { product_avx2(a, lda, b, ldb, rows, cols, k, c, ldc); return; }
#endif
    product_portable(a, lda, b, ldb, rows, cols, k, c, ldc);
}

void gk_attend_rows(const float *q, size_t q_stride, size_t rows, size_t first, size_t d, const float *keys_t,
                    size_t ldk, const float *values, float scale, float *scratch, float *out, size_t out_stride) {
    if (rows == 0) return;
    size_t seen = first + rows;  // positions the last row sees; earlier rows see fewer
    float *scaled = scratch, *scores = scratch + rows * d;  // [rows, D], [rows, seen]
    for (size_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < d; i++) scaled[r * d + i] = q[r * q_stride + i] * scale;
    }
    product(scaled, d, keys_t, ldk, rows, seen, d, scores, seen);
    for (size_t r = 0; r < rows; r++) {
        float *row = scores + r * seen;
        size_t visible = first + r + 1;
        gk_softmax(row, visible);
        memset(row + visible, 0, (seen - visible) * sizeof(float));
    }
    product(scores, seen, values, d, rows, d, seen, out, out_stride);
}
