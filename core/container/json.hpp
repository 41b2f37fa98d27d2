// json.hpp - a strict pull parser for JSON (RFC 8259) used on safetensors headers.
// No document tree is built: callers walk objects and arrays and skip what they
// do not need, so memory stays proportional to what they keep, never to what an
// attacker declares. Nesting depth is bounded.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace z4ai::json {

class Cursor {
   public:
    // Errors are thrown as Error(code, "header JSON: ... at byte N").
    Cursor(std::string_view text, int32_t error_code) : s_(text), code_(error_code) {}

    enum class Kind { null, boolean, number, string, array, object };
    Kind peek_kind();

    // Objects: begin_object(), then while (next_member(&key)) { ...read the value... }
    void begin_object();
    bool next_member(std::string* key);
    // Arrays: begin_array(), then while (next_item()) { ...read the value... }
    void begin_array();
    bool next_item();

    std::string read_string();
    // A non-negative integer literal that fits in 64 bits.
    uint64_t read_u64();
    void skip_value();
    // Checks that only whitespace remains.
    void finish();

    size_t position() const { return pos_; }
    [[noreturn]] void error(const std::string& what) const;

   private:
    void skip_ws();
    char peek();
    void literal(std::string_view word);
    unsigned hex4();
    void skip_number();

    std::string_view s_;
    int32_t code_;
    size_t pos_ = 0;
    int depth_ = 0;
    // Per open container: whether the next member/item is the first one.
    uint64_t first_bits_ = 0;
};

// Appends s as a JSON string literal (quoted, escaped).
void append_quoted(std::string& out, std::string_view s);

}  // namespace z4ai::json
