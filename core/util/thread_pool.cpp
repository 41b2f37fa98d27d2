#include "util/thread_pool.hpp"

#include <exception>

namespace z4ai {

unsigned resolve_thread_count(long long requested) noexcept {
    if (requested > 0) return static_cast<unsigned>(requested);
    unsigned hw = std::thread::hardware_concurrency();
    return hw ? hw : 1;
}

ThreadPool::ThreadPool(unsigned threads) {
    for (unsigned w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::run_indices(unsigned worker) {
    for (;;) {
        size_t index;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (next_ >= count_ || error_) return;
            index = next_++;
        }
        try {
            (*job_)(index, worker);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
    }
}

void ThreadPool::worker_loop(unsigned worker) {
    unsigned long long seen = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_) return;
            seen = generation_;
            ++busy_;
        }
        run_indices(worker);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            --busy_;
        }
        done_.notify_all();
    }
}

void ThreadPool::parallel_for(size_t count, const std::function<void(size_t, unsigned)>& fn) {
    if (count == 0) return;
    if (workers_.empty() || count == 1) {
        for (size_t i = 0; i < count; ++i) fn(i, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = &fn;
        count_ = count;
        next_ = 0;
        error_ = nullptr;
        ++generation_;
    }
    wake_.notify_all();
    run_indices(0);
    std::exception_ptr error;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        // Workers that woke late find no indices left; wait for those still running.
        done_.wait(lock, [&] { return busy_ == 0 && (next_ >= count_ || error_); });
        job_ = nullptr;
        count_ = 0;
        error = error_;
        error_ = nullptr;
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace z4ai
