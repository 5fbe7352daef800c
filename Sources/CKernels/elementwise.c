// GELU, SwiGLU, softmax and layer norm: one function per SIMD path, dispatched on gk_simd_active().
#include <math.h>
#include "CKernels.h"
#include "simd.h"

static const float gelu_k0 = 0.7978845608028654f;  // sqrt(2 / pi)
static const float gelu_k1 = 0.044715f;

float gk_expf_clamped(float x) {
    if (x > 88.3f) x = 88.3f;
    if (x < -87.3f) x = -87.3f;
    return expf(x);
}

// ---- exp ----------------------------------------------------------------------------------------------------

#if GK_X86
GK_AVX2 static void exp_avx2(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gk_exp256(_mm256_loadu_ps(x + i)));
    if (i < n) {
        float tail[8] = {0};
        for (size_t t = i; t < n; t++) tail[t - i] = x[t];
        _mm256_storeu_ps(tail, gk_exp256(_mm256_loadu_ps(tail)));
        for (size_t t = i; t < n; t++) x[t] = tail[t - i];
    }
}

GK_AVX512 static void exp_avx512(float *x, size_t n) {
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xffff : gk_mask16(n - i);
        _mm512_mask_storeu_ps(x + i, m, gk_exp512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}
#endif

void gk_exp(float *x, size_t n) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { exp_avx512(x, n); return; }
    if (level >= GK_SIMD_AVX2) { exp_avx2(x, n); return; }
#endif
    for (size_t i = 0; i < n; i++) x[i] = gk_expf_clamped(x[i]);
}

// ---- GELU: 0.5 x (1 + tanh(u)) = x - x / (e^(2u) + 1), u = k0 (x + k1 x^3) ----------------------------------

static void gelu_portable(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i], u = gelu_k0 * (v + gelu_k1 * v * v * v);
        x[i] = v - v / (gk_expf_clamped(2 * u) + 1);
    }
}

#if GK_X86
GK_AVX2 static void gelu_avx2(float *x, size_t n) {
    const __m256 k0 = _mm256_set1_ps(2 * gelu_k0), k1 = _mm256_set1_ps(gelu_k1), one = _mm256_set1_ps(1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 u2 = _mm256_mul_ps(k0, _mm256_fmadd_ps(_mm256_mul_ps(k1, v), _mm256_mul_ps(v, v), v));
        __m256 e = gk_exp256(u2);
        _mm256_storeu_ps(x + i, _mm256_sub_ps(v, _mm256_div_ps(v, _mm256_add_ps(e, one))));
    }
    gelu_portable(x + i, n - i);
}

GK_AVX512 static void gelu_avx512(float *x, size_t n) {
    const __m512 k0 = _mm512_set1_ps(2 * gelu_k0), k1 = _mm512_set1_ps(gelu_k1), one = _mm512_set1_ps(1);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xffff : gk_mask16(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 u2 = _mm512_mul_ps(k0, _mm512_fmadd_ps(_mm512_mul_ps(k1, v), _mm512_mul_ps(v, v), v));
        __m512 e = gk_exp512(u2);
        _mm512_mask_storeu_ps(x + i, m, _mm512_sub_ps(v, _mm512_div_ps(v, _mm512_add_ps(e, one))));
    }
}
#endif

void gk_gelu(float *x, size_t n) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { gelu_avx512(x, n); return; }
    if (level >= GK_SIMD_AVX2) { gelu_avx2(x, n); return; }
#endif
    gelu_portable(x, n);
}

// ---- SwiGLU: out = silu(gate) * up = gate * up / (1 + e^-gate) ----------------------------------------------------

static void swiglu_portable(const float *gate, const float *up, size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = gate[i] * up[i] / (1 + gk_expf_clamped(-gate[i]));
}

#if GK_X86
GK_AVX2 static void swiglu_avx2(const float *gate, const float *up, size_t n, float *out) {
    const __m256 one = _mm256_set1_ps(1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 e = gk_exp256(_mm256_sub_ps(_mm256_setzero_ps(), g));
        _mm256_storeu_ps(out + i, _mm256_div_ps(_mm256_mul_ps(g, _mm256_loadu_ps(up + i)), _mm256_add_ps(e, one)));
    }
    swiglu_portable(gate + i, up + i, n - i, out + i);
}

GK_AVX512 static void swiglu_avx512(const float *gate, const float *up, size_t n, float *out) {
    const __m512 one = _mm512_set1_ps(1);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xffff : gk_mask16(n - i);
        __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
        __m512 e = gk_exp512(_mm512_sub_ps(_mm512_setzero_ps(), g));
        _mm512_mask_storeu_ps(out + i, m, _mm512_div_ps(_mm512_mul_ps(g, _mm512_maskz_loadu_ps(m, up + i)),
                                                        _mm512_add_ps(e, one)));
    }
}
#endif

void gk_swiglu(const float *gate, const float *up, size_t n, float *out) {
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { swiglu_avx512(gate, up, n, out); return; }
    if (level >= GK_SIMD_AVX2) { swiglu_avx2(gate, up, n, out); return; }
#endif
    swiglu_portable(gate, up, n, out);
}

// ---- Softmax -------------------------------------------------------------------------------------------------

static void softmax_portable(float *x, size_t n) {
    float m = x[0];
    for (size_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    float sum = 0;
    for (size_t i = 0; i < n; i++) { x[i] = gk_expf_clamped(x[i] - m); sum += x[i]; }
    float inv = 1 / sum;
    for (size_t i = 0; i < n; i++) x[i] *= inv;
}

#if GK_X86
GK_AVX2 static void softmax_avx2(float *x, size_t n) {
    size_t body = n & ~(size_t)7;
    float m = x[0];
    __m256 mv = _mm256_set1_ps(-INFINITY);
    for (size_t i = 0; i < body; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
    if (body) m = gk_hmax256(mv);
    for (size_t i = body; i < n; i++) m = x[i] > m ? x[i] : m;
    __m256 mb = _mm256_set1_ps(m), sv = _mm256_setzero_ps();
    for (size_t i = 0; i < body; i += 8) {
        __m256 e = gk_exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mb));
        _mm256_storeu_ps(x + i, e);
        sv = _mm256_add_ps(sv, e);
    }
    float sum = gk_hsum256(sv);
    if (body < n) {  // the tail through one padded vector, so every value takes the same exp
        float tail[8];
        for (size_t i = 0; i < 8; i++) tail[i] = body + i < n ? x[body + i] - m : -INFINITY;
        _mm256_storeu_ps(tail, gk_exp256(_mm256_loadu_ps(tail)));
        for (size_t i = body; i < n; i++) { x[i] = tail[i - body]; sum += x[i]; }
    }
    __m256 inv = _mm256_set1_ps(1 / sum);
    for (size_t i = 0; i < body; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (size_t i = body; i < n; i++) x[i] *= 1 / sum;
}

GK_AVX512 static void softmax_avx512(float *x, size_t n) {
    __m512 mv = _mm512_set1_ps(-INFINITY);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xffff : gk_mask16(n - i);
        mv = _mm512_max_ps(mv, _mm512_mask_loadu_ps(mv, k, x + i));
    }
    __m512 mb = _mm512_set1_ps(_mm512_reduce_max_ps(mv)), sv = _mm512_setzero_ps();
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xffff : gk_mask16(n - i);
        __m512 e = gk_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mb));
        _mm512_mask_storeu_ps(x + i, k, e);
        sv = _mm512_mask_add_ps(sv, k, sv, e);
    }
    __m512 inv = _mm512_set1_ps(1 / _mm512_reduce_add_ps(sv));
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xffff : gk_mask16(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), inv));
    }
}
#endif

void gk_softmax(float *x, size_t n) {
    if (n == 0) return;
#if GK_X86
    int level = gk_simd_active();
    if (level >= GK_SIMD_AVX512) { softmax_avx512(x, n); return; }
    if (level >= GK_SIMD_AVX2) { softmax_avx2(x, n); return; }
#endif
    softmax_portable(x, n);
}

// ---- Layer norm ----------------------------------------------------------------------------------------------

static void layernorm_row_portable(const float *x, size_t c, const float *g, const float *b, float eps, float *y) {
    float sum = 0;
    for (size_t i = 0; i < c; i++) sum += x[i];
    float mean = sum / (float)c, var = 0;
    for (size_t i = 0; i < c; i++) { float d = x[i] - mean; var += d * d; }
    float inv = 1 / sqrtf(var / (float)c + eps);
    for (size_t i = 0; i < c; i++) y[i] = (x[i] - mean) * inv * g[i] + b[i];
}

#if GK_X86
GK_AVX2 static void layernorm_row_avx2(const float *x, size_t c, const float *g, const float *b, float eps,
                                       float *y) {
    size_t body = c & ~(size_t)7;
    __m256 sv = _mm256_setzero_ps();
    for (size_t i = 0; i < body; i += 8) sv = _mm256_add_ps(sv, _mm256_loadu_ps(x + i));
    float sum = gk_hsum256(sv);
    for (size_t i = body; i < c; i++) sum += x[i];
    float mean = sum / (float)c;
    __m256 mb = _mm256_set1_ps(mean), qv = _mm256_setzero_ps();
    for (size_t i = 0; i < body; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), mb);
        qv = _mm256_fmadd_ps(d, d, qv);
    }
    float var = gk_hsum256(qv);
    for (size_t i = body; i < c; i++) { float d = x[i] - mean; var += d * d; }
    float inv = 1 / sqrtf(var / (float)c + eps);
    __m256 iv = _mm256_set1_ps(inv);
    for (size_t i = 0; i < body; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mb), iv);
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(v, _mm256_loadu_ps(g + i), _mm256_loadu_ps(b + i)));
    }
    for (size_t i = body; i < c; i++) y[i] = (x[i] - mean) * inv * g[i] + b[i];
}

GK_AVX512 static void layernorm_row_avx512(const float *x, size_t c, const float *g, const float *b, float eps,
                                           float *y) {
    __m512 sv = _mm512_setzero_ps();
    for (size_t i = 0; i < c; i += 16) {
        __mmask16 k = c - i >= 16 ? 0xffff : gk_mask16(c - i);
        sv = _mm512_add_ps(sv, _mm512_maskz_loadu_ps(k, x + i));
    }
    float mean = _mm512_reduce_add_ps(sv) / (float)c;
    __m512 mb = _mm512_set1_ps(mean), qv = _mm512_setzero_ps();
    for (size_t i = 0; i < c; i += 16) {
        __mmask16 k = c - i >= 16 ? 0xffff : gk_mask16(c - i);
        __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), mb);
        qv = _mm512_fmadd_ps(d, d, qv);
    }
    float inv = 1 / sqrtf(_mm512_reduce_add_ps(qv) / (float)c + eps);
    __m512 iv = _mm512_set1_ps(inv);
    for (size_t i = 0; i < c; i += 16) {
        __mmask16 k = c - i >= 16 ? 0xffff : gk_mask16(c - i);
        __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mb), iv);
        __m512 out = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(k, g + i), _mm512_maskz_loadu_ps(k, b + i));
        _mm512_mask_storeu_ps(y + i, k, out);
    }
}
#endif

void gk_layernorm(const float *x, size_t rows, size_t c, const float *gain, const float *bias, float eps,
                  float *y) {
    int level = gk_simd_active();
    for (size_t r = 0; r < rows; r++) {
#if GK_X86
        if (level >= GK_SIMD_AVX512) { layernorm_row_avx512(x + r * c, c, gain, bias, eps, y + r * c); continue; }
        if (level >= GK_SIMD_AVX2) { layernorm_row_avx2(x + r * c, c, gain, bias, eps, y + r * c); continue; }
#endif
        (void)level;
        layernorm_row_portable(x + r * c, c, gain, bias, eps, y + r * c);
    }
}
