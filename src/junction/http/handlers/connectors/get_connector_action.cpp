#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/connector_service.hpp"

namespace junction::http::handlers {

HttpResponse GetConnectorAction(Exchange& exchange) {
    auto action = exchange.services.connectors.Action(exchange.PathParam("connectorId"),
                                                      exchange.PathParam("actionId"));
    if (!action) {
        return ToHttpResponse(action.error(), exchange.request_id);
    }
    return JsonResponse(200, boost::json::object{{"action", std::move(*action)}});
}

}  // namespace junction::http::handlers
