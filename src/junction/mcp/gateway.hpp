#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "junction/core/result.hpp"
#include "junction/mcp/dispatcher.hpp"
#include "junction/mcp/sessions.hpp"
#include "junction/service/auth_service.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/principal.hpp"
#include "junction/storage/store.hpp"

namespace junction::mcp {

/// The MCP-specific request headers (API.md §4.1), as sent.
struct McpHeaders {
    std::optional<std::string> user_token{};     // x-alloy-user-token
    std::optional<std::string> user_id{};        // x-alloy-userid
    std::optional<std::string> server_id{};      // x-mcp-server-id (API URL only)
    std::optional<std::string> credential_id{};  // x-credential-id
    std::optional<std::string> redirect_uri{};   // x-redirect-uri
};

/// Who an MCP request acts for, and the session binding that goes with it.
struct McpCaller {
    CallContext context{};
    SessionBinding binding{};
};

/// Establishes server, effective user and restrictions for an MCP request, in API.md §4.4's
/// order (authentication and rate limiting happened before). Thread-safe; blocking pool only.
class Gateway {
public:
    Gateway(service::AuthService& auth,
            service::McpServerService& servers,
            storage::UserStore& users);

    /// Token URL: `server` was authenticated by its access token. kUnauthenticated (bad
    /// x-alloy-user-token), kPermissionDenied (x-alloy-userid on a private server, users
    /// restriction, token and header naming different users), kNotFound (unknown user).
    [[nodiscard]] Result<McpCaller> ForToken(service::McpServerContext server,
                                             const McpHeaders& headers,
                                             std::string request_id);
    /// API URL: `principal` was authenticated by API key or JWT. kInvalidArgument
    /// (x-mcp-server-id differs from the path), kNotFound (server, user), kPermissionDenied.
    [[nodiscard]] Result<McpCaller> ForPrincipal(const service::Principal& principal,
                                                 std::string_view server_id,
                                                 const McpHeaders& headers,
                                                 std::string request_id);

private:
    [[nodiscard]] static Result<void> CheckUser(const service::McpServerContext& server,
                                                const storage::UserRow& user);

    service::AuthService& auth_;
    service::McpServerService& servers_;
    storage::UserStore& users_;
};

}  // namespace junction::mcp
