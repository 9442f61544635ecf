#pragma once

#include <chrono>
#include <functional>

#include "junction/core/result.hpp"
#include "junction/http/types.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http {

/// A handler that must call a third-party API answers with this instead of waiting on a pool
/// thread: the server waits `delay`, sends `request` without holding any thread, and runs
/// `resume` with the outcome on the blocking pool. `resume` answers the client, or returns
/// another step (retries, refresh-and-retry).
struct OutboundStep {
    http_client::OutboundRequest request{};
    std::chrono::milliseconds delay{0};
    std::function<HttpResponse(Result<http_client::OutboundResponse>)> resume{};
};

}  // namespace junction::http
