#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "junction/http/exchange.hpp"
#include "junction/http/outbound_step.hpp"
#include "junction/http/types.hpp"

namespace junction::http {

/// The request pipeline after the transport limits, in API.md §1.4's check order: route →
/// authentication → rate limit → version → content type → body → effective user → handler.
/// Runs on the blocking pool (it reads the store). Thread-safe. Never throws: a last-resort
/// catch answers 500 with the request id.
class Api {
public:
    explicit Api(Services& services);

    [[nodiscard]] HttpResponse Handle(const HttpRequest& request, const std::string& request_id);
    /// Whether the route for `method` and `target` takes a streamed body (BodyKind::kStream):
    /// the server then runs Handle on the head alone and feeds the body to the answer's sink.
    [[nodiscard]] static bool StreamsBody(std::string_view method, std::string_view target);
    /// Runs an OutboundStep's continuation with the same last-resort guard as Handle.
    [[nodiscard]] static HttpResponse Resume(OutboundStep& step,
                                             Result<http_client::OutboundResponse> outcome,
                                             const std::string& request_id);

    /// While draining, /readyz answers 503 (load balancers stop sending).
    void SetDraining() { draining_.store(true); }
    [[nodiscard]] bool Draining() const { return draining_.load(); }

private:
    HttpResponse Dispatch(const HttpRequest& request, const std::string& request_id);

    Services& services_;
    std::atomic<bool> draining_{false};
};

}  // namespace junction::http
