#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction::testing {

/// A request as FakeUpstream received it.
struct RecordedRequest {
    std::string method{};
    std::string target{};                                        // path and query, as sent
    std::string path{};                                          // target without the query
    std::vector<std::pair<std::string, std::string>> headers{};  // lowercase names
    std::string body{};

    [[nodiscard]] std::optional<std::string> Header(std::string_view lowercase_name) const;
};

/// What FakeUpstream answers.
struct UpstreamResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body{};
    std::chrono::milliseconds delay{0};  // waits (without blocking other requests) first

    [[nodiscard]] static UpstreamResponse Json(std::string body, int status = 200);
    [[nodiscard]] static UpstreamResponse Text(std::string body, int status = 200);
    [[nodiscard]] static UpstreamResponse Redirect(int status, std::string location);
};

/// Computes the answer from the request (sequences, echoes, failures on the n-th call).
using UpstreamHandler = std::function<UpstreamResponse(const RecordedRequest&)>;

/// The identity of a FakeUpstream that speaks HTTPS (e.g. from MakeTestPki).
struct UpstreamTls {
    std::string cert_pem{};
    std::string key_pem{};
};

/// What a TLS FakeUpstream saw of its clients' handshakes.
struct TlsConnectionStats {
    std::size_t handshakes = 0;  // completed handshakes: new connections
    std::size_t resumed = 0;     // of those, how many resumed an earlier session
};

/// A scripted HTTP/1.1 server on 127.0.0.1:0 (Boost.Beast, its own thread), standing in for
/// third-party APIs, OAuth token endpoints and redirect chains. Routes match method (or "*")
/// and exact path; the last matching route wins; no match answers 404 "no route". Every
/// request is recorded. Delays are asynchronous, so slow and fast paths are served together.
/// Thread-safe. The destructor stops the server and drops pending delayed answers.
class FakeUpstream {
public:
    FakeUpstream();
    /// The same server over TLS (BaseUrl() is then https).
    explicit FakeUpstream(const UpstreamTls& tls);
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;
    FakeUpstream(FakeUpstream&&) = delete;
    FakeUpstream& operator=(FakeUpstream&&) = delete;
    ~FakeUpstream();

    [[nodiscard]] std::uint16_t Port() const;
    /// "http://127.0.0.1:<port>" ("https://..." over TLS).
    [[nodiscard]] std::string BaseUrl() const;
    /// BaseUrl() + `path_and_query`.
    [[nodiscard]] std::string Url(std::string_view path_and_query) const;

    void On(std::string method, std::string path, UpstreamResponse response);
    void On(std::string method, std::string path, UpstreamHandler handler);

    /// Every request received so far, in arrival order.
    [[nodiscard]] std::vector<RecordedRequest> Requests() const;
    /// Requests whose path is `path`.
    [[nodiscard]] std::vector<RecordedRequest> RequestsTo(std::string_view path) const;
    [[nodiscard]] std::size_t CallCount(std::string_view path) const;
    /// Forgets routes and recorded requests.
    void Reset();
    /// Closes each connection after it has answered `requests` requests (0, the default:
    /// never), as vendors that churn connections do.
    void CloseConnectionsAfter(std::size_t requests);
    /// Handshakes so far (TLS only; zeros for plain HTTP).
    [[nodiscard]] TlsConnectionStats TlsStats() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace junction::testing
