#include <array>

#include "junction/http/handlers/handlers.hpp"
#include "junction/http/router.hpp"

namespace junction::http {
namespace {

// One row per endpoint: the API's index (API.md §2). Order matters only for 405's Allow list.
// clang-format off
constexpr std::array kRoutes{
    //    method    pattern                   auth              versioned body            limited handler [user_context inline_first]
    Route{"POST",   "/users",                 AuthKind::kApiKey, true,  BodyKind::kJson, true,  &handlers::PostUsers},
    Route{"GET",    "/users",                 AuthKind::kApiKey, true,  BodyKind::kNone, true,  &handlers::GetUsers},
    Route{"GET",    "/users/{userId}",        AuthKind::kApiKey, true,  BodyKind::kNone, true,  &handlers::GetUser},
    Route{"PUT",    "/users/{userId}",        AuthKind::kApiKey, true,  BodyKind::kJson, true,  &handlers::PutUser},
    Route{"DELETE", "/users/{userId}",        AuthKind::kApiKey, true,  BodyKind::kNone, true,  &handlers::DeleteUser},
    Route{"GET",    "/users/{userId}/token",  AuthKind::kApiKey, true,  BodyKind::kNone, true,  &handlers::GetUserToken},
    Route{"POST",   "/users/{userId}/token/revoke", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::PostUserTokenRevoke},

    // Files first: `/connectors/files/...` is never a connector (API.md §3.5).
    Route{"POST",   "/connectors/files/upload/request", AuthKind::kApiKey, true, BodyKind::kJson, true, &handlers::PostFileUploadRequest},
    Route{"POST",   "/connectors/files/download/request", AuthKind::kApiKey, true, BodyKind::kJson, true, &handlers::PostFileDownloadRequest},
    Route{"GET",    "/connectors/files/list", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetFiles},
    Route{"DELETE", "/connectors/files/{s3Key}", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::DeleteFile},
    // Signed file URLs: the signature authorizes (checked by the handler), not rate limited.
    Route{"PUT",    "/files/{s3Key}",         AuthKind::kNone,   false, BodyKind::kStream, false, &handlers::PutFileSigned, false},
    Route{"GET",    "/files/{s3Key}",         AuthKind::kNone,   false, BodyKind::kNone, false, &handlers::GetFileSigned, false},

    Route{"GET",    "/connectors",            AuthKind::kApiKey, true,  BodyKind::kNone, true,  &handlers::GetConnectors, false},
    Route{"GET",    "/connectors/{connectorId}", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetConnector, false, true},
    Route{"GET",    "/connectors/{connectorId}/resources", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetConnectorResources, false},
    Route{"GET",    "/connectors/{connectorId}/actions/{actionId}", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetConnectorAction, false, true},
    Route{"POST",   "/connectors/{connectorId}/actions/{actionId}/execute", AuthKind::kApiKey, true, BodyKind::kJson, true, &handlers::PostExecuteAction, true, true},
    Route{"GET",    "/connectors/{connectorId}/credentials/metadata", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetCredentialsMetadata},

    Route{"POST",   "/connectors/{connectorId}/credentials", AuthKind::kApiKey, true, BodyKind::kJson, true, &handlers::PostConnectorCredentials},
    Route{"GET",    "/connectors/{connectorId}/credentials", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetConnectorCredentials},
    Route{"DELETE", "/connectors/{connectorId}/credentials/{credentialId}", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::DeleteConnectorCredential},
    Route{"POST",   "/users/{userId}/credentials", AuthKind::kApiKey, true, BodyKind::kJson, true, &handlers::PostUserCredentials},
    Route{"GET",    "/users/{userId}/credentials", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::GetUserCredentials},
    Route{"DELETE", "/users/{userId}/credentials/{credentialId}", AuthKind::kApiKey, true, BodyKind::kNone, true, &handlers::DeleteUserCredential},

    Route{"GET",    "/api/strategy/connector/{connectorId}/authorize", AuthKind::kNone, false, BodyKind::kNone, true, &handlers::GetOAuthAuthorize},
    Route{"GET",    "/api/strategy/connector/{connectorId}/callback", AuthKind::kNone, false, BodyKind::kNone, true, &handlers::GetOAuthCallback},

    Route{"POST",   "/mcp/{serverId}",        AuthKind::kMcpApi, false, BodyKind::kNone, true,  &handlers::PostMcp, false, true},
    Route{"GET",    "/mcp/{serverId}",        AuthKind::kMcpApi, false, BodyKind::kNone, true,  &handlers::GetMcp, false},
    Route{"DELETE", "/mcp/{serverId}",        AuthKind::kMcpApi, false, BodyKind::kNone, true,  &handlers::DeleteMcp, false},
    Route{"POST",   "/mcp/{serverId}/{accessToken}", AuthKind::kMcpToken, false, BodyKind::kNone, true, &handlers::PostMcp, false, true},
    Route{"GET",    "/mcp/{serverId}/{accessToken}", AuthKind::kMcpToken, false, BodyKind::kNone, true, &handlers::GetMcp, false},
    Route{"DELETE", "/mcp/{serverId}/{accessToken}", AuthKind::kMcpToken, false, BodyKind::kNone, true, &handlers::DeleteMcp, false},
    Route{"POST",   "/api/servers",           AuthKind::kApiKey, false, BodyKind::kJson, true,  &handlers::PostServers},
    Route{"GET",    "/api/servers",           AuthKind::kApiKey, false, BodyKind::kNone, true,  &handlers::GetServers},
    Route{"GET",    "/api/servers/{serverId}", AuthKind::kApiKey, false, BodyKind::kNone, true, &handlers::GetServer},
    Route{"PUT",    "/api/servers/{serverId}", AuthKind::kApiKey, false, BodyKind::kJson, true, &handlers::PutServer},
    Route{"DELETE", "/api/servers/{serverId}", AuthKind::kApiKey, false, BodyKind::kNone, true, &handlers::DeleteServer},
    Route{"POST",   "/api/servers/{serverId}/rotate-token", AuthKind::kApiKey, false, BodyKind::kOptionalJson, true, &handlers::PostRotateServerToken},

    Route{"POST",   "/auth-configs",          AuthKind::kApiKey, false, BodyKind::kJson, true,  &handlers::PostAuthConfigs},
    Route{"GET",    "/auth-configs",          AuthKind::kApiKey, false, BodyKind::kNone, true,  &handlers::GetAuthConfigs},
    Route{"GET",    "/auth-configs/{authConfigId}", AuthKind::kApiKey, false, BodyKind::kNone, true, &handlers::GetAuthConfig},
    Route{"PUT",    "/auth-configs/{authConfigId}", AuthKind::kApiKey, false, BodyKind::kJson, true, &handlers::PutAuthConfig},
    Route{"DELETE", "/auth-configs/{authConfigId}", AuthKind::kApiKey, false, BodyKind::kNone, true, &handlers::DeleteAuthConfig},

    Route{"POST",   "/api-keys",              AuthKind::kApiKey, false, BodyKind::kJson, true,  &handlers::PostApiKeys},
    Route{"GET",    "/api-keys",              AuthKind::kApiKey, false, BodyKind::kNone, true,  &handlers::GetApiKeys},
    Route{"DELETE", "/api-keys/{apiKeyId}",   AuthKind::kApiKey, false, BodyKind::kNone, true,  &handlers::DeleteApiKey},

    Route{"GET",    "/healthz",               AuthKind::kNone,   false, BodyKind::kNone, false, &handlers::GetHealthz, true, true},
    Route{"GET",    "/readyz",                AuthKind::kNone,   false, BodyKind::kNone, false, &handlers::GetReadyz},
    Route{"GET",    "/openapi.json",          AuthKind::kNone,   false, BodyKind::kNone, false, &handlers::GetOpenApi},
};
// clang-format on

}  // namespace

std::span<const Route> AllRoutes() {
    return kRoutes;
}

}  // namespace junction::http
