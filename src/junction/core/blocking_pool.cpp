#include "junction/core/blocking_pool.hpp"

#include <utility>

namespace junction {

BlockingPool::BlockingPool(std::size_t threads, std::size_t max_queue) : max_queue_(max_queue) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { Work(); });
    }
}

BlockingPool::~BlockingPool() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) {
        thread.join();
    }
}

bool BlockingPool::TrySubmit(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_queue_) {
            return false;
        }
        queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
}

std::size_t BlockingPool::QueueDepth() const {
    const std::lock_guard lock(mutex_);
    return queue_.size();
}

void BlockingPool::Work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;
            }
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

}  // namespace junction
