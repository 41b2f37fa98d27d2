// file_sink.cpp - the container writers' file output: fs::OutputFile (unique temporary
// beside the target, renamed by commit(); non-regular targets written in place).
#include "container/container.hpp"
#include "util/safe_fs.hpp"

namespace z4ai {

AtomicFileSink::AtomicFileSink(const std::string& path, unsigned mode, bool respect_umask)
    : out_(std::make_unique<fs::OutputFile>(path, static_cast<mode_t>(mode), respect_umask)) {}

AtomicFileSink::~AtomicFileSink() = default;

void AtomicFileSink::write(const uint8_t* data, size_t n) {
    out_->write(data, n);
    written += n;
}

void AtomicFileSink::commit() { out_->commit(); }

}  // namespace z4ai
