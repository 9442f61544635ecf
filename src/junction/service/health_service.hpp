#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "junction/crypto/secret_box.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// One readiness check: name and "ok" or "error: <reason>".
using HealthCheck = std::pair<std::string, std::string>;

/// Readiness (API.md §3.9): database reachable, schema current, catalog loaded, encryption
/// key usable. Thread-safe; blocking pool only.
class HealthService {
public:
    HealthService(storage::Store& store,
                  const crypto::SecretBox& secret_box,
                  std::size_t connectors);

    /// All checks; ready when every one is "ok" and the server is not draining.
    [[nodiscard]] std::vector<HealthCheck> Check() const;
    [[nodiscard]] static bool AllOk(const std::vector<HealthCheck>& checks);

private:
    storage::Store& store_;
    const crypto::SecretBox& secret_box_;
    std::size_t connectors_;
};

}  // namespace junction::service
