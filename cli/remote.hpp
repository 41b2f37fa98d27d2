// remote.hpp - containers behind http(s):// URLs (presigned S3 URLs included) for
// `z4ai ls|info|extract URL`: ranged GETs through libcurl feeding the C ABI's versioned
// read-at callback (z4ai_reader_open_source), with retries and response checks.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "z4ai.h"

namespace z4ai_cli {

// True for http:// and https:// URLs.
bool is_http_url(const std::string& s);

// One remote object read by byte ranges. Opening costs one suffix request (the last
// kTailBytes: trailer and, for most containers, the whole index), which also gives the
// size and the ETag; every later request carries If-Match and its ETag is reported to
// the reader, which pins it. Transient failures (HTTP 5xx/429, connection errors, short
// bodies) are retried kRetries times with exponential backoff; a 200 to a Range request,
// a Content-Range other than the one asked for, a Content-Length that does not match,
// 412 and 416 fail at once. Errors name the URL and the byte range.
class HttpObject;

struct RemoteInput {
    std::shared_ptr<HttpObject> object;
    uint64_t size = 0;
    uint64_t requests = 0;  // filled by stats()
};

// Opens `url` on `reader`; the returned input must outlive the reader's use of it.
// Throws CliError on failure.
RemoteInput open_http(z4ai_reader* reader, const std::string& url);
// Requests issued and body bytes received so far.
void http_stats(const RemoteInput& in, uint64_t* requests, uint64_t* bytes);

}  // namespace z4ai_cli
