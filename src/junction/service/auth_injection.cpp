#include "junction/service/auth_injection.hpp"

#include "junction/core/secret_string.hpp"
#include "junction/crypto/encoding.hpp"

namespace junction::service {

AuthInjection ToInjection(const connectors::AuthPlacement& placement) {
    AuthInjection injection;
    for (const auto& [name, value] : placement.headers) {
        injection.headers.emplace_back(name, std::string(value.Reveal()));
        injection.secrets.emplace_back(value.Reveal());
    }
    for (const auto& [name, value] : placement.query) {
        injection.query.emplace_back(name, std::string(value.Reveal()));
        injection.secrets.emplace_back(value.Reveal());
    }
    if (placement.basic) {
        const SecretString pair(std::string(placement.basic->first.Reveal()) + ":" +
                                std::string(placement.basic->second.Reveal()));
        const std::string encoded = crypto::Base64Encode(pair.Reveal());
        injection.headers.emplace_back("Authorization", "Basic " + encoded);
        injection.secrets.emplace_back(encoded);
    }
    for (const auto& value : placement.values) {
        injection.secrets.emplace_back(value.Reveal());
    }
    return injection;
}

}  // namespace junction::service
