#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace junction {

/// Text chunks travelling from any number of producers to one consumer that writes them out
/// as they come (a server-sent event stream). Producers Push or Close from any thread; the
/// consumer sets a wake callback and drains. Thread-safe.
class EventQueue {
public:
    /// Queues `chunk` and wakes the consumer; ignored once closed.
    void Push(std::string chunk);
    /// No more chunks will come (the consumer ends the stream after draining); idempotent.
    void Close();
    [[nodiscard]] bool Closed() const;
    /// Takes everything queued so far; `closed` tells whether the queue is closed.
    [[nodiscard]] std::vector<std::string> Drain(bool& closed);
    /// Called after every Push and Close, outside the lock, from the producer's thread. The
    /// consumer must not block in it (post to its own executor instead).
    void SetWake(std::function<void()> wake);

private:
    void Wake();

    mutable std::mutex mutex_;
    // Guarded by mutex_.
    std::vector<std::string> chunks_{};
    bool closed_ = false;
    std::function<void()> wake_{};
};

}  // namespace junction
