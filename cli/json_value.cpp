#include "json_value.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "io.hpp"

namespace z4ai_cli {
namespace {

struct Parser {
    const std::string& s;
    size_t at = 0;
    int depth = 0;

    [[noreturn]] void fail(const char* what) const {
        throw CliError{std::string("malformed JSON from the library (") + what + " at byte " +
                       std::to_string(at) + ")"};
    }
    void ws() {
        while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\t' || s[at] == '\r')) ++at;
    }
    bool eat(char c) {
        ws();
        if (at < s.size() && s[at] == c) {
            ++at;
            return true;
        }
        return false;
    }
    std::string string_body() {
        if (!eat('"')) fail("expected a string");
        std::string out;
        while (at < s.size() && s[at] != '"') {
            char c = s[at++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at >= s.size()) fail("bad escape");
            char e = s[at++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (at + 4 > s.size()) fail("bad \\u escape");
                    unsigned cp = static_cast<unsigned>(std::strtoul(s.substr(at, 4).c_str(), nullptr, 16));
                    at += 4;
                    if (cp >= 0xD800 && cp < 0xDC00 && at + 6 <= s.size() && s[at] == '\\' &&
                        s[at + 1] == 'u') {
                        unsigned lo =
                            static_cast<unsigned>(std::strtoul(s.substr(at + 2, 4).c_str(), nullptr, 16));
                        at += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    if (cp < 0x80) {
                        out += char(cp);
                    } else if (cp < 0x800) {
                        out += char(0xC0 | (cp >> 6));
                        out += char(0x80 | (cp & 0x3F));
                    } else if (cp < 0x10000) {
                        out += char(0xE0 | (cp >> 12));
                        out += char(0x80 | ((cp >> 6) & 0x3F));
                        out += char(0x80 | (cp & 0x3F));
                    } else {
                        out += char(0xF0 | (cp >> 18));
                        out += char(0x80 | ((cp >> 12) & 0x3F));
                        out += char(0x80 | ((cp >> 6) & 0x3F));
                        out += char(0x80 | (cp & 0x3F));
                    }
                    break;
                }
                default: out += e;
            }
        }
        if (at >= s.size()) fail("unterminated string");
        ++at;
        return out;
    }
    Json value() {
        if (++depth > 64) fail("nested too deeply");
        ws();
        if (at >= s.size()) fail("unexpected end");
        Json j;
        char c = s[at];
        if (c == '{') {
            ++at;
            j.type = Json::object;
            if (!eat('}')) {
                do {
                    std::string k = string_body();
                    if (!eat(':')) fail("expected ':'");
                    j.members.emplace_back(std::move(k), value());
                } while (eat(','));
                if (!eat('}')) fail("expected '}'");
            }
        } else if (c == '[') {
            ++at;
            j.type = Json::array;
            if (!eat(']')) {
                do j.items.push_back(value());
                while (eat(','));
                if (!eat(']')) fail("expected ']'");
            }
        } else if (c == '"') {
            j.type = Json::string;
            j.text = string_body();
        } else if (s.compare(at, 4, "true") == 0) {
            at += 4;
            j.type = Json::boolean;
            j.b = true;
        } else if (s.compare(at, 5, "false") == 0) {
            at += 5;
            j.type = Json::boolean;
        } else if (s.compare(at, 4, "null") == 0) {
            at += 4;
        } else {
            size_t start = at;
            while (at < s.size() && (std::isdigit(static_cast<unsigned char>(s[at])) || s[at] == '-' ||
                                     s[at] == '+' || s[at] == '.' || s[at] == 'e' || s[at] == 'E'))
                ++at;
            if (at == start) fail("unexpected character");
            j.type = Json::number;
            j.text = s.substr(start, at - start);
        }
        --depth;
        return j;
    }
};

void quote(std::string& out, const std::string& v) {
    out += '"';
    for (unsigned char c : v) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    out += '"';
}

void dump_to(const Json& j, std::string& out) {
    switch (j.type) {
        case Json::null: out += "null"; break;
        case Json::boolean: out += j.b ? "true" : "false"; break;
        case Json::number: out += j.text; break;
        case Json::string: quote(out, j.text); break;
        case Json::array:
            out += '[';
            for (size_t i = 0; i < j.items.size(); ++i) {
                if (i) out += ',';
                dump_to(j.items[i], out);
            }
            out += ']';
            break;
        case Json::object:
            out += '{';
            for (size_t i = 0; i < j.members.size(); ++i) {
                if (i) out += ',';
                quote(out, j.members[i].first);
                out += ':';
                dump_to(j.members[i].second, out);
            }
            out += '}';
            break;
    }
}

}  // namespace

Json Json::parse(const std::string& s) {
    Parser p{s};
    Json j = p.value();
    p.ws();
    if (p.at != s.size()) p.fail("trailing data");
    return j;
}

std::string Json::dump() const {
    std::string out;
    dump_to(*this, out);
    return out;
}

Json Json::num(uint64_t v) {
    Json j;
    j.type = number;
    j.text = std::to_string(v);
    return j;
}
Json Json::real(double v) {
    Json j;
    j.type = number;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    j.text = buf;
    return j;
}
Json Json::str(const std::string& v) {
    Json j;
    j.type = string;
    j.text = v;
    return j;
}
Json Json::flag(bool v) {
    Json j;
    j.type = boolean;
    j.b = v;
    return j;
}

const Json* Json::get(const std::string& key) const {
    for (const auto& m : members)
        if (m.first == key) return &m.second;
    return nullptr;
}
Json* Json::get(const std::string& key) {
    for (auto& m : members)
        if (m.first == key) return &m.second;
    return nullptr;
}
void Json::set(const std::string& key, Json v) {
    if (Json* j = get(key))
        *j = std::move(v);
    else
        members.emplace_back(key, std::move(v));
}
Json Json::take(const std::string& key) {
    for (size_t i = 0; i < members.size(); ++i)
        if (members[i].first == key) {
            Json v = std::move(members[i].second);
            members.erase(members.begin() + static_cast<long>(i));
            return v;
        }
    return Json();
}
uint64_t Json::u64() const { return type == number ? std::strtoull(text.c_str(), nullptr, 10) : 0; }

}  // namespace z4ai_cli
