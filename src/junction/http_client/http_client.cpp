#include "junction/http_client/http_client.hpp"

#include <future>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

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
    // Completion is a std::function, which needs a copyable callable: share the promise.
    auto promise = std::make_shared<std::promise<Result<OutboundResponse>>>();
    std::future<Result<OutboundResponse>> future = promise->get_future();
    client.Start(std::move(request), [promise](Result<OutboundResponse> result) {
        promise->set_value(std::move(result));
    });
    return future.get();
}

boost::asio::awaitable<Result<OutboundResponse>> Send(HttpClient& client, OutboundRequest request) {
    const boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
    co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                   void(Result<OutboundResponse>)>(
        [&client, executor](auto handler, OutboundRequest&& outbound) {
            // The handler is move-only and Completion must be copyable: share it. The tracked
            // executor keeps the awaiting context's run() going until the result is back.
            using Handler = decltype(handler);
            auto shared = std::make_shared<Handler>(std::move(handler));
            auto tracked =
                boost::asio::prefer(executor, boost::asio::execution::outstanding_work_t::tracked);
            client.Start(std::move(outbound), [shared, tracked](Result<OutboundResponse> result) {
                boost::asio::post(tracked, [shared, result = std::move(result)]() mutable {
                    (*shared)(std::move(result));
                });
            });
        },
        boost::asio::use_awaitable,
        std::move(request));
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
