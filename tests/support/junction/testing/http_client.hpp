#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace junction::testing {

struct HttpResult {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
    std::string body;

    [[nodiscard]] std::optional<std::string> Header(const std::string& lowercase_name) const;
    /// The body parsed as JSON (null when it is not JSON).
    [[nodiscard]] boost::json::value Json() const;
    /// error.code of the envelope, or "".
    [[nodiscard]] std::string ErrorCode() const;
    [[nodiscard]] std::string ErrorMessage() const;
};

/// A real HTTP/1.1 client over loopback (libcurl), one connection per call.
class HttpClient {
public:
    explicit HttpClient(std::string base_url) : base_url_(std::move(base_url)) {}

    [[nodiscard]] HttpResult Send(const std::string& method,
                                  const std::string& path,
                                  const std::vector<std::string>& headers = {},
                                  const std::optional<std::string>& body = std::nullopt) const;

    [[nodiscard]] const std::string& BaseUrl() const { return base_url_; }

private:
    std::string base_url_;
};

struct RawConnectionOptions {
    std::string source_ip;  // a loopback address to connect from (127.0.0.2, ...); empty: any
    bool connect = true;    // false: only the socket, until Connect()
};

/// A raw loopback connection, for reading an event stream as it arrives.
class RawConnection {
public:
    explicit RawConnection(std::uint16_t port, const RawConnectionOptions& options = {});
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    RawConnection(RawConnection&&) = delete;
    RawConnection& operator=(RawConnection&&) = delete;
    ~RawConnection();

    /// Connects (when made with `connect = false`): uses no new file descriptor.
    bool Connect();
    [[nodiscard]] bool Connected() const { return connected_; }
    [[nodiscard]] bool Send(std::string_view data) const;
    /// Reads until `needle` has arrived, the peer closes, or `timeout` passes; returns all read.
    std::string ReadUntil(std::string_view needle, std::chrono::milliseconds timeout);
    /// True once the peer has closed (as seen by the last ReadUntil).
    [[nodiscard]] bool PeerClosed() const { return peer_closed_; }

private:
    int fd_;
    std::uint16_t port_;
    bool connected_ = false;
    bool peer_closed_ = false;
    std::string received_;
};

/// Writes `raw` bytes to 127.0.0.1:`port` and returns everything the server sends back until
/// it closes the connection or `timeout` passes (for malformed and slow requests).
[[nodiscard]] std::string SendRaw(std::uint16_t port,
                                  const std::string& raw,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace junction::testing
