#pragma once

#include <string>
#include <string_view>

#include "junction/core/rng.hpp"

namespace junction::crypto {

/// SHA-256 digest as 32 raw bytes (e.g. for a PKCE S256 challenge).
[[nodiscard]] std::string Sha256(std::string_view data);
/// SHA-256 digest as 64 lowercase hex characters.
[[nodiscard]] std::string Sha256Hex(std::string_view data);

/// HMAC-SHA-256 of `data` under `key`, as 32 raw bytes.
[[nodiscard]] std::string HmacSha256(std::string_view key, std::string_view data);

/// Compares in time independent of where the inputs differ (lengths may leak).
[[nodiscard]] bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

/// A bearer secret: `prefix` + base64url of `bytes` random bytes (API keys: `jk_` + 43 chars).
[[nodiscard]] std::string GenerateToken(Rng& rng, std::string_view prefix, std::size_t bytes = 32);

}  // namespace junction::crypto
