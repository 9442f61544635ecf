#include "junction/http_client/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
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

#include "junction/core/ascii.hpp"
#include "junction/core/log.hpp"
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
    std::shared_ptr<PendingCall> pending = StartOn(client, executor, std::move(request));
    co_return co_await Receive(std::move(pending));
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

namespace {

bool IsTokenChar(unsigned char c) {
    return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return c != '\0' && IsTokenChar(static_cast<unsigned char>(c));
    });
}

bool IsHeaderValue(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

Result<void> CheckRequestShape(const OutboundRequest& request) {
    if (!IsToken(request.method)) {
        return Fail(ErrorCode::kInvalidArgument, "Outbound request method is invalid");
    }
    for (const auto& [name, value] : request.headers) {
        if (!IsToken(name) || !IsHeaderValue(value)) {
            return Fail(ErrorCode::kInvalidArgument,
                        "Outbound request header '" +
                            (IsToken(name) ? name : std::string("(invalid name)")) +
                            "' is invalid");
        }
    }
    return {};
}

bool IsPlainHttpUrl(std::string_view url) {
    return AsciiIStartsWith(url, "http:");
}

bool HasHeader(const OutboundRequest& request, std::string_view lowercase_name) {
    return std::any_of(request.headers.begin(), request.headers.end(), [&](const auto& header) {
        return AsciiIEquals(header.first, lowercase_name);
    });
}

void LogOutboundCall(const OutboundRequest& request,
                     std::chrono::steady_clock::time_point started,
                     const Result<OutboundResponse>& result) {
    if (!LogEnabled(spdlog::level::debug)) {  // parsing the URL for the line is not free
        return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    boost::json::object fields{{"method", request.method},
                               {"url", DescribeUrl(request.url)},
                               {"duration_ms", elapsed.count()}};
    if (result) {
        fields["status"] = result->status;
    } else {
        fields["error"] = result.error().message;
        if (!result.error().detail.empty()) {
            fields["detail"] = result.error().detail;
        }
    }
    LogEvent(spdlog::level::debug, "outbound call", fields);
}

Error UpstreamError(std::string_view reason, std::string message, std::string detail) {
    Error error{.code = ErrorCode::kUpstreamError,
                .message = std::move(message),
                .detail = std::move(detail)};
    error.extra["reason"] = reason;
    return error;
}

Error ShuttingDown() {
    return Error{.code = ErrorCode::kUnavailable, .message = "HTTP client is shutting down"};
}

Error ResponseTooLarge(std::size_t limit_bytes) {
    Error error =
        UpstreamError("response_too_large",
                      "Upstream response exceeds " + std::to_string(limit_bytes) + " bytes",
                      "");
    error.extra["limitBytes"] = limit_bytes;
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
