#include "codec/stream_planner.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "entropy/fastx/fastx.hpp"
#include "entropy/huffman/huffman.hpp"

namespace z4ai {
namespace {

constexpr size_t kLzSample = 16 * 1024;
constexpr size_t kProbe = 4 * 1024;
constexpr size_t kProbes = 16;

// True when 16 evenly spaced 4 KiB probes all look like random bytes: trained
// mantissa planes do, and coding them cannot pay. Mixed planes (an fp32 chunk
// that is partly upcast or quantized) show low entropy in some probe.
// Entropy of one probe with a table of c*log2(c): no log2 calls in the loop.
double probe_entropy(const uint8_t* p) {
    static const std::vector<float> clogc = [] {
        std::vector<float> t(kProbe + 1, 0.0f);
        for (size_t c = 1; c <= kProbe; ++c) t[c] = static_cast<float>(double(c) * std::log2(double(c)));
        return t;
    }();
    uint32_t h[4][256] = {};
    for (size_t i = 0; i < kProbe; i += 4) {
        ++h[0][p[i]];
        ++h[1][p[i + 1]];
        ++h[2][p[i + 2]];
        ++h[3][p[i + 3]];
    }
    double sum = 0;
    for (int s = 0; s < 256; ++s) sum += clogc[h[0][s] + h[1][s] + h[2][s] + h[3][s]];
    return std::log2(double(kProbe)) - sum / double(kProbe);
}

bool looks_random(Bytes in) {
    if (in.size() < 2 * kProbes * kProbe) return false;
    const size_t step = (in.size() - kProbe) / (kProbes - 1);
    for (size_t i = 0; i < kProbes; ++i)
        if (probe_entropy(in.data() + i * step) < 7.9) return false;
    return true;
}

struct Best {
    BackendId id = BackendId::stored;
    size_t size;
};

// Encodes with `id` into ws.stream_trial; if smaller than `keep_below` x the best
// so far, moves it to the end of out (replacing the previous best).
void try_backend(BackendId id, Bytes in, const LzOptions& o, ChunkWorkspace& ws, size_t base, Buffer& out,
                 Best& best, double keep_below = 1.0) {
    ws.stream_trial.clear();
    encode_stream(id, in, o, ws.entropy, ws.stream_trial);
    if (double(ws.stream_trial.size()) < keep_below * double(best.size)) {
        out.resize(base);
        out.append(ws.stream_trial.data(), ws.stream_trial.size());
        best = {id, ws.stream_trial.size()};
    }
}

size_t trial_size(BackendId id, Bytes in, const LzOptions& o, ChunkWorkspace& ws) {
    ws.stream_trial.clear();
    encode_stream(id, in, o, ws.entropy, ws.stream_trial);
    return std::min(ws.stream_trial.size(), in.size());
}

}  // namespace

uint8_t plan_stream(Bytes in, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out) {
    const size_t base = out.size();
    Best best{BackendId::stored, in.size()};
    LzOptions o = policy.lz_options;
    if (policy.use_fastx) {
        if (looks_random(in)) {
            out.append(in.data(), in.size());
            return static_cast<uint8_t>(BackendId::stored);
        }
        // Escape codes cost a few % more than Huffman on a trained exponent
        // plane, which the fast tier accepts for decode speed. Where they fit
        // badly it falls back to Huffman: when the escape code is 10% above the
        // segments' order-0 entropy (what per-segment Huffman approaches).
        double order0 = 0;
        fastx::encode(in, o.fastx_segment_log, out, &order0);
        best = {BackendId::fastx, out.size() - base};
        if (double(best.size) > 1.10 * order0 + 64)
            try_backend(BackendId::huffman, in, o, ws, base, out, best);
        if (best.size >= in.size()) {
            out.resize(base);
            best = {BackendId::stored, in.size()};
        }
    } else {
        if (!policy.exhaustive && looks_random(in)) {
            out.append(in.data(), in.size());
            return static_cast<uint8_t>(BackendId::stored);
        }
        // First candidate: encoded straight into out (no copy).
        huffman::encode(in, huffman::kDefaultSegmentLog, out);
        if (out.size() - base < best.size)
            best = {BackendId::huffman, out.size() - base};
        else
            out.resize(base);
    }

    {
        // zstd only pays on streams with repeats (fp16 planes, integers): decide on
        // a sample unless the stream is small.
        // The sample runs zstd at level <= 1 (it only has to show repeats).
        bool run = true;
        if (in.size() > 4 * kLzSample) {
            Bytes s = in.subspan((in.size() - kLzSample) / 2, kLzSample);
            LzOptions quick = o;
            quick.zstd_level = std::min(o.zstd_level, 1);
            const size_t z = trial_size(BackendId::zstd, s, quick, ws);
            // The fast tier pays zstd's slower decode only for a clear gain. The
            // others run zstd in full even when the sample (zstd-1, 16 KiB, no
            // long-range matches) is up to 1% behind: fp16's high plane is such a
            // case, where zstd-3 on the whole stream beats Huffman by ~0.5%.
            const BackendId first = policy.use_fastx ? BackendId::fastx : BackendId::huffman;
            const size_t h = trial_size(first, s, o, ws);
            run = z * 100 < h * (policy.use_fastx ? 90 : 101);
        }
        if (run) try_backend(BackendId::zstd, in, o, ws, base, out, best);
    }

    if (policy.exhaustive) {
        for (unsigned log = huffman::kMinSegmentLog; log <= huffman::kMaxSegmentLog; ++log) {
            if (log == huffman::kDefaultSegmentLog) continue;
            o.huffman_segment_log = log;
            try_backend(BackendId::huffman, in, o, ws, base, out, best);
        }
        // The slow coders run in full only where a 16 KiB sample shows them
        // strictly better than the best so far (keeps max at a few MB/s, not
        // minutes per file).
        Bytes s = in.size() > 2 * kLzSample ? in.subspan((in.size() - kLzSample) / 2, kLzSample) : in;
        LzOptions strong = policy.lz_options;
        strong.zstd_level = policy.max_zstd_level;
        for (BackendId id : {BackendId::zstd, BackendId::brotli}) {
            bool run = true;
            if (s.size() < in.size()) {
                const double best_ratio = double(best.size) / double(in.size());
                run = double(trial_size(id, s, strong, ws)) < best_ratio * double(s.size());
            }
            // Brotli decodes at ~0.3-0.4 GB/s, several times slower than the
            // rest: it must save at least 1% of the stream to be kept.
            if (run) try_backend(id, in, strong, ws, base, out, best, id == BackendId::brotli ? 0.99 : 1.0);
        }
    }
    // Outside the max tier a near-random stream (a mantissa plane with a little
    // structure: ~8-bit codes, ~1 symbol per Huffman lookup, zstd literals
    // alike) decodes several times slower coded than stored: it stays coded
    // only if that saves at least 1.5%.
    if (!policy.exhaustive && double(best.size) > 0.985 * double(in.size())) best.id = BackendId::stored;
    if (best.id == BackendId::stored) {
        out.resize(base);
        out.append(in.data(), in.size());
    }
    return static_cast<uint8_t>(best.id);
}

}  // namespace z4ai
