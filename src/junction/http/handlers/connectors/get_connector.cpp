#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/connector_service.hpp"

namespace junction::http::handlers {

HttpResponse GetConnector(Exchange& exchange) {
    auto connector = exchange.services.connectors.Get(exchange.PathParam("connectorId"));
    if (!connector) {
        return ToHttpResponse(connector.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"connector", std::move(*connector)}});
}

}  // namespace junction::http::handlers
