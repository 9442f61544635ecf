#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "junction/core/byte_source.hpp"
#include "junction/core/result.hpp"

namespace junction {
class EventQueue;
}  // namespace junction

namespace junction::http {

struct OutboundStep;
class BodySink;

/// Header list with lowercase names (HTTP names are case-insensitive).
using Headers = std::vector<std::pair<std::string, std::string>>;

/// A request as handlers see it: plain values, no Beast types (DESIGN.md §14: Beast stays in
/// server.cpp so the rest of the layer compiles fast).
struct HttpRequest {
    std::string method;
    std::string target;  // path + query as received
    std::string path;    // without the query
    std::string query;   // after '?', still percent-encoded
    Headers headers;
    std::string body;
    std::string remote_ip;

    /// First value of header `lowercase_name`.
    [[nodiscard]] std::optional<std::string_view> Header(std::string_view lowercase_name) const {
        for (const auto& [name, value] : headers) {
            if (name == lowercase_name) {
                return std::string_view(value);
            }
        }
        return std::nullopt;
    }
};

/// A response before serialization. `route`, `user_id` and `handled_inline` are for the access
/// log only.
struct HttpResponse {
    int status = 200;
    Headers headers;
    std::string body;
    std::string route;
    std::string user_id;
    bool handled_inline = false;  // set by Server: the pipeline ran on the IO thread (TryInline)
    bool close_connection = false;
    // Set when the answer needs an outbound call first (see outbound_step.hpp).
    std::shared_ptr<OutboundStep> next{};
    // Set for a streamed answer (server-sent events): the status and headers go out first,
    // then every chunk pushed to the queue, until it is closed, `stream_lifetime` has passed
    // or the server drains. A comment line keeps idle streams alive every `stream_keepalive`.
    std::shared_ptr<EventQueue> stream{};
    std::chrono::milliseconds stream_keepalive{15'000};
    std::chrono::milliseconds stream_lifetime{1'800'000};
    // Set for a file download: the body is these bytes, sent with Content-Length and read
    // piece by piece on the blocking pool (`body` is ignored).
    std::shared_ptr<const ByteSource> file_body{};
    // Set by the handler of a streamed-body route (BodyKind::kStream) that accepts the request:
    // the server then reads the body into it. Unset means `status`/`body` answer at once.
    std::shared_ptr<BodySink> sink{};

    void SetHeader(std::string name, std::string value) {
        for (auto& [existing, existing_value] : headers) {
            if (existing == name) {
                existing_value = std::move(value);
                return;
            }
        }
        headers.emplace_back(std::move(name), std::move(value));
    }
};

/// A request body consumed while it arrives (signed file upload, BodyKind::kStream): the
/// server hands it each chunk in order, then asks for the answer. Called on the blocking pool,
/// one call at a time. Destroyed without Finish (client gone, body too large, a failed
/// Write), it keeps nothing.
class BodySink {
public:
    BodySink() = default;
    BodySink(const BodySink&) = delete;
    BodySink& operator=(const BodySink&) = delete;
    BodySink(BodySink&&) = delete;
    BodySink& operator=(BodySink&&) = delete;
    virtual ~BodySink() = default;

    /// An error ends the request: the server answers it (ToHttpResponse) and stops reading.
    [[nodiscard]] virtual Result<void> Write(std::string_view chunk) = 0;
    /// The answer after the last chunk.
    [[nodiscard]] virtual HttpResponse Finish(const std::string& request_id) = 0;
};

}  // namespace junction::http
