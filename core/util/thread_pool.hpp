// thread_pool.hpp - a small worker pool owned by one context (no global state).
// parallel_for runs fn(index, worker) for index in [0, count); the calling thread
// takes part as worker 0, so a pool of n threads starts n - 1 OS threads.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace z4ai {

class ThreadPool {
   public:
    explicit ThreadPool(unsigned threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()) + 1; }

    // Runs every index once; rethrows the first exception after all workers stop.
    void parallel_for(size_t count, const std::function<void(size_t index, unsigned worker)>& fn);

   private:
    void worker_loop(unsigned worker);
    void run_indices(unsigned worker);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(size_t, unsigned)>* job_ = nullptr;
    size_t count_ = 0;
    size_t next_ = 0;
    unsigned busy_ = 0;
    unsigned long long generation_ = 0;
    bool stopping_ = false;
    std::exception_ptr error_;
};

// 0 means "all cores".
unsigned resolve_thread_count(long long requested) noexcept;

}  // namespace z4ai
