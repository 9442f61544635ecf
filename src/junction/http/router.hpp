#pragma once

#include <span>
#include <string>
#include <string_view>

#include "junction/http/exchange.hpp"
#include "junction/http/types.hpp"

namespace junction::http {

/// Which credential a route needs.
enum class AuthKind {
    kNone,      // public (health, API document)
    kApiKey,    // API key (role checks happen in the service)
    kMcpApi,    // MCP API URL: API key or JWT, MCP rate limit
    kMcpToken,  // MCP token URL: the access token in the path, MCP rate limit
};

/// Whether the route reads a JSON body (415 for other content types, 400 for bad JSON).
/// kOptionalJson: like kJson, but an empty body is allowed and leaves Exchange::body null.
/// kStream: raw bytes the handler consumes while they arrive (the server calls the handler
/// with the head only; an accepting handler answers with HttpResponse::sink).
enum class BodyKind { kNone, kJson, kOptionalJson, kStream };

using Handler = HttpResponse (*)(Exchange& exchange);

/// One endpoint. `pattern` segments in braces are path parameters.
struct Route {
    std::string_view method;
    std::string_view pattern;
    AuthKind auth = AuthKind::kApiKey;
    bool versioned = false;  // Connectivity endpoint: x-api-version required
    BodyKind body = BodyKind::kNone;
    bool rate_limited = true;
    Handler handler = nullptr;
    bool user_context = true;  // resolve the effective user (x-alloy-userid); catalog reads do not
    // Try on the IO thread first (Api::TryInline): hot, small, and usually all in memory.
    bool inline_first = false;
};

/// The route table (routes.cpp): the API's index.
[[nodiscard]] std::span<const Route> AllRoutes();

enum class MatchStatus { kFound, kNotFound, kMethodNotAllowed };

struct RouteMatch {
    MatchStatus status = MatchStatus::kNotFound;
    const Route* route = nullptr;
    PathParams params;
    std::string allow;  // for kMethodNotAllowed: the methods the path serves, comma-separated
};

/// Matches `path` (already without a version prefix) against the table. Path parameters are
/// percent-decoded; a parameter that fails to decode or is empty makes the path not match.
[[nodiscard]] RouteMatch MatchRoute(std::string_view method, std::string_view path);

}  // namespace junction::http
