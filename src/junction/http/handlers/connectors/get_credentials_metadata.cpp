#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/connector_service.hpp"

namespace junction::http::handlers {

HttpResponse GetCredentialsMetadata(Exchange& exchange) {
    auto metadata = exchange.services.connectors.CredentialMetadata(
        exchange.PathParam("connectorId"), exchange.effective_user.id);
    if (!metadata) {
        return ToHttpResponse(metadata.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"metadata", std::move(*metadata)}});
}

}  // namespace junction::http::handlers
