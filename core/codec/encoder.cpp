#include "codec/encoder.hpp"

#include "codec/effort.hpp"
#include "codec/find_repeats.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "dtype/dtype.hpp"
#include "util/hash.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

// Chunks per worker thread in one batch of one-shot/streaming compression:
// staging memory is about kChunksPerWorker x threads x chunk size.
constexpr size_t kChunksPerWorker = 4;

// Writes into caller memory without ever passing its capacity.
struct Sink {
    uint8_t* dst;
    size_t capacity;
    size_t pos = 0;
    // The next n bytes of the output, for the caller to fill.
    uint8_t* reserve(size_t n) {
        if (n > capacity - pos)
            fail(Code::dst_too_small,
                 "output buffer of " + std::to_string(capacity) + " bytes is too small for the frame");
        uint8_t* at = dst + pos;
        pos += n;
        return at;
    }
    void put(const uint8_t* p, size_t n) {
        uint8_t* at = reserve(n);
        if (n) std::memcpy(at, p, n);
    }
};

}  // namespace

Encoder::Encoder() = default;
Encoder::~Encoder() = default;

size_t Encoder::bound(uint64_t src_size) noexcept {
    // Worst case: smallest chunks (4 KiB), each stored raw with a full block header
    // (16) + one-stream table (14) + a footer entry (8); header with 8 dims and a
    // reference (108) and the END block (16 + 28).
    uint64_t chunks = (src_size >> kMinChunkLog) + 1;
    unsigned __int128 total = (unsigned __int128)src_size + chunks * (16 + 14 + 8) + 108 + 44;
    if (total > SIZE_MAX) return 0;
    return static_cast<size_t>(total);
}

unsigned Encoder::thread_count() const noexcept { return resolve_thread_count(config.threads); }

void Encoder::ensure_workers(unsigned threads) {
    if (threads > 1 && (!pool_ || pool_->size() != threads)) pool_ = std::make_unique<ThreadPool>(threads);
    if (threads <= 1) pool_.reset();
    while (workspaces_.size() < threads) workspaces_.push_back(std::make_unique<ChunkWorkspace>());
    // Each resize may throw (out of memory): keep the two sizes checked apart.
    if (slots_.size() < kChunksPerWorker * threads) slots_.resize(kChunksPerWorker * threads);
    if (block_at_.size() < slots_.size()) block_at_.resize(slots_.size());
}

void Encoder::validate_shape(uint64_t content_size) const {
    if (!config.ndim) return;
    const DTypeInfo* d = dtype_info(config.dtype);
    unsigned __int128 elements = 1;
    for (unsigned i = 0; i < config.ndim; ++i) elements *= config.dims[i];
    if (elements * d->width != content_size)
        fail(Code::invalid_argument,
             "shape x dtype width (" + std::to_string((unsigned long long)(elements * d->width)) +
                 " bytes) does not match the content size " + std::to_string(content_size));
}

void Encoder::prepare(uint64_t content_size, bool size_known) {
    if (!dtype_info(config.dtype)) fail(Code::dtype_unknown, "unknown dtype code");
    if (size_known && content_size > kMaxContentSize)
        fail(Code::src_too_large, "input larger than 2^62 bytes");
    if (size_known) validate_shape(content_size);
    policy_ = make_policy(config);
    header_ = FrameHeader{};
    header_.dtype = config.dtype;
    header_.checksum = config.checksum;
    header_.content_size_known = size_known;
    header_.content_size = size_known ? content_size : 0;
    header_.chunk_log = chunk_log_for(config);
    header_.ndim = config.ndim;
    header_.dims = config.dims;
    header_.has_reference = config.has_reference;
    if (config.has_reference) {
        header_.reference_size = config.reference_size;
        header_.reference_digest = digest128(config.reference, config.reference_size);
    }
    entries_.clear();
    ensure_workers(thread_count());
}

void Encoder::encode_chunks(Bytes data, uint64_t offset, const std::vector<int64_t>* dup_of,
                            const std::vector<uint8_t>* keep, size_t first_block, const BlockSink& emit,
                            const std::vector<uint64_t>* starts) {
    const size_t chunk = header_.chunk_size();
    size_t count = (data.size() + chunk - 1) / chunk;
    if (starts) {
        count = 0;
        while (first_block + count < starts->size() && (*starts)[first_block + count] < offset + data.size())
            ++count;
    }
    // Block c of this call: [begin, begin + size) within data.
    auto range = [&](size_t c, size_t* begin, size_t* size) {
        if (!starts) {
            *begin = c * chunk;
            *size = std::min(chunk, data.size() - *begin);
            return;
        }
        size_t b = first_block + c;
        uint64_t end = b + 1 < starts->size() ? (*starts)[b + 1] : offset + data.size();
        *begin = static_cast<size_t>((*starts)[b] - offset);
        *size = static_cast<size_t>(end - (*starts)[b]);
    };
    // A batch gives each worker several chunks, taken dynamically, so one slow
    // chunk does not idle the others until the batch's blocks are emitted.
    const size_t per_batch = slots_.size();
    for (size_t batch = 0; batch < count; batch += per_batch) {
        size_t in_batch = std::min<size_t>(per_batch, count - batch);
        auto job = [&](size_t i, unsigned worker) {
            size_t c = batch + i;
            size_t begin, size;
            range(c, &begin, &size);
            Buffer& slot = slots_[i];
            slot.clear();
            size_t block = first_block + c;
            if (dup_of && (*dup_of)[block] >= 0) {
                encode_dup_block(static_cast<uint32_t>((*dup_of)[block]), Bytes(data.data() + begin, size),
                                 policy_.checksum, slot);
                return;
            }
            ChunkInput in;
            in.data = Bytes(data.data() + begin, size);
            uint64_t content_at = offset + begin;
            if (config.has_reference && content_at + size <= config.reference_size)
                in.reference = Bytes(config.reference + content_at, size);
            in.keep = keep && (*keep)[block];
            encode_chunk(in, policy_, *workspaces_[worker], slot);
        };
        if (pool_ && in_batch > 1)
            pool_->parallel_for(in_batch, job);
        else
            for (size_t i = 0; i < in_batch; ++i) job(i, 0);
        // The batch's blocks go to the output in order; the copies run on the
        // workers too (a serial copy of every block capped 2-thread scaling).
        size_t total = 0;
        for (size_t i = 0; i < in_batch; ++i) {
            block_at_[i] = total;
            total += slots_[i].size();
        }
        uint8_t* at = emit(total);
        auto copy = [&](size_t i, unsigned) {
            if (slots_[i].size()) std::memcpy(at + block_at_[i], slots_[i].data(), slots_[i].size());
        };
        if (pool_ && in_batch > 1)
            pool_->parallel_for(in_batch, copy);
        else
            for (size_t i = 0; i < in_batch; ++i) copy(i, 0);
        for (size_t i = 0; i < in_batch; ++i) {
            size_t begin, size;
            range(batch + i, &begin, &size);
            entries_.push_back({static_cast<uint32_t>(slots_[i].size()), static_cast<uint32_t>(size)});
        }
    }
}

size_t Encoder::compress(uint8_t* dst, size_t capacity, Bytes src) {
    if (started_) fail(Code::stage_wrong, "a streaming frame is in progress; reset the session first");
    prepare(src.size(), true);
    Sink sink{dst, capacity};
    Buffer head;
    write_header(header_, head);
    sink.put(head.data(), head.size());

    const size_t chunk = header_.chunk_size();

    // Block starts: the chunk grid, except that long repeats at any offset (a tied
    // embedding stored twice) get blocks cut at the same relative positions in
    // both copies, so the dedup below stores the second copy as DUP blocks.
    // Each repeat adds at most 4 blocks and is >= 1 chunk >= 32 KiB, which keeps
    // the block count inside what bound() allows. The scan visits every element
    // offset and cost ~90% of default-tier compression time (18 vs 170 MB/s on
    // MiniLM bf16), so only the max tier pays for it; containers dedup tied
    // tensors by digest at every tier.
    std::vector<uint64_t> starts;
    if (config.dedup && effort_params(config.effort).repeats_at_any_offset && chunk >= (size_t(1) << 15) &&
        src.size() >= 2 * chunk)
        starts = block_starts(src.size(), chunk, find_repeats(src, policy_.width, chunk));
    else
        for (uint64_t at = 0; at < src.size(); at += chunk) starts.push_back(at);
    const size_t count = starts.size();
    auto block_size = [&](size_t c) {
        return size_t((c + 1 < count ? starts[c + 1] : src.size()) - starts[c]);
    };

    // Block dedup: identical blocks (tied weights, repeated layers) are stored once
    // and referenced. The earlier copy is flagged KEEP so a streaming decoder knows
    // to retain it.
    std::vector<int64_t> dup_of;
    std::vector<uint8_t> keep;
    bool dedup = config.dedup && count > 1;
    if (dedup) {
        dup_of.assign(count, -1);
        keep.assign(count, 0);
        // Short blocks only where a repeat cut them (the grid's last block never matches).
        const bool grid = count == (src.size() + chunk - 1) / chunk;
        std::vector<uint64_t> digest(count);
        auto hash_block = [&](size_t c, unsigned) {
            digest[c] = hash64_seeded(src.data() + starts[c], block_size(c), block_size(c));
        };
        if (pool_)
            pool_->parallel_for(count, hash_block);
        else
            for (size_t c = 0; c < count; ++c) hash_block(c, 0);
        std::unordered_map<uint64_t, size_t> first_seen;
        first_seen.reserve(count);
        for (size_t c = 0; c < count; ++c) {
            size_t size = block_size(c);
            if (size != chunk && grid) continue;
            const uint8_t* p = src.data() + starts[c];
            auto [it, inserted] = first_seen.emplace(digest[c], c);
            if (!inserted && block_size(it->second) == size &&
                std::memcmp(src.data() + starts[it->second], p, size) == 0) {
                dup_of[c] = static_cast<int64_t>(it->second);
                keep[it->second] = 1;
            }
        }
    }

    // Blocks go straight from each worker's slot into the caller's buffer; the
    // staging memory stays bounded by threads x chunk.
    const BlockSink to_dst = [&sink](size_t n) { return sink.reserve(n); };
    encode_chunks(src, 0, dedup ? &dup_of : nullptr, dedup ? &keep : nullptr, 0, to_dst, &starts);
    Buffer tail;
    write_end_block(src.size(), entries_.data(), entries_.size(), header_.checksum, tail);
    sink.put(tail.data(), tail.size());
    return sink.pos;
}

void Encoder::set_pledged_size(uint64_t size) {
    if (started_) fail(Code::stage_wrong, "pledged size must be set before the frame starts");
    pledged_ = size;
}

void Encoder::reset_session() noexcept {
    started_ = ending_ = false;
    consumed_ = 0;
    pledged_ = UINT64_MAX;
    staged_.clear();
    pending_.clear();
    pending_pos_ = 0;
    entries_.clear();
}

size_t Encoder::recommended_input_size() const noexcept { return size_t(1) << chunk_log_for(config); }

size_t Encoder::stream(OutSpan& out, InSpan& in, EndOp op) {
    if (!started_) {
        bool known = pledged_ != UINT64_MAX;
        prepare(known ? pledged_ : 0, known);
        pending_.clear();
        pending_pos_ = 0;
        staged_.clear();
        consumed_ = 0;
        write_header(header_, pending_);
        started_ = true;
        ending_ = false;
    }
    if (ending_ && in.pos < in.size)
        fail(Code::stage_wrong, "input given after Z4AI_END; finish draining the frame first");

    const size_t chunk = header_.chunk_size();
    const size_t batch_bytes = chunk * workspaces_.size();
    auto drain = [&] {
        size_t n = std::min(pending_.size() - pending_pos_, out.size - out.pos);
        if (n) std::memcpy(out.dst + out.pos, pending_.data() + pending_pos_, n);
        out.pos += n;
        pending_pos_ += n;
        if (pending_pos_ == pending_.size()) {
            pending_.clear();
            pending_pos_ = 0;
        }
    };
    auto encode_staged = [&](size_t bytes) {
        encode_chunks(Bytes(staged_.data(), bytes), consumed_ - staged_.size(), nullptr, nullptr,
                      entries_.size(), [this](size_t n) { return pending_.extend(n); });
        size_t rest = staged_.size() - bytes;
        if (rest) std::memmove(staged_.data(), staged_.data() + bytes, rest);
        staged_.resize(rest);
    };

    drain();
    while (in.pos < in.size) {
        // Only take more input once earlier output has been handed over, so memory
        // stays bounded by one batch.
        if (pending_.size() - pending_pos_ > 0) break;
        size_t take = std::min(in.size - in.pos, batch_bytes - staged_.size());
        if (pledged_ != UINT64_MAX && consumed_ + take > pledged_)
            fail(Code::invalid_argument, "more input than the pledged content size");
        staged_.append(in.src + in.pos, take);
        in.pos += take;
        consumed_ += take;
        if (staged_.size() == batch_bytes) {
            encode_staged(batch_bytes);
            drain();
        }
    }
    if (op != EndOp::cont && in.pos == in.size && pending_.size() == pending_pos_) {
        if (!staged_.empty()) encode_staged(staged_.size());
        if (op == EndOp::end && !ending_) {
            if (pledged_ != UINT64_MAX && consumed_ != pledged_)
                fail(Code::invalid_argument, "input ended before the pledged content size");
            validate_shape(consumed_);
            write_end_block(consumed_, entries_.data(), entries_.size(), header_.checksum, pending_);
            ending_ = true;
        }
        drain();
    }
    size_t remaining = pending_.size() - pending_pos_;
    if (op == EndOp::end && ending_ && remaining == 0) {
        reset_session();
        return 0;
    }
    if (op == EndOp::end && !ending_) return remaining + 1;  // frame not yet closed
    return remaining;
}

}  // namespace z4ai
