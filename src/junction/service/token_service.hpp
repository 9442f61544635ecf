#pragma once

#include <chrono>
#include <cstdint>
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
    std::int64_t epoch = 0;  // the user's token epoch at issue (0 when the claim is absent)
};

struct IssuedToken {
    std::string token;
    TimePoint expires_at{};
};

/// HS256 user JWTs (API.md §1.1): claims sub (24-hex userId), iss, iat, exp, and `epoch` (the
/// user's token epoch, written only when above 0); lifetime at most 30 days; 60 s clock skew.
/// Thread-safe after construction.
class TokenService {
public:
    static constexpr auto kMaxLifetime = std::chrono::hours(24 * 30);
    static constexpr auto kClockSkew = std::chrono::seconds(60);

    /// REQUIRES: secret of at least 32 bytes.
    TokenService(SecretString secret, std::string issuer, const Clock& clock);

    /// `epoch`: the user's current token epoch (UserRow::token_epoch); AuthService refuses the
    /// token once the user's epoch has moved past it.
    [[nodiscard]] IssuedToken Issue(std::string_view user_id,
                                    std::chrono::seconds lifetime,
                                    std::int64_t epoch) const;

    /// kUnauthenticated ("Invalid or missing authentication", reason in `detail`) for a
    /// malformed token, another algorithm (including `none`), a bad signature, a wrong issuer,
    /// a missing or malformed claim (`epoch`, when present, must be an integer >= 0), an expired
    /// token or a lifetime over 30 days. The epoch is not checked here (it needs the user row).
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
