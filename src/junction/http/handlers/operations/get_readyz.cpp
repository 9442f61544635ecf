#include "junction/http/handlers/handlers.hpp"
#include "junction/http/responses.hpp"
#include "junction/service/health_service.hpp"

namespace junction::http::handlers {

HttpResponse GetReadyz(Exchange& exchange) {
    auto checks = exchange.services.health.Check();
    if (exchange.services.draining != nullptr && exchange.services.draining->load()) {
        checks.emplace_back("shutdown", "error: draining");
    }
    boost::json::object body;
    for (const auto& [name, outcome] : checks) {
        body[name] = outcome;
    }
    const bool ready = service::HealthService::AllOk(checks);
    return JsonResponse(ready ? 200 : 503,
                        boost::json::object{{"status", ready ? "ready" : "not_ready"},
                                            {"checks", std::move(body)}});
}

}  // namespace junction::http::handlers
