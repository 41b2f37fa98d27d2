// safetensors_util.hpp - builds small .safetensors files for the container fuzz
// targets and their seeds, and the fixed base model the model-delta target
// decodes against (deltas in the seed corpus are made against it).
#pragma once
#include <string>

#include "fuzz_common.hpp"

namespace z4ai_fuzz {

struct Tensor {
    std::string name, dtype;  // safetensors dtype names: F32, BF16, F16, I8, U8, I64, ...
    std::vector<uint64_t> shape;
    std::vector<uint8_t> bytes;
};

inline std::vector<uint8_t> make_safetensors(const std::vector<Tensor>& tensors,
                                             const std::string& metadata = "") {
    std::string json = "{";
    if (!metadata.empty()) json += "\"__metadata__\":{\"note\":\"" + metadata + "\"}";
    uint64_t at = 0;
    for (const Tensor& t : tensors) {
        if (json.size() > 1) json += ",";
        json += "\"" + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
        for (size_t k = 0; k < t.shape.size(); ++k) json += (k ? "," : "") + std::to_string(t.shape[k]);
        json +=
            "],\"data_offsets\":[" + std::to_string(at) + "," + std::to_string(at + t.bytes.size()) + "]}";
        at += t.bytes.size();
    }
    json += "}";
    while (json.size() % 8) json += ' ';
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(uint64_t(json.size()) >> (8 * i));
    out.insert(out.end(), json.begin(), json.end());
    for (const Tensor& t : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    return out;
}

// Where the data section of a .safetensors image starts (8 + header length), or
// UINT64_MAX if the image is too short to say.
inline uint64_t data_start(const uint8_t* file, size_t size) {
    if (size < 8) return UINT64_MAX;
    uint64_t h = 0;
    for (int i = 0; i < 8; ++i) h |= uint64_t(file[i]) << (8 * i);
    return h > size - 8 ? UINT64_MAX : 8 + h;
}

inline std::vector<uint8_t> pseudo_weights(size_t n, uint64_t seed, unsigned width) {
    std::vector<uint8_t> v(n);
    Rng g{seed};
    for (size_t i = 0; i < n; ++i) {
        uint64_t r = g.next();
        // Top byte of each word low-entropy (like a float exponent), the rest random.
        v[i] = (i % width == width - 1) ? static_cast<uint8_t>(0x3C + r % 4) : static_cast<uint8_t>(r);
    }
    return v;
}

inline std::vector<Tensor> base_tensors() {
    return {{"embed.weight", "BF16", {64, 32}, pseudo_weights(64 * 32 * 2, 1, 2)},
            {"layer.0.w", "F32", {16, 40}, pseudo_weights(16 * 40 * 4, 2, 4)},
            {"layer.0.b", "F32", {40}, pseudo_weights(40 * 4, 3, 4)},
            {"tied.weight", "BF16", {64, 32}, pseudo_weights(64 * 32 * 2, 1, 2)},
            {"q.int8", "I8", {300}, pseudo_weights(300, 4, 1)},
            {"empty", "F16", {0, 4}, {}}};
}

// The base model every model-delta seed is made against.
inline const std::vector<uint8_t>& base_model() {
    static const std::vector<uint8_t> b = make_safetensors(base_tensors(), "base");
    return b;
}

// A fine-tune of the base: some tensors nudged, one renamed, one new.
inline std::vector<uint8_t> finetune_model(uint64_t seed) {
    std::vector<Tensor> t = base_tensors();
    for (size_t i = 0; i < t[1].bytes.size(); i += 4 + seed % 13) t[1].bytes[i] ^= 1;
    for (size_t i = 0; i < t[0].bytes.size(); i += 97) t[0].bytes[i] += 1;
    t[2].name = "layer.0.bias";
    t.push_back({"head.new", "F16", {8, 8}, pseudo_weights(128, 9 + seed, 2)});
    return make_safetensors(t, "finetune");
}

}  // namespace z4ai_fuzz
