#include "container/json.hpp"

#include "util/status.hpp"

namespace z4ai::json {
namespace {
constexpr int kMaxDepth = 63;
}

void Cursor::error(const std::string& what) const {
    fail(static_cast<Code>(code_), "header JSON: " + what + " at byte " + std::to_string(pos_));
}

void Cursor::skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
        ++pos_;
}

char Cursor::peek() {
    skip_ws();
    if (pos_ >= s_.size()) error("unexpected end");
    return s_[pos_];
}

Cursor::Kind Cursor::peek_kind() {
    char c = peek();
    switch (c) {
        case '{': return Kind::object;
        case '[': return Kind::array;
        case '"': return Kind::string;
        case 't':
        case 'f': return Kind::boolean;
        case 'n': return Kind::null;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) return Kind::number;
            error("unexpected character");
    }
}

void Cursor::begin_object() {
    if (peek() != '{') error("expected an object");
    if (depth_ >= kMaxDepth) error("nesting too deep");
    ++pos_;
    ++depth_;
    first_bits_ |= uint64_t(1) << depth_;
}

bool Cursor::next_member(std::string* key) {
    char c = peek();
    bool first = first_bits_ & (uint64_t(1) << depth_);
    if (c == '}') {
        ++pos_;
        --depth_;
        return false;
    }
    if (!first) {
        if (c != ',') error("expected ',' or '}'");
        ++pos_;
        if (peek() != '"') error("expected a string key");
    }
    first_bits_ &= ~(uint64_t(1) << depth_);
    if (peek() != '"') error("expected a string key");
    *key = read_string();
    if (peek() != ':') error("expected ':'");
    ++pos_;
    return true;
}

void Cursor::begin_array() {
    if (peek() != '[') error("expected an array");
    if (depth_ >= kMaxDepth) error("nesting too deep");
    ++pos_;
    ++depth_;
    first_bits_ |= uint64_t(1) << depth_;
}

bool Cursor::next_item() {
    char c = peek();
    bool first = first_bits_ & (uint64_t(1) << depth_);
    if (c == ']') {
        ++pos_;
        --depth_;
        return false;
    }
    if (!first) {
        if (c != ',') error("expected ',' or ']'");
        ++pos_;
        if (peek() == ']') error("trailing comma");
    }
    first_bits_ &= ~(uint64_t(1) << depth_);
    return true;
}

void Cursor::literal(std::string_view word) {
    skip_ws();
    if (s_.substr(pos_, word.size()) != word) error("invalid literal");
    pos_ += word.size();
}

void Cursor::skip_number() {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    auto digits = [&] {
        size_t d = pos_;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
        if (pos_ == d) error("malformed number");
    };
    digits();
    if (pos_ < s_.size() && s_[pos_] == '.') {
        ++pos_;
        digits();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
        digits();
    }
}

uint64_t Cursor::read_u64() {
    if (peek_kind() != Kind::number) error("expected a number");
    size_t start = pos_;
    skip_number();
    std::string_view t = s_.substr(start, pos_ - start);
    uint64_t v = 0;
    if (t.empty() || (t.size() > 1 && t[0] == '0')) error("expected a non-negative integer");
    for (char c : t) {
        if (c < '0' || c > '9') error("expected a non-negative integer");
        unsigned d = unsigned(c - '0');
        if (v > (UINT64_MAX - d) / 10) error("integer too large");
        v = v * 10 + d;
    }
    return v;
}

void Cursor::skip_value() {
    switch (peek_kind()) {
        case Kind::object: {
            begin_object();
            std::string key;
            while (next_member(&key)) skip_value();
            return;
        }
        case Kind::array:
            begin_array();
            while (next_item()) skip_value();
            return;
        case Kind::string: read_string(); return;
        case Kind::number: skip_number(); return;
        case Kind::boolean: literal(s_[pos_] == 't' ? "true" : "false"); return;
        case Kind::null: literal("null"); return;
    }
}

void Cursor::finish() {
    skip_ws();
    if (pos_ != s_.size()) error("trailing characters after the JSON value");
}

unsigned Cursor::hex4() {
    if (s_.size() - pos_ < 4) error("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
        char c = s_[pos_++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= unsigned(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= unsigned(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= unsigned(c - 'A' + 10);
        else
            error("bad \\u escape");
    }
    return v;
}

std::string Cursor::read_string() {
    if (peek() != '"') error("expected a string");
    ++pos_;
    std::string out;
    for (;;) {
        if (pos_ >= s_.size()) error("unterminated string");
        unsigned char c = static_cast<unsigned char>(s_[pos_++]);
        if (c == '"') return out;
        if (c < 0x20) error("control character in string");
        if (c != '\\') {
            out.push_back(static_cast<char>(c));
            continue;
        }
        if (pos_ >= s_.size()) error("unterminated escape");
        char e = s_[pos_++];
        switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00) {
                    if (s_.substr(pos_, 2) != "\\u") error("lone surrogate");
                    pos_ += 2;
                    unsigned lo = hex4();
                    if (lo < 0xDC00 || lo >= 0xE000) error("bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    error("lone surrogate");
                }
                if (cp < 0x80) {
                    out.push_back(static_cast<char>(cp));
                } else if (cp < 0x800) {
                    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                } else if (cp < 0x10000) {
                    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                } else {
                    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                }
                break;
            }
            default: error("unknown escape");
        }
    }
}

void append_quoted(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out.push_back('"');
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
}

}  // namespace z4ai::json
