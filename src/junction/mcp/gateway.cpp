#include "junction/mcp/gateway.hpp"

#include <utility>

namespace junction::mcp {
namespace {

McpCaller Caller(service::McpServerContext server,
                 service::Principal principal,
                 storage::UserRow user,
                 std::string binding_principal,
                 const McpHeaders& headers,
                 std::string request_id) {
    McpCaller caller;
    caller.binding = SessionBinding{
        .server_id = server.row.id, .principal = std::move(binding_principal), .user_id = user.id};
    caller.context = CallContext{.server = std::move(server),
                                 .principal = std::move(principal),
                                 .user = std::move(user),
                                 .credential_header = headers.credential_id,
                                 .redirect_header = headers.redirect_uri,
                                 .request_id = std::move(request_id)};
    return caller;
}

}  // namespace

Gateway::Gateway(service::AuthService& auth,
                 service::McpServerService& servers,
                 storage::UserStore& users)
    : auth_(auth), servers_(servers), users_(users) {}

Result<McpCaller> Gateway::ForToken(service::McpServerContext server,
                                    const McpHeaders& headers,
                                    std::string request_id) {
    std::optional<service::Principal> token_principal;
    if (headers.user_token) {
        // A Junction-signed user token proves its user on any server (API.md §4.4 step 3.1).
        auto principal = auth_.Authenticate(std::nullopt, *headers.user_token);
        if (!principal) {
            return Fail(std::move(principal.error()));
        }
        token_principal = std::move(*principal);
    }
    Result<storage::UserRow> user = Fail(ErrorCode::kInternal, "unreachable");
    if (token_principal) {
        user = auth_.ResolveEffectiveUser(*token_principal, headers.user_id);
    } else if (headers.user_id) {
        if (!server.row.is_public) {
            return Fail(ErrorCode::kPermissionDenied,
                        "x-alloy-userid is only accepted on public servers");
        }
        user = service::FindUserByReference(users_, *headers.user_id);
        if (!user && user.error().code == ErrorCode::kNotFound) {
            // Like a user the server's restriction refuses: the token's holder is no admin and
            // must not learn which users exist outside what the server allows (issue 18).
            return Fail(ErrorCode::kPermissionDenied,
                        "User '" + *headers.user_id + "' is not allowed on this server");
        }
    } else {
        user = users_.FindUserById(server.row.owner_user_id);
    }
    if (!user) {
        return Fail(std::move(user.error()));
    }
    if (auto allowed = CheckUser(server, *user); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    // Tools act as the effective user with a user's rights, whoever holds the token.
    service::Principal principal{
        .role = service::Role::kUser, .owner_user_id = user->id, .owner_username = user->username};
    std::string binding = "token:" + server.row.token_hash;
    return Caller(std::move(server),
                  std::move(principal),
                  std::move(*user),
                  std::move(binding),
                  headers,
                  std::move(request_id));
}

Result<McpCaller> Gateway::ForPrincipal(const service::Principal& principal,
                                        std::string_view server_id,
                                        const McpHeaders& headers,
                                        std::string request_id) {
    if (headers.server_id && *headers.server_id != server_id) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Header x-mcp-server-id '" + *headers.server_id +
                        "' does not match the server in the path");
    }
    auto server = servers_.Authorize(principal, server_id);
    if (!server) {
        return Fail(std::move(server.error()));
    }
    auto user = auth_.ResolveEffectiveUser(principal, headers.user_id);
    if (!user) {
        return Fail(std::move(user.error()));
    }
    if (auto allowed = CheckUser(*server, *user); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    return Caller(std::move(*server),
                  principal,
                  std::move(*user),
                  principal.RateLimitKey(),
                  headers,
                  std::move(request_id));
}

Result<void> Gateway::CheckUser(const service::McpServerContext& server,
                                const storage::UserRow& user) {
    if (!server.restrictions->UserAllowed(user.id)) {
        return Fail(ErrorCode::kPermissionDenied,
                    "User '" + user.id + "' is not allowed on this server");
    }
    return {};
}

}  // namespace junction::mcp
