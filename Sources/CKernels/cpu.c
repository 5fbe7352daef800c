// Which SIMD path the kernels take: detected once from cpuid and the OS's saved register state (xgetbv).
#include "CKernels.h"
#include "simd.h"

#if GK_X86
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/// AVX-VNNI (VEX-encoded vpdpbusd on ymm): cpuid leaf 7, subleaf 1, eax bit 4.
static int detect_avx_vnni(void) {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 4) & 1);
}

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return GK_SIMD_PORTABLE;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma) return GK_SIMD_PORTABLE;
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return GK_SIMD_PORTABLE;  // the OS saves xmm and ymm
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return GK_SIMD_PORTABLE;
    if (!((b >> 5) & 1)) return GK_SIMD_PORTABLE;  // AVX2
    int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    // AVX-512 also needs the OS to save opmask and zmm state (xcr0 bits 5-7).
    if (!(f && dq && bw && vl) || (xcr0 & 0xe6) != 0xe6) return detect_avx_vnni() ? GK_SIMD_AVX_VNNI : GK_SIMD_AVX2;
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1)) return GK_SIMD_AVX512_BF16;
    return GK_SIMD_AVX512;
}

/// AVX-512 VNNI (vpdpbusd), which the int8 kernels use on top of the AVX-512 path.
static int detect_vnni(void) {
    unsigned a, b, c, d;
    if (detect() < GK_SIMD_AVX512 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (c >> 11) & 1;
}

/// The path taken unless capped: the widest, except on Intel cores, where the bf16 panels are faster widened to fp32
/// FMAs than with vdpbf16ps (Xeon of family 6 model 207: prefill 1.5-1.7x, batch-8 decode 1.35x, batch-1 the same;
/// their two 512-bit FMA units match vdpbf16ps's rate, and the activations stay fp32). AMD's Zen 4 runs a 512-bit FMA
/// at half that rate, and vdpbf16ps wins there (journal, 2026-11-23 and 2026-12-07).
static int preferred(void) {
    int level = gk_simd_supported();
    unsigned a, b, c, d;
    if (level < GK_SIMD_AVX512_BF16 || !__get_cpuid(0, &a, &b, &c, &d)) return level;
    int intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;  // "GenuineIntel"
    return intel ? GK_SIMD_AVX512 : level;
}
#else
static int detect(void) { return GK_SIMD_PORTABLE; }
static int detect_avx_vnni(void) { return 0; }
static int detect_vnni(void) { return 0; }
static int preferred(void) { return GK_SIMD_PORTABLE; }
#endif

static int supported = -1;
static int active = -1;
static int vnni = -1;
static int avx_vnni = -1;

int gk_simd_supported(void) {
    int s = __atomic_load_n(&supported, __ATOMIC_RELAXED);
    if (s < 0) {
        s = detect();
        __atomic_store_n(&supported, s, __ATOMIC_RELAXED);
    }
    return s;
}

int gk_simd_active(void) {
    int a = __atomic_load_n(&active, __ATOMIC_RELAXED);
    if (a < 0) {
        a = preferred();
        __atomic_store_n(&active, a, __ATOMIC_RELAXED);
    }
    return a;
}

int gk_simd_has_vnni(void) {
    int v = __atomic_load_n(&vnni, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect_vnni();
        __atomic_store_n(&vnni, v, __ATOMIC_RELAXED);
    }
    return v;
}

static int has_avx_vnni(void) {
    int v = __atomic_load_n(&avx_vnni, __ATOMIC_RELAXED);
    if (v < 0) {
        v = gk_simd_supported() >= GK_SIMD_AVX2 && detect_avx_vnni();
        __atomic_store_n(&avx_vnni, v, __ATOMIC_RELAXED);
    }
    return v;
}

int gk_simd_runs(int level) {
    return level >= GK_SIMD_PORTABLE && level <= gk_simd_supported() && (level != GK_SIMD_AVX_VNNI || has_avx_vnni());
}

int gk_limit_simd(int level) {
    int s = gk_simd_supported();
    int a = level < GK_SIMD_PORTABLE ? GK_SIMD_PORTABLE : (level > s ? s : level);
    if (a == GK_SIMD_AVX_VNNI && !has_avx_vnni()) a = GK_SIMD_AVX2;
    __atomic_store_n(&active, a, __ATOMIC_RELAXED);
    return a;
}
