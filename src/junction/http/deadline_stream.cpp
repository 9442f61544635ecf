#include "junction/http/deadline_stream.hpp"

namespace junction::http {

DeadlineStream::DeadlineStream(boost::asio::ip::tcp::socket socket)
    : state_(std::make_shared<State>(std::move(socket))) {}

void DeadlineStream::ExpiresAfter(Clock::duration timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    state_->deadline = deadline;
    // An armed watchdog that fires no later than the new deadline re-checks it then.
    if (!state_->armed || state_->watchdog.expiry() > deadline) {
        Arm(state_, deadline);
    }
}

void DeadlineStream::ExpiresNever() noexcept {
    state_->deadline = Clock::time_point::max();
}

void DeadlineStream::Close() {
    boost::system::error_code ignored;
    state_->socket.close(ignored);
    state_->armed = false;
    ++state_->generation;
    state_->watchdog.cancel();
}

void DeadlineStream::Arm(const std::shared_ptr<State>& state, Clock::time_point when) {
    state->armed = true;
    const std::uint64_t generation = ++state->generation;
    state->watchdog.expires_at(when);  // a pending wait completes with operation_aborted
    state->watchdog.async_wait(
        [weak = std::weak_ptr<State>(state), generation](const boost::system::error_code& ec) {
            if (ec) {
                return;  // re-armed, closed or destroyed
            }
            const auto current = weak.lock();
            if (current && current->generation == generation) {
                OnWatchdog(current);
            }
        });
}

void DeadlineStream::OnWatchdog(const std::shared_ptr<State>& state) {
    state->armed = false;
    if (state->deadline == Clock::time_point::max()) {
        return;
    }
    if (state->deadline > Clock::now()) {
        Arm(state, state->deadline);
        return;
    }
    boost::system::error_code ignored;
    state->socket.close(ignored);
}

}  // namespace junction::http
