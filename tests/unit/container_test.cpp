// container_test.cpp - .safetensors <-> .zstn containers, random access through
// every source kind, model deltas, and hostile inputs, all through the C ABI.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "test_support.hpp"

namespace z4ai_test {
namespace {

struct Tensor {
    std::string name;
    std::string dtype;  // safetensors spelling
    std::vector<uint64_t> shape;
    Bytes data;
};

struct BuildOptions {
    std::string metadata;       // raw JSON object text for __metadata__, or empty
    size_t header_align = 8;    // pad the header JSON with spaces to this multiple
    size_t gap = 0;             // bytes of filler between consecutive tensors
    bool reverse_data = false;  // data section in reverse JSON order
    std::string extra_tail;     // bytes after the last tensor (covered by no tensor)
};

Bytes make_safetensors(const std::vector<Tensor>& ts, const BuildOptions& o = {}) {
    std::vector<uint64_t> begin(ts.size());
    uint64_t pos = 0;
    std::vector<size_t> order(ts.size());
    for (size_t i = 0; i < ts.size(); ++i) order[i] = o.reverse_data ? ts.size() - 1 - i : i;
    for (size_t k : order) {
        begin[k] = pos;
        pos += ts[k].data.size() + o.gap;
    }
    std::string json = "{";
    if (!o.metadata.empty()) json += "\"__metadata__\":" + o.metadata + ",";
    for (size_t i = 0; i < ts.size(); ++i) {
        if (i) json += ",";
        json += "\"" + ts[i].name + "\":{\"dtype\":\"" + ts[i].dtype + "\",\"shape\":[";
        for (size_t d = 0; d < ts[i].shape.size(); ++d)
            json += (d ? "," : "") + std::to_string(ts[i].shape[d]);
        json += "],\"data_offsets\":[" + std::to_string(begin[i]) + "," +
                std::to_string(begin[i] + ts[i].data.size()) + "]}";
    }
    json += "}";
    while (json.size() % o.header_align) json += ' ';
    Bytes out(8);
    uint64_t n = json.size();
    std::memcpy(out.data(), &n, 8);
    out.insert(out.end(), json.begin(), json.end());
    Bytes data(pos, 0);
    for (size_t k : order) {
        std::copy(ts[k].data.begin(), ts[k].data.end(), data.begin() + begin[k]);
        for (size_t g = 0; g < o.gap; ++g)
            data[begin[k] + ts[k].data.size() + g] = static_cast<uint8_t>(0xA0 + g);
    }
    out.insert(out.end(), data.begin(), data.end());
    out.insert(out.end(), o.extra_tail.begin(), o.extra_tail.end());
    return out;
}

Bytes raw_header(const std::string& json, size_t data_bytes) {
    Bytes out(8);
    uint64_t n = json.size();
    std::memcpy(out.data(), &n, 8);
    out.insert(out.end(), json.begin(), json.end());
    out.resize(out.size() + data_bytes, 0x11);
    return out;
}

struct ReaderDeleter {
    void operator()(z4ai_reader* r) const { z4ai_reader_free(r); }
};
using Reader = std::unique_ptr<z4ai_reader, ReaderDeleter>;

Compressed pack(const Bytes& st, int64_t chunk = 0, int threads = 1) {
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, chunk);
    z4ai_cctx_set_param(c.get(), Z4AI_C_THREADS, threads);
    uint64_t bound = 0;
    Compressed r{z4ai_safetensors_compress_bound(st.data(), st.size(), &bound), {}};
    if (r.status != Z4AI_OK) return r;
    r.frame.resize(bound);
    size_t w = 0;
    r.status = z4ai_safetensors_compress(c.get(), r.frame.data(), r.frame.size(), st.data(), st.size(), &w);
    r.frame.resize(w);
    return r;
}

Decompressed unpack(const Bytes& z) {
    Decompressed r{};
    uint64_t size = 0;
    r.status = z4ai_container_content_size(z.data(), z.size(), &size);
    if (r.status != Z4AI_OK) return r;
    r.data.resize(size);
    Dctx d = make_dctx();
    size_t w = 0;
    r.status = z4ai_safetensors_decompress(d.get(), r.data.data(), r.data.size(), z.data(), z.size(), &w);
    r.data.resize(w);
    return r;
}

std::vector<Tensor> sample_model() {
    std::vector<Tensor> ts;
    ts.push_back({"embed.weight", "BF16", {64, 96}, weights(Z4AI_DTYPE_BF16, 64 * 96 * 2, 1)});
    ts.push_back({"layer.0.w", "F32", {48, 80}, weights(Z4AI_DTYPE_FP32, 48 * 80 * 4, 2)});
    ts.push_back({"layer.0.b", "F16", {80}, weights(Z4AI_DTYPE_FP16, 80 * 2, 3)});
    ts.push_back({"lm_head.weight", "BF16", {64, 96}, ts[0].data});  // tied
    ts.push_back({"empty", "F32", {0, 7}, {}});
    ts.push_back({"scalar", "I64", {}, Bytes{7, 0, 0, 0, 0, 0, 0, 0}});
    ts.push_back({"mask", "BOOL", {13}, Bytes{1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0}});
    ts.push_back({"q", "I8", {3, 5}, random_bytes(15, 9)});
    ts.push_back({"big", "F32", {20000}, weights(Z4AI_DTYPE_FP32, 80000, 4)});
    return ts;
}

TEST(Container, RoundTripsByteForByteWithOddLayouts) {
    std::vector<BuildOptions> variants(5);
    variants[1].metadata = R"({"format":"pt","note":"caf\u00e9 \"quoted\" \\ slash"})";
    variants[2].header_align = 1;
    variants[2].gap = 3;
    variants[3].reverse_data = true;
    variants[3].header_align = 64;
    variants[4].extra_tail = "trailing bytes no tensor covers";
    variants[4].metadata = "{}";
    for (size_t v = 0; v < variants.size(); ++v) {
        Bytes st = make_safetensors(sample_model(), variants[v]);
        for (int64_t chunk : {0, 4096}) {
            Compressed z = pack(st, chunk);
            ASSERT_EQ(z.status, Z4AI_OK) << v;
            Decompressed back = unpack(z.frame);
            ASSERT_EQ(back.status, Z4AI_OK) << v;
            EXPECT_EQ(back.data, st) << "variant " << v;
        }
    }
}

TEST(Container, HeadersWithSpacesOrOddOffsetsRoundTrip) {
    // Spaces inside data_offsets, and offsets that are not in JSON order: the header
    // is stored verbatim either way (the offsets transform applies only when exact).
    std::vector<std::string> jsons = {
        R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
        R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
        R"({"__metadata__":{"data_offsets":"[1,2]","x":"\"data_offsets\":[5,9]"},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})",
    };
    for (const std::string& j : jsons) {
        Bytes st = raw_header(j, 12);
        for (size_t i = 8 + j.size(); i < st.size(); ++i) st[i] = static_cast<uint8_t>(i * 7);
        Compressed z = pack(st);
        ASSERT_EQ(z.status, Z4AI_OK) << j;
        Decompressed back = unpack(z.frame);
        ASSERT_EQ(back.status, Z4AI_OK) << j;
        EXPECT_EQ(back.data, st) << j;
    }
}

TEST(Container, EmptyFileAndOnlyEmptyTensors) {
    for (const Bytes& st : {make_safetensors({}), make_safetensors({{"e", "BF16", {0}, {}}})}) {
        Compressed z = pack(st);
        ASSERT_EQ(z.status, Z4AI_OK);
        EXPECT_EQ(unpack(z.frame).data, st);
    }
}

// Zero-size tensors whose other dimensions times the width exceed the (tiny) data
// section were rejected as invalid (the overflow guard exited before the 0); plain
// .safetensors readers too. Shapes from safetensors' own tests: (2, 0), (1, 0, 3).
TEST(Safetensors, ZeroSizeTensorsWithSmallDataSections) {
    for (const Bytes& st : {make_safetensors({{"a", "F32", {2, 0}, {}}}),
                            make_safetensors({{"a", "F32", {1, 0, 3}, {}}, {"b", "I64", {0, 1000}, {}}}),
                            make_safetensors({{"a", "F64", {4, 0}, {}}, {"s", "U8", {1}, Bytes{9}}})}) {
        Compressed z = pack(st);
        ASSERT_EQ(z.status, Z4AI_OK);
        EXPECT_EQ(unpack(z.frame).data, st);
        Reader r(z4ai_reader_create());
        ASSERT_EQ(z4ai_reader_open_memory(r.get(), st.data(), st.size()), Z4AI_OK);
        z4ai_tensor_info info;
        ASSERT_EQ(z4ai_reader_tensor_info(r.get(), 0, &info), Z4AI_OK);
        EXPECT_EQ(info.nbytes, 0u);
        EXPECT_EQ(info.dims[1], 0u);
    }
}

// safetensors 0.8's further dtypes round-trip; F4 counts 4-bit values.
TEST(Safetensors, Safetensors08Dtypes) {
    std::vector<Tensor> ts;
    ts.push_back({"c", "C64", {3, 2}, weights(Z4AI_DTYPE_FP32, 48, 5)});
    ts.push_back({"e8", "F8_E8M0", {7}, random_bytes(7, 6)});
    ts.push_back({"fnuz", "F8_E4M3FNUZ", {2, 5}, random_bytes(10, 7)});
    ts.push_back({"fnuz2", "F8_E5M2FNUZ", {9}, random_bytes(9, 8)});
    ts.push_back({"f4", "F4", {3, 8}, random_bytes(12, 9)});
    ts.push_back({"f4odd", "F4", {2, 3}, random_bytes(3, 10)});
    Bytes st = make_safetensors(ts);
    Compressed z = pack(st);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_EQ(unpack(z.frame).data, st);
    Reader r(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_memory(r.get(), z.frame.data(), z.frame.size()), Z4AI_OK);
    const int32_t codes[] = {Z4AI_DTYPE_COMPLEX64,     Z4AI_DTYPE_FP8_E8M0,     Z4AI_DTYPE_FP8_E4M3FNUZ,
                             Z4AI_DTYPE_FP8_E5M2FNUZ, Z4AI_DTYPE_FP4_E2M1_X2, Z4AI_DTYPE_FP4_E2M1_X2};
    for (size_t i = 0; i < ts.size(); ++i) {
        z4ai_tensor_info info;
        ASSERT_EQ(z4ai_reader_tensor_info(r.get(), i, &info), Z4AI_OK);
        EXPECT_EQ(info.dtype, codes[i]) << ts[i].name;
        EXPECT_EQ(info.nbytes, ts[i].data.size()) << ts[i].name;
        Bytes back(info.nbytes);
        size_t w = 0;
        ASSERT_EQ(z4ai_reader_read_tensor(r.get(), i, back.data(), back.size(), &w), Z4AI_OK);
        EXPECT_EQ(back, ts[i].data) << ts[i].name;
    }
    // An odd number of F4 values cannot fill whole bytes.
    Compressed odd = pack(raw_header(R"({"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", 2));
    EXPECT_EQ(odd.status, Z4AI_E_SAFETENSORS_INVALID);
}

TEST(Container, TiedTensorsAreStoredOnceAndThreadsDoNotChangeBytes) {
    Bytes st = make_safetensors(sample_model());
    Compressed one = pack(st, 0, 1), two = pack(st, 0, 2), four = pack(st, 4096, 4),
               four1 = pack(st, 4096, 1);
    EXPECT_EQ(one.frame, two.frame);
    EXPECT_EQ(four.frame, four1.frame);
    Reader r(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_memory(r.get(), one.frame.data(), one.frame.size()), Z4AI_OK);
    size_t head = 0, tied = 0;
    ASSERT_EQ(z4ai_reader_find(r.get(), "embed.weight", &head), Z4AI_OK);
    ASSERT_EQ(z4ai_reader_find(r.get(), "lm_head.weight", &tied), Z4AI_OK);
    z4ai_tensor_info info;
    ASSERT_EQ(z4ai_reader_tensor_info(r.get(), tied, &info), Z4AI_OK);
    EXPECT_EQ(info.method, Z4AI_TENSOR_SAME);
    EXPECT_EQ(info.ref, head);
    EXPECT_EQ(info.stored_size, 0u);
    ASSERT_EQ(z4ai_reader_tensor_info(r.get(), head, &info), Z4AI_OK);
    EXPECT_EQ(info.method, Z4AI_TENSOR_FRAME);
    EXPECT_GT(info.stored_size, 0u);
}

struct CallbackData {
    const Bytes* data;
    uint64_t calls = 0, bytes = 0;
    bool fail = false;
};
int32_t read_at(void* user, uint64_t offset, void* dst, size_t size) {
    auto* c = static_cast<CallbackData*>(user);
    if (c->fail || offset + size > c->data->size()) return -1;
    std::memcpy(dst, c->data->data() + offset, size);
    ++c->calls;
    c->bytes += size;
    return 0;
}

std::string temp_path(const char* tag) {
    return ::testing::TempDir() + "z4ai_" + tag + "_" + std::to_string(::getpid());
}
void write_file(const std::string& path, const Bytes& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Checks listing, whole-tensor and element-range reads against the source tensors.
void check_reader(z4ai_reader* r, const std::vector<Tensor>& ts) {
    size_t count = 0;
    ASSERT_EQ(z4ai_reader_tensor_count(r, &count), Z4AI_OK);
    ASSERT_EQ(count, ts.size());
    std::mt19937 rng(11);
    for (size_t i = 0; i < ts.size(); ++i) {
        z4ai_tensor_info info;
        ASSERT_EQ(z4ai_reader_tensor_info(r, i, &info), Z4AI_OK);
        EXPECT_EQ(std::string(info.name, info.name_size), ts[i].name);
        EXPECT_EQ(info.ndim, ts[i].shape.size());
        for (size_t d = 0; d < ts[i].shape.size(); ++d) EXPECT_EQ(info.dims[d], ts[i].shape[d]);
        EXPECT_EQ(info.nbytes, ts[i].data.size());
        size_t found = 99;
        ASSERT_EQ(z4ai_reader_find(r, ts[i].name.c_str(), &found), Z4AI_OK);
        EXPECT_EQ(found, i);
        Bytes out(ts[i].data.size() + 1);
        size_t w = 0;
        ASSERT_EQ(z4ai_reader_read_tensor(r, i, out.data(), out.size(), &w), Z4AI_OK)
            << z4ai_reader_last_error(r);
        out.resize(w);
        EXPECT_EQ(out, ts[i].data) << ts[i].name;
        size_t width = z4ai_dtype_width(info.dtype);
        size_t elements = ts[i].data.size() / width;
        for (int k = 0; k < 6 && elements; ++k) {
            uint64_t first = rng() % elements;
            uint64_t n = 1 + rng() % (elements - first);
            Bytes part(n * width);
            ASSERT_EQ(z4ai_reader_read_elements(r, i, first, n, part.data(), part.size(), &w), Z4AI_OK)
                << z4ai_reader_last_error(r);
            EXPECT_TRUE(std::equal(part.begin(), part.end(), ts[i].data.begin() + first * width))
                << ts[i].name;
        }
        Bytes one(width ? width : 1);
        EXPECT_EQ(z4ai_reader_read_elements(r, i, elements, 1, one.data(), one.size(), &w),
                  Z4AI_E_PARAM_OUT_OF_BOUNDS);
    }
    size_t idx;
    EXPECT_EQ(z4ai_reader_find(r, "no.such.tensor", &idx), Z4AI_E_NOT_FOUND);
}

TEST(Reader, ListsAndReadsFromMemoryFileCallbackAndPlainSafetensors) {
    std::vector<Tensor> ts = sample_model();
    // A tensor with repeated chunks, so range reads meet DUP blocks.
    Bytes rep = weights(Z4AI_DTYPE_FP32, 4096 * 3, 5);
    Bytes tiled;
    for (int k = 0; k < 5; ++k) tiled.insert(tiled.end(), rep.begin(), rep.end());
    ts.push_back({"tiled", "F32", {5, 3072}, tiled});
    BuildOptions o;
    o.metadata = R"({"format":"pt"})";
    o.gap = 5;
    Bytes st = make_safetensors(ts, o);
    Compressed z = pack(st, 4096);
    ASSERT_EQ(z.status, Z4AI_OK);

    Reader mem(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_memory(mem.get(), z.frame.data(), z.frame.size()), Z4AI_OK);
    check_reader(mem.get(), ts);

    std::string path = temp_path("reader.zstn");
    write_file(path, z.frame);
    Reader file(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_file(file.get(), path.c_str()), Z4AI_OK) << z4ai_reader_last_error(file.get());
    check_reader(file.get(), ts);
    std::remove(path.c_str());

    CallbackData cb{&z.frame};
    Reader remote(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_callback(remote.get(), read_at, &cb, z.frame.size()), Z4AI_OK);
    check_reader(remote.get(), ts);

    Reader plain(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_memory(plain.get(), st.data(), st.size()), Z4AI_OK);
    int32_t kind = 0;
    ASSERT_EQ(z4ai_reader_kind(plain.get(), &kind), Z4AI_OK);
    EXPECT_EQ(kind, Z4AI_KIND_SAFETENSORS);
    check_reader(plain.get(), ts);

    // Header JSON comes back verbatim (metadata included), with the size protocol.
    size_t need = 0;
    EXPECT_EQ(z4ai_reader_header_json(mem.get(), nullptr, 0, &need), Z4AI_E_DST_TOO_SMALL);
    std::string json(need, '\0');
    ASSERT_EQ(z4ai_reader_header_json(mem.get(), json.data(), json.size(), &need), Z4AI_OK);
    uint64_t n = 0;
    std::memcpy(&n, st.data(), 8);
    EXPECT_EQ(json.substr(0, need), std::string(reinterpret_cast<const char*>(st.data()) + 8, n));
    // Restore through the reader.
    uint64_t fs = 0;
    ASSERT_EQ(z4ai_reader_file_size(remote.get(), &fs), Z4AI_OK);
    Bytes back(fs);
    size_t w = 0;
    ASSERT_EQ(z4ai_reader_restore(remote.get(), back.data(), back.size(), &w), Z4AI_OK);
    EXPECT_EQ(back, st);
    // Describe.
    ASSERT_EQ(z4ai_reader_describe(mem.get(), nullptr, 0, &need), Z4AI_E_DST_TOO_SMALL);
    std::string desc(need, '\0');
    ASSERT_EQ(z4ai_reader_describe(mem.get(), desc.data(), desc.size(), &need), Z4AI_OK);
    EXPECT_NE(desc.find("\"name\":\"lm_head.weight\""), std::string::npos);
    EXPECT_NE(desc.find("\"method\":\"same\""), std::string::npos);

    cb.fail = true;
    Bytes out(ts[1].data.size());
    EXPECT_EQ(z4ai_reader_read_tensor(remote.get(), 1, out.data(), out.size(), &w), Z4AI_E_IO);
}

TEST(Reader, OneTensorReadsOnlyItsFrameAndTheIndex) {
    std::vector<Tensor> ts;
    for (int i = 0; i < 120; ++i)
        ts.push_back({"t." + std::to_string(i), "BF16", {40, 50}, weights(Z4AI_DTYPE_BF16, 4000, 100 + i)});
    Bytes st = make_safetensors(ts);
    Compressed z = pack(st);
    ASSERT_EQ(z.status, Z4AI_OK);
    CallbackData cb{&z.frame};
    Reader r(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_callback(r.get(), read_at, &cb, z.frame.size()), Z4AI_OK);
    uint64_t open_bytes = cb.bytes;
    size_t i = 0;
    ASSERT_EQ(z4ai_reader_find(r.get(), "t.77", &i), Z4AI_OK);
    z4ai_tensor_info info;
    ASSERT_EQ(z4ai_reader_tensor_info(r.get(), i, &info), Z4AI_OK);
    Bytes out(info.nbytes);
    size_t w;
    ASSERT_EQ(z4ai_reader_read_tensor(r.get(), i, out.data(), out.size(), &w), Z4AI_OK);
    EXPECT_EQ(out, ts[77].data);
    EXPECT_EQ(cb.bytes - open_bytes, info.stored_size);  // exactly its frame
    EXPECT_EQ(cb.calls, 4u);                             // prefix, trailer, index, frame
    uint64_t calls = 0, bytes = 0;
    ASSERT_EQ(z4ai_reader_io_stats(r.get(), &calls, &bytes), Z4AI_OK);
    EXPECT_EQ(bytes, cb.bytes);
    EXPECT_LT(open_bytes, 16 + 24 + 120 * 40u);  // the index is small next to the tensors
}

TEST(Safetensors, HostileHeadersGiveClearErrors) {
    std::vector<std::pair<const char*, Bytes>> bad;
    Bytes huge(16, 0);
    uint64_t big = uint64_t(1) << 40;
    std::memcpy(huge.data(), &big, 8);
    huge[8] = '{';
    bad.push_back({"huge header length", huge});
    bad.push_back(
        {"offsets past the end", raw_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4)});
    bad.push_back({"overlap", raw_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                         R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                         12)});
    bad.push_back({"duplicate names", raw_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                                 R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                                 8)});
    bad.push_back(
        {"unknown dtype", raw_header(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", 16)});
    bad.push_back(
        {"shape mismatch", raw_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)});
    bad.push_back(
        {"begin after end", raw_header(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8)});
    bad.push_back({"bad json", raw_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", 8)});
    bad.push_back(
        {"trailing comma", raw_header(R"({"a":{"dtype":"F32","shape":[2,],"data_offsets":[0,8]}})", 8)});
    bad.push_back({"negative", raw_header(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8)});
    bad.push_back({"missing field", raw_header(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", 8)});
    bad.push_back({"metadata not strings", raw_header(R"({"__metadata__":{"a":1}})", 0)});
    bad.push_back(
        {"deep nesting", raw_header("{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}", 0)});
    bad.push_back(
        {"shape overflow",
         raw_header(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8)});
    for (auto& [what, st] : bad) {
        Compressed z = pack(st);
        EXPECT_EQ(z.status, Z4AI_E_SAFETENSORS_INVALID) << what;
        Reader r(z4ai_reader_create());
        EXPECT_EQ(z4ai_reader_open_memory(r.get(), st.data(), st.size()), Z4AI_E_SAFETENSORS_INVALID) << what;
        EXPECT_STRNE(z4ai_reader_last_error(r.get()), "") << what;
    }
    Bytes tiny{1, 2, 3};
    EXPECT_EQ(pack(tiny).status, Z4AI_E_SAFETENSORS_INVALID);
}

TEST(Container, DamagedContainersAreErrorsNeverCrashes) {
    std::vector<Tensor> ts = sample_model();
    Bytes st = make_safetensors(ts, BuildOptions{R"({"k":"v"})", 8, 2, false, ""});
    Compressed z = pack(st, 4096);
    ASSERT_EQ(z.status, Z4AI_OK);
    Dctx d = make_dctx();
    Bytes out(st.size());
    size_t w;
    for (size_t cut = 0; cut < z.frame.size(); cut += 1 + cut / 16) {
        EXPECT_NE(z4ai_safetensors_decompress(d.get(), out.data(), out.size(), z.frame.data(), cut, &w),
                  Z4AI_OK);
    }
    std::mt19937 rng(3);
    for (int k = 0; k < 400; ++k) {
        Bytes bad = z.frame;
        size_t at =
            k < 200 ? bad.size() - 1 - rng() % 400 : rng() % bad.size();  // index region, then anywhere
        bad[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        z4ai_status s =
            z4ai_safetensors_decompress(d.get(), out.data(), out.size(), bad.data(), bad.size(), &w);
        if (s == Z4AI_OK) {
            EXPECT_EQ(out, st) << "flip at " << at;  // only bytes nothing reads may flip
        }
        CallbackData cb{&bad};
        for (int via = 0; via < 2; ++via) {
            Reader r(z4ai_reader_create());
            z4ai_status open = via ? z4ai_reader_open_callback(r.get(), read_at, &cb, bad.size())
                                   : z4ai_reader_open_memory(r.get(), bad.data(), bad.size());
            if (open != Z4AI_OK) continue;
            size_t count = 0;
            z4ai_reader_tensor_count(r.get(), &count);
            for (size_t i = 0; i < count; ++i) {
                Bytes t(1 << 20);
                z4ai_reader_read_elements(r.get(), i, 1, 2, t.data(), t.size(), &w);
                z4ai_reader_read_tensor(r.get(), i, t.data(), t.size(), &w);
            }
        }
    }
    // Not a container at all; a frame is the wrong kind.
    Bytes junk = random_bytes(100, 1);
    EXPECT_EQ(unpack(junk).status, Z4AI_E_UNKNOWN_FORMAT);
    Compressed frame = compress(weights(Z4AI_DTYPE_BF16, 1000), Z4AI_DTYPE_BF16);
    uint64_t size;
    EXPECT_EQ(z4ai_container_content_size(frame.frame.data(), frame.frame.size(), &size), Z4AI_E_WRONG_KIND);
    int32_t kind = -1;
    ASSERT_EQ(z4ai_detect_kind(frame.frame.data(), 16, frame.frame.size(), &kind), Z4AI_OK);
    EXPECT_EQ(kind, Z4AI_KIND_FRAME);
    ASSERT_EQ(z4ai_detect_kind(z.frame.data(), 16, z.frame.size(), &kind), Z4AI_OK);
    EXPECT_EQ(kind, Z4AI_KIND_CONTAINER);
    ASSERT_EQ(z4ai_detect_kind(st.data(), 64, st.size(), &kind), Z4AI_OK);
    EXPECT_EQ(kind, Z4AI_KIND_SAFETENSORS);
}

TEST(Container, IndexPointingOutsideTheFileIsCorrupt) {
    Bytes st = make_safetensors(sample_model());
    Compressed z = pack(st);
    ASSERT_EQ(z.status, Z4AI_OK);
    auto with = [&](size_t at, uint64_t v, size_t width) {
        Bytes b = z.frame;
        std::memcpy(b.data() + at, &v, width);
        return b;
    };
    const size_t t = z.frame.size() - 24;
    uint64_t index_offset = 0;
    std::memcpy(&index_offset, z.frame.data() + t, 8);
    Reader r(z4ai_reader_create());
    for (const Bytes& bad : {with(t, uint64_t(1) << 40, 8), with(t, 3, 8), with(t + 8, 0xFFFFFFFF, 4)}) {
        EXPECT_EQ(z4ai_reader_open_memory(r.get(), bad.data(), bad.size()), Z4AI_E_CORRUPT);
        EXPECT_STRNE(z4ai_reader_last_error(r.get()), "");
    }
    // Index bytes changed (here: the file size) fail the index check.
    EXPECT_EQ(z4ai_reader_open_memory(r.get(), with(index_offset, 1, 1).data(), z.frame.size()),
              Z4AI_E_CHECKSUM);
}

TEST(Container, FileToFileIsAtomic) {
    Bytes st = make_safetensors(sample_model());
    std::string in = temp_path("f.safetensors"), z = temp_path("f.zstn"), back = temp_path("f.back");
    write_file(in, st);
    Cctx c = make_cctx();
    uint64_t w = 0;
    ASSERT_EQ(z4ai_safetensors_compress_file(c.get(), in.c_str(), z.c_str(), &w), Z4AI_OK);
    Dctx d = make_dctx();
    ASSERT_EQ(z4ai_safetensors_decompress_file(d.get(), z.c_str(), back.c_str(), &w), Z4AI_OK);
    std::ifstream f(back, std::ios::binary);
    Bytes got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got, st);
    EXPECT_EQ(z4ai_safetensors_compress_file(c.get(), "/nonexistent/x", z.c_str(), &w), Z4AI_E_IO);
    EXPECT_EQ(z4ai_safetensors_compress_file(c.get(), in.c_str(), "/nonexistent/dir/out", &w), Z4AI_E_IO);
    for (auto& p : {in, z, back}) std::remove(p.c_str());
}

// ---- model deltas ----

Bytes nudge(const Bytes& b, int dtype, uint32_t seed, int every) {
    Bytes out = b;
    std::mt19937 rng(seed);
    size_t w = z4ai_dtype_width(dtype);
    for (size_t i = 0; i + w <= out.size(); i += w * every) out[i] ^= static_cast<uint8_t>(1 + (rng() & 7));
    return out;
}

struct Pair {
    std::vector<Tensor> base, ft;
};
Pair fine_tune_pair() {
    Pair p;
    p.base = sample_model();
    p.base.push_back({"pooler.dense.weight", "F32", {32, 32}, weights(Z4AI_DTYPE_FP32, 4096, 30)});
    p.base.push_back({"encoder.LayerNorm.weight", "F32", {300}, weights(Z4AI_DTYPE_FP32, 1200, 31)});
    p.ft = p.base;
    p.ft[1].data = nudge(p.ft[1].data, Z4AI_DTYPE_FP32, 1, 3);  // trained
    p.ft[8].data = nudge(p.ft[8].data, Z4AI_DTYPE_FP32, 2, 5);  // trained
    p.ft[10].name = "encoder.LayerNorm.gamma";                  // renamed + trained
    p.ft[10].data = nudge(p.ft[10].data, Z4AI_DTYPE_FP32, 3, 4);
    p.ft[9].name = "pooler.renamed";  // renamed, unchanged
    p.ft.push_back({"classifier.new", "F32", {10, 10}, weights(Z4AI_DTYPE_FP32, 400, 40)});  // added
    p.ft.erase(p.ft.begin() + 7);                                                            // dropped "q"
    std::swap(p.ft[0], p.ft[5]);                                                             // reordered
    return p;
}

Compressed delta_pack(const Bytes& ft, const Bytes& base, int match = 1) {
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_MATCH_RENAMED, match);
    uint64_t bound = 0;
    Compressed r{z4ai_safetensors_compress_bound(ft.data(), ft.size(), &bound), {}};
    r.frame.resize(bound);
    size_t w = 0;
    r.status = z4ai_model_delta_compress(c.get(), r.frame.data(), r.frame.size(), ft.data(), ft.size(),
                                         base.data(), base.size(), &w);
    r.frame.resize(w);
    return r;
}

TEST(ModelDelta, RoundTripsAndPicksCopyDeltaOrFresh) {
    Pair p = fine_tune_pair();
    Bytes base = make_safetensors(p.base, {R"({"step":"0"})", 8, 0, false, ""});
    Bytes ft = make_safetensors(p.ft, {R"({"step":"100"})", 8, 1, false, ""});
    Compressed z = delta_pack(ft, base);
    ASSERT_EQ(z.status, Z4AI_OK);
    Compressed alone = pack(ft);
    EXPECT_LT(z.frame.size() * 2, alone.frame.size());

    Dctx d = make_dctx();
    Bytes out(ft.size());
    size_t w = 0;
    ASSERT_EQ(z4ai_model_delta_decompress(d.get(), out.data(), out.size(), z.frame.data(), z.frame.size(),
                                          base.data(), base.size(), &w),
              Z4AI_OK)
        << z4ai_dctx_last_error(d.get());
    EXPECT_EQ(out, ft);
    // Wrong base: another file, or the right one with one byte changed.
    Bytes wrong = base;
    wrong[wrong.size() - 3] ^= 1;
    EXPECT_EQ(z4ai_model_delta_decompress(d.get(), out.data(), out.size(), z.frame.data(), z.frame.size(),
                                          wrong.data(), wrong.size(), &w),
              Z4AI_E_REFERENCE_MISMATCH);
    EXPECT_EQ(z4ai_model_delta_decompress(d.get(), out.data(), out.size(), z.frame.data(), z.frame.size(),
                                          ft.data(), ft.size(), &w),
              Z4AI_E_REFERENCE_MISMATCH);
    EXPECT_EQ(
        z4ai_safetensors_decompress(d.get(), out.data(), out.size(), z.frame.data(), z.frame.size(), &w),
        Z4AI_E_WRONG_KIND);

    // Random access: needs the base first; then methods are as expected.
    Reader r(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_memory(r.get(), z.frame.data(), z.frame.size()), Z4AI_OK);
    size_t count = 0, i = 0;
    ASSERT_EQ(z4ai_reader_tensor_count(r.get(), &count), Z4AI_OK);
    EXPECT_EQ(count, p.ft.size());
    EXPECT_EQ(z4ai_reader_find(r.get(), "mask", &i), Z4AI_E_REFERENCE_MISSING);
    EXPECT_EQ(z4ai_reader_attach_base(r.get(), wrong.data(), wrong.size()), Z4AI_E_REFERENCE_MISMATCH);
    ASSERT_EQ(z4ai_reader_attach_base(r.get(), base.data(), base.size()), Z4AI_OK);
    check_reader(r.get(), p.ft);
    std::map<std::string, int32_t> method;
    for (size_t k = 0; k < count; ++k) {
        z4ai_tensor_info info;
        ASSERT_EQ(z4ai_reader_tensor_info(r.get(), k, &info), Z4AI_OK);
        method[info.name] = info.method;
    }
    EXPECT_EQ(method["mask"], Z4AI_TENSOR_BASE_COPY);
    EXPECT_EQ(method["embed.weight"], Z4AI_TENSOR_BASE_COPY);
    EXPECT_EQ(method["pooler.renamed"], Z4AI_TENSOR_BASE_COPY);  // by digest
    EXPECT_EQ(method["layer.0.w"], Z4AI_TENSOR_BASE_DELTA);
    EXPECT_EQ(method["encoder.LayerNorm.gamma"], Z4AI_TENSOR_BASE_DELTA);  // by similarity
    EXPECT_EQ(method["classifier.new"], Z4AI_TENSOR_FRAME);
    EXPECT_EQ(method["empty"], Z4AI_TENSOR_EMPTY);

    // The base through another reader (a compressed base, read via a callback).
    Compressed zbase = pack(base);
    CallbackData cb{&zbase.frame};
    Reader br(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_callback(br.get(), read_at, &cb, zbase.frame.size()), Z4AI_OK);
    Reader r2(z4ai_reader_create());
    ASSERT_EQ(z4ai_reader_open_memory(r2.get(), z.frame.data(), z.frame.size()), Z4AI_OK);
    ASSERT_EQ(z4ai_reader_attach_base_reader(r2.get(), br.get()), Z4AI_OK)
        << z4ai_reader_last_error(r2.get());
    check_reader(r2.get(), p.ft);

    // Without similarity matching the renamed tensor is coded fresh.
    Compressed by_name = delta_pack(ft, base, 0);
    ASSERT_EQ(by_name.status, Z4AI_OK);
    EXPECT_GE(by_name.frame.size(), z.frame.size());
}

TEST(ModelDelta, FrozenTensorsCostAFewBytesEach) {
    std::vector<Tensor> ts;
    for (int i = 0; i < 150; ++i)
        ts.push_back({"model.layers." + std::to_string(i) + ".weight",
                      "BF16",
                      {64, 64},
                      weights(Z4AI_DTYPE_BF16, 8192, 200 + i)});
    Bytes base = make_safetensors(ts);
    Compressed z = delta_pack(base, base);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_LT(z.frame.size(), 150u * 64);
    std::printf("150 frozen tensors: %zu bytes (%.1f per tensor)\n", z.frame.size(), z.frame.size() / 150.0);
}

TEST(ModelDelta, AnUnrelatedBaseCostsOnlyTheBaseRecord) {
    Bytes ft = make_safetensors(sample_model());
    std::vector<Tensor> other;
    for (int i = 0; i < 5; ++i)
        other.push_back({"other." + std::to_string(i), "F32", {100}, weights(Z4AI_DTYPE_FP32, 400, 60 + i)});
    Bytes base = make_safetensors(other);
    Compressed z = delta_pack(ft, base), alone = pack(ft);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_LE(z.frame.size(), alone.frame.size() + 24 + 16);  // base size + digest, header-blob noise
}

TEST(Delta, StreamingWithAReferenceAndTheWrongOne) {
    Bytes base = weights(Z4AI_DTYPE_FP32, 300000, 8);
    Bytes next = nudge(base, Z4AI_DTYPE_FP32, 9, 7);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_FP32);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 1 << 16);
    ASSERT_EQ(z4ai_cctx_ref_reference(c.get(), base.data(), base.size()), Z4AI_OK);
    z4ai_status st;
    Bytes streamed = stream_compress(c.get(), next, 10007, 3001, &st);
    ASSERT_EQ(st, Z4AI_OK);
    Compressed one = compress(c.get(), next);
    EXPECT_LT(streamed.size(), next.size() / 2);
    Dctx d = make_dctx();
    ASSERT_EQ(z4ai_dctx_ref_reference(d.get(), base.data(), base.size()), Z4AI_OK);
    EXPECT_EQ(stream_decompress(d.get(), streamed, 777, 5000, &st), next);
    EXPECT_EQ(st, Z4AI_OK);
    EXPECT_EQ(decompress(d.get(), one.frame, next.size()).data, next);
    Bytes wrong = base;
    wrong[5] ^= 4;
    Dctx d2 = make_dctx();
    ASSERT_EQ(z4ai_dctx_ref_reference(d2.get(), wrong.data(), wrong.size()), Z4AI_OK);
    stream_decompress(d2.get(), streamed, 777, 5000, &st);
    EXPECT_EQ(st, Z4AI_E_REFERENCE_MISMATCH);
    Dctx d3 = make_dctx();
    stream_decompress(d3.get(), streamed, 777, 5000, &st);
    EXPECT_EQ(st, Z4AI_E_REFERENCE_MISSING);
}

}  // namespace
}  // namespace z4ai_test
