#include "junction/http_client/curl/io_context_curl_client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <unordered_map>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unistd.h>

#include "junction/core/log.hpp"
#include "junction/http_client/curl/curl_engine.hpp"

namespace junction::http_client::curl {
namespace asio = boost::asio;

class IoContextCurlClient::Impl {
public:
    using Clock = std::chrono::steady_clock;

    Impl(asio::io_context& context,
         EgressPolicy policy,
         CurlHttpClientOptions options,
         CURLM* multi)
        : context_(context),
          timer_(context),
          engine_(std::move(policy), std::move(options), multi) {
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
        engine_.SetSocketCloser(&Impl::OnCloseSocket, this);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;

    ~Impl() {
        stopping_ = true;
        try {
            engine_.FailActive();  // removes the handles: curl forgets (and may close) sockets
            for (auto& [fd, watch] : watches_) {
                Release(*watch);
            }
            watches_.clear();
            timer_.cancel();
        } catch (const std::exception& e) {
            // Only a completion that throws or a failing cancel: nothing left to undo.
            LogEvent(spdlog::level::err, "outbound client shutdown failed", {{"what", e.what()}});
        }
    }

    void Start(OutboundRequest request, Completion done) {
        auto call = engine_.NewCall(std::move(request), std::move(done));
        if (stopping_) {
            Finish(std::move(call), Fail(ShuttingDown()));
            return;
        }
        // From inside one of our handlers curl must not be re-entered: go round the loop.
        if (!driving_ && context_.get_executor().running_in_this_thread()) {
            Launch(std::move(call));
            return;
        }
        asio::post(context_, [this, call = std::move(call)]() mutable {
            if (stopping_) {
                Finish(std::move(call), Fail(ShuttingDown()));
                return;
            }
            Launch(std::move(call));
        });
    }

    [[nodiscard]] bool RunningInThisThread() const {
        return context_.get_executor().running_in_this_thread();
    }

private:
    // One socket curl asked us to watch. The descriptor never owns the fd: curl closes it.
    struct Watch {
        explicit Watch(asio::io_context& context) : descriptor(context) {}
        asio::posix::stream_descriptor descriptor;
        int wanted = 0;  // CURL_POLL_IN / OUT / INOUT; 0 while idle in curl's connection cache
        bool reading = false;
        bool writing = false;
        bool forgotten = false;
    };

    void Launch(std::unique_ptr<Call> call) {
        driving_ = true;
        engine_.StartHop(std::move(call));
        driving_ = false;
        Drive(CURL_SOCKET_TIMEOUT, 0);  // curl starts new transfers on a timeout action
    }

    // One curl_multi_socket_action, the immediate timeout actions curl asked for meanwhile,
    // then the transfers it finished.
    void Drive(curl_socket_t fd, int events) {
        driving_ = true;
        timeout_due_ = false;
        int running = 0;
        curl_multi_socket_action(engine_.Multi(), fd, events, &running);
        for (int round = 0; timeout_due_ && round < kImmediateRounds; ++round) {
            timeout_due_ = false;
            curl_multi_socket_action(engine_.Multi(), CURL_SOCKET_TIMEOUT, 0, &running);
        }
        engine_.CollectFinished();
        driving_ = false;
        if (timeout_due_) {
            timeout_due_ = false;
            ArmTimer(Clock::now());
        }
    }

    void Arm(curl_socket_t fd, const std::shared_ptr<Watch>& watch) {
        Wait(fd, watch, &Watch::reading, asio::posix::descriptor_base::wait_read, CURL_POLL_IN);
        Wait(fd, watch, &Watch::writing, asio::posix::descriptor_base::wait_write, CURL_POLL_OUT);
    }

    // One readiness wait (read or write) for what curl wants on `fd`, unless one is pending.
    void Wait(curl_socket_t fd,
              const std::shared_ptr<Watch>& watch,
              bool Watch::*pending,
              asio::posix::descriptor_base::wait_type type,
              int poll_bit) {
        if ((watch->wanted & poll_bit) == 0 || (*watch).*pending) {
            return;
        }
        (*watch).*pending = true;
        const int event = poll_bit == CURL_POLL_IN ? CURL_CSELECT_IN : CURL_CSELECT_OUT;
        watch->descriptor.async_wait(
            type, [this, fd, watch, pending, poll_bit, event](const boost::system::error_code& ec) {
                (*watch).*pending = false;
                if (!ec && !watch->forgotten && (watch->wanted & poll_bit) != 0) {
                    Drive(fd, event);
                    Rearm(fd, watch);
                }
            });
    }

    void Rearm(curl_socket_t fd, const std::shared_ptr<Watch>& watch) {
        if (!watch->forgotten && !stopping_) {
            Arm(fd, watch);
        }
    }

    static void Release(Watch& watch) {
        watch.forgotten = true;
        boost::system::error_code ignored;
        watch.descriptor.cancel(ignored);  // pending waits complete with operation_aborted
        (void)watch.descriptor.release();  // deregisters; the fd stays open for curl
    }

    void Forget(curl_socket_t fd) {
        const auto found = watches_.find(fd);
        if (found == watches_.end()) {
            return;
        }
        Release(*found->second);
        watches_.erase(found);
    }

    // libcurl calls these from C: no exception may escape (a failure fails the transfers).
    static int OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* /*socket*/) {
        try {
            return static_cast<Impl*>(user)->WatchSocket(fd, what);
        } catch (const std::exception&) {
            return -1;
        }
    }

    int WatchSocket(curl_socket_t fd, int what) {
        if (what == CURL_POLL_REMOVE) {
            // The connection goes idle in curl's cache. Its registration stays: removing it and
            // adding it back for the next call were two epoll_ctl calls per call. curl closes
            // the socket through OnCloseSocket, which forgets it. No event is missed on reuse:
            // curl polls the socket itself before it asks to wait on it again.
            if (const auto found = watches_.find(fd); found != watches_.end()) {
                found->second->wanted = 0;
            }
            return 0;
        }
        if (stopping_) {
            return 0;  // the destructor is freeing everything; nothing more to wait for
        }
        auto& watch = watches_[fd];
        if (!watch) {
            watch = std::make_shared<Watch>(context_);
            boost::system::error_code ec;
            watch->descriptor.assign(fd, ec);
            if (ec) {
                watches_.erase(fd);
                return -1;  // curl fails the transfers on this socket
            }
        }
        watch->wanted = what;
        Arm(fd, watch);
        return 0;
    }

    // NOLINTNEXTLINE(google-runtime-int): libcurl's signature
    static int OnTimer(CURLM* /*multi*/, long timeout_ms, void* user) {
        try {
            return static_cast<Impl*>(user)->SetTimer(std::chrono::milliseconds(timeout_ms));
        } catch (const std::exception&) {
            return -1;
        }
    }

    // curl's one timeout: negative clears it, zero asks for an action as soon as possible.
    // The timer is re-armed only when the new deadline is earlier than the armed one: an early
    // firing just re-checks. curl moves its deadline on every call it starts and ends, and
    // re-arming each time cost a timerfd_settime system call per move (bench/RESULTS.md).
    int SetTimer(std::chrono::milliseconds timeout) {
        if (stopping_) {
            return 0;
        }
        if (timeout.count() < 0) {
            timer_deadline_ = Clock::time_point::max();
            return 0;
        }
        if (timeout.count() == 0 && driving_) {
            timeout_due_ = true;  // Drive makes the action before it returns
            return 0;
        }
        const Clock::time_point deadline = Clock::now() + timeout;
        timer_deadline_ = deadline;
        if (!timer_armed_ || timer_.expiry() > deadline) {
            ArmTimer(deadline);
        }
        return 0;
    }

    void ArmTimer(Clock::time_point when) {
        timer_deadline_ = std::min(timer_deadline_, when);
        timer_armed_ = true;
        const std::uint64_t generation = ++timer_generation_;
        timer_.expires_at(when);
        timer_.async_wait([this, generation](const boost::system::error_code& ec) {
            if (ec || stopping_ || generation != timer_generation_) {
                return;  // re-armed, or the client is going away
            }
            timer_armed_ = false;
            if (timer_deadline_ == Clock::time_point::max()) {
                return;
            }
            if (timer_deadline_ > Clock::now()) {
                ArmTimer(timer_deadline_);
                return;
            }
            timer_deadline_ = Clock::time_point::max();
            Drive(CURL_SOCKET_TIMEOUT, 0);
        });
    }

    static int OnCloseSocket(void* user, curl_socket_t fd) {
        static_cast<Impl*>(user)->Forget(fd);
        return ::close(fd);
    }

    // A burst of immediate timeout actions longer than this goes round the loop (the timer).
    static constexpr int kImmediateRounds = 4;

    asio::io_context& context_;
    asio::steady_timer timer_;
    // Every member below: the context's thread only (and the destructor).
    Clock::time_point timer_deadline_ = Clock::time_point::max();  // when curl wants an action
    std::uint64_t timer_generation_ = 0;  // a wait that fired just before a re-arm ignores itself
    bool timer_armed_ = false;
    bool timeout_due_ = false;  // curl asked for an immediate action while being driven
    std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches_;
    bool driving_ = false;  // inside curl: a Start must not re-enter it
    bool stopping_ = false;
    CurlEngine engine_;  // last: its destructor may still call back into the members above
};

Result<std::unique_ptr<IoContextCurlClient>> IoContextCurlClient::Create(
    asio::io_context& context, EgressPolicy policy, CurlHttpClientOptions options) {
    auto trusted = WithTrust(std::move(options));
    if (!trusted) {
        return Fail(std::move(trusted.error()));
    }
    auto multi = NewMulti();
    if (!multi) {
        return Fail(std::move(multi.error()));
    }
    auto impl = std::make_unique<Impl>(context, std::move(policy), std::move(*trusted), *multi);
    return std::unique_ptr<IoContextCurlClient>(new IoContextCurlClient(std::move(impl)));
}

IoContextCurlClient::IoContextCurlClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IoContextCurlClient::~IoContextCurlClient() = default;

void IoContextCurlClient::Start(OutboundRequest request, Completion done) {
    impl_->Start(std::move(request), std::move(done));
}

bool IoContextCurlClient::CompletesOnThisThread() const {
    return impl_->RunningInThisThread();
}

}  // namespace junction::http_client::curl
