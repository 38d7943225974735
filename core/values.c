/* values.c - the standard value sets that roundtrip, compare and the tests use. */
#include "forkcollect.h"

#include <float.h>
#include <math.h>
#include <string.h>

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* splitmix64: a bijection of its input, so distinct i give distinct keys. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static const uint64_t edge_bits[] = {
    0x0000000000000000u, 0x8000000000000000u,  /* +0.0, -0.0 */
    0x0000000000000001u, 0x8000000000000001u,  /* smallest subnormals 5e-324 */
    0x000fffffffffffffu, 0x800fffffffffffffu,  /* largest subnormals */
    0x0010000000000000u, 0x8010000000000000u,  /* smallest normals */
    0x7fefffffffffffffu, 0xffefffffffffffffu,  /* +-DBL_MAX */
    0x7ff0000000000000u, 0xfff0000000000000u,  /* +-Inf */
    0x7ff8000000000000u,                       /* NaN (the quiet one Python makes) */
    0x3ff0000000000000u, 0xbff0000000000000u,  /* +-1.0 */
    0x3fb999999999999au,                       /* 0.1 */
    0x3fd3333333333334u,                       /* 0.30000000000000004: 17 digits */
    0x3fd5555555555555u,                       /* 1/3 */
    0x4340000000000000u, 0x4340000000000001u,  /* 2^53, 2^53+2 */
    0x433fffffffffffffu,                       /* 2^53-1: largest odd integral */
    0x4341c37937e08000u,                       /* 1e16: first exponent form */
    0x430c6bf526340000u,                       /* 1e15: last positional integral */
    0x3f1a36e2eb1c432du,                       /* 0.0001: last positional small */
    0x3ee4f8b588e368f1u,                       /* 1e-05: first exponent form */
    0x44b52d02c7e14af6u,                       /* 1e23 */
    0x41531248e256cef0u,                       /* calc(1, 10M) = 4999459.536548361 */
    0x7e37e43c8800759cu,                       /* 1e300 */
    0x0000000000000400u,                       /* a subnormal with few digits */
};

int fc_values_make(enum fc_values kind, size_t count, uint64_t arg, fc_dataset *out,
                   fc_error *err)
{
    int rc = 0;
    switch (kind) {
    case FC_VALUES_EXERCISE:
        if ((rc = fc_dataset_reserve(out, out->count + count, err)) != 0)
            return rc;
        for (size_t i = 0; i < count && rc == 0; i++)
            rc = fc_dataset_push(out, i + 1, fc_calc(i + 1, arg), err);
        return rc;
    case FC_VALUES_EDGE: {
        size_t n = sizeof edge_bits / sizeof edge_bits[0];
        for (size_t i = 0; i < n && rc == 0; i++) {
            /* Keys: 0, 2^64-1, then small, 2^32 and 2^53 neighbours. */
            uint64_t key = i == 0 ? 0 : i == 1 ? UINT64_MAX : i == 2 ? 4294967296u
                         : i == 3 ? 9007199254740993u : i;
            rc = fc_dataset_push(out, key, from_bits(edge_bits[i]), err);
        }
        return rc;
    }
    case FC_VALUES_RANDOM:
        if ((rc = fc_dataset_reserve(out, out->count + count, err)) != 0)
            return rc;
        for (size_t i = 0; i < count && rc == 0; i++) {
            double v = from_bits(splitmix64(arg * 0x100000001b3u + 2 * i + 1));
            if (isnan(v))
                v = NAN;
            rc = fc_dataset_push(out, splitmix64(arg ^ splitmix64(i)), v, err);
        }
        return rc;
    }
    return fc_fail(err, FC_EINVAL, 0, "unknown value set %d", (int)kind);
}
