#include "codec/stream_planner.hpp"

#include <cmath>
#include <cstring>

#include "entropy/huffman/huffman.hpp"

namespace z4ai {
namespace {

constexpr size_t kSample = 64 * 1024;

// Order-0 entropy in bits per byte; streams above ~7.9 bits are not worth an LZ pass.
double entropy_bits_per_byte(Bytes in) {
    uint32_t hist[4][256] = {};
    size_t n = in.size(), i = 0;
    const uint8_t* p = in.data();
    for (; i + 4 <= n; i += 4) {
        ++hist[0][p[i]];
        ++hist[1][p[i + 1]];
        ++hist[2][p[i + 2]];
        ++hist[3][p[i + 3]];
    }
    for (; i < n; ++i) ++hist[0][p[i]];
    double bits = 0;
    for (int s = 0; s < 256; ++s) {
        double c = double(hist[0][s]) + hist[1][s] + hist[2][s] + hist[3][s];
        if (c > 0) bits -= c * std::log2(c / double(n));
    }
    return bits / double(n);
}

struct Best {
    BackendId id = BackendId::stored;
    size_t size;
};

// Encodes with `id` into ws.stream_trial; if smaller than the best so far, moves
// it to the end of out (replacing the previous best).
void try_backend(BackendId id, Bytes in, const LzOptions& o, ChunkWorkspace& ws, size_t base, Buffer& out,
                 Best& best) {
    ws.stream_trial.clear();
    encode_stream(id, in, o, ws.entropy, ws.stream_trial);
    if (ws.stream_trial.size() < best.size) {
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

// A window from the middle of the stream (the start of a plane is often atypical).
Bytes sample_of(Bytes in) {
    if (in.size() <= 2 * kSample) return in;
    return in.subspan((in.size() - kSample) / 2, kSample);
}

}  // namespace

uint8_t plan_stream(Bytes in, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out) {
    const size_t base = out.size();
    Best best{BackendId::stored, in.size()};
    LzOptions o = policy.lz_options;
    if (policy.use_huffman) {
        // Huffman falls back to raw segments on flat data after one histogram,
        // so it doubles as the incompressibility test.
        o.huffman_segment_log = huffman::kDefaultSegmentLog;
        try_backend(BackendId::huffman, in, o, ws, base, out, best);
    } else if (policy.skip_incompressible && entropy_bits_per_byte(in) > 7.9) {
        out.append(in.data(), in.size());
        return static_cast<uint8_t>(BackendId::stored);
    }

    if (policy.use_lz) {
        // zstd only pays on streams with repeats (fp16 planes, integers): decide on
        // a sample unless the stream is small, or Huffman is off.
        bool run = true;
        Bytes s = sample_of(in);
        if (policy.use_huffman && s.size() < in.size()) {
            const size_t z = trial_size(policy.lz, s, o, ws);
            const size_t h = trial_size(BackendId::huffman, s, o, ws);
            run = z * 100 < h * 99;
        }
        if (run) try_backend(policy.lz, in, o, ws, base, out, best);
    }

    if (policy.exhaustive) {
        if (policy.use_huffman)
            for (unsigned log = huffman::kMinSegmentLog; log <= huffman::kMaxSegmentLog; ++log) {
                if (log == huffman::kDefaultSegmentLog) continue;
                o.huffman_segment_log = log;
                try_backend(BackendId::huffman, in, o, ws, base, out, best);
            }
        // The slow coders run in full only where a sample says they can win.
        Bytes s = sample_of(in);
        const double best_ratio = double(best.size) / double(in.size());
        LzOptions strong = policy.lz_options;
        strong.zstd_level = policy.max_zstd_level;
        for (BackendId id : {BackendId::zstd, BackendId::brotli}) {
            bool run = true;
            if (s.size() < in.size())
                run = double(trial_size(id, s, strong, ws)) < 1.02 * best_ratio * s.size();
            if (run) try_backend(id, in, strong, ws, base, out, best);
        }
    }
    if (best.id == BackendId::stored) {
        out.resize(base);
        out.append(in.data(), in.size());
    }
    return static_cast<uint8_t>(best.id);
}

}  // namespace z4ai
