// json_value.hpp - a small JSON document model for the CLI: it reads the
// descriptions the C ABI returns (z4ai_frame_describe, z4ai_reader_describe) and
// writes `z4ai info --json` in one schema for every kind of input. The CLI uses only
// z4ai.h, so it cannot borrow the core's JSON cursor.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace z4ai_cli {

struct Json {
    enum Type { null, boolean, number, string, array, object } type = null;
    bool b = false;
    std::string text;  // number (as written) or string
    std::vector<Json> items;
    std::vector<std::pair<std::string, Json>> members;  // in document order

    static Json parse(const std::string& s);  // throws CliError on malformed input
    std::string dump() const;

    static Json num(uint64_t v);
    static Json real(double v);
    static Json str(const std::string& v);
    static Json flag(bool v);
    static Json obj() {
        Json j;
        j.type = object;
        return j;
    }
    static Json arr() {
        Json j;
        j.type = array;
        return j;
    }

    const Json* get(const std::string& key) const;
    Json* get(const std::string& key);
    void set(const std::string& key, Json v);  // replaces or appends
    Json take(const std::string& key);         // removes and returns (null if absent)
    uint64_t u64() const;                      // a number's value (0 if not a number)
    const std::string& s() const { return text; }
};

}  // namespace z4ai_cli
