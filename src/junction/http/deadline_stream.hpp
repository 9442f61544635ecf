#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace junction::http {

/// A TCP socket with one deadline for whatever it is doing: the part of beast::tcp_stream the
/// server used (`expires_after`, `expires_never`), kept by a single lazily re-armed timer. An
/// AsyncReadStream and AsyncWriteStream, so Beast reads and writes HTTP on it.
///
/// Why not beast::tcp_stream: it arms a timer for every read and every write and cancels it on
/// completion, so each becomes the reactor's earliest timer and costs a timerfd_settime system
/// call. On this kind of virtual machine those calls were 18% of an execute's CPU (perf, bench/
/// execute_latency.sh PROFILE=1). Here the timer fires at most about once per timeout on a busy
/// keep-alive connection: moving the deadline later only updates a field, and the timer, when it
/// fires early, re-arms itself at the current deadline.
///
/// When the deadline passes the socket is closed: a pending operation completes with
/// `operation_aborted`, the next one with `bad_descriptor`. Every member is for the strand (IO
/// thread) that owns the connection.
class DeadlineStream {
public:
    using executor_type = boost::asio::ip::tcp::socket::executor_type;
    using Clock = std::chrono::steady_clock;

    explicit DeadlineStream(boost::asio::ip::tcp::socket socket);

    boost::asio::ip::tcp::socket& Socket() noexcept { return state_->socket; }

    /// Every operation from now on must have completed within `timeout` (from now).
    void ExpiresAfter(Clock::duration timeout);
    /// No deadline: the caller is not waiting on the client (a request runs, a stream idles).
    void ExpiresNever() noexcept;
    void Close();

    // The stream concepts' names, which Beast calls.
    // NOLINTNEXTLINE(readability-identifier-naming)
    executor_type get_executor() noexcept { return state_->socket.get_executor(); }
    template <class MutableBuffers, class Token>
    // NOLINTNEXTLINE(readability-identifier-naming)
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return state_->socket.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class ConstBuffers, class Token>
    // NOLINTNEXTLINE(readability-identifier-naming)
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return state_->socket.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    struct State {
        explicit State(boost::asio::ip::tcp::socket s)
            : socket(std::move(s)), watchdog(socket.get_executor()) {}
        boost::asio::ip::tcp::socket socket;
        boost::asio::steady_timer watchdog;
        Clock::time_point deadline = Clock::time_point::max();
        // Bumped on every arm: a wait that completed just before a re-arm ignores itself.
        std::uint64_t generation = 0;
        bool armed = false;
    };

    static void Arm(const std::shared_ptr<State>& state, Clock::time_point when);
    static void OnWatchdog(const std::shared_ptr<State>& state);

    // Shared with the pending watchdog wait (weakly), so the wait never outlives the socket.
    std::shared_ptr<State> state_;
};

}  // namespace junction::http
