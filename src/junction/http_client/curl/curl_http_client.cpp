#include "junction/http_client/curl/curl_http_client.hpp"

#include <deque>
#include <mutex>
#include <thread>

#include "junction/http_client/curl/curl_engine.hpp"

namespace junction::http_client::curl {
namespace {

// curl_multi_poll's longest sleep; Start and the destructor wake it at once.
constexpr int kPollMs = 1000;

}  // namespace

class CurlHttpClient::Impl {
public:
    Impl(EgressPolicy policy, CurlHttpClientOptions options, CURLM* multi)
        : engine_(std::move(policy), std::move(options), multi) {
        thread_ = std::thread([this] { Run(); });
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;

    ~Impl() {
        {
            const std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        curl_multi_wakeup(engine_.Multi());
        thread_.join();
    }

    void Start(OutboundRequest request, Completion done) {
        auto call = engine_.NewCall(std::move(request), std::move(done));
        std::unique_ptr<Call> rejected;
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) {
                rejected = std::move(call);
            } else {
                queue_.push_back(std::move(call));
            }
        }
        if (rejected) {  // the client is stopping; a caller bug, but `done` still runs once
            Finish(std::move(rejected), Fail(ShuttingDown()));
            return;
        }
        curl_multi_wakeup(engine_.Multi());
    }

private:
    void Run() {
        while (true) {
            std::deque<std::unique_ptr<Call>> incoming;
            bool stopping = false;
            {
                const std::lock_guard lock(mutex_);
                incoming.swap(queue_);
                stopping = stopping_;
            }
            if (stopping) {
                for (auto& call : incoming) {
                    Finish(std::move(call), Fail(ShuttingDown()));
                }
                engine_.FailActive();
                return;
            }
            for (auto& call : incoming) {
                engine_.StartHop(std::move(call));
            }
            int running = 0;
            curl_multi_perform(engine_.Multi(), &running);
            engine_.CollectFinished();
            curl_multi_poll(engine_.Multi(), nullptr, 0, kPollMs, nullptr);
        }
    }

    CurlEngine engine_;  // the client thread only (NewCall: any thread, it reads no state)
    std::mutex mutex_;
    std::deque<std::unique_ptr<Call>> queue_;  // Guarded by mutex_.
    bool stopping_ = false;                    // Guarded by mutex_.
    std::thread thread_;
};

Result<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(EgressPolicy policy,
                                                               CurlHttpClientOptions options) {
    auto trusted = WithTrust(std::move(options));
    if (!trusted) {
        return Fail(std::move(trusted.error()));
    }
    auto multi = NewMulti();
    if (!multi) {
        return Fail(std::move(multi.error()));
    }
    auto impl = std::make_unique<Impl>(std::move(policy), std::move(*trusted), *multi);
    return std::unique_ptr<CurlHttpClient>(new CurlHttpClient(std::move(impl)));
}

CurlHttpClient::CurlHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CurlHttpClient::~CurlHttpClient() = default;

void CurlHttpClient::Start(OutboundRequest request, Completion done) {
    impl_->Start(std::move(request), std::move(done));
}

}  // namespace junction::http_client::curl
