// cmd_bench.cpp - `z4ai bench`: the in-process half of the benchmark. For each
// file it times, on the same bytes and in one process: memcpy (the ceiling),
// z4ai at every effort tier with 1 thread and all cores, zstd (3, 19, +long) and
// brotli (5, 11) through their C libraries, and zstd-3 on z4ai's byte planes.
// Each row runs in a forked child so peak RSS is per row; buffers are allocated
// once and reused, so page faults are not timed. Every row checks its round trip.
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "io.hpp"
#include "transform/planes.hpp"
#include "z4ai.h"

namespace z4ai_cli {
namespace {

using Clock = std::chrono::steady_clock;

// Leaves bytes uninitialised, so pages of the (generously sized) frame buffer that a
// codec never writes are never touched and do not count in the row's RSS.
template <class T>
struct NoInitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = NoInitAllocator<U>;
    };
    NoInitAllocator() = default;
    template <class U>
    NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... A>
    void construct(U* p, A&&... a) {
        ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }
};
using Buf = std::vector<char, NoInitAllocator<char>>;

long current_rss_kb() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long kb = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    std::fclose(f);
    return kb;
}

struct Codec {
    std::string name, variant;
    int threads = 1;
    // Return compressed size (0 = failure); decompress returns decoded size.
    std::function<size_t(const std::string& src, Buf& dst)> compress;
    std::function<size_t(const Buf& frame, size_t frame_size, Buf& out)> decompress;
};

struct Result {
    double ratio = 0, c_best = 0, c_median = 0, d_best = 0, d_median = 0;
    // Process CPU time per call (all threads summed): a load-robust cross-check of the
    // wall-clock figures for one-thread rows on a shared machine.
    double c_cpu_median = 0, d_cpu_median = 0;
    long peak_rss_kb = 0;  // whole process (input, buffers written, codec state)
    long base_rss_kb = 0;  // before the first call: process + input (+ reference)
    bool ok = false;
    std::string error;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Decompression: one warm-up, then `runs` timed calls. Compression: `compress_runs` timed
// calls, after a warm-up only when `warm_compress` (the ~1 MB/s codecs are timed once).
Result measure(const Codec& c, const std::string& src, int runs, int compress_runs, bool warm_compress) {
    Result r;
    Buf frame(std::max<size_t>(z4ai_compress_bound(src.size()), ZSTD_compressBound(src.size())) +
              BrotliEncoderMaxCompressedSize(src.size()) + 1024);
    Buf out(src.size() + 64);
    r.base_rss_kb = current_rss_kb();
    size_t fsize = warm_compress ? c.compress(src, frame) : 1;
    if (!fsize) {
        r.error = "compression failed";
        return r;
    }
    std::vector<double> ct, dt, cc, dc;
    for (int i = 0; i < compress_runs; ++i) {
        double c0 = cpu_seconds();
        auto t0 = Clock::now();
        fsize = c.compress(src, frame);
        ct.push_back(seconds(t0, Clock::now()));
        cc.push_back(cpu_seconds() - c0);
    }
    size_t got = fsize ? c.decompress(frame, fsize, out) : 0;
    for (int i = 0; i < runs; ++i) {
        double c0 = cpu_seconds();
        auto t0 = Clock::now();
        got = c.decompress(frame, fsize, out);
        dt.push_back(seconds(t0, Clock::now()));
        dc.push_back(cpu_seconds() - c0);
    }
    r.ok = got == src.size() && std::memcmp(out.data(), src.data(), src.size()) == 0;
    if (!r.ok) r.error = "round trip mismatch";
    double mb = double(src.size()) / 1e6;
    r.ratio = double(src.size()) / double(fsize);
    r.c_best = mb / *std::min_element(ct.begin(), ct.end());
    r.c_median = mb / median(ct);
    r.d_best = mb / *std::min_element(dt.begin(), dt.end());
    r.d_median = mb / median(dt);
    r.c_cpu_median = mb / std::max(median(cc), 1e-9);
    r.d_cpu_median = mb / std::max(median(dc), 1e-9);
    return r;
}

// Runs one measurement in a child so ru_maxrss is that row's peak.
Result measure_isolated(const Codec& c, const std::string& src, int runs, int compress_runs,
                        bool warm_compress) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return measure(c, src, runs, compress_runs, warm_compress);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        Result r = measure(c, src, runs, compress_runs, warm_compress);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        r.peak_rss_kb = ru.ru_maxrss;
        char buf[512];
        int n = std::snprintf(buf, sizeof buf, "%d %.17g %.17g %.17g %.17g %.17g %.17g %.17g %ld %ld %s",
                              r.ok ? 1 : 0, r.ratio, r.c_best, r.c_median, r.d_best, r.d_median,
                              r.c_cpu_median, r.d_cpu_median, r.peak_rss_kb, r.base_rss_kb, r.error.c_str());
        if (write(pipefd[1], buf, static_cast<size_t>(n)) < 0) _exit(1);
        _exit(0);
    }
    close(pipefd[1]);
    std::string text;
    char buf[512];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    Result r;
    int ok = 0;
    char err[256] = "";
    if (std::sscanf(text.c_str(), "%d %lf %lf %lf %lf %lf %lf %lf %ld %ld %255[^\n]", &ok, &r.ratio,
                    &r.c_best, &r.c_median, &r.d_best, &r.d_median, &r.c_cpu_median, &r.d_cpu_median,
                    &r.peak_rss_kb, &r.base_rss_kb, err) < 10) {
        r.error = "benchmark child failed";
        return r;
    }
    r.ok = ok;
    r.error = err;
    return r;
}

// ref != nullptr: delta rows (the frame is a delta against *ref). checksum = false:
// frames without per-chunk checksums (ZipNN has none), to show what they cost.
Codec z4ai_codec(int32_t dtype, int effort, int threads, const std::string* ref = nullptr, bool checksum = true) {
    static const char* names[] = {"fast", "default", "max"};
    Codec c{"z4ai", std::string(names[effort]) + (ref ? "+delta" : "") + (checksum ? "" : "+nochecksum"), threads,
            nullptr, nullptr};
    c.compress = [=](const std::string& src, Buf& dst) -> size_t {
        static z4ai_cctx* cctx = z4ai_cctx_create();
        z4ai_cctx_set_param(cctx, Z4AI_C_DTYPE, dtype);
        z4ai_cctx_set_param(cctx, Z4AI_C_EFFORT, effort);
        z4ai_cctx_set_param(cctx, Z4AI_C_THREADS, threads);
        z4ai_cctx_set_param(cctx, Z4AI_C_CHECKSUM, checksum ? 1 : 0);
        if (z4ai_cctx_ref_reference(cctx, ref ? ref->data() : nullptr, ref ? ref->size() : 0) != Z4AI_OK)
            return 0;
        size_t w = 0;
        return z4ai_compress(cctx, dst.data(), dst.size(), src.data(), src.size(), &w) == Z4AI_OK ? w : 0;
    };
    c.decompress = [=](const Buf& f, size_t n, Buf& out) -> size_t {
        static z4ai_dctx* dctx = z4ai_dctx_create();
        z4ai_dctx_set_param(dctx, Z4AI_D_THREADS, threads);
        if (z4ai_dctx_ref_reference(dctx, ref ? ref->data() : nullptr, ref ? ref->size() : 0) != Z4AI_OK)
            return 0;
        size_t w = 0;
        return z4ai_decompress(dctx, out.data(), out.size(), f.data(), n, &w) == Z4AI_OK ? w : 0;
    };
    return c;
}

// ref != nullptr: zstd's "--patch-from" mode (the reference as a raw prefix, long
// mode, window covering reference + input): the generic checkpoint-delta anchor.
Codec zstd_codec(int level, bool long_mode, const std::string* ref = nullptr) {
    Codec c{"zstd", std::to_string(level) + (long_mode ? "+long" : "") + (ref ? "+patch-from" : ""), 1,
            nullptr, nullptr};
    if (ref) long_mode = true;
    c.compress = [=](const std::string& src, Buf& dst) -> size_t {
        static ZSTD_CCtx* z = ZSTD_createCCtx();
        ZSTD_CCtx_reset(z, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, level);
        int window = 27;
        if (ref) {
            size_t span = ref->size() + src.size();
            window = 10;
            while (window < 30 && (size_t(1) << window) < span) ++window;
        }
        if (long_mode) {
            ZSTD_CCtx_setParameter(z, ZSTD_c_enableLongDistanceMatching, 1);
            ZSTD_CCtx_setParameter(z, ZSTD_c_windowLog, window);
        }
        if (ref && ZSTD_isError(ZSTD_CCtx_refPrefix(z, ref->data(), ref->size()))) return 0;
        size_t r = ZSTD_compress2(z, dst.data(), dst.size(), src.data(), src.size());
        return ZSTD_isError(r) ? 0 : r;
    };
    c.decompress = [=](const Buf& f, size_t n, Buf& out) -> size_t {
        static ZSTD_DCtx* z = ZSTD_createDCtx();
        ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 31);
        if (ref && ZSTD_isError(ZSTD_DCtx_refPrefix(z, ref->data(), ref->size()))) return 0;
        size_t r = ZSTD_decompressDCtx(z, out.data(), out.size(), f.data(), n);
        return ZSTD_isError(r) ? 0 : r;
    };
    return c;
}

// zstd on byte planes (sign rotated for floats): the "generic codec on planes" anchor.
Codec zstd_planes_codec(int32_t dtype, int level) {
    Codec c{"zstd-planes", std::to_string(level), 1, nullptr, nullptr};
    size_t w = z4ai_dtype_width(dtype);
    bool rotate = dtype == Z4AI_DTYPE_BF16 || dtype == Z4AI_DTYPE_FP16 || dtype == Z4AI_DTYPE_FP32 ||
                  dtype == Z4AI_DTYPE_FP64;
    auto scratch = std::make_shared<std::vector<uint8_t>>();
    c.compress = [=](const std::string& src, Buf& dst) -> size_t {
        static ZSTD_CCtx* z = ZSTD_createCCtx();
        size_t n = src.size() / w;
        scratch->resize(src.size());
        uint8_t* planes[8];
        for (size_t k = 0; k < w; ++k) planes[k] = scratch->data() + k * n;
        z4ai::split_planes(reinterpret_cast<const uint8_t*>(src.data()), n, static_cast<unsigned>(w), rotate,
                           planes);
        std::memcpy(scratch->data() + n * w, src.data() + n * w, src.size() - n * w);
        size_t pos = 0;
        for (size_t k = 0; k <= w; ++k) {
            size_t len = k < w ? n : src.size() - n * w;
            const uint8_t* p = k < w ? planes[k] : scratch->data() + n * w;
            size_t r = ZSTD_compressCCtx(z, dst.data() + pos + 8, dst.size() - pos - 8, p, len, level);
            if (ZSTD_isError(r)) return 0;
            std::memcpy(dst.data() + pos, &r, 8);
            pos += 8 + r;
        }
        return pos;
    };
    c.decompress = [=](const Buf& f, size_t, Buf& out) -> size_t {
        static ZSTD_DCtx* z = ZSTD_createDCtx();
        size_t total = out.size() - 64;
        size_t n = total / w;
        scratch->resize(total);
        size_t pos = 0;
        for (size_t k = 0; k <= w; ++k) {
            size_t len = k < w ? n : total - n * w;
            size_t csize;
            std::memcpy(&csize, f.data() + pos, 8);
            size_t r = ZSTD_decompressDCtx(z, scratch->data() + k * n, len, f.data() + pos + 8, csize);
            if (ZSTD_isError(r) || r != len) return 0;
            pos += 8 + csize;
        }
        const uint8_t* planes[8];
        for (size_t k = 0; k < w; ++k) planes[k] = scratch->data() + k * n;
        z4ai::merge_planes(planes, n, static_cast<unsigned>(w), rotate,
                           reinterpret_cast<uint8_t*>(out.data()));
        std::memcpy(out.data() + n * w, scratch->data() + n * w, total - n * w);
        return total;
    };
    return c;
}

Codec brotli_codec(int quality) {
    Codec c{"brotli", std::to_string(quality), 1, nullptr, nullptr};
    c.compress = [=](const std::string& src, Buf& dst) -> size_t {
        size_t out = dst.size();
        if (!BrotliEncoderCompress(quality, 24, BROTLI_MODE_GENERIC, src.size(),
                                   reinterpret_cast<const uint8_t*>(src.data()), &out,
                                   reinterpret_cast<uint8_t*>(dst.data())))
            return 0;
        return out;
    };
    c.decompress = [](const Buf& f, size_t n, Buf& out) -> size_t {
        size_t size = out.size();
        if (BrotliDecoderDecompress(n, reinterpret_cast<const uint8_t*>(f.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())) != BROTLI_DECODER_RESULT_SUCCESS)
            return 0;
        return size;
    };
    return c;
}

Codec memcpy_codec() {
    Codec c{"memcpy", "ceiling", 1, nullptr, nullptr};
    c.compress = [](const std::string& src, Buf& dst) -> size_t {
        std::memcpy(dst.data(), src.data(), src.size());
        return src.size();
    };
    c.decompress = [](const Buf& f, size_t n, Buf& out) -> size_t {
        std::memcpy(out.data(), f.data(), n);
        return n;
    };
    return c;
}

int32_t dtype_from_extension(const std::string& path) {
    struct Ext {
        const char* ext;
        int32_t dtype;
    } table[] = {{".bf16", Z4AI_DTYPE_BF16}, {".f16", Z4AI_DTYPE_FP16},  {".fp16", Z4AI_DTYPE_FP16},
                 {".f32", Z4AI_DTYPE_FP32},  {".fp32", Z4AI_DTYPE_FP32}, {".f64", Z4AI_DTYPE_FP64},
                 {".i8", Z4AI_DTYPE_INT8},   {".u8", Z4AI_DTYPE_UINT8}};
    for (auto& e : table) {
        size_t n = std::strlen(e.ext);
        if (path.size() > n && path.compare(path.size() - n, n, e.ext) == 0) return e.dtype;
    }
    return Z4AI_DTYPE_RAW;
}

std::string base_name(const std::string& p) { return p.substr(p.rfind('/') + 1); }

// --codecs a,b,...: keep a row when "codec" or "codec-variant/tTHREADS" starts with an
// entry (e.g. "zstd-3", "z4ai-max/t1", "z4ai-default+delta").
bool selected(const std::string& filter, const Codec& c) {
    if (filter.empty()) return true;
    std::string full = c.name + "-" + c.variant + "/t" + std::to_string(c.threads);
    size_t pos = 0;
    while (pos <= filter.size()) {
        size_t comma = filter.find(',', pos);
        std::string want = filter.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!want.empty() && (c.name == want || full.rfind(want, 0) == 0)) return true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return false;
}

std::string json_escape(const std::string& s) {
    std::string r;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') r += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
        r += ch;
    }
    return r;
}

}  // namespace

int run_bench(const Options& o) {
    if (o.inputs.empty()) throw CliError{"bench needs at least one file"};
    const int runs = o.runs > 0 ? o.runs : 5;
    const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::string reference;
    if (!o.reference.empty()) reference = read_all(o.reference);
    const std::string* ref = o.reference.empty() ? nullptr : &reference;
    FILE* json = nullptr;
    if (!o.json_out.empty()) {
        json = std::fopen(o.json_out.c_str(), "w");
        if (!json) throw CliError{o.json_out + ": cannot write"};
        std::fputs("[\n", json);
    }
    bool first_row = true;
    std::printf(
        "| file | dtype | codec | variant | threads | ratio | compress MB/s (median / best) | decompress "
        "MB/s (median / best) | peak RSS MiB | round trip |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const std::string& path : o.inputs) {
        std::string src = read_all(path);
        if (ref && ref->size() != src.size())
            std::fprintf(stderr, "z4ai bench: %s: reference is %zu bytes, input %zu\n", path.c_str(),
                         ref->size(), src.size());
        int32_t dtype = o.dtype >= 0 ? o.dtype : dtype_from_extension(path);
        std::vector<Codec> codecs;
        codecs.push_back(memcpy_codec());
        for (int effort : {Z4AI_EFFORT_FAST, Z4AI_EFFORT_DEFAULT, Z4AI_EFFORT_MAX}) {
            codecs.push_back(z4ai_codec(dtype, effort, 1));
            if (all > 1) codecs.push_back(z4ai_codec(dtype, effort, all));
        }
        codecs.push_back(z4ai_codec(dtype, Z4AI_EFFORT_FAST, 1, nullptr, false));
        if (ref)
            for (int effort : {Z4AI_EFFORT_FAST, Z4AI_EFFORT_DEFAULT, Z4AI_EFFORT_MAX}) {
                codecs.push_back(z4ai_codec(dtype, effort, 1, ref));
                if (all > 1) codecs.push_back(z4ai_codec(dtype, effort, all, ref));
            }
        if (!o.quick) {
            codecs.push_back(zstd_codec(3, false));
            codecs.push_back(zstd_codec(3, true));
            codecs.push_back(zstd_codec(19, false));
            codecs.push_back(zstd_codec(19, true));
            if (ref) {
                codecs.push_back(zstd_codec(3, true, ref));
                codecs.push_back(zstd_codec(19, true, ref));
            }
            if (z4ai_dtype_width(dtype) > 1) {
                codecs.push_back(zstd_planes_codec(dtype, 3));
                codecs.push_back(zstd_planes_codec(dtype, 19));
            }
            codecs.push_back(brotli_codec(5));
            codecs.push_back(brotli_codec(11));
        }
        for (const Codec& c : codecs) {
            if (!selected(o.bench_codecs, c)) continue;
            // brotli-11, zstd-19 and z4ai max compress at ~1 MB/s: above 1 MiB their compression
            // is timed once, without a warm-up (the row's "compress_runs" says so); their
            // decompression is timed like every other row.
            bool slow = (c.name == "brotli" && c.variant == "11") ||
                        ((c.name == "zstd" || c.name == "zstd-planes") && c.variant.rfind("19", 0) == 0) ||
                        (c.name == "z4ai" && c.variant.rfind("max", 0) == 0);
            bool large = src.size() > (1u << 20);
            int compress_runs = slow && large ? 1 : runs;
            bool is_delta = c.variant.find("+delta") != std::string::npos ||
                            c.variant.find("+patch-from") != std::string::npos;
            Result r = measure_isolated(c, src, runs, compress_runs, !(slow && large));
            std::printf("| %s | %s | %s | %s | %d | %.4f | %.0f / %.0f | %.0f / %.0f | %.0f | %s |\n",
                        base_name(path).c_str(), z4ai_dtype_name(dtype), c.name.c_str(), c.variant.c_str(),
                        c.threads, r.ratio, r.c_median, r.c_best, r.d_median, r.d_best,
                        r.peak_rss_kb / 1024.0, r.ok ? "ok" : r.error.c_str());
            std::fflush(stdout);
            if (json) {
                std::fprintf(json,
                             "%s  {\"file\": \"%s\", \"path\": \"%s\", \"bytes\": %zu, \"dtype\": \"%s\", "
                             "\"codec\": \"%s\", "
                             "\"variant\": \"%s\", \"threads\": %d, \"runs\": %d, \"compress_runs\": %d, "
                             "\"compress_warm_up\": %s, "
                             "\"ratio\": %.6f, "
                             "\"compress_MBps_median\": %.1f, \"compress_MBps_best\": %.1f, "
                             "\"decompress_MBps_median\": %.1f, \"decompress_MBps_best\": %.1f, "
                             "\"compress_MBps_cpu_median\": %.1f, \"decompress_MBps_cpu_median\": %.1f, "
                             "\"peak_rss_MB\": %.1f, \"base_rss_MB\": %.1f, \"roundtrip_ok\": %s, \"ref\": "
                             "\"%s\", \"error\": \"%s\"}",
                             first_row ? "" : ",\n", json_escape(base_name(path)).c_str(),
                             json_escape(path).c_str(), src.size(), z4ai_dtype_name(dtype), c.name.c_str(),
                             c.variant.c_str(), c.threads, runs, compress_runs,
                             slow && large ? "false" : "true", r.ratio, r.c_median, r.c_best, r.d_median,
                             r.d_best, r.c_cpu_median, r.d_cpu_median, r.peak_rss_kb / 1024.0,
                             r.base_rss_kb / 1024.0, r.ok ? "true" : "false",
                             is_delta ? json_escape(o.reference).c_str() : "", json_escape(r.error).c_str());
                first_row = false;
            }
        }
    }
    if (json) {
        std::fputs("\n]\n", json);
        std::fclose(json);
    }
    return 0;
}

}  // namespace z4ai_cli
