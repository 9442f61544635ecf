#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/connector_service.hpp"

namespace junction::http::handlers {

HttpResponse GetConnectorResources(Exchange& exchange) {
    auto resources = exchange.services.connectors.Resources(exchange.PathParam("connectorId"));
    if (!resources) {
        return ToHttpResponse(resources.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"resources", std::move(*resources)}});
}

}  // namespace junction::http::handlers
