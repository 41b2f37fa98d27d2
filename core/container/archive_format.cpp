// archive_format.cpp - z4ai-manifest.json of directory archives, versions 1 and 2
// (docs/FORMAT.md): strict parsing and validation, serialization of version 2.
#include <algorithm>
#include <map>
#include <set>

#include "container/archive.hpp"
#include "container/json.hpp"
#include "util/status.hpp"

namespace z4ai::archive {
namespace {

[[noreturn]] void corrupt(const std::string& what) {
    fail(Code::corrupt, std::string(kManifestName) + ": " + what);
}

std::string hex(const std::array<uint8_t, 16>& d) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (uint8_t b : d) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

std::array<uint8_t, 16> unhex(const std::string& s) {
    if (s.size() != 32) corrupt("xxh3_128 must be 32 hex digits");
    std::array<uint8_t, 16> d{};
    for (size_t i = 0; i < 32; ++i) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) corrupt("xxh3_128 must be lowercase hex");
        d[i / 2] = static_cast<uint8_t>(d[i / 2] | (v << (i % 2 ? 0 : 4)));
    }
    return d;
}

MemberKind kind_of(const std::string& s, uint32_t version) {
    if (s == "frame") return MemberKind::frame;
    if (s == "container") return MemberKind::container;
    if (s == "model_delta") return MemberKind::model_delta;
    if (s == "plain" && version >= 2) return MemberKind::plain;
    corrupt("unknown member kind '" + s.substr(0, 64) + "'");
}

Member read_member(json::Cursor& c, uint32_t version, bool directory) {
    Member m;
    m.kind = directory ? MemberKind::directory : MemberKind::plain;
    bool have_path = false, have_stored = false, have_kind = false, have_size = false;
    std::set<std::string> seen;
    c.begin_object();
    std::string key;
    while (c.next_member(&key)) {
        if (!seen.insert(key).second) corrupt("member has two '" + key.substr(0, 64) + "' keys");
        if (key == "path") {
            m.path = c.read_string();
            have_path = true;
        } else if (key == "stored" && !directory) {
            m.stored = c.read_string();
            have_stored = true;
        } else if (key == "kind" && !directory) {
            m.kind = kind_of(c.read_string(), version);
            have_kind = true;
        } else if (key == "base" && !directory) {
            m.base = c.read_string();
            fs::validate_relative_path(m.base, static_cast<int32_t>(Code::corrupt), "manifest base");
        } else if (key == "size" && !directory) {
            m.size = c.read_u64();
            have_size = true;
        } else if (key == "mode") {
            uint64_t mode = c.read_u64();
            if (mode > 07777) corrupt("mode out of range");
            m.mode = static_cast<uint32_t>(mode & 0777);  // setuid/setgid/sticky never restored
        } else if (key == "xxh3_128" && !directory) {
            m.digest = unhex(c.read_string());
            m.has_digest = true;
        } else {
            c.skip_value();
        }
    }
    if (!have_path) corrupt("member without a path");
    fs::validate_relative_path(m.path, static_cast<int32_t>(Code::corrupt), "manifest path");
    if (directory) return m;
    if (!have_stored || !have_kind || !have_size)
        corrupt("file " + m.path.substr(0, 200) + ": needs stored, kind and size");
    fs::validate_relative_path(m.stored, static_cast<int32_t>(Code::corrupt), "manifest stored name");
    if (m.kind == MemberKind::model_delta && m.base.empty())
        corrupt("model delta " + m.path.substr(0, 200) + " without a base");
    if (m.kind != MemberKind::model_delta && !m.base.empty()) corrupt("only a model delta has a base");
    return m;
}

// Every proper prefix directory of p ("a/b/c" -> "a", "a/b").
std::vector<std::string> prefixes(const std::string& p) {
    std::vector<std::string> out;
    for (size_t at = p.find('/'); at != std::string::npos; at = p.find('/', at + 1))
        out.push_back(p.substr(0, at));
    return out;
}

}  // namespace

const char* kind_name(MemberKind k) {
    switch (k) {
        case MemberKind::plain: return "plain";
        case MemberKind::frame: return "frame";
        case MemberKind::container: return "container";
        case MemberKind::model_delta: return "model_delta";
        case MemberKind::directory: return "directory";
    }
    return "?";
}

Manifest parse_manifest(std::string_view text) {
    Manifest m;
    m.version = 0;
    bool have_format = false, have_files = false;
    std::vector<Member> dirs;
    json::Cursor c(text, static_cast<int32_t>(Code::corrupt));
    c.begin_object();
    std::string key;
    // "version" may follow "files" in a hand-edited manifest: members are read with the
    // version known so far and checked again below.
    std::string files_text;
    while (c.next_member(&key)) {
        if (key == "format") {
            if (c.read_string() != "z4ai-directory") corrupt("format is not \"z4ai-directory\"");
            have_format = true;
        } else if (key == "version") {
            uint64_t v = c.read_u64();
            if (v < 1) corrupt("version 0");
            if (v > kVersion)
                fail(Code::version_unsupported,
                     std::string(kManifestName) + ": archive version " + std::to_string(v) +
                         " is newer than this library reads (" + std::to_string(kVersion) + ")");
            m.version = static_cast<uint32_t>(v);
        } else if (key == "files" || key == "directories") {
            bool is_dirs = key == "directories";
            if (is_dirs ? !dirs.empty() : have_files) corrupt("two '" + key + "' arrays");
            if (!is_dirs) have_files = true;
            c.begin_array();
            while (c.next_item()) {
                if (m.members.size() + dirs.size() >= (1u << 20)) corrupt("more than 2^20 members");
                (is_dirs ? dirs : m.members)
                    .push_back(read_member(c, m.version ? m.version : kVersion, is_dirs));
            }
        } else {
            c.skip_value();
        }
    }
    c.finish();
    if (!have_format || !m.version || !have_files) corrupt("needs format, version and files");
    for (const Member& f : m.members)
        if (m.version < 2 && (f.kind == MemberKind::plain || f.has_digest || f.mode))
            corrupt("version-1 manifest with version-2 fields");
    // Uniqueness: original paths (files and directories), stored names; a file may not be
    // the directory of another entry.
    std::set<std::string> paths, stored, file_paths, stored_files;
    for (Member& d : dirs) m.members.push_back(std::move(d));
    for (const Member& e : m.members) {
        if (!paths.insert(e.path).second) corrupt("duplicate path \"" + e.path.substr(0, 200) + "\"");
        if (e.kind != MemberKind::directory) {
            file_paths.insert(e.path);
            if (e.stored == kManifestName) corrupt("a member stored as the manifest itself");
            if (!stored.insert(e.stored).second)
                corrupt("two members stored as \"" + e.stored.substr(0, 200) + "\"");
        }
    }
    for (const Member& e : m.members) {
        for (const std::string& p : prefixes(e.path))
            if (file_paths.count(p)) corrupt("\"" + p.substr(0, 200) + "\" is both a file and a directory");
        if (e.kind != MemberKind::directory)
            for (const std::string& p : prefixes(e.stored))
                if (stored.count(p))
                    corrupt("stored \"" + p.substr(0, 200) + "\" is both a file and a directory");
    }
    // Bases: another file member holding a container (or a delta, to a bounded depth).
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < m.members.size(); ++i)
        if (m.members[i].kind != MemberKind::directory) index[m.members[i].path] = i;
    for (Member& e : m.members) {
        if (e.kind != MemberKind::model_delta) continue;
        auto it = index.find(e.base);
        if (it == index.end()) corrupt("base \"" + e.base.substr(0, 200) + "\" is not a member");
        const Member& b = m.members[it->second];
        if (b.kind != MemberKind::container && b.kind != MemberKind::model_delta)
            corrupt("base \"" + e.base.substr(0, 200) + "\" is not a container");
        e.base_index = static_cast<int64_t>(it->second);
    }
    for (const Member& e : m.members) {
        const Member* at = &e;
        for (int depth = 0; at->kind == MemberKind::model_delta; ++depth) {
            if (depth >= 16) corrupt("chain of model deltas longer than 16 (or a cycle)");
            at = &m.members[static_cast<size_t>(at->base_index)];
        }
    }
    return m;
}

std::string serialize_manifest(const Manifest& m) {
    std::string j =
        "{\"format\":\"z4ai-directory\",\"version\":" + std::to_string(m.version) + ",\"files\":[";
    bool first = true;
    for (const Member& e : m.members) {
        if (e.kind == MemberKind::directory) continue;
        j += first ? "\n" : ",\n";
        first = false;
        j += "{\"path\":";
        json::append_quoted(j, e.path);
        j += ",\"stored\":";
        json::append_quoted(j, e.stored);
        j += ",\"kind\":\"";
        j += kind_name(e.kind);
        j += "\"";
        if (!e.base.empty()) {
            j += ",\"base\":";
            json::append_quoted(j, e.base);
        }
        j += ",\"size\":" + std::to_string(e.size);
        if (e.mode) j += ",\"mode\":" + std::to_string(e.mode);
        if (e.has_digest) j += ",\"xxh3_128\":\"" + hex(e.digest) + "\"";
        j += "}";
    }
    j += "],\n\"directories\":[";
    first = true;
    for (const Member& e : m.members) {
        if (e.kind != MemberKind::directory) continue;
        j += first ? "\n" : ",\n";
        first = false;
        j += "{\"path\":";
        json::append_quoted(j, e.path);
        if (e.mode) j += ",\"mode\":" + std::to_string(e.mode);
        j += "}";
    }
    j += "]}\n";
    return j;
}

}  // namespace z4ai::archive
