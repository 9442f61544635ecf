#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "junction/core/result.hpp"
#include "junction/http_client/curl/session_share.hpp"
#include "junction/http_client/curl/tls_trust.hpp"
#include "junction/http_client/egress_policy.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http_client::curl {

struct CurlHttpClientOptions {
    std::string user_agent = "junction";  // app passes "junction/<version>"
    // Per hop, and never more than what is left of the request's timeout (DESIGN.md §11).
    std::chrono::milliseconds connect_timeout{10'000};
    // The CAs every connection trusts, loaded once (TlsTrust). Null: Create loads the system
    // bundle alone. Share one among all clients of a process so it is read once.
    std::shared_ptr<const TlsTrust> trust{};
    // TLS sessions and DNS answers. Null: Create makes one for this client alone. Share one
    // among all clients of a process so a session made by one thread resumes on another.
    std::shared_ptr<SessionShare> sessions{};
    // Idle connections kept for reuse, per client (per IO thread for the io_context driver).
    // curl's default, four per call in progress, shrinks as a burst ends and then closes
    // connections the next burst reopens: about one call in ten at 50 concurrent executes.
    long max_idle_connections = 64;  // NOLINT(google-runtime-int): CURLMOPT_MAXCONNECTS's type
};

/// HttpClient over libcurl: one CURLM driven by its own thread (curl_multi_poll +
/// curl_multi_wakeup); Start() only queues under a mutex. Every hop is checked with the
/// EgressPolicy: the URL before the hop, the address actually connected (new or reused
/// connection) in curl callbacks. Redirects are followed here, never by curl. TLS is verified,
/// no proxy is taken from the environment, HTTP/2 is used where the server offers it. New TLS
/// connections verify against `options.trust` (no disk read per handshake) and resume the TLS
/// sessions of earlier connections to the same host (`options.sessions`).
/// Thread-safety: Start() from any thread; completions run on the client's thread.
class CurlHttpClient final : public HttpClient {
public:
    /// kUnavailable when libcurl cannot be initialised (a startup error).
    [[nodiscard]] static Result<std::unique_ptr<CurlHttpClient>> Create(
        EgressPolicy policy, CurlHttpClientOptions options = {});
    CurlHttpClient(const CurlHttpClient&) = delete;
    CurlHttpClient& operator=(const CurlHttpClient&) = delete;
    CurlHttpClient(CurlHttpClient&&) = delete;
    CurlHttpClient& operator=(CurlHttpClient&&) = delete;
    /// Stops the thread; calls still queued or in flight complete with kUnavailable ("HTTP
    /// client is shutting down"); a Start() racing with destruction completes the same way, at
    /// once, on the calling thread. REQUIRES: not called from a completion (it joins the
    /// client's thread).
    ~CurlHttpClient() override;

    // HttpClient
    void Start(OutboundRequest request, Completion done) override;

private:
    class Impl;
    explicit CurlHttpClient(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace junction::http_client::curl
