// reader.cpp - random access into .zstn / .z4dm / .safetensors from any Source.
#include <algorithm>
#include <cstring>

#include "codec/decoder.hpp"
#include "container/container.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

class DigestSink final : public Sink {
   public:
    void write(const uint8_t* data, size_t n) override {
        digest.update(data, n);
        written += n;
    }
    Digest128 digest;
};

}  // namespace

ContainerReader::ContainerReader(std::unique_ptr<Source> source, const DecodeConfig& cfg)
    : config(cfg), source_(std::move(source)) {
    Source& s = *source_;
    uint8_t prefix[64] = {};
    size_t n = static_cast<size_t>(std::min<uint64_t>(s.size(), sizeof prefix));
    s.read_at(0, prefix, n);
    kind_ = detect_input_kind(Bytes(prefix, n), s.size());
    switch (kind_) {
        case InputKind::container:
        case InputKind::model_delta: {
            if (s.size() < kContainerPrefixSize + kContainerTrailerSize)
                fail(Code::truncated, "container truncated");
            parse_container_prefix(prefix);
            uint8_t trailer[kContainerTrailerSize];
            s.read_at(s.size() - kContainerTrailerSize, trailer, kContainerTrailerSize);
            uint64_t off, size;
            parse_container_trailer(trailer, s.size(), &off, &size);
            Buffer idx;
            idx.resize(static_cast<size_t>(size));
            s.read_at(off, idx.data(), idx.size());
            if (load_u32(trailer + 12) != checksum32(idx.data(), idx.size()))
                fail(Code::checksum, "container index check failed");
            parse_container_index(idx.span(), kind_ == InputKind::model_delta, config.max_memory, index_);
            index_.index_offset = off;
            index_.index_size = size;
            if (kind_ == InputKind::container) {
                decode_container_header(index_, {});
                finish_open();
            }
            break;
        }
        case InputKind::safetensors: {
            uint64_t hn = load_u64(prefix);
            if (hn > kMaxSafetensorsHeader || hn > s.size() - 8)
                fail(Code::safetensors_invalid, "declared header length out of range");
            index_.header_bytes.resize(static_cast<size_t>(8 + hn));
            s.read_at(0, index_.header_bytes.data(), index_.header_bytes.size());
            layout_ = parse_safetensors(index_.header_bytes.span(), s.size());
            index_.file_size = s.size();
            index_.header_size = layout_.header_size;
            index_.tensor_count = static_cast<uint32_t>(layout_.tensors.size());
            index_.entries.assign(layout_.tensors.size(), TensorEntry{TensorMethod::raw, 0, 0, 0});
            for (size_t i = 0; i < layout_.tensors.size(); ++i)
                if (!layout_.tensors[i].size()) index_.entries[i].method = TensorMethod::empty;
            finish_open();
            break;
        }
        case InputKind::frame:
            fail(Code::wrong_kind, "this is a single z4ai frame, not a container (use z4ai_decompress)");
        case InputKind::unknown:
            fail(Code::unknown_format, "not a z4ai container, model delta or .safetensors file");
    }
}

ContainerReader::~ContainerReader() = default;

void ContainerReader::finish_open() {
    if (kind_ != InputKind::safetensors) {
        layout_ = parse_safetensors(index_.header_bytes.span(), index_.file_size);
        if (layout_.tensors.size() != index_.tensor_count)
            fail_corrupt("container tensor count does not match its header", 16);
        const uint64_t limit = index_.index_offset;
        auto check_frame = [&](uint64_t off, uint64_t size, size_t i) {
            if (size == 0 || off < kContainerPrefixSize || off > limit || size > limit - off)
                fail_corrupt(("frame of tensor " + std::to_string(i) + " lies outside the container").c_str(),
                             0);
        };
        for (size_t i = 0; i < index_.entries.size(); ++i) {
            const TensorEntry& e = index_.entries[i];
            const TensorDesc& t = layout_.tensors[i];
            bool empty = t.size() == 0;
            if (empty != (e.method == TensorMethod::empty))
                fail_corrupt("empty-tensor method does not match the tensor size", i);
            switch (e.method) {
                case TensorMethod::empty:
                    if (e.ref || e.frame_offset || e.frame_size)
                        fail_corrupt("empty tensor with stored fields", i);
                    break;
                case TensorMethod::frame:
                    if (e.ref) fail_corrupt("frame entry with a reference", i);
                    check_frame(e.frame_offset, e.frame_size, i);
                    break;
                case TensorMethod::same: {
                    if (e.ref >= i || e.frame_offset || e.frame_size) fail_corrupt("bad SAME entry", i);
                    TensorMethod m = index_.entries[e.ref].method;
                    if (m == TensorMethod::same || m == TensorMethod::empty ||
                        layout_.tensors[e.ref].size() != t.size())
                        fail_corrupt("SAME entry points at an incompatible tensor", i);
                    break;
                }
                case TensorMethod::base_copy:
                case TensorMethod::base_delta:
                    if (kind_ != InputKind::model_delta)
                        fail_corrupt("base reference in a plain container", i);
                    if (e.ref >= base_layout_.tensors.size() ||
                        base_layout_.tensors[e.ref].size() != t.size())
                        fail_corrupt("entry refers to a base tensor that does not match", i);
                    if (e.method == TensorMethod::base_copy) {
                        if (e.frame_offset || e.frame_size) fail_corrupt("BASE_COPY entry with a frame", i);
                    } else {
                        check_frame(e.frame_offset, e.frame_size, i);
                    }
                    break;
                case TensorMethod::raw: fail_corrupt("raw method in a container", i);
            }
        }
        if (layout_.gap_bytes) {
            check_frame(index_.gap_frame_offset, index_.gap_frame_size, SIZE_MAX);
        } else if (index_.gap_frame_offset || index_.gap_frame_size) {
            fail_corrupt("gap frame present but the header leaves no gaps", 32);
        }
    }
    sorted_.resize(layout_.tensors.size());
    for (size_t i = 0; i < sorted_.size(); ++i) sorted_[i] = i;
    std::sort(sorted_.begin(), sorted_.end(),
              [&](size_t a, size_t b) { return layout_.tensors[a].name < layout_.tensors[b].name; });
    ready_ = true;
}

void ContainerReader::check_ready() const {
    if (!ready_)
        fail(Code::reference_missing,
             "this is a model delta: attach its base .safetensors before reading it");
}

const SafetensorsLayout& ContainerReader::layout() const {
    check_ready();
    return layout_;
}

Bytes ContainerReader::header_bytes() const {
    check_ready();
    return index_.header_bytes.span();
}

const TensorEntry& ContainerReader::entry(size_t i) const {
    check_ready();
    if (i >= index_.entries.size()) fail(Code::not_found, "tensor index out of range");
    return index_.entries[i];
}

size_t ContainerReader::find(std::string_view name) const {
    check_ready();
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), name,
                               [&](size_t a, std::string_view n) { return layout_.tensors[a].name < n; });
    if (it == sorted_.end() || layout_.tensors[*it].name != name) return SIZE_MAX;
    return *it;
}

uint64_t ContainerReader::stored_size(size_t i) const {
    const TensorEntry& e = entry(i);
    if (e.method == TensorMethod::raw) return layout_.tensors[i].size();
    return e.frame_size;
}

ContainerReader::Extent ContainerReader::extent(size_t i) const {
    const TensorEntry& e = entry(i);
    switch (e.method) {
        case TensorMethod::raw:
            return {layout_.header_size + layout_.tensors[i].begin, layout_.tensors[i].size()};
        case TensorMethod::same: return extent(e.ref);
        case TensorMethod::frame:
        case TensorMethod::base_delta: return {e.frame_offset, e.frame_size};
        case TensorMethod::empty:
        case TensorMethod::base_copy: break;
    }
    return {};
}

void ContainerReader::read_tensor_from(size_t i, Bytes stored, uint64_t stored_offset, uint8_t* dst) {
    Extent x = extent(i);
    if (x.size && (x.offset < stored_offset || x.offset - stored_offset > stored.size() ||
                   x.size > stored.size() - (x.offset - stored_offset)))
        fail(Code::invalid_argument, "tensor '" + layout_.tensors[i].name + "' needs input bytes [" +
                                         std::to_string(x.offset) + ", " + std::to_string(x.offset + x.size) +
                                         "); the bytes given cover [" + std::to_string(stored_offset) + ", " +
                                         std::to_string(stored_offset + stored.size()) + ")");
    struct Unwindow {
        Source& s;
        ~Unwindow() { s.clear_window(); }
    } unwindow{*source_};
    source_->set_window(stored_offset, stored);
    read_tensor(i, dst);
}

void ContainerReader::attach_base(Bytes base) {
    if (kind_ != InputKind::model_delta) fail(Code::wrong_kind, "only a model delta takes a base");
    if (base.size() != index_.base_file_size)
        fail(Code::reference_mismatch, "base is " + std::to_string(base.size()) +
                                           " bytes; the delta was made against " +
                                           std::to_string(index_.base_file_size));
    if (verify_base && digest128(base.data(), base.size()) != index_.base_digest)
        fail(Code::reference_mismatch, "base digest does not match the one the delta was made against");
    base_layout_ = parse_safetensors(base, base.size());
    base_bytes_ = base;
    base_reader_ = nullptr;
    base_header_.clear();
    base_header_.append(base.data(), static_cast<size_t>(base_layout_.header_size));
    decode_container_header(index_, base_header_.span());
    finish_open();
}

void ContainerReader::attach_base(ContainerReader* base) {
    if (kind_ != InputKind::model_delta) fail(Code::wrong_kind, "only a model delta takes a base");
    if (!base || base == this) fail(Code::invalid_argument, "base reader missing");
    base->check_ready();
    if (base->file_size() != index_.base_file_size)
        fail(Code::reference_mismatch, "base is " + std::to_string(base->file_size()) +
                                           " bytes; the delta was made against " +
                                           std::to_string(index_.base_file_size));
    if (verify_base) {
        std::array<uint8_t, 16> d;
        Bytes mem = base->kind_ == InputKind::safetensors ? base->source_->memory() : Bytes{};
        if (mem.data()) {
            d = digest128(mem.data(), mem.size());
        } else {
            DigestSink sink;
            base->restore(sink);
            d = sink.digest.finish();
        }
        if (d != index_.base_digest)
            fail(Code::reference_mismatch, "base digest does not match the one the delta was made against");
    }
    base_layout_ = base->layout_;
    base_bytes_ = {};
    base_reader_ = base;
    base_header_.clear();
    base_header_.append(base->index_.header_bytes.data(), base->index_.header_bytes.size());
    decode_container_header(index_, base_header_.span());
    finish_open();
}

Bytes ContainerReader::base_tensor(size_t j, Buffer& scratch) {
    const TensorDesc& t = base_layout_.tensors[j];
    if (base_bytes_.data())
        return base_bytes_.subspan(static_cast<size_t>(base_layout_.header_size + t.begin),
                                   static_cast<size_t>(t.size()));
    if (t.size() > config.max_memory) fail(Code::memory_limit, "base tensor exceeds the memory limit");
    scratch.resize(static_cast<size_t>(t.size()));
    base_reader_->read_tensor(j, scratch.data());
    return scratch.span();
}

void ContainerReader::decode_frame(const TensorEntry& e, Bytes reference, uint64_t offset, uint64_t length,
                                   uint64_t content, uint8_t* dst) {
    if (!decoder_) decoder_ = std::make_unique<Decoder>();
    Decoder& dec = *decoder_;
    dec.config = config;
    dec.set_reference(reference.data(), reference.size(), e.method == TensorMethod::base_delta);
    // A frame in memory, or read whole anyway, is indexed by walking it; otherwise
    // trailer first, and only the blocks the range overlaps are read.
    const bool whole = offset == 0 && length == content;
    FrameIndex index;
    StoredFrame frame;
    if (source_->memory().data() || whole) {
        Bytes bytes = source_->view(e.frame_offset, static_cast<size_t>(e.frame_size), scratch_);
        index = FrameIndex::from_buffer(bytes);
        if (index.frame_size != bytes.size()) fail_corrupt("bytes follow the tensor's frame", e.frame_offset);
        frame = StoredFrame::in_memory(bytes);
    } else {
        index = FrameIndex::from_source(*source_, e.frame_offset, e.frame_size);
        frame = StoredFrame::in_source(*source_, e.frame_offset);
    }
    // The frame must describe exactly this tensor.
    if (!index.header.content_size_known || index.header.content_size != content)
        fail_corrupt("tensor frame size does not match the tensor", e.frame_offset);
    dec.decode_indexed(index, frame, offset, length, dst);
}

void ContainerReader::read_bytes(size_t i, uint64_t offset, uint64_t length, uint8_t* dst) {
    check_ready();
    if (i >= layout_.tensors.size()) fail(Code::not_found, "tensor index out of range");
    const TensorDesc& t = layout_.tensors[i];
    if (offset > t.size() || length > t.size() - offset)
        fail(Code::param_out_of_bounds, "range outside tensor '" + t.name + "'");
    if (length == 0) return;
    const TensorEntry& e = index_.entries[i];
    switch (e.method) {
        case TensorMethod::empty: return;
        case TensorMethod::raw: source_->read_at(layout_.header_size + t.begin + offset, dst, length); return;
        case TensorMethod::same: read_bytes(e.ref, offset, length, dst); return;
        case TensorMethod::base_copy:
            if (base_bytes_.data())
                std::memcpy(dst,
                            base_bytes_.data() + base_layout_.header_size +
                                base_layout_.tensors[e.ref].begin + offset,
                            static_cast<size_t>(length));
            else
                base_reader_->read_bytes(e.ref, offset, length, dst);
            return;
        case TensorMethod::frame: decode_frame(e, {}, offset, length, t.size(), dst); return;
        case TensorMethod::base_delta: {
            Buffer scratch;
            Bytes ref = base_tensor(e.ref, scratch);
            decode_frame(e, ref, offset, length, t.size(), dst);
            return;
        }
    }
}

void ContainerReader::read_tensor(size_t i, uint8_t* dst) {
    check_ready();
    if (i >= layout_.tensors.size()) fail(Code::not_found, "tensor index out of range");
    read_bytes(i, 0, layout_.tensors[i].size(), dst);
}

void ContainerReader::restore(Sink& out) {
    check_ready();
    const uint64_t start = out.written;
    if (kind_ == InputKind::safetensors) {
        Buffer buf;
        const size_t step = size_t(4) << 20;
        for (uint64_t at = 0; at < source_->size(); at += step) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(step, source_->size() - at));
            Bytes v = source_->view(at, n, buf);
            out.write(v.data(), v.size());
        }
        return;
    }
    out.write(index_.header_bytes.data(), index_.header_bytes.size());
    Buffer gaps;
    if (layout_.gap_bytes) {
        if (layout_.gap_bytes > config.max_memory)
            fail(Code::memory_limit, "padding exceeds the memory limit");
        gaps.resize(static_cast<size_t>(layout_.gap_bytes));
        TensorEntry g{TensorMethod::frame, 0, index_.gap_frame_offset, index_.gap_frame_size};
        decode_frame(g, {}, 0, layout_.gap_bytes, layout_.gap_bytes, gaps.data());
    }
    // Walk the data section in offset order: tensors and the gaps between them.
    std::vector<size_t> order;
    for (size_t i = 0; i < layout_.tensors.size(); ++i)
        if (layout_.tensors[i].size()) order.push_back(i);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return layout_.tensors[a].begin < layout_.tensors[b].begin; });
    size_t gi = 0;
    uint64_t gap_at = 0, pos = 0;
    Buffer buf;
    auto emit_gaps_until = [&](uint64_t limit) {
        while (gi < layout_.gaps.size() && layout_.gaps[gi].begin < limit) {
            uint64_t n = layout_.gaps[gi].end - layout_.gaps[gi].begin;
            out.write(gaps.data() + gap_at, static_cast<size_t>(n));
            gap_at += n;
            pos = layout_.gaps[gi].end;
            ++gi;
        }
    };
    for (size_t i : order) {
        const TensorDesc& t = layout_.tensors[i];
        emit_gaps_until(t.begin + 1);
        if (pos != t.begin) fail(Code::internal, "restore lost its place");
        // Pieces bound the memory whatever a tensor's (claimed) size.
        const uint64_t piece = uint64_t(64) << 20;
        for (uint64_t at = 0; at < t.size(); at += piece) {
            uint64_t n = std::min(piece, t.size() - at);
            buf.resize(static_cast<size_t>(n));
            read_bytes(i, at, n, buf.data());
            out.write(buf.data(), buf.size());
        }
        pos = t.end;
    }
    emit_gaps_until(UINT64_MAX);
    if (out.written - start != index_.file_size) fail(Code::internal, "restored size differs from the index");
}

}  // namespace z4ai
