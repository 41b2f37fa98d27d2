#include "container/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "container/json.hpp"
#include "dtype/dtype.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

struct NameCode {
    const char* name;
    uint8_t code;
};
constexpr NameCode kDtypes[] = {
    {"BOOL", 1},     {"U8", 2},   {"I8", 3},    {"U16", 4},  {"I16", 5},
    {"U32", 6},      {"I32", 7},  {"U64", 8},   {"I64", 9},  {"F8_E4M3", 10},
    {"F8_E5M2", 11}, {"F16", 12}, {"BF16", 13}, {"F32", 14}, {"F64", 15},
    {"C64", 16},     {"F8_E8M0", 17}, {"F8_E4M3FNUZ", 18}, {"F8_E5M2FNUZ", 19}, {"F4", 20},
};

[[noreturn]] void invalid(const std::string& what) { fail(Code::safetensors_invalid, what); }

}  // namespace

bool safetensors_dtype(std::string_view name, uint8_t* code) {
    for (const auto& d : kDtypes)
        if (name == d.name) {
            *code = d.code;
            return true;
        }
    return false;
}

bool looks_like_safetensors(Bytes prefix, uint64_t file_size) {
    if (prefix.size() < 10 || file_size < 10) return false;
    // Only the shape of the start: an absurd declared length is still reported as
    // an invalid safetensors file (by the parser), not as an unknown format.
    uint64_t n = load_u64(prefix.data());
    if (n < 2) return false;
    size_t i = 8;
    while (i < prefix.size() &&
           (prefix[i] == ' ' || prefix[i] == '\n' || prefix[i] == '\t' || prefix[i] == '\r'))
        ++i;
    return i < prefix.size() && prefix[i] == '{';
}

SafetensorsLayout parse_safetensors(Bytes header, uint64_t file_size) {
    SafetensorsLayout L;
    L.file_size = file_size;
    if (file_size < 8 || header.size() < 8) invalid("file shorter than the 8-byte header length");
    uint64_t n = load_u64(header.data());
    if (n > kMaxSafetensorsHeader)
        invalid("declared header length " + std::to_string(n) + " exceeds the 100 MiB limit");
    if (n > file_size - 8)
        invalid("declared header length " + std::to_string(n) + " runs past the end of the file");
    if (header.size() - 8 < n) fail(Code::truncated, "safetensors header truncated");
    L.header_size = 8 + n;
    const uint64_t data_size = file_size - L.header_size;
    std::string_view text(reinterpret_cast<const char*>(header.data() + 8), n);

    json::Cursor c(text, static_cast<int32_t>(Code::safetensors_invalid));
    c.begin_object();
    std::string key;
    std::unordered_set<std::string> names;
    bool metadata_seen = false;
    while (c.next_member(&key)) {
        if (key == "__metadata__") {
            if (metadata_seen) c.error("duplicate __metadata__");
            metadata_seen = true;
            if (c.peek_kind() != json::Cursor::Kind::object) c.error("__metadata__ must be an object");
            c.begin_object();
            std::string mk;
            while (c.next_member(&mk)) {
                if (c.peek_kind() != json::Cursor::Kind::string)
                    c.error("__metadata__ values must be strings");
                c.read_string();
            }
            continue;
        }
        if (!names.insert(key).second) invalid("duplicate tensor name '" + key + "'");
        TensorDesc t;
        t.name = std::move(key);
        bool have_dtype = false, have_shape = false, have_offsets = false;
        c.begin_object();
        std::string field;
        while (c.next_member(&field)) {
            if (field == "dtype") {
                std::string d = c.read_string();
                if (!safetensors_dtype(d, &t.dtype))
                    invalid("tensor '" + t.name + "': unknown dtype '" + d + "'");
                have_dtype = true;
            } else if (field == "shape") {
                c.begin_array();
                while (c.next_item()) {
                    if (t.dims.size() >= kMaxTensorRank)
                        invalid("tensor '" + t.name + "': too many dimensions");
                    t.dims.push_back(c.read_u64());
                }
                have_shape = true;
            } else if (field == "data_offsets") {
                c.begin_array();
                uint64_t v[2];
                int count = 0;
                while (c.next_item()) {
                    if (count == 2) invalid("tensor '" + t.name + "': data_offsets must have two entries");
                    v[count++] = c.read_u64();
                }
                if (count != 2) invalid("tensor '" + t.name + "': data_offsets must have two entries");
                t.begin = v[0];
                t.end = v[1];
                have_offsets = true;
            } else {
                c.skip_value();
            }
        }
        if (!have_dtype || !have_shape || !have_offsets)
            invalid("tensor '" + t.name + "': needs dtype, shape and data_offsets");
        if (t.begin > t.end || t.end > data_size)
            invalid("tensor '" + t.name + "': data_offsets [" + std::to_string(t.begin) + ", " +
                    std::to_string(t.end) + ") outside the " + std::to_string(data_size) +
                    "-byte data section");
        // Bytes = width x product(dims); F4 counts 4-bit elements (two per byte, as in
        // safetensors, which rejects an odd count). A zero dimension makes it 0 however
        // large the others are (the early exit on overflow must not skip it).
        const bool packed4 = t.dtype == kPackedFp4Code;
        unsigned __int128 bytes = packed4 ? 1 : dtype_info(t.dtype)->width;
        bool zero = false;
        for (uint64_t d : t.dims) zero = zero || d == 0;
        if (zero) {
            bytes = 0;
        } else {
            for (uint64_t d : t.dims) {
                bytes *= d;
                if (bytes > 2 * uint64_t(data_size) + 2) break;
            }
            if (packed4) {
                if (bytes % 2) invalid("tensor '" + t.name + "': F4 needs an even number of elements");
                bytes /= 2;
            }
        }
        if (bytes != t.size())
            invalid("tensor '" + t.name + "': shape x dtype width does not match its data_offsets");
        L.tensors.push_back(std::move(t));
    }
    c.finish();

    // No two tensors may share bytes; what no tensor covers is a gap (kept verbatim).
    std::vector<size_t> order;
    order.reserve(L.tensors.size());
    for (size_t i = 0; i < L.tensors.size(); ++i)
        if (L.tensors[i].size()) order.push_back(i);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return L.tensors[a].begin < L.tensors[b].begin; });
    uint64_t pos = 0;
    for (size_t i : order) {
        const TensorDesc& t = L.tensors[i];
        if (t.begin < pos) invalid("tensor '" + t.name + "' overlaps another tensor");
        if (t.begin > pos) L.gaps.push_back({pos, t.begin});
        pos = t.end;
    }
    if (pos < data_size) L.gaps.push_back({pos, data_size});
    for (const Gap& g : L.gaps) L.gap_bytes += g.end - g.begin;
    return L;
}

}  // namespace z4ai
