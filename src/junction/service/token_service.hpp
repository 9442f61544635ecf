#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/core/secret_string.hpp"

namespace junction::service {

/// What a verified user token says.
struct TokenClaims {
    std::string subject;  // userId
    TimePoint issued_at{};
    TimePoint expires_at{};
};

struct IssuedToken {
    std::string token;
    TimePoint expires_at{};
};

/// HS256 user JWTs (API.md §1.1): claims sub (24-hex userId), iss, iat, exp; lifetime at most
/// 30 days; 60 s clock skew. Thread-safe after construction.
class TokenService {
public:
    static constexpr auto kMaxLifetime = std::chrono::hours(24 * 30);
    static constexpr auto kClockSkew = std::chrono::seconds(60);

    /// REQUIRES: secret of at least 32 bytes.
    TokenService(SecretString secret, std::string issuer, const Clock& clock);

    [[nodiscard]] IssuedToken Issue(std::string_view user_id, std::chrono::seconds lifetime) const;

    /// kUnauthenticated ("Invalid or missing authentication", reason in `detail`) for a
    /// malformed token, another algorithm (including `none`), a bad signature, a wrong issuer,
    /// a missing or malformed claim, an expired token or a lifetime over 30 days.
    [[nodiscard]] Result<TokenClaims> Verify(std::string_view token) const;

private:
    SecretString secret_;
    std::string issuer_;
    const Clock& clock_;
};

/// The settings row holding the generated JWT secret, sealed with the master key, and the AAD
/// binding it there (used when JUNCTION_JWT_SECRET is unset).
inline constexpr std::string_view kJwtSecretSetting = "jwt_secret";
inline constexpr std::string_view kJwtSecretAad = "junction/v1/settings/jwt_secret/value";

/// A bearer value that is a JWT: three base64url segments, the first starting `eyJ`.
[[nodiscard]] bool LooksLikeJwt(std::string_view value);

}  // namespace junction::service
