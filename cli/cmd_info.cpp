// cmd_info.cpp - `z4ai info`: what a frame holds and how each part was coded.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "codec/describe.hpp"
#include "commands.hpp"
#include "dtype/dtype.hpp"
#include "entropy/backend.hpp"
#include "frame/frame_index.hpp"
#include "layout/layout.hpp"
#include "io.hpp"
#include "util/status.hpp"
#include "z4ai.h"

namespace z4ai_cli {
namespace {

std::string human(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

struct StreamStats {
    uint64_t decoded = 0, encoded = 0;
    std::map<std::string, unsigned> backends;
};

}  // namespace

int run_info(const Options& o) {
    if (o.inputs.size() != 1) throw CliError{"info needs exactly one file"};
    if (info_special(o)) return 0;
    std::string data = read_all(o.inputs[0]);
    z4ai::Bytes src(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    try {
        if (o.json) {
            std::printf("%s\n", z4ai::describe_frame(src).c_str());
            return 0;
        }
        z4ai::FrameIndex m = z4ai::FrameIndex::from_buffer(src);
        const z4ai::FrameHeader& h = m.header;
        std::printf("file:          %s\n", o.inputs[0].c_str());
        std::printf("format:        z4ai frame v%u\n", h.version);
        std::printf("dtype:         %s\n", z4ai::dtype_info(h.dtype)->name);
        std::printf("shape:         ");
        if (!h.ndim) std::printf("(not recorded)");
        for (unsigned i = 0; i < h.ndim; ++i)
            std::printf(i ? " x %llu" : "%llu", (unsigned long long)h.dims[i]);
        std::printf("\ncontent:       %llu bytes (%s)\n", (unsigned long long)m.content_size,
                    human(double(m.content_size)).c_str());
        std::printf("frame:         %llu bytes (%s)\n", (unsigned long long)m.frame_size,
                    human(double(m.frame_size)).c_str());
        std::printf("ratio:         %.4fx\n",
                    m.frame_size ? double(m.content_size) / double(m.frame_size) : 0.0);
        std::printf("chunks:        %zu x %s, checksum %s\n", m.blocks.size(), human(h.chunk_size()).c_str(),
                    h.checksum ? "on" : "off");
        if (h.has_reference)
            std::printf("reference:     %llu bytes (delta frame)\n", (unsigned long long)h.reference_size);

        std::map<std::string, unsigned> methods;
        std::map<std::string, std::vector<StreamStats>> streams_by_method;
        for (const z4ai::IndexedBlock& r : m.blocks) {
            std::string method;
            if (r.header.type == z4ai::BlockType::dup)
                method = "dup";
            else if (r.header.type == z4ai::BlockType::ref_copy)
                method = "ref_copy";
            else {
                const uint64_t payload_at = r.offset + m.block_header_bytes();
                z4ai::PayloadHeader p = z4ai::parse_payload_header(
                    z4ai::Bytes(src.data() + payload_at, r.header.payload_size), payload_at);
                method = z4ai::layout_name(p.layout);
                if (const char* detail = z4ai::layout_param_name(p.layout, p.layout_param))
                    method += std::string("(") + detail + ")";
                if (p.delta) method = std::string(z4ai::delta_name(p.delta)) + "+" + method;
                std::vector<StreamStats>& streams = streams_by_method[method];
                if (streams.size() < p.stream_count) streams.resize(p.stream_count);
                for (unsigned k = 0; k < p.stream_count; ++k) {
                    streams[k].decoded += p.streams[k].decoded_size;
                    streams[k].encoded += p.streams[k].encoded_size;
                    ++streams[k].backends[z4ai::backend_name(p.streams[k].backend)];
                }
                if (o.verbose) {
                    std::printf("  chunk @%-12llu %-12s", (unsigned long long)r.content_offset,
                                method.c_str());
                    for (unsigned k = 0; k < p.stream_count; ++k)
                        std::printf(" %s:%u/%u", z4ai::backend_name(p.streams[k].backend),
                                    p.streams[k].encoded_size, p.streams[k].decoded_size);
                    std::printf("\n");
                }
            }
            ++methods[method];
        }
        std::printf("chunk methods: ");
        bool first = true;
        for (auto& [name, count] : methods) {
            std::printf("%s%s x%u", first ? "" : ", ", name.c_str(), count);
            first = false;
        }
        std::printf("\nstreams (stream k = byte plane k for planes layouts, low byte first; "
                    "docs/FORMAT.md lists the streams of each layout):\n");
        for (auto& [method_name, streams] : streams_by_method)
        for (size_t k = 0; k < streams.size(); ++k) {
            const StreamStats& s = streams[k];
            std::printf("  %s stream %zu: %s -> %s (%.3fx)  [", method_name.c_str(), k, human(double(s.decoded)).c_str(),
                        human(double(s.encoded)).c_str(),
                        s.encoded ? double(s.decoded) / double(s.encoded) : 0.0);
            bool f = true;
            for (auto& [name, count] : s.backends) {
                std::printf("%s%s x%u", f ? "" : ", ", name.c_str(), count);
                f = false;
            }
            std::printf("]\n");
        }
    } catch (const z4ai::Error& e) {
        throw CliError{o.inputs[0] + ": " + z4ai_status_name(static_cast<int>(e.code())) + ": " +
                       e.message()};
    }
    return 0;
}

}  // namespace z4ai_cli
