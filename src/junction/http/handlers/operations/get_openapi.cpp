#include "junction/http/handlers/handlers.hpp"

namespace junction::http::handlers {

HttpResponse GetOpenApi(Exchange& exchange) {
    HttpResponse response;
    response.headers.emplace_back("content-type", "application/json");
    response.body = std::string(exchange.services.openapi_json);
    return response;
}

}  // namespace junction::http::handlers
