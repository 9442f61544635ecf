#pragma once

#include <string>
#include <utility>
#include <vector>

#include "junction/connectors/auth_placement.hpp"

namespace junction::service {

/// An AuthPlacement as it goes on the wire: header and query pairs (basic credentials encoded
/// as `Authorization: Basic …`), plus every injected value for redaction of echoed answers.
struct AuthInjection {
    std::vector<std::pair<std::string, std::string>> headers{};
    std::vector<std::pair<std::string, std::string>> query{};
    std::vector<std::string> secrets{};
};

[[nodiscard]] AuthInjection ToInjection(const connectors::AuthPlacement& placement);

}  // namespace junction::service
