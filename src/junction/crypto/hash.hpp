#pragma once

#include <cstddef>
#include <memory>
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

/// HKDF-SHA-256 (RFC 5869) of `key` with an empty salt and `label` as the info: `length`
/// bytes of a subkey for one purpose (e.g. the file-URL signing key, API.md §3.5).
[[nodiscard]] std::string HkdfSha256(std::string_view key,
                                     std::string_view label,
                                     std::size_t length);

/// MD5 digest as 16 raw bytes. MD5 only checks transfers (S3's `Content-MD5`); never use it
/// for security.
[[nodiscard]] std::string Md5(std::string_view data);

/// An MD5 computed piece by piece, for bodies that never sit in memory whole. Move-only.
class Md5Hasher {
public:
    Md5Hasher();
    Md5Hasher(const Md5Hasher&) = delete;
    Md5Hasher& operator=(const Md5Hasher&) = delete;
    Md5Hasher(Md5Hasher&& other) noexcept;
    Md5Hasher& operator=(Md5Hasher&& other) noexcept;
    ~Md5Hasher();

    void Update(std::string_view data);
    /// The 16-byte digest of everything passed to Update; the hasher starts over afterwards.
    [[nodiscard]] std::string Finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Compares in time independent of where the inputs differ (lengths may leak).
[[nodiscard]] bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

/// A bearer secret: `prefix` + base64url of `bytes` random bytes (API keys: `jk_` + 43 chars).
[[nodiscard]] std::string GenerateToken(Rng& rng, std::string_view prefix, std::size_t bytes = 32);

}  // namespace junction::crypto
