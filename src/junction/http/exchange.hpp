#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "junction/core/config.hpp"
#include "junction/http/query.hpp"
#include "junction/http/types.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/rows.hpp"

namespace junction::service {
class ActionService;
class ApiKeyService;
class AuthConfigService;
class AuthService;
class ConnectorService;
class CredentialService;
class FileService;
class HealthService;
class McpServerService;
class OAuthService;
class RateLimiter;
class TokenService;
class UserService;
}  // namespace junction::service

namespace junction::mcp {
class Dispatcher;
class Gateway;
class SessionManager;
class StreamHub;
}  // namespace junction::mcp

namespace junction::http {

/// The services handlers call, owned by app/ for the process lifetime.
struct Services {
    service::UserService& users;
    service::ApiKeyService& api_keys;
    service::AuthService& auth;
    service::RateLimiter& rate_limiter;
    service::HealthService& health;
    const service::TokenService& tokens;
    const service::ConnectorService& connectors;
    service::CredentialService& credentials;
    service::AuthConfigService& auth_configs;
    service::OAuthService& oauth;
    service::ActionService& actions;
    service::McpServerService& servers;
    service::FileService& files;
    mcp::Gateway& mcp_gateway;
    mcp::Dispatcher& mcp_dispatcher;
    mcp::SessionManager& mcp_sessions;
    mcp::StreamHub& mcp_streams;
    const Config& config;
    std::string_view openapi_json;  // the API document, served by GET /openapi.json
    std::string_view version;
    const std::atomic<bool>* draining = nullptr;  // set by Api: /readyz answers 503 while true
};

using PathParams = std::vector<std::pair<std::string, std::string>>;

/// Everything a handler gets: the request, what the pipeline established (caller, effective
/// user, parsed body) and the services. Handlers run on the blocking pool.
struct Exchange {
    const HttpRequest& request;
    Services& services;
    std::string request_id{};
    PathParams path_params{};
    QueryParams query{};
    boost::json::value body{};
    service::Principal principal{};
    storage::UserRow effective_user{};
    // MCP token URL: the server its access token opened (API.md §4.1).
    std::optional<service::McpServerContext> mcp_server{};

    [[nodiscard]] std::string_view PathParam(std::string_view name) const {
        for (const auto& [key, value] : path_params) {
            if (key == name) {
                return value;
            }
        }
        return {};
    }
};

}  // namespace junction::http
