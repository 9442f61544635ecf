#include "junction/service/health_service.hpp"

#include <algorithm>

namespace junction::service {

HealthService::HealthService(storage::Store& store,
                             const crypto::SecretBox& secret_box,
                             std::size_t connectors)
    : store_(store), secret_box_(secret_box), connectors_(connectors) {}

std::vector<HealthCheck> HealthService::Check() const {
    std::vector<HealthCheck> checks;
    const auto ping = store_.Ping();
    checks.emplace_back("database", ping ? "ok" : "error: " + ping.error().message);
    const auto schema = ping ? store_.CheckSchema()
                             : Result<void>(Fail(ErrorCode::kUnavailable, "database unavailable"));
    checks.emplace_back("migrations", schema ? "ok" : "error: " + schema.error().message);
    // The catalog is validated whole at start-up; an empty one means a broken build.
    checks.emplace_back("catalog", connectors_ > 0 ? "ok" : "error: no connectors loaded");
    constexpr std::string_view kProbe = "junction readiness probe";
    const auto opened =
        secret_box_.Open(secret_box_.Seal(kProbe, "junction/v1/readyz"), "junction/v1/readyz");
    checks.emplace_back("encryption",
                        opened && opened->Reveal() == kProbe ? "ok" : "error: master key unusable");
    return checks;
}

bool HealthService::AllOk(const std::vector<HealthCheck>& checks) {
    return std::all_of(checks.begin(), checks.end(), [](const HealthCheck& check) {
        return check.second == "ok";
    });
}

}  // namespace junction::service
