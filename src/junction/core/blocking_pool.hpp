#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace junction {

/// A fixed set of threads for blocking work (database, crypto, large JSON) so IO threads never
/// wait on disk or network (DESIGN.md §8). The queue is bounded: a full queue refuses work, and
/// the caller answers 503 instead of queueing without end. Thread-safe.
class BlockingPool {
public:
    BlockingPool(std::size_t threads, std::size_t max_queue);
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;
    BlockingPool(BlockingPool&&) = delete;
    BlockingPool& operator=(BlockingPool&&) = delete;
    /// Runs every queued task, then joins the threads.
    ~BlockingPool();

    /// Queues `task`; false (task not run) when the queue is full or the pool is stopping.
    [[nodiscard]] bool TrySubmit(std::function<void()> task);

    /// Number of tasks waiting for a thread.
    [[nodiscard]] std::size_t QueueDepth() const;

private:
    void Work();

    const std::size_t max_queue_;
    mutable std::mutex mutex_;
    std::condition_variable ready_{};
    std::deque<std::function<void()>> queue_;  // Guarded by mutex_.
    bool stopping_ = false;                    // Guarded by mutex_.
    std::vector<std::thread> threads_{};
};

}  // namespace junction
