#include "junction/http/api.hpp"

#include <algorithm>
#include <array>
#include <exception>

#include "junction/core/ascii.hpp"
#include "junction/core/log.hpp"
#include "junction/core/nonblocking.hpp"
#include "junction/http/responses.hpp"
#include "junction/http/router.hpp"
#include "junction/json/bounded_parse.hpp"
#include "junction/service/auth_service.hpp"
#include "junction/service/login_throttle.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/rate_limiter.hpp"

namespace junction::http {
namespace {

HttpResponse InternalError(const std::string& request_id) {
    return ToHttpResponse(Error{.code = ErrorCode::kInternal, .message = "Internal server error"},
                          request_id);
}

constexpr std::array<std::string_view, 2> kSupportedVersions{"2025-09", "2025-06"};
constexpr std::string_view kSupportedList = "2025-09, 2025-06";
constexpr std::string_view kCorsAllowHeaders =
    "Authorization, Content-Type, x-api-version, x-alloy-userid, x-alloy-user-token, "
    "x-request-id, x-credential-id, x-redirect-uri, Mcp-Session-Id, Mcp-Protocol-Version";
constexpr std::string_view kCorsExposeHeaders =
    "X-Request-Id, X-Total-Count, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
    "Retry-After, x-api-version, Mcp-Session-Id";

bool IsSupportedVersion(std::string_view version) {
    return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), version) !=
           kSupportedVersions.end();
}

// "/2025-09/users" → ("2025-09", "/users"); otherwise no prefix.
std::pair<std::string_view, std::string_view> SplitVersionPrefix(std::string_view path) {
    for (const auto version : kSupportedVersions) {
        if (path.size() > version.size() + 1 && path[0] == '/' &&
            path.substr(1, version.size()) == version && path[version.size() + 1] == '/') {
            return {version, path.substr(version.size() + 1)};
        }
    }
    return {{}, path};
}

bool IsJsonContentType(std::optional<std::string_view> content_type) {
    if (!content_type) {
        return false;
    }
    const std::string value = AsciiLowercase(*content_type);
    const std::string_view media = std::string_view(value).substr(0, value.find(';'));
    const auto last = media.find_last_not_of(" \t");
    return media.substr(0, last == std::string_view::npos ? 0 : last + 1) == "application/json";
}

bool OriginAllowed(const Config& config, std::optional<std::string_view> origin) {
    return origin && std::find(config.cors_origins.begin(), config.cors_origins.end(), *origin) !=
                         config.cors_origins.end();
}

std::string ClientIp(const Config& config, const HttpRequest& request) {
    const bool trusted = std::find(config.trusted_proxies.begin(),
                                   config.trusted_proxies.end(),
                                   request.remote_ip) != config.trusted_proxies.end();
    const auto forwarded = request.Header("x-forwarded-for");
    if (!trusted || !forwarded) {
        return request.remote_ip;
    }
    // The right-most address is the one our trusted proxy saw; earlier ones are client claims.
    std::string_view value = *forwarded;
    const std::size_t comma = value.rfind(',');
    if (comma != std::string_view::npos) {
        value.remove_prefix(comma + 1);
    }
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
    }
    return value.empty() ? request.remote_ip : std::string(value);
}

void AddRateLimitHeaders(HttpResponse& response, const service::RateDecision& decision) {
    response.SetHeader("RateLimit-Limit", std::to_string(decision.limit));
    response.SetHeader("RateLimit-Remaining", std::to_string(decision.remaining));
    response.SetHeader("RateLimit-Reset", std::to_string(decision.reset_seconds));
}

HttpResponse RateLimited(const service::RateDecision& decision, const std::string& request_id) {
    Error error{.code = ErrorCode::kRateLimited,
                .message = "Rate limit exceeded (" + std::to_string(decision.limit) +
                           " requests per " + std::to_string(decision.window_seconds) + " s)"};
    error.extra["limit"] = decision.limit;
    error.extra["windowSeconds"] = decision.window_seconds;
    error.extra["retryAfterSeconds"] = decision.retry_after_seconds;
    HttpResponse response = ToHttpResponse(error, request_id);
    AddRateLimitHeaders(response, decision);
    response.SetHeader("Retry-After", std::to_string(decision.retry_after_seconds));
    return response;
}

// Only reached for OPTIONS on a known path (which no route serves), so `allow` lists its methods.
HttpResponse Preflight(std::string_view origin, const RouteMatch& match) {
    HttpResponse response;
    response.status = 204;
    response.SetHeader("Access-Control-Allow-Origin", std::string(origin));
    response.SetHeader("Access-Control-Allow-Methods", match.allow);
    response.SetHeader("Access-Control-Allow-Headers", std::string(kCorsAllowHeaders));
    response.SetHeader("Access-Control-Max-Age", "600");
    response.SetHeader("Vary", "Origin");
    return response;
}

}  // namespace

Api::Api(Services& services) : services_(services) {
    services_.draining = &draining_;
}

HttpResponse Api::Handle(const HttpRequest& request,
                         const std::string& request_id,
                         PipelineState& state) {
    auto response = Run(request, request_id, state, false);
    return response ? std::move(*response) : InternalError(request_id);
}

std::optional<HttpResponse> Api::TryInline(const HttpRequest& request,
                                           const std::string& request_id,
                                           PipelineState& state) {
    const NonBlockingScope scope;
    auto response = Run(request, request_id, state, true);
    if (BlockingRefusedHere()) {
        return std::nullopt;
    }
    return response;
}

std::optional<HttpResponse> Api::Run(const HttpRequest& request,
                                     const std::string& request_id,
                                     PipelineState& state,
                                     bool inline_attempt) {
    std::optional<HttpResponse> response;
    try {
        response = Dispatch(request, request_id, state, inline_attempt);
    } catch (const std::exception& e) {
        LogEvent(spdlog::level::err,
                 "unhandled exception",
                 {{"request_id", request_id}, {"what", e.what()}});
        response = InternalError(request_id);
    } catch (...) {
        LogEvent(spdlog::level::err, "unhandled exception", {{"request_id", request_id}});
        response = InternalError(request_id);
    }
    if (!response) {
        return response;
    }
    const auto origin = request.Header("origin");
    if (OriginAllowed(services_.config, origin) && response->status != 204) {
        response->SetHeader("Access-Control-Allow-Origin", std::string(*origin));
        response->SetHeader("Access-Control-Expose-Headers", std::string(kCorsExposeHeaders));
        response->SetHeader("Vary", "Origin");
    }
    return response;
}

bool Api::StreamsBody(std::string_view method, std::string_view target) {
    const auto routes = AllRoutes();
    if (std::none_of(routes.begin(), routes.end(), [method](const Route& route) {
            return route.body == BodyKind::kStream && route.method == method;
        })) {
        return false;  // most requests: no route of this method streams, no match needed
    }
    const std::string_view path = target.substr(0, target.find('?'));
    const RouteMatch match = MatchRoute(method, SplitVersionPrefix(path).second);
    return match.status == MatchStatus::kFound && match.route->body == BodyKind::kStream;
}

HttpResponse Api::Resume(OutboundStep& step,
                         Result<http_client::OutboundResponse> outcome,
                         const std::string& request_id) {
    try {
        return step.resume(std::move(outcome));
    } catch (const std::exception& e) {
        LogEvent(spdlog::level::err,
                 "unhandled exception",
                 {{"request_id", request_id}, {"what", e.what()}});
    } catch (...) {
        LogEvent(spdlog::level::err, "unhandled exception", {{"request_id", request_id}});
    }
    return InternalError(request_id);
}

std::optional<HttpResponse> Api::Dispatch(const HttpRequest& request,
                                          const std::string& request_id,
                                          PipelineState& state,
                                          bool inline_attempt) {
    const Config& config = services_.config;
    const auto [prefix_version, path] = SplitVersionPrefix(request.path);
    RouteMatch match = MatchRoute(request.method, path);

    const auto origin = request.Header("origin");
    if (request.method == "OPTIONS" && match.status == MatchStatus::kMethodNotAllowed &&
        request.Header("access-control-request-method") && OriginAllowed(config, origin)) {
        return Preflight(*origin, match);
    }
    if (match.status == MatchStatus::kNotFound) {
        return ToHttpResponse(Error{.code = ErrorCode::kNotFound, .message = "No such endpoint"},
                              request_id);
    }
    if (match.status == MatchStatus::kMethodNotAllowed) {
        HttpResponse response =
            ToHttpResponse(Error{.code = ErrorCode::kMethodNotAllowed,
                                 .message = "Method " + request.method +
                                            " is not allowed here; use " + match.allow},
                           request_id);
        response.SetHeader("Allow", match.allow);
        return response;
    }
    const Route& route = *match.route;
    if (inline_attempt && !route.inline_first) {
        return std::nullopt;
    }
    // A prefix is only meaningful on Connectivity endpoints.
    if (!prefix_version.empty() && !route.versioned) {
        return ToHttpResponse(Error{.code = ErrorCode::kNotFound, .message = "No such endpoint"},
                              request_id);
    }

    auto query = ParseQuery(request.query);
    Exchange exchange{.request = request,
                      .services = services_,
                      .request_id = request_id,
                      .path_params = std::move(match.params)};
    std::optional<service::RateDecision> rate;

    const bool by_principal = route.auth == AuthKind::kApiKey || route.auth == AuthKind::kMcpApi;
    if (by_principal || route.auth == AuthKind::kMcpToken) {
        auto refuse = [&](const service::RateDecision& decision) {
            HttpResponse response = RateLimited(decision, request_id);
            response.route = std::string(route.pattern);
            return response;
        };
        // The credential is checked first (usually a cache hit), and only a failed attempt meets
        // the failed-login budgets: a valid credential is never refused because of failures,
        // from its address or anyone else's (LoginThrottle).
        std::optional<Error> refused;
        if (by_principal) {
            auto principal = services_.auth.Authenticate(request.Header("authorization"),
                                                         request.Header("x-alloy-user-token"));
            if (principal) {
                exchange.principal = std::move(*principal);
            } else {
                refused = std::move(principal.error());
            }
        } else {
            // Token URL: the path holds the credential; Authorization is ignored.
            auto server = services_.servers.AuthenticateToken(exchange.PathParam("serverId"),
                                                              exchange.PathParam("accessToken"));
            if (server) {
                exchange.mcp_server = std::move(*server);
            } else {
                refused = std::move(server.error());
            }
        }
        if (refused) {
            if (BlockingRefusedHere()) {
                return std::nullopt;  // not a failed login: the pool reruns it with the store
            }
            HttpResponse response = ToHttpResponse(*refused, request_id);
            if (refused->code == ErrorCode::kUnauthenticated) {
                service::LoginThrottle throttle(services_.rate_limiter,
                                                config.rate_limit_auth_failures);
                const auto authorization =
                    by_principal ? request.Header("authorization") : std::nullopt;
                const auto spent = throttle.OnFailure(ClientIp(config, request), authorization);
                if (spent) {
                    return refuse(*spent);
                }
                if (by_principal) {
                    response.SetHeader("WWW-Authenticate", "Bearer");
                }
            }
            response.route = std::string(route.pattern);
            return response;
        }
        if (route.rate_limited && state.rate) {
            rate = state.rate;  // counted by the attempt on the IO thread
        } else if (route.rate_limited) {
            // Per caller: the API key or JWT user (REST with the API limit, MCP's API URL with
            // the MCP limit), or the MCP access token.
            const bool mcp = route.auth != AuthKind::kApiKey;
            const std::string key = route.auth == AuthKind::kMcpToken
                                        ? "mcp:token:" + exchange.mcp_server->row.token_hash
                                        : (mcp ? "mcp:" : "") + exchange.principal.RateLimitKey();
            auto decision = services_.rate_limiter.Hit(
                key, mcp ? config.rate_limit_mcp : config.rate_limit_api);
            if (!decision) {
                return ToHttpResponse(decision.error(), request_id);
            }
            if (!decision->allowed) {
                return refuse(*decision);
            }
            rate = *decision;
            state.rate = rate;
        }
    } else if (route.rate_limited) {
        // Browser-facing endpoints (OAuth) have no caller identity: per client address.
        auto decision = services_.rate_limiter.Hit("oauth:" + ClientIp(config, request),
                                                   config.rate_limit_oauth);
        if (!decision) {
            return ToHttpResponse(decision.error(), request_id);
        }
        if (!decision->allowed) {
            HttpResponse response = RateLimited(*decision, request_id);
            response.route = std::string(route.pattern);
            return response;
        }
        rate = *decision;
    }

    std::string version;
    auto finish = [&](HttpResponse response) {
        if (rate) {
            AddRateLimitHeaders(response, *rate);
        }
        if (!version.empty()) {
            response.SetHeader("x-api-version", version);
        }
        response.route = std::string(route.pattern);
        response.user_id = exchange.effective_user.id;
        return response;
    };

    if (route.versioned) {
        const auto header = request.Header("x-api-version");
        if (header && !prefix_version.empty() && *header != prefix_version) {
            return finish(
                ToHttpResponse(Error{.code = ErrorCode::kInvalidArgument,
                                     .message = "Header x-api-version '" + std::string(*header) +
                                                "' conflicts with the path version '" +
                                                std::string(prefix_version) + "'"},
                               request_id));
        }
        version = std::string(prefix_version.empty() ? header.value_or("") : prefix_version);
        if (version.empty()) {
            Error error{.code = ErrorCode::kInvalidArgument,
                        .message = "Missing required header 'x-api-version'. Supported versions: " +
                                   std::string(kSupportedList)};
            error.extra["header"] = "x-api-version";
            error.extra["supportedVersions"] = boost::json::array{"2025-09", "2025-06"};
            return finish(ToHttpResponse(error, request_id));
        }
        if (!IsSupportedVersion(version)) {
            Error error{.code = ErrorCode::kInvalidArgument,
                        .message = "Unsupported x-api-version '" + version +
                                   "'. Supported versions: " + std::string(kSupportedList)};
            error.extra["header"] = "x-api-version";
            error.extra["supportedVersions"] = boost::json::array{"2025-09", "2025-06"};
            version.clear();  // never echo an unsupported version
            return finish(ToHttpResponse(error, request_id));
        }
    }

    if (!query) {
        return finish(ToHttpResponse(query.error(), request_id));
    }
    exchange.query = std::move(*query);

    const bool body_absent = route.body == BodyKind::kOptionalJson && request.body.empty();
    const bool json_body = route.body == BodyKind::kJson || route.body == BodyKind::kOptionalJson;
    if (json_body && !body_absent) {
        if (!IsJsonContentType(request.Header("content-type"))) {
            return finish(ToHttpResponse(Error{.code = ErrorCode::kUnsupportedMediaType,
                                               .message = "Content-Type must be application/json"},
                                         request_id));
        }
        if (request.body.empty()) {
            return finish(ToHttpResponse(
                Error{.code = ErrorCode::kInvalidArgument, .message = "Request body is required"},
                request_id));
        }
        auto body = json::ParseBounded(
            request.body,
            json::ParseLimits{.max_depth = config.http.max_json_depth,
                              .max_array_items = config.http.max_json_array_items});
        if (!body) {
            return finish(ToHttpResponse(body.error(), request_id));
        }
        exchange.body = std::move(*body);
    }

    if (route.auth == AuthKind::kApiKey && route.user_context) {
        auto user = services_.auth.ResolveEffectiveUser(exchange.principal,
                                                        request.Header("x-alloy-userid"));
        if (!user) {
            return finish(ToHttpResponse(user.error(), request_id));
        }
        exchange.effective_user = std::move(*user);
    }
    return finish(route.handler(exchange));
}

}  // namespace junction::http
