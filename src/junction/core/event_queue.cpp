#include "junction/core/event_queue.hpp"

#include <utility>

namespace junction {

void EventQueue::Push(std::string chunk) {
    {
        const std::lock_guard lock(mutex_);
        if (closed_) {
            return;
        }
        chunks_.push_back(std::move(chunk));
    }
    Wake();
}

void EventQueue::Close() {
    {
        const std::lock_guard lock(mutex_);
        if (closed_) {
            return;
        }
        closed_ = true;
    }
    Wake();
}

bool EventQueue::Closed() const {
    const std::lock_guard lock(mutex_);
    return closed_;
}

std::vector<std::string> EventQueue::Drain(bool& closed) {
    const std::lock_guard lock(mutex_);
    closed = closed_;
    return std::exchange(chunks_, {});
}

void EventQueue::SetWake(std::function<void()> wake) {
    const std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

void EventQueue::Wake() {
    std::function<void()> wake;
    {
        const std::lock_guard lock(mutex_);
        wake = wake_;
    }
    if (wake) {
        wake();
    }
}

}  // namespace junction
