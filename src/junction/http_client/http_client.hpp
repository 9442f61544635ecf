#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "junction/core/byte_source.hpp"
#include "junction/core/result.hpp"

namespace junction::http_client {

/// One part of a multipart/form-data body (RFC 7578).
struct MultipartPart {
    std::string name{};
    std::string filename{};      // empty: a plain field (no filename in Content-Disposition)
    std::string content_type{};  // empty: no Content-Type line for the part
    std::string data{};          // the part's bytes, unless `file` is set
    // Streamed from here while sending (a stored file); never read into memory whole.
    std::shared_ptr<const ByteSource> file{};
};

/// One outbound call. Limits travel with the request and are enforced by the client
/// (DESIGN.md §1, rule 6): the timeout covers the whole call including redirects.
struct OutboundRequest {
    std::string method{};  // "GET", "POST", ... (an HTTP token)
    std::string url{};     // absolute http(s) URL
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body{};
    // Set: the body is multipart/form-data made of these parts (`body` is ignored) and the
    // client writes its Content-Type with the boundary (callers send no Content-Type).
    std::optional<std::vector<MultipartPart>> multipart{};
    std::chrono::milliseconds timeout{30'000};  // whole call incl. redirects
    std::size_t max_response_bytes = 10UL * 1024 * 1024;
    // Host patterns: "api.slack.com", "*.freshdesk.com" (exactly one extra label). Empty: any
    // host (still subject to the address rules of EgressPolicy).
    std::vector<std::string> allowed_hosts{};
    bool allow_private_network = false;  // the connector's allow_private_network
    // Followed by the client itself, each hop re-validated (DESIGN.md §11); 0 returns the 3xx.
    int max_redirects = 0;
    // Names of the headers and query parameters that carry the caller's credential (an API key
    // in `X-Api-Key`, a token in `?access_token=`). A redirect to another origin drops them, as
    // it drops Authorization and Cookie: the other origin must not receive the secret.
    std::vector<std::string> credential_headers{};
    std::vector<std::string> credential_query{};
};

/// The upstream's answer, whatever its status: a 404 or 500 is a response, not an error.
struct OutboundResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers{};  // lowercase names, last hop
    std::string body{};
    std::string effective_url{};  // the URL of the last hop

    /// The first header named `lowercase_name`, if any.
    [[nodiscard]] std::optional<std::string_view> Header(std::string_view lowercase_name) const;
};

/// Receives the outcome of HttpClient::Start. Must not throw.
using Completion = std::function<void(Result<OutboundResponse>)>;

/// Sends HTTP requests to third-party APIs under the egress policy (DESIGN.md §11).
///
/// Failures, as values:
///  - kUpstreamTimeout, details {"timeoutMs": N}: the whole call took longer than `timeout`.
///  - kUpstreamError with details.reason:
///    `egress_denied` (scheme, host or connected address refused; details.host),
///    `redirect_denied` (a Location fails the policy, is invalid, or too many hops),
///    `connection_failed`, `tls_error`, `response_too_large`.
///  - kInvalidArgument: the request itself is malformed (method or header name/value).
///  - kUnavailable: the client is shutting down.
/// Public messages never contain header values, query strings or bodies.
class HttpClient {
public:
    HttpClient() = default;
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    HttpClient(HttpClient&&) = delete;
    HttpClient& operator=(HttpClient&&) = delete;
    virtual ~HttpClient() = default;

    /// Starts the call; `done` runs exactly once, on the client's own thread (so it must be
    /// short and must not destroy the client). Never blocks. Thread-safe.
    virtual void Start(OutboundRequest request, Completion done) = 0;

    /// Whether a call started now, from the calling thread, completes on this same thread (a
    /// client on this IO thread's reactor). Send then resumes the awaiting coroutine inline
    /// instead of through a channel, which costs a trip round the event loop.
    [[nodiscard]] virtual bool CompletesOnThisThread() const { return false; }
};

/// Blocking helper for callers that run on the blocking pool (never on an IO thread).
[[nodiscard]] Result<OutboundResponse> SendAndWait(HttpClient& client, OutboundRequest request);

/// Coroutine helper: starts the call and resumes on the awaiting coroutine's executor.
/// The completion holds a channel bound to that executor's execution context, and the client's
/// thread may release it only after the coroutine has resumed (or, for a call in flight, when
/// the client stops): destroy the client before that execution context.
[[nodiscard]] boost::asio::awaitable<Result<OutboundResponse>> Send(HttpClient& client,
                                                                    OutboundRequest request);

/// A call started by StartOn, awaited once by Receive.
struct PendingCall;

/// Send in two halves: starts the call now, from any thread, for a coroutine running on
/// `executor` to await with Receive (the same channel and lifetime rules as Send). Lets a
/// blocking-pool thread start a call it has just prepared without a hop through the IO thread.
[[nodiscard]] std::shared_ptr<PendingCall> StartOn(HttpClient& client,
                                                   const boost::asio::any_io_executor& executor,
                                                   OutboundRequest request);
/// The outcome of a call started by StartOn; must be awaited on that call's `executor`.
[[nodiscard]] boost::asio::awaitable<Result<OutboundResponse>> Receive(
    std::shared_ptr<PendingCall> call);

/// "scheme://host[:port]/path" of `url`, without userinfo, query or fragment: the only form of
/// a URL that may appear in messages and logs (queries can carry tokens). "(invalid URL)" when
/// `url` does not parse.
[[nodiscard]] std::string DescribeUrl(std::string_view url);

/// kInvalidArgument when the method is not an HTTP token or a header name or value cannot be
/// sent as is; every client checks this before anything leaves.
[[nodiscard]] Result<void> CheckRequestShape(const OutboundRequest& request);

/// Whether `url` is a cleartext http URL (its scheme compared ignoring case).
[[nodiscard]] bool IsPlainHttpUrl(std::string_view url);

/// Whether `request` carries a header named `lowercase_name` (compared ignoring case).
[[nodiscard]] bool HasHeader(const OutboundRequest& request, std::string_view lowercase_name);

/// The debug line of one finished call, when debug logging is on: method, DescribeUrl, duration
/// and status or error (never the query, headers or bodies).
void LogOutboundCall(const OutboundRequest& request,
                     std::chrono::steady_clock::time_point started,
                     const Result<OutboundResponse>& result);

/// The error values shared by clients and the policy (details as documented on HttpClient).
[[nodiscard]] Error UpstreamError(std::string_view reason, std::string message, std::string detail);
[[nodiscard]] Error UpstreamTimeout(std::chrono::milliseconds timeout);
/// kUnavailable "HTTP client is shutting down": a call the client will not make or finish.
[[nodiscard]] Error ShuttingDown();
/// kUpstreamError "response_too_large", details.limitBytes = `limit_bytes`.
[[nodiscard]] Error ResponseTooLarge(std::size_t limit_bytes);

}  // namespace junction::http_client
