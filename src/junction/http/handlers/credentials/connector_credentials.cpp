// POST/GET /connectors/{connectorId}/credentials and DELETE .../{credentialId} (API.md §3.3).
#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/connector_service.hpp"
#include "junction/service/credential_service.hpp"

namespace junction::http::handlers {

HttpResponse PostConnectorCredentials(Exchange& exchange) {
    auto object = json::RequireObject(exchange.body);
    if (!object) {
        return ToHttpResponse(object.error(), exchange.request_id);
    }
    auto created = exchange.services.credentials.Create(
        exchange.principal, exchange.effective_user, exchange.PathParam("connectorId"), **object);
    if (!created) {
        return ToHttpResponse(created.error(), exchange.request_id);
    }
    // Alloy-surface create: 200; oauthUrl holds a one-time token.
    return SecretJsonResponse(200, *created);
}

HttpResponse GetConnectorCredentials(Exchange& exchange) {
    auto page = ParsePage(exchange.query);
    if (!page) {
        return ToHttpResponse(page.error(), exchange.request_id);
    }
    const std::string connector_id(exchange.PathParam("connectorId"));
    if (auto connector = exchange.services.connectors.Get(connector_id); !connector) {
        return ToHttpResponse(connector.error(), exchange.request_id);
    }
    auto listed = exchange.services.credentials.List(exchange.effective_user, connector_id, *page);
    if (!listed) {
        return ToHttpResponse(listed.error(), exchange.request_id);
    }
    HttpResponse response =
        JsonResponse(200, boost::json::object{{"credentials", std::move(listed->credentials)}});
    response.SetHeader("X-Total-Count", std::to_string(listed->total));
    return response;
}

HttpResponse DeleteConnectorCredential(Exchange& exchange) {
    auto deleted =
        exchange.services.credentials.Delete(exchange.effective_user,
                                             exchange.PathParam("credentialId"),
                                             std::string(exchange.PathParam("connectorId")));
    if (!deleted) {
        return ToHttpResponse(deleted.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"success", true}});
}

}  // namespace junction::http::handlers
