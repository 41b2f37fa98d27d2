// buffer.hpp - a growable byte buffer that does not zero-fill on growth.
// std::vector<uint8_t>::resize value-initialises, which costs a full memset on
// every multi-MiB scratch allocation; codecs overwrite the bytes anyway.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

#include "util/status.hpp"

namespace z4ai {

class Buffer {
   public:
    Buffer() = default;
    explicit Buffer(size_t size) { resize(size); }
    // Moves leave the source empty (a defaulted move would keep its size fields).
    Buffer(Buffer&& other) noexcept { swap(other); }
    Buffer& operator=(Buffer&& other) noexcept {
        if (this != &other) {
            release_memory();
            swap(other);
        }
        return *this;
    }
    void swap(Buffer& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        std::swap(capacity_, other.capacity_);
    }

    uint8_t* data() noexcept { return data_.get(); }
    const uint8_t* data() const noexcept { return data_.get(); }
    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }

    // Grows capacity geometrically; new bytes are uninitialised. Keeps contents.
    void reserve(size_t capacity) {
        if (capacity <= capacity_) return;
        size_t grown = capacity_ + capacity_ / 2;
        size_t target = capacity > grown ? capacity : grown;
        std::unique_ptr<uint8_t[]> fresh(new (std::nothrow) uint8_t[target]);
        if (!fresh) fail(Code::memory, "out of memory allocating " + std::to_string(target) + " bytes");
        if (size_) std::memcpy(fresh.get(), data_.get(), size_);
        data_ = std::move(fresh);
        capacity_ = target;
    }
    void resize(size_t size) {
        reserve(size);
        size_ = size;
    }
    void clear() noexcept { size_ = 0; }
    // Appends n bytes and returns a pointer to them (uninitialised).
    uint8_t* extend(size_t n) {
        size_t old = size_;
        resize(size_ + n);
        return data_.get() + old;
    }
    void append(const void* p, size_t n) {
        if (n) std::memcpy(extend(n), p, n);
    }
    void release_memory() noexcept {
        data_.reset();
        size_ = capacity_ = 0;
    }
    std::span<const uint8_t> span() const noexcept { return {data_.get(), size_}; }

   private:
    std::unique_ptr<uint8_t[]> data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
};

using Bytes = std::span<const uint8_t>;

}  // namespace z4ai
