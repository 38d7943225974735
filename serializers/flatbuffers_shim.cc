// flatbuffers_shim.cc - the C entry to FlatBuffers (serializers/flatbuffers_shim.h):
// builds, verifies and reads a Results buffer with the code flatc generates from
// proto/results.fbs. The one C++ file of the format, kept to library calls; what a
// file must hold and every message are in flatbuffers.c. docs/ARCHITECTURE.md says why.
#include "flatbuffers_shim.h"

#include "results_generated.h"

#include <new>

namespace fb = forkcollect::fb;

extern "C" const char *fc_fb_version(void)
{
#define FC_FB_STR2(x) #x
#define FC_FB_STR(x) FC_FB_STR2(x)
    return FC_FB_STR(FLATBUFFERS_VERSION_MAJOR) "." FC_FB_STR(FLATBUFFERS_VERSION_MINOR) "." FC_FB_STR(
        FLATBUFFERS_VERSION_REVISION);
}

extern "C" int fc_fb_build(const uint64_t *keys, const double *values, size_t n,
                           fc_buffer *out, fc_error *err)
{
    try {
        // Room for both vectors and the tables at once: one allocation.
        flatbuffers::FlatBufferBuilder b(16 * n + 128);
        b.ForceDefaults(true); // count is written even when 0
        auto k = b.CreateVector(keys, n);
        auto v = b.CreateVector(values, n);
        fb::FinishResultsBuffer(b, fb::CreateResults(b, n, k, v));
        return fc_buffer_append(out, b.GetBufferPointer(), b.GetSize(), err);
    } catch (const std::bad_alloc &) {
        return fc_fail(err, FC_ENOMEM, 0, "flatbuffers: out of memory building %zu records", n);
    }
}

extern "C" int fc_fb_verify(const uint8_t *data, size_t len)
{
    // One table, no nesting: limits far below the defaults (64 deep, a million tables).
    flatbuffers::Verifier::Options opts;
    opts.max_depth = 4;
    opts.max_tables = 4;
    flatbuffers::Verifier v(data, len, opts);
    return fb::VerifyResultsBuffer(v) ? 1 : 0;
}

extern "C" void fc_fb_read(const uint8_t *data, fc_fb_view *view)
{
    const fb::Results *r = fb::GetResults(data);
    const flatbuffers::Vector<uint64_t> *k = r->keys();
    const flatbuffers::Vector<double> *v = r->values();
    view->count = r->count();
    view->nkeys = k ? k->size() : 0;
    view->nvalues = v ? v->size() : 0;
    view->keys_at = k ? static_cast<size_t>(k->Data() - data) : 0;
    view->values_at = v ? static_cast<size_t>(v->Data() - data) : 0;
}
