#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"

namespace junction::http::handlers {

HttpResponse GetHealthz(Exchange& exchange) {
    return JsonResponse(
        200, boost::json::object{{"status", "ok"}, {"version", exchange.services.version}});
}

}  // namespace junction::http::handlers
