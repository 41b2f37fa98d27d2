// fuzz_archive.cpp - the directory-archive reader (z4ai_archive_*): manifest parsing and
// validation, every member read alone, container members opened in a reader (a delta's
// base found inside the archive), and the whole restore.
//
// Input: records [u16 name length][name][u32 data length][data]...; the first record's
// data is z4ai-manifest.json, the others are files of the archive directory (names the
// harness cannot place safely are skipped; symlinks are made from names starting "@": the
// data is the link target). Invariants: pinned statuses only; a member read alone equals
// the restored file; after any restore, success or failure, the scratch directory holds
// nothing but the archive and, on success, the output (no temporaries, nothing written
// elsewhere).
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fuzz_common.hpp"

using namespace z4ai_fuzz;

namespace {

struct ArchiveDeleter {
    void operator()(z4ai_archive* a) const { z4ai_archive_free(a); }
};

int rm_entry(const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }
int open_dir(const char* p, const struct stat* st, int type, struct FTW*) {
    if (type == FTW_D || type == FTW_DNR)
        ::chmod(p, (st->st_mode & 07777) | 0700);  // restored modes may lack u+rwx
    return 0;
}
void remove_tree(const std::string& p) {
    ::chmod(p.c_str(), 0700);
    ::nftw(p.c_str(), open_dir, 16, FTW_PHYS);
    ::nftw(p.c_str(), rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool safe_name(const std::string& n) {
    if (n.empty() || n.size() > 200 || n[0] == '/' || n.find('\0') != std::string::npos) return false;
    size_t at = 0;
    while (at <= n.size()) {
        size_t s = n.find('/', at);
        if (s == std::string::npos) s = n.size();
        std::string c = n.substr(at, s - at);
        if (c.empty() || c == "." || c == "..") return false;
        at = s + 1;
    }
    return true;
}

void write_file(const std::string& root, const std::string& rel, const uint8_t* data, size_t n, bool link) {
    for (size_t s = rel.find('/'); s != std::string::npos; s = rel.find('/', s + 1))
        ::mkdir((root + "/" + rel.substr(0, s)).c_str(), 0755);
    std::string p = root + "/" + rel;
    if (link) {
        // Targets inside the scratch directory only (the harness must not point at the host).
        std::string t(reinterpret_cast<const char*>(data), n);
        if (t.find("..") == std::string::npos && !t.empty() && t[0] != '/')
            (void)::symlink(t.c_str(), p.c_str());
        return;
    }
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return;
    while (n) {
        ssize_t w = ::write(fd, data, n);
        if (w <= 0) break;
        data += w;
        n -= static_cast<size_t>(w);
    }
    ::close(fd);
}

std::vector<std::string> listing(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.push_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

std::vector<uint8_t> read_all(const std::string& p) {
    std::vector<uint8_t> out;
    int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return out;
    uint8_t buf[65536];
    for (ssize_t r; (r = ::read(fd, buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + r);
    ::close(fd);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    char tmpl[] = "/tmp/z4ai-fuzz-archive-XXXXXX";
    if (!::mkdtemp(tmpl)) return 0;
    const std::string root = tmpl, arch = root + "/a", out = root + "/out";
    ::mkdir(arch.c_str(), 0755);
    Input in(data, size);
    bool first = true;
    while (in.rest_size() >= 6) {
        size_t nl = in.u8() | (size_t(in.u8()) << 8);
        nl = std::min(nl, in.rest_size());
        std::string name(reinterpret_cast<const char*>(in.rest()), nl);
        for (size_t i = 0; i < nl; ++i) in.u8();
        size_t dl = std::min<size_t>(in.u32(), in.rest_size());
        const uint8_t* d = in.rest();
        for (size_t i = 0; i < dl; ++i) in.u8();
        if (first) {
            write_file(arch, "z4ai-manifest.json", d, dl, false);
            first = false;
            continue;
        }
        bool link = !name.empty() && name[0] == '@';
        if (link) name = name.substr(1);
        if (safe_name(name) && name != "z4ai-manifest.json") write_file(arch, name, d, dl, link);
    }

    std::unique_ptr<z4ai_archive, ArchiveDeleter> a(z4ai_archive_create());
    check(a != nullptr, "archive_create");
    z4ai_archive_set_param(a.get(), Z4AI_D_MAX_MEMORY, kMaxMemory);
    z4ai_status s = z4ai_archive_open(a.get(), arch.c_str());
    check_status(s);
    if (s == Z4AI_OK) {
        size_t n = 0;
        check(z4ai_archive_member_count(a.get(), &n) == Z4AI_OK, "member_count");
        uint64_t total = 0;
        std::vector<z4ai_member_info> infos(n);
        for (size_t i = 0; i < n; ++i) {
            infos[i].struct_size = sizeof infos[i];
            s = z4ai_archive_member_info(a.get(), i, &infos[i]);
            check_status(s);
            if (s != Z4AI_OK)
                infos[i].kind = -1;
            else if (infos[i].kind != Z4AI_MEMBER_DIRECTORY)
                total += infos[i].size;
            size_t k = 0;
            if (s == Z4AI_OK)
                check(z4ai_archive_find(a.get(), infos[i].path, &k) == Z4AI_OK && k == i, "find");
        }
        std::vector<std::vector<uint8_t>> alone(n);
        std::vector<bool> ok(n, false);
        for (size_t i = 0; i < n && total <= kMaxOutput; ++i) {
            if (infos[i].kind < 0 || infos[i].kind == Z4AI_MEMBER_DIRECTORY) continue;
            alone[i].resize(static_cast<size_t>(infos[i].size));
            size_t w = 0;
            s = z4ai_archive_read(a.get(), i, alone[i].data(), alone[i].size(), &w);
            check_status(s);
            check(s != Z4AI_OK || w == infos[i].size, "read size");
            ok[i] = s == Z4AI_OK;
            if (infos[i].kind == Z4AI_MEMBER_CONTAINER || infos[i].kind == Z4AI_MEMBER_MODEL_DELTA) {
                std::unique_ptr<z4ai_reader, ReaderDeleter> r(z4ai_reader_create());
                s = z4ai_archive_open_member(a.get(), i, r.get());
                check_status(s);
                size_t t = 0;
                if (s == Z4AI_OK && z4ai_reader_tensor_count(r.get(), &t) == Z4AI_OK) {
                    std::vector<uint8_t> buf;
                    for (size_t j = 0; j < t && j < 64; ++j) {
                        z4ai_tensor_info ti;
                        if (z4ai_reader_tensor_info(r.get(), j, &ti) != Z4AI_OK || ti.nbytes > kMaxOutput)
                            continue;
                        buf.resize(static_cast<size_t>(ti.nbytes));
                        size_t got = 0;
                        check_status(z4ai_reader_read_tensor(r.get(), j, buf.data(), buf.size(), &got));
                    }
                }
            }
        }
        size_t need = 0;
        check_status(z4ai_archive_describe(a.get(), nullptr, 0, &need));
        if (total <= kMaxOutput) {
            s = z4ai_archive_restore(a.get(), out.c_str(), nullptr, nullptr);
            check_status(s);
            std::vector<std::string> names = listing(root);
            for (const std::string& e : names)
                check(e == "a" || (e == "out" && s == Z4AI_OK), "restore left something beside its output");
            if (s == Z4AI_OK)
                for (size_t i = 0; i < n; ++i)
                    if (ok[i] && (infos[i].mode == 0 || (infos[i].mode & 0400)))
                        check(read_all(out + "/" + infos[i].path) == alone[i],
                              "member read alone != restored");
            check(s == Z4AI_OK || listing(root).size() == 1, "failed restore left its output");
        }
    }
    remove_tree(root);
    return 0;
}
