#pragma once

#include "junction/http/exchange.hpp"
#include "junction/http/types.hpp"

/// One function per endpoint, each in handlers/<resource>/<verb>_<name>.cpp.
namespace junction::http::handlers {

HttpResponse PostUsers(Exchange& exchange);
HttpResponse GetUsers(Exchange& exchange);
HttpResponse GetUser(Exchange& exchange);
HttpResponse PutUser(Exchange& exchange);
HttpResponse DeleteUser(Exchange& exchange);
HttpResponse GetUserToken(Exchange& exchange);
HttpResponse PostUserTokenRevoke(Exchange& exchange);

HttpResponse GetConnectors(Exchange& exchange);
HttpResponse GetConnector(Exchange& exchange);
HttpResponse GetConnectorResources(Exchange& exchange);
HttpResponse GetConnectorAction(Exchange& exchange);
HttpResponse GetCredentialsMetadata(Exchange& exchange);
HttpResponse PostExecuteAction(Exchange& exchange);

HttpResponse PostConnectorCredentials(Exchange& exchange);
HttpResponse GetConnectorCredentials(Exchange& exchange);
HttpResponse DeleteConnectorCredential(Exchange& exchange);
HttpResponse PostUserCredentials(Exchange& exchange);
HttpResponse GetUserCredentials(Exchange& exchange);
HttpResponse DeleteUserCredential(Exchange& exchange);

HttpResponse PostFileUploadRequest(Exchange& exchange);
HttpResponse PostFileDownloadRequest(Exchange& exchange);
HttpResponse GetFiles(Exchange& exchange);
HttpResponse DeleteFile(Exchange& exchange);
HttpResponse PutFileSigned(Exchange& exchange);
HttpResponse GetFileSigned(Exchange& exchange);

HttpResponse PostMcp(Exchange& exchange);
HttpResponse GetMcp(Exchange& exchange);
HttpResponse DeleteMcp(Exchange& exchange);

HttpResponse GetOAuthAuthorize(Exchange& exchange);
HttpResponse GetOAuthCallback(Exchange& exchange);

HttpResponse PostAuthConfigs(Exchange& exchange);
HttpResponse GetAuthConfigs(Exchange& exchange);
HttpResponse GetAuthConfig(Exchange& exchange);
HttpResponse PutAuthConfig(Exchange& exchange);
HttpResponse DeleteAuthConfig(Exchange& exchange);

HttpResponse PostServers(Exchange& exchange);
HttpResponse GetServers(Exchange& exchange);
HttpResponse GetServer(Exchange& exchange);
HttpResponse PutServer(Exchange& exchange);
HttpResponse DeleteServer(Exchange& exchange);
HttpResponse PostRotateServerToken(Exchange& exchange);

HttpResponse PostApiKeys(Exchange& exchange);
HttpResponse GetApiKeys(Exchange& exchange);
HttpResponse DeleteApiKey(Exchange& exchange);

HttpResponse GetHealthz(Exchange& exchange);
HttpResponse GetReadyz(Exchange& exchange);
HttpResponse GetOpenApi(Exchange& exchange);

}  // namespace junction::http::handlers
