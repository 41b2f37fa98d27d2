// cmd_info.cpp - `z4ai info`: what a frame, container, model delta, .safetensors file
// or archive directory holds and how each part was coded. Only z4ai.h: the frame's
// layout comes from z4ai_frame_describe, the tensors from the reader.
//
// `--json` prints one object in one schema for every kind (docs/CLI.md, "z4ai-info/1"):
// schema, file, kind, content_size (bytes it restores to), stored_size (bytes on disk),
// ratio, then the kind's own members (frames: dtype, shape, chunk_size, checksum,
// blocks...; containers: header_size, tensors[] with stored_size...; archives: files[]).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "io.hpp"
#include "json_value.hpp"
#include "z4ai.h"

namespace z4ai_cli {

bool info_container(const Options& o, const std::string& path, std::string* describe_json, int32_t* kind);

namespace {

struct StreamStats {
    uint64_t decoded = 0, encoded = 0;
    std::map<std::string, unsigned> backends;
};

void check(z4ai_status s, const std::string& what) {
    if (s != Z4AI_OK) throw CliError{what + ": " + z4ai_status_name(s)};
}

std::string frame_describe(const std::string& path, const std::string& data) {
    size_t need = 0;
    z4ai_status s = z4ai_frame_describe(data.data(), data.size(), nullptr, 0, &need);
    if (s != Z4AI_OK && s != Z4AI_E_DST_TOO_SMALL) check(s, path);
    std::string desc(need, '\0');
    check(z4ai_frame_describe(data.data(), data.size(), desc.data(), desc.size(), &need), path);
    desc.resize(need);
    return desc;
}

// The envelope every kind shares, followed by the kind's own members.
Json envelope(const std::string& path, const char* kind, uint64_t content, uint64_t stored, Json detail) {
    Json j = Json::obj();
    j.set("schema", Json::str("z4ai-info/1"));
    j.set("file", Json::str(path));
    j.set("kind", Json::str(kind));
    j.set("content_size", Json::num(content));
    j.set("stored_size", Json::num(stored));
    j.set("ratio", Json::real(stored ? double(content) / double(stored) : 0.0));
    for (auto& m : detail.members)
        if (!j.get(m.first)) j.members.push_back(std::move(m));
    return j;
}

std::string method_of(const Json& block) {
    const Json* type = block.get("type");
    if (!type || type->s() != "data") return type ? type->s() : "?";
    std::string m = block.get("layout") ? block.get("layout")->s() : "?";
    if (const Json* st = block.get("structure")) m += "(" + st->s() + ")";
    if (const Json* d = block.get("delta"); d && d->s() != "none") m = d->s() + "+" + m;
    return m;
}

int frame_info(const Options& o, const std::string& path) {
    std::string data = read_all(path);
    Json d = Json::parse(frame_describe(path, data));
    uint64_t content = d.get("content_size") ? d.get("content_size")->u64() : 0;
    uint64_t frame = d.get("frame_size") ? d.get("frame_size")->u64() : data.size();
    if (o.json) {
        d.take("frame_size");  // = stored_size
        std::printf("%s\n", envelope(path, "frame", content, frame, std::move(d)).dump().c_str());
        return 0;
    }
    std::printf("file:          %s\n", path.c_str());
    std::printf("format:        z4ai frame v%llu\n",
                (unsigned long long)(d.get("format_version") ? d.get("format_version")->u64() : 0));
    std::printf("dtype:         %s\n", d.get("dtype") ? d.get("dtype")->s().c_str() : "?");
    std::printf("shape:         ");
    const Json* shape = d.get("shape");
    if (!shape || shape->items.empty()) std::printf("(not recorded)");
    if (shape)
        for (size_t i = 0; i < shape->items.size(); ++i)
            std::printf(i ? " x %llu" : "%llu", (unsigned long long)shape->items[i].u64());
    std::printf("\ncontent:       %llu bytes (%s)\n", (unsigned long long)content,
                human_size(double(content)).c_str());
    std::printf("frame:         %llu bytes (%s)\n", (unsigned long long)frame,
                human_size(double(frame)).c_str());
    std::printf("ratio:         %.4fx\n", frame ? double(content) / double(frame) : 0.0);
    const Json* blocks = d.get("blocks");
    size_t nblocks = blocks ? blocks->items.size() : 0;
    const Json* checksum = d.get("checksum");
    std::printf("chunks:        %zu x %s, checksum %s\n", nblocks,
                human_size(double(d.get("chunk_size") ? d.get("chunk_size")->u64() : 0)).c_str(),
                checksum && checksum->b ? "on" : "off");
    if (const Json* ref = d.get("reference"))
        std::printf("reference:     %llu bytes (delta frame)\n",
                    (unsigned long long)(ref->get("size") ? ref->get("size")->u64() : 0));

    std::map<std::string, unsigned> methods;
    std::map<std::string, std::vector<StreamStats>> streams_by_method;
    if (blocks)
        for (const Json& b : blocks->items) {
            std::string method = method_of(b);
            ++methods[method];
            const Json* streams = b.get("streams");
            if (!streams) continue;
            std::vector<StreamStats>& stats = streams_by_method[method];
            if (stats.size() < streams->items.size()) stats.resize(streams->items.size());
            for (size_t k = 0; k < streams->items.size(); ++k) {
                const Json& s = streams->items[k];
                stats[k].decoded += s.get("decoded") ? s.get("decoded")->u64() : 0;
                stats[k].encoded += s.get("encoded") ? s.get("encoded")->u64() : 0;
                ++stats[k].backends[s.get("backend") ? s.get("backend")->s() : "?"];
            }
            if (o.verbose) {
                std::printf("  chunk @%-12llu %-12s",
                            (unsigned long long)(b.get("offset") ? b.get("offset")->u64() : 0),
                            method.c_str());
                for (const Json& s : streams->items)
                    std::printf(" %s:%llu/%llu", s.get("backend") ? s.get("backend")->s().c_str() : "?",
                                (unsigned long long)(s.get("encoded") ? s.get("encoded")->u64() : 0),
                                (unsigned long long)(s.get("decoded") ? s.get("decoded")->u64() : 0));
                std::printf("\n");
            }
        }
    std::printf("chunk methods: ");
    bool first = true;
    for (auto& [name, count] : methods) {
        std::printf("%s%s x%u", first ? "" : ", ", name.c_str(), count);
        first = false;
    }
    std::printf(
        "\nstreams (stream k = byte plane k for planes layouts, low byte first; "
        "docs/FORMAT.md lists the streams of each layout):\n");
    for (auto& [method_name, streams] : streams_by_method)
        for (size_t k = 0; k < streams.size(); ++k) {
            const StreamStats& s = streams[k];
            std::printf("  %s stream %zu: %s -> %s (%.3fx)  [", method_name.c_str(), k,
                        human_size(double(s.decoded)).c_str(), human_size(double(s.encoded)).c_str(),
                        s.encoded ? double(s.decoded) / double(s.encoded) : 0.0);
            bool f = true;
            for (auto& [name, count] : s.backends) {
                std::printf("%s%s x%u", f ? "" : ", ", name.c_str(), count);
                f = false;
            }
            std::printf("]\n");
        }
    return 0;
}

}  // namespace

int run_info(const Options& o) {
    if (o.inputs.size() != 1)
        throw CliError{"usage: z4ai info [--json] [-v] FILE (one file; see z4ai info --help)"};
    const std::string& path = o.inputs[0];
    std::string desc;
    int32_t kind = 0;
    if (info_container(o, path, o.json ? &desc : nullptr, &kind)) {
        if (!o.json) return 0;
        Json d = Json::parse(desc);
        if (kind == -1) {  // an archive: sizes from its members
            ListRow row = list_archive(o, path);
            d.take("kind");
            std::printf("%s\n",
                        envelope(path, "archive", row.original, row.stored, std::move(d)).dump().c_str());
            return 0;
        }
        uint64_t content = d.get("file_size") ? d.get("file_size")->u64() : 0;
        uint64_t stored = d.get("input_size") ? d.get("input_size")->u64() : 0;
        d.take("kind");
        d.take("file_size");   // = content_size
        d.take("input_size");  // = stored_size
        if (Json* tensors = d.get("tensors"))
            for (Json& t : tensors->items) t.set("stored_size", t.take("stored"));
        const char* name = kind == Z4AI_KIND_CONTAINER     ? "container"
                           : kind == Z4AI_KIND_MODEL_DELTA ? "model_delta"
                                                           : "safetensors";
        std::printf("%s\n", envelope(path, name, content, stored, std::move(d)).dump().c_str());
        return 0;
    }
    Input in(path);
    int32_t k = detect_kind(in.peek(64), in.size());
    if (k != Z4AI_KIND_FRAME)
        throw CliError{path + ": not z4ai data (no z4ai frame, .zstn or .z4dm magic number)"};
    return frame_info(o, path);
}

}  // namespace z4ai_cli
