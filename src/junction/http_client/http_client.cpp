#include "junction/http_client/http_client.hpp"

#include <future>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "junction/core/nonblocking.hpp"

namespace junction::http_client {

std::optional<std::string_view> OutboundResponse::Header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lowercase_name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

Result<OutboundResponse> SendAndWait(HttpClient& client, OutboundRequest request) {
    if (auto refused = RefuseBlocking()) {
        return Fail(std::move(*refused));
    }
    // Completion is a std::function, which needs a copyable callable: share the promise.
    auto promise = std::make_shared<std::promise<Result<OutboundResponse>>>();
    std::future<Result<OutboundResponse>> future = promise->get_future();
    client.Start(std::move(request), [promise](Result<OutboundResponse> result) {
        promise->set_value(std::move(result));
    });
    return future.get();
}

// The client's thread hands the outcome over through a thread-safe channel, which resumes the
// awaiting coroutine on its own executor (a strand stays a strand). Invoking the coroutine's
// completion handler from a posted function instead corrupted strand reference counts under
// ASan (use-after-free in Beast's timer handlers), so no handler crosses threads.
struct PendingCall {
    using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code,
                                                                       Result<OutboundResponse>)>;
    explicit PendingCall(const boost::asio::any_io_executor& executor) : channel(executor, 1) {}
    Channel channel;
};

std::shared_ptr<PendingCall> StartOn(HttpClient& client,
                                     const boost::asio::any_io_executor& executor,
                                     OutboundRequest request) {
    auto call = std::make_shared<PendingCall>(executor);
    client.Start(std::move(request), [call](Result<OutboundResponse> outcome) {
        // Capacity 1 and one completion per call: the send always succeeds.
        (void)call->channel.try_send(boost::system::error_code{}, std::move(outcome));
    });
    return call;
}

boost::asio::awaitable<Result<OutboundResponse>> Receive(std::shared_ptr<PendingCall> call) {
    co_return co_await call->channel.async_receive(boost::asio::use_awaitable);
}

namespace {

// Send for a client that completes on this very thread: the completion resumes the coroutine
// inline. Only a completion that comes while the call is still being started (a refusal) is
// posted, because a handler must not run inside its initiating function. The handler never
// leaves this thread.
auto SendOnThisThread(HttpClient& client, OutboundRequest request) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                       void(Result<OutboundResponse>)>(
        [&client](auto handler, OutboundRequest&& call) {
            using Handler = decltype(handler);
            struct Pending {
                std::optional<Handler> handler{};
                bool starting = true;
            };
            // Completion must be copyable (std::function): the move-only handler is shared.
            auto pending = std::make_shared<Pending>();
            pending->handler.emplace(std::move(handler));
            client.Start(std::move(call), [pending](Result<OutboundResponse> outcome) {
                Handler resume = std::move(*pending->handler);
                pending->handler.reset();
                if (pending->starting) {
                    const auto executor = boost::asio::get_associated_executor(resume);
                    boost::asio::post(
                        executor,
                        [resume = std::move(resume), outcome = std::move(outcome)]() mutable {
                            std::move(resume)(std::move(outcome));
                        });
                    return;
                }
                std::move(resume)(std::move(outcome));
            });
            pending->starting = false;
        },
        boost::asio::use_awaitable,
        std::move(request));
}

}  // namespace

boost::asio::awaitable<Result<OutboundResponse>> Send(HttpClient& client, OutboundRequest request) {
    const auto executor = co_await boost::asio::this_coro::executor;
    // Inline resumption needs a plain io_context executor: a strand would be bypassed.
    const auto* context = executor.target<boost::asio::io_context::executor_type>();
    if (context != nullptr && context->running_in_this_thread() && client.CompletesOnThisThread()) {
        co_return co_await SendOnThisThread(client, std::move(request));
    }
    co_return co_await Receive(StartOn(client, executor, std::move(request)));
}

std::string DescribeUrl(std::string_view url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        return "(invalid URL)";
    }
    boost::urls::url safe(*parsed);
    safe.remove_userinfo();
    safe.remove_query();
    safe.remove_fragment();
    return std::string(safe.buffer());
}

Error UpstreamError(std::string_view reason, std::string message, std::string detail) {
    Error error{.code = ErrorCode::kUpstreamError,
                .message = std::move(message),
                .detail = std::move(detail)};
    error.extra["reason"] = reason;
    return error;
}

Error UpstreamTimeout(std::chrono::milliseconds timeout) {
    Error error{.code = ErrorCode::kUpstreamTimeout,
                .message = "Upstream API did not respond within " +
                           std::to_string(timeout.count()) + " ms"};
    error.extra["timeoutMs"] = timeout.count();
    return error;
}

}  // namespace junction::http_client
