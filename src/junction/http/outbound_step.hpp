#pragma once

#include <chrono>
#include <functional>

#include "junction/core/result.hpp"
#include "junction/http/types.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http {

/// A handler that must call a third-party API answers with this instead of waiting on a pool
/// thread: the server waits `delay`, sends `request` without holding any thread, and runs
/// `resume` with the outcome. `resume` answers the client, or returns another step (retries,
/// refresh-and-retry). It runs on the blocking pool when `resume_blocks` is empty or says the
/// outcome needs it (store or network calls, big bodies); otherwise on the connection's IO
/// thread, which saves two thread hand-offs per call.
struct OutboundStep {
    http_client::OutboundRequest request{};
    std::chrono::milliseconds delay{0};
    std::function<HttpResponse(Result<http_client::OutboundResponse>)> resume{};
    std::function<bool(const Result<http_client::OutboundResponse>&)> resume_blocks{};
};

}  // namespace junction::http
