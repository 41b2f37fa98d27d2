// writer.cpp - .safetensors -> .zstn container and (with a base) .z4dm model delta.
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "codec/effort.hpp"
#include "codec/encoder.hpp"
#include "container/container.hpp"
#include "dtype/dtype.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"
#include "util/thread_pool.hpp"

namespace z4ai {

void MemorySink::write(const uint8_t* data, size_t n) {
    if (n > capacity_ - written)
        fail(Code::dst_too_small, "output buffer of " + std::to_string(capacity_) + " bytes is too small");
    if (n) std::memcpy(dst_ + written, data, n);
    written += n;
}

InputKind detect_input_kind(Bytes prefix, uint64_t total_size) {
    if (prefix.size() >= 4) {
        if (std::memcmp(prefix.data(), kFrameMagic, 4) == 0) return InputKind::frame;
        if (std::memcmp(prefix.data(), kContainerMagic, 4) == 0) return InputKind::container;
        if (std::memcmp(prefix.data(), kModelDeltaMagic, 4) == 0) return InputKind::model_delta;
    }
    if (looks_like_safetensors(prefix, total_size)) return InputKind::safetensors;
    return InputKind::unknown;
}

namespace {

using Digest = std::array<uint8_t, 16>;
struct DigestHash {
    size_t operator()(const Digest& d) const noexcept { return load_u64(d.data()); }
};

Bytes tensor_bytes(Bytes file, const SafetensorsLayout& L, const TensorDesc& t) {
    return file.subspan(static_cast<size_t>(L.header_size + t.begin), static_cast<size_t>(t.size()));
}

// Fraction of sampled elements whose sign, exponent and top mantissa bits agree:
// near 1 for the same tensor a few training steps apart, small for unrelated ones.
double similarity(Bytes a, Bytes b, unsigned width) {
    size_t n = a.size() / width;
    if (n == 0) return 0;
    size_t samples = std::min<size_t>(n, 2048);
    unsigned keep_bits = width == 1 ? 8 : width == 2 ? 10 : width == 4 ? 13 : 16;
    unsigned shift = 8 * width - keep_bits;
    size_t agree = 0;
    for (size_t k = 0; k < samples; ++k) {
        size_t i = k * (n / samples);
        uint64_t x = 0, y = 0;
        std::memcpy(&x, a.data() + i * width, width);
        std::memcpy(&y, b.data() + i * width, width);
        if (((x ^ y) >> shift) == 0) ++agree;
    }
    return double(agree) / double(samples);
}

// How much two tensor names share at both ends, in [0, 1]: a renamed tensor keeps
// its layer path and suffix ("layer.3.attention.self.query.weight" ->
// "layer.3.attention.self.q_proj.weight"), which breaks ties between equally
// similar candidates (e.g. LayerNorm weights of different layers).
double name_affinity(std::string_view a, std::string_view b) {
    size_t n = std::min(a.size(), b.size()), pre = 0, suf = 0;
    while (pre < n && a[pre] == b[pre]) ++pre;
    while (suf < n - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
    size_t longest = std::max(a.size(), b.size());
    return longest ? double(pre + suf) / double(longest) : 0.0;
}

struct Job {
    size_t tensor;
    Bytes data;
    Bytes reference;  // non-empty for base_delta
    Buffer frame;
};

void encode_job(Encoder& enc, const EncodeConfig& base, long long threads, const TensorDesc& t, Job& job) {
    enc.config = base;
    enc.config.threads = threads;
    enc.config.dtype = t.dtype;
    enc.config.ndim = 0;
    enc.config.dims = {};
    if (!t.dims.empty() && t.dims.size() <= kMaxDims) {
        enc.config.ndim = static_cast<unsigned>(t.dims.size());
        for (size_t k = 0; k < t.dims.size(); ++k) enc.config.dims[k] = t.dims[k];
        // The frame records bytes: F4's last dimension counts two values per byte (its
        // torch storage shape); when that is odd the frame records no shape.
        if (t.dtype == kPackedFp4Code) {
            if (t.dims.back() % 2 == 0)
                enc.config.dims[t.dims.size() - 1] /= 2;
            else
                enc.config.ndim = 0;
        }
    }
    auto run = [&](bool with_ref, Buffer& out) {
        enc.config.reference = with_ref ? job.reference.data() : nullptr;
        enc.config.reference_size = with_ref ? job.reference.size() : 0;
        enc.config.has_reference = with_ref;
        out.resize(Encoder::bound(job.data.size()));
        out.resize(enc.compress(out.data(), out.size(), job.data));
    };
    if (job.reference.empty()) {
        run(false, job.frame);
        return;
    }
    run(true, job.frame);
    // Each chunk already chose between delta and no delta; when the delta barely
    // helped, the plain frame (no 24-byte reference record) may still be smaller.
    if (job.frame.size() * 10 > job.data.size() * 9) {
        Buffer fresh;
        run(false, fresh);
        if (fresh.size() <= job.frame.size()) {
            job.frame.swap(fresh);
            job.reference = {};
        }
    }
}

class TensorEncoder {
   public:
    explicit TensorEncoder(const ContainerOptions& o) : options_(o) {
        threads_ = resolve_thread_count(o.encode.threads);
        if (threads_ > 1) pool_ = std::make_unique<ThreadPool>(threads_);
        workers_.resize(threads_);
        for (auto& w : workers_) w = std::make_unique<Encoder>();
    }

    // Encodes a batch: big tensors one after another with all threads inside the
    // frame, then the small ones in parallel, one per thread.
    void encode(std::vector<Job>& jobs, const std::vector<const TensorDesc*>& descs) {
        const uint64_t chunk = uint64_t(1) << chunk_log_for(options_.encode);
        std::vector<size_t> small;
        for (size_t k = 0; k < jobs.size(); ++k) {
            if (threads_ > 1 && jobs[k].data.size() >= 2 * chunk * threads_)
                encode_job(*workers_[0], options_.encode, threads_, *descs[k], jobs[k]);
            else
                small.push_back(k);
        }
        auto fn = [&](size_t s, unsigned w) {
            size_t k = small[s];
            encode_job(*workers_[w], options_.encode, 1, *descs[k], jobs[k]);
        };
        if (pool_ && small.size() > 1)
            pool_->parallel_for(small.size(), fn);
        else
            for (size_t s = 0; s < small.size(); ++s) fn(s, 0);
    }

    Encoder& main() { return *workers_[0]; }
    unsigned threads() const { return threads_; }

   private:
    const ContainerOptions& options_;
    unsigned threads_ = 1;
    std::unique_ptr<ThreadPool> pool_;
    std::vector<std::unique_ptr<Encoder>> workers_;
};

uint64_t write_impl(Bytes file, Bytes base, bool delta, const ContainerOptions& o, Sink& out) {
    const uint64_t start = out.written;
    SafetensorsLayout L = parse_safetensors(file, file.size());
    SafetensorsLayout B;
    if (delta) B = parse_safetensors(base, base.size());
    const size_t T = L.tensors.size();
    if (T > 0xFFFFFFFFu) fail(Code::src_too_large, "too many tensors");

    ContainerIndex index;
    index.model_delta = delta;
    index.file_size = file.size();
    index.header_size = L.header_size;
    index.tensor_count = static_cast<uint32_t>(T);
    index.header_bytes.append(file.data(), static_cast<size_t>(L.header_size));
    index.entries.resize(T);

    // ---- plan: which tensors need a frame, and against what
    std::vector<Digest> digest(T);
    for (size_t i = 0; i < T; ++i)
        if (L.tensors[i].size()) {
            Bytes d = tensor_bytes(file, L, L.tensors[i]);
            digest[i] = digest128(d.data(), d.size());
        }
    std::unordered_map<std::string_view, size_t> base_by_name;
    std::unordered_map<Digest, size_t, DigestHash> base_by_digest;
    std::vector<Digest> base_digest(B.tensors.size());
    if (delta) {
        for (size_t j = 0; j < B.tensors.size(); ++j) {
            base_by_name.emplace(B.tensors[j].name, j);
            if (!B.tensors[j].size()) continue;
            Bytes d = tensor_bytes(base, B, B.tensors[j]);
            base_digest[j] = digest128(d.data(), d.size());
            base_by_digest.emplace(base_digest[j], j);
        }
    }
    std::unordered_map<Digest, size_t, DigestHash> seen;
    std::vector<int64_t> reference(T, -1);
    for (size_t i = 0; i < T; ++i) {
        const TensorDesc& t = L.tensors[i];
        TensorEntry& e = index.entries[i];
        if (!t.size()) {
            e.method = TensorMethod::empty;
            continue;
        }
        Bytes data = tensor_bytes(file, L, t);
        int64_t cand = -1;
        if (delta) {
            auto it = base_by_name.find(t.name);
            if (it != base_by_name.end()) {
                const TensorDesc& b = B.tensors[it->second];
                if (b.dtype == t.dtype && b.size() == t.size()) {
                    if (base_digest[it->second] == digest[i] &&
                        std::memcmp(tensor_bytes(base, B, b).data(), data.data(), data.size()) == 0) {
                        e.method = TensorMethod::base_copy;
                        e.ref = static_cast<uint32_t>(it->second);
                        continue;
                    }
                    cand = static_cast<int64_t>(it->second);
                }
            }
            auto dg = base_by_digest.find(digest[i]);
            if (dg != base_by_digest.end() && B.tensors[dg->second].size() == t.size() &&
                std::memcmp(tensor_bytes(base, B, B.tensors[dg->second]).data(), data.data(), data.size()) ==
                    0) {
                e.method = TensorMethod::base_copy;
                e.ref = static_cast<uint32_t>(dg->second);
                continue;
            }
        }
        if (o.tensor_dedup) {
            auto [it, inserted] = seen.emplace(digest[i], i);
            if (!inserted && L.tensors[it->second].size() == t.size() &&
                std::memcmp(tensor_bytes(file, L, L.tensors[it->second]).data(), data.data(), data.size()) ==
                    0) {
                e.method = TensorMethod::same;
                e.ref = static_cast<uint32_t>(it->second);
                continue;
            }
        }
        if (delta && cand < 0 && o.match_by_content) {
            // Renamed and changed: the most similar base tensor of the same dtype and size.
            // Content decides (more than half the samples must agree); the name only
            // breaks near-ties.
            unsigned width = dtype_info(t.dtype)->width;
            double best = -1;
            size_t tried = 0;
            for (size_t j = 0; j < B.tensors.size() && tried < 512; ++j) {
                const TensorDesc& b = B.tensors[j];
                if (b.dtype != t.dtype || b.size() != t.size()) continue;
                ++tried;
                double s = similarity(data, tensor_bytes(base, B, b), width);
                if (s <= 0.5) continue;
                double score = s + 0.05 * name_affinity(t.name, b.name);
                if (score > best) {
                    best = score;
                    cand = static_cast<int64_t>(j);
                }
            }
        }
        reference[i] = cand;
        e.method = cand >= 0 ? TensorMethod::base_delta : TensorMethod::frame;
        e.ref = cand >= 0 ? static_cast<uint32_t>(cand) : 0;
    }

    // ---- frames, in tensor order, encoded in bounded batches
    Buffer prefix;
    write_container_prefix(delta, prefix);
    out.write(prefix.data(), prefix.size());
    TensorEncoder enc(o);
    const uint64_t batch_budget = uint64_t(64) << 20;
    size_t i = 0;
    while (i < T) {
        std::vector<Job> jobs;
        std::vector<const TensorDesc*> descs;
        uint64_t bytes = 0;
        for (; i < T && (jobs.empty() || (bytes < batch_budget * enc.threads() && jobs.size() < 1024)); ++i) {
            TensorEntry& e = index.entries[i];
            if (e.method != TensorMethod::frame && e.method != TensorMethod::base_delta) continue;
            const TensorDesc& t = L.tensors[i];
            Job job;
            job.tensor = i;
            job.data = tensor_bytes(file, L, t);
            if (reference[i] >= 0)
                job.reference = tensor_bytes(base, B, B.tensors[static_cast<size_t>(reference[i])]);
            bytes += t.size();
            jobs.push_back(std::move(job));
            descs.push_back(&t);
        }
        enc.encode(jobs, descs);
        for (Job& job : jobs) {
            TensorEntry& e = index.entries[job.tensor];
            if (job.reference.empty() && e.method == TensorMethod::base_delta) {
                e.method = TensorMethod::frame;
                e.ref = 0;
            }
            e.frame_offset = out.written - start;
            e.frame_size = job.frame.size();
            out.write(job.frame.data(), job.frame.size());
        }
    }

    // ---- bytes no tensor covers (alignment padding), kept verbatim
    if (L.gap_bytes) {
        Buffer gaps;
        for (const Gap& g : L.gaps)
            gaps.append(file.data() + L.header_size + g.begin, static_cast<size_t>(g.end - g.begin));
        Encoder& e = enc.main();
        e.config = o.encode;
        e.config.dtype = 0;
        e.config.ndim = 0;
        e.config.has_reference = false;
        e.config.reference = nullptr;
        e.config.reference_size = 0;
        Buffer frame(Encoder::bound(gaps.size()));
        frame.resize(e.compress(frame.data(), frame.size(), gaps.span()));
        index.gap_frame_offset = out.written - start;
        index.gap_frame_size = frame.size();
        out.write(frame.data(), frame.size());
    }

    if (delta) {
        index.base_file_size = base.size();
        index.base_digest = digest128(base.data(), base.size());
    }
    Buffer tail;
    uint64_t index_offset = out.written - start;
    write_container_index(index, delta ? base.first(static_cast<size_t>(B.header_size)) : Bytes{},
                          index_offset, tail);
    out.write(tail.data(), tail.size());
    return out.written - start;
}

}  // namespace

uint64_t container_bound(Bytes file) {
    SafetensorsLayout L = parse_safetensors(file, file.size());
    unsigned __int128 total = kContainerPrefixSize + kIndexFixedSize + kIndexBaseSize + kContainerTrailerSize;
    for (const TensorDesc& t : L.tensors) total += Encoder::bound(t.size());
    total += Encoder::bound(L.gap_bytes);
    total += ZSTD_COMPRESSBOUND(L.header_size) + ZSTD_COMPRESSBOUND(L.tensors.size() * kEntrySize) + 64;
    if (total > UINT64_MAX / 2) fail(Code::src_too_large, "input too large");
    return static_cast<uint64_t>(total);
}

uint64_t write_container(Bytes file, const ContainerOptions& options, Sink& out) {
    return write_impl(file, {}, false, options, out);
}

uint64_t write_model_delta(Bytes file, Bytes base, const ContainerOptions& options, Sink& out) {
    return write_impl(file, base, true, options, out);
}

}  // namespace z4ai
