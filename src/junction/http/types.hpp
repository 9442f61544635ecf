#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction {
class EventQueue;
}  // namespace junction

namespace junction::http {

struct OutboundStep;

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

/// A response before serialization. `route` and `user_id` are for the access log only.
struct HttpResponse {
    int status = 200;
    Headers headers;
    std::string body;
    std::string route;
    std::string user_id;
    bool close_connection = false;
    // Set when the answer needs an outbound call first (see outbound_step.hpp).
    std::shared_ptr<OutboundStep> next{};
    // Set for a streamed answer (server-sent events): the status and headers go out first,
    // then every chunk pushed to the queue, until it is closed, `stream_lifetime` has passed
    // or the server drains. A comment line keeps idle streams alive every `stream_keepalive`.
    std::shared_ptr<EventQueue> stream{};
    std::chrono::milliseconds stream_keepalive{15'000};
    std::chrono::milliseconds stream_lifetime{1'800'000};

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

}  // namespace junction::http
