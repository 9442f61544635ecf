#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "junction/http/exchange.hpp"
#include "junction/http/outbound_step.hpp"
#include "junction/http/types.hpp"
#include "junction/service/rate_limiter.hpp"

namespace junction::http {

/// What a request's pipeline has done so far, carried from an attempt on the IO thread that
/// needed the store to the rerun on the pool, so the caller is counted once.
struct PipelineState {
    std::optional<service::RateDecision> rate{};  // the caller's rate-limit hit, once counted
};

/// The request pipeline after the transport limits, in API.md §1.4's check order: route →
/// authentication → rate limit → version → content type → body → effective user → handler.
/// Runs on the blocking pool (it reads the store), or first on the IO thread for routes marked
/// `inline_first` (TryInline). Thread-safe. Never throws: a last-resort catch answers 500 with
/// the request id.
class Api {
public:
    explicit Api(Services& services);

    [[nodiscard]] HttpResponse Handle(const HttpRequest& request,
                                      const std::string& request_id,
                                      PipelineState& state);
    /// Handle on the calling IO thread, for a route marked `inline_first`, when everything it
    /// needs is in memory (cached keys, users and credentials; an in-memory rate limiter).
    /// nullopt when it is not such a route or it needed the store (nothing was answered): run
    /// Handle on the pool with the same `state`.
    [[nodiscard]] std::optional<HttpResponse> TryInline(const HttpRequest& request,
                                                        const std::string& request_id,
                                                        PipelineState& state);
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
    std::optional<HttpResponse> Run(const HttpRequest& request,
                                    const std::string& request_id,
                                    PipelineState& state,
                                    bool inline_attempt);
    std::optional<HttpResponse> Dispatch(const HttpRequest& request,
                                         const std::string& request_id,
                                         PipelineState& state,
                                         bool inline_attempt);

    Services& services_;
    std::atomic<bool> draining_{false};
};

}  // namespace junction::http
