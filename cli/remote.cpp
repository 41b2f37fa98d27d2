// remote.cpp - http(s):// containers for the CLI through libcurl (see remote.hpp).
#include "remote.hpp"

#if Z4AI_CLI_HTTP
#include <curl/curl.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "io.hpp"

namespace z4ai_cli {
#if Z4AI_CLI_HTTP
namespace {

// The opening suffix request: trailer + the index of a container with a few dozen
// tensors stay under 8 KiB; a bigger index costs one request more.
constexpr size_t kTailBytes = 8192 - 64;
constexpr int kRetries = 4;          // after the first attempt
constexpr int kFirstBackoffMs = 50;  // doubling, capped at 2 s
constexpr long kConnectTimeoutS = 10;
constexpr long kLowSpeedTimeS = 30;  // abort a transfer stalled below 1 B/s for this long

struct Response {
    std::string content_range, etag, content_length;
    uint8_t* dst = nullptr;  // body goes here, at most cap bytes
    size_t cap = 0, got = 0;
    bool overflow = false;
};

size_t on_body(char* p, size_t size, size_t n, void* user) {
    Response* r = static_cast<Response*>(user);
    size_t len = size * n;
    if (len > r->cap - r->got) {
        r->overflow = true;
        return 0;  // aborts the transfer: more bytes than the range holds
    }
    std::memcpy(r->dst + r->got, p, len);
    r->got += len;
    return len;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

size_t on_header(char* p, size_t size, size_t n, void* user) {
    Response* r = static_cast<Response*>(user);
    std::string line(p, size * n);
    size_t colon = line.find(':');
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect): forget the last
        r->content_range.clear();
        r->etag.clear();
        r->content_length.clear();
        r->got = 0;
    } else if (colon != std::string::npos) {
        std::string key = line.substr(0, colon);
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = trim(line.substr(colon + 1));
        if (key == "content-range") r->content_range = value;
        if (key == "etag") r->etag = value;
        if (key == "content-length") r->content_length = value;
    }
    return size * n;
}

struct Failure {
    bool transient;
    std::string what;
};

std::string range_text(uint64_t a, uint64_t b) {
    return "bytes " + std::to_string(a) + "-" + std::to_string(b ? b - 1 : 0);
}

// "bytes A-B/T" -> [A, B + 1) and T.
bool parse_content_range(const std::string& v, uint64_t* a, uint64_t* b, uint64_t* total) {
    unsigned long long x, y, t;
    char tail;
    if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu%c", &x, &y, &t, &tail) != 3) return false;
    if (y < x || y >= t) return false;
    *a = x;
    *b = y + 1;
    *total = t;
    return true;
}

}  // namespace

class HttpObject {
   public:
    explicit HttpObject(std::string url) : url_(std::move(url)) {
        curl_ = curl_easy_init();
        if (!curl_) throw CliError{url_ + ": cannot initialise libcurl"};
    }
    ~HttpObject() { curl_easy_cleanup(curl_); }

    void open() {
        tail_.resize(kTailBytes);
        uint64_t a = 0, b = 0, total = 0;
        std::string err;
        if (!fetch(0, 0, kTailBytes, tail_.data(), &a, &b, &total, &err)) throw CliError{err};
        size_ = total;
        tail_at_ = a;
        tail_.resize(static_cast<size_t>(b - a));
    }

    uint64_t size() const { return size_; }

    // The read-at callback: exactly n bytes at offset into dst.
    int32_t read_at(uint64_t offset, void* dst, size_t n, z4ai_read_result* result) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (offset >= tail_at_ && offset - tail_at_ <= tail_.size() &&
            n <= tail_.size() - (offset - tail_at_)) {
            std::memcpy(dst, tail_.data() + (offset - tail_at_), n);
            std::snprintf(result->version, sizeof result->version, "%s", etag_.c_str());
            return 0;
        }
        uint64_t a, b, total;
        std::string err;
        if (!fetch(offset, offset + n, 0, static_cast<uint8_t*>(dst), &a, &b, &total, &err)) {
            std::snprintf(result->message, sizeof result->message, "%s", err.c_str());
            return 1;
        }
        if (total != size_) {
            std::snprintf(result->message, sizeof result->message,
                          "%s: the object is %llu bytes now, %llu when opened", url_.c_str(),
                          (unsigned long long)total, (unsigned long long)size_);
            return 2;
        }
        std::snprintf(result->version, sizeof result->version, "%s", last_etag_.c_str());
        return 0;
    }

    uint64_t requests = 0, bytes = 0;

   private:
    // One logical read: [start, end) or, with suffix > 0, the last `suffix` bytes, into
    // dst (capacity end - start or suffix). Retries transient failures.
    bool fetch(uint64_t start, uint64_t end, size_t suffix, uint8_t* dst, uint64_t* a, uint64_t* b,
               uint64_t* total, std::string* err) {
        const std::string what =
            suffix ? "the last " + std::to_string(suffix) + " bytes" : range_text(start, end);
        int delay = kFirstBackoffMs;
        for (int attempt = 0;; ++attempt) {
            Failure f = once(start, end, suffix, dst, a, b, total);
            if (f.what.empty()) return true;
            if (!f.transient) {
                *err = url_ + ": " + f.what + " (reading " + what + ")";
                return false;
            }
            if (attempt == kRetries) {
                *err = url_ + ": reading " + what + " failed after " + std::to_string(attempt + 1) +
                       " attempts: " + f.what;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            delay = std::min(delay * 2, 2000);
        }
    }

    Failure once(uint64_t start, uint64_t end, size_t suffix, uint8_t* dst, uint64_t* a, uint64_t* b,
                 uint64_t* total) {
        ++requests;
        Response r;
        r.dst = dst;
        r.cap = suffix ? suffix : static_cast<size_t>(end - start);
        std::string range =
            suffix ? "-" + std::to_string(suffix) : std::to_string(start) + "-" + std::to_string(end - 1);
        curl_slist* headers = nullptr;
        std::string if_match = "If-Match: " + etag_;
        if (!etag_.empty() && etag_.rfind("W/", 0) != 0)
            headers = curl_slist_append(headers, if_match.c_str());
        curl_easy_reset(curl_);
        curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
        curl_easy_setopt(curl_, CURLOPT_RANGE, range.c_str());
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl_, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS);
        curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, kLowSpeedTimeS);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r);
        curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r);
        CURLcode rc = curl_easy_perform(curl_);
        curl_slist_free_all(headers);
        long status = 0;
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        bytes += r.got;
        if (r.overflow) {
            if (status == 200)
                return {false, "the server ignored the Range request (200 with the whole object)"};
            return {true, "the server sent more bytes than the range holds"};
        }
        if (rc != CURLE_OK) {
            bool transient = rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR ||
                             rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
                             rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
                             rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_SSL_CONNECT_ERROR;
            return {transient, std::string("libcurl: ") + curl_easy_strerror(rc)};
        }
        if (status == 200) return {false, "the server ignored the Range request (200 with the whole object)"};
        if (status == 412)
            return {false, "the object changed since it was opened (412 on If-Match " + etag_ + ")"};
        if (status == 416) return {false, "range not satisfiable (416): the object is shorter than expected"};
        if (status >= 500 || status == 429) return {true, "HTTP " + std::to_string(status)};
        if (status != 206) return {false, "HTTP " + std::to_string(status)};
        if (!parse_content_range(r.content_range, a, b, total))
            return {false, "bad or missing Content-Range '" + r.content_range + "'"};
        uint64_t want_a = suffix ? (*total > suffix ? *total - suffix : 0) : start;
        uint64_t want_b = suffix ? *total : end;
        if (*a != want_a || *b != want_b)
            return {false,
                    "asked for " + range_text(want_a, want_b) + ", the server sent " + range_text(*a, *b)};
        if (!r.content_length.empty() && r.content_length != std::to_string(*b - *a))
            return {true, "Content-Length " + r.content_length + " does not match Content-Range"};
        if (r.got != *b - *a)
            return {true,
                    "short read: " + std::to_string(r.got) + " of " + std::to_string(*b - *a) + " bytes"};
        if (suffix) {
            etag_ = r.etag;
        } else if (!r.etag.empty() && !etag_.empty() && r.etag != etag_) {
            return {false, "the object changed while it was being read (ETag " + etag_ + " when opened, " +
                               r.etag + " now)"};
        }
        last_etag_ = r.etag;
        return {};
    }

    std::string url_;
    CURL* curl_ = nullptr;
    std::mutex mutex_;  // one handle: reads are serialised (the C ABI may call concurrently)
    uint64_t size_ = 0;
    uint64_t tail_at_ = 0;
    std::string etag_, last_etag_;
    std::vector<uint8_t> tail_;
};

namespace {
int32_t read_at(void* user, uint64_t offset, void* dst, size_t size, z4ai_read_result* result) {
    return static_cast<HttpObject*>(user)->read_at(offset, dst, size, result);
}
}  // namespace

#endif  // Z4AI_CLI_HTTP

bool is_http_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

#if Z4AI_CLI_HTTP
RemoteInput open_http(z4ai_reader* reader, const std::string& url) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    RemoteInput in;
    in.object = std::make_shared<HttpObject>(url);
    in.object->open();
    in.size = in.object->size();
    z4ai_status s = z4ai_reader_open_source(reader, read_at, in.object.get(), in.size);
    if (s != Z4AI_OK)
        throw CliError{url + ": " + z4ai_status_name(s) + ": " + z4ai_reader_last_error(reader)};
    return in;
}

void http_stats(const RemoteInput& in, uint64_t* requests, uint64_t* bytes) {
    *requests = in.object ? in.object->requests : 0;
    *bytes = in.object ? in.object->bytes : 0;
}

#else   // built without libcurl (Z4AI_CLI_HTTP=OFF: the Python wheel's bundled CLI)
class HttpObject {};
RemoteInput open_http(z4ai_reader*, const std::string& url) {
    throw CliError{url + ": this z4ai CLI was built without http(s) support (Z4AI_CLI_HTTP=OFF, as in the "
                         "Python wheel, which carries no libcurl); in Python use "
                         "z4ai.safetensors.ZstnReader.open_url, or build the CLI with libcurl"};
}
void http_stats(const RemoteInput&, uint64_t* requests, uint64_t* bytes) { *requests = *bytes = 0; }
#endif  // Z4AI_CLI_HTTP

}  // namespace z4ai_cli
