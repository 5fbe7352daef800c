// The read-bandwidth probe of `gptls-tools bench`: a sum over a buffer, loaded the way the decode kernels load their
// weights (full-width vectors, four independent accumulators), so the roofline it gives is one the kernels can
// reach. The loop in Swift it replaced compiled to 16-byte loads and under-read an AVX-512 host by a fifth (27 against
// 35 GB/s), so decode seemed to beat the roofline.
#include "CKernels.h"
#include "simd.h"

static float read_portable(const float *x, size_t n) {
    float s[4] = {0, 0, 0, 0};
    for (size_t i = 0; i + 4 <= n; i += 4) {
        for (int l = 0; l < 4; l++) s[l] += x[i + l];
    }
    return s[0] + s[1] + s[2] + s[3];
}

#if GK_X86
GK_AVX512 static float read_avx512(const float *x, size_t n) {
    __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
    for (size_t i = 0; i + 64 <= n; i += 64) {
        a = _mm512_add_ps(a, _mm512_loadu_ps(x + i));
        b = _mm512_add_ps(b, _mm512_loadu_ps(x + i + 16));
        c = _mm512_add_ps(c, _mm512_loadu_ps(x + i + 32));
        d = _mm512_add_ps(d, _mm512_loadu_ps(x + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
}

GK_AVX2 static float read_avx2(const float *x, size_t n) {
    __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
    for (size_t i = 0; i + 32 <= n; i += 32) {
        a = _mm256_add_ps(a, _mm256_loadu_ps(x + i));
        b = _mm256_add_ps(b, _mm256_loadu_ps(x + i + 8));
        c = _mm256_add_ps(c, _mm256_loadu_ps(x + i + 16));
        d = _mm256_add_ps(d, _mm256_loadu_ps(x + i + 24));
    }
    return gk_hsum256(_mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
}
#endif

float gk_read_probe(const float *x, size_t n) {
#if GK_X86
    // The widest loads the CPU has, whatever path the kernels are capped to: the probe measures the machine.
    int level = gk_simd_supported();
    if (level >= GK_SIMD_AVX512) return read_avx512(x, n);
    if (level >= GK_SIMD_AVX2) return read_avx2(x, n);
#endif
    return read_portable(x, n);
}
