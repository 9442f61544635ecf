#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "junction/core/clock.hpp"

namespace junction::storage {

/// users table. Plain data; the storage layer never sees plaintext secrets.
struct UserRow {
    std::string id{};
    std::string username{};
    std::string full_name{};
    TimePoint created_at{};
    TimePoint updated_at{};
};

/// api_keys table. `key_hash` is the SHA-256 hex of the key; the key itself is never stored.
struct ApiKeyRow {
    std::string id{};
    std::string name{};
    std::string role;  // "admin" | "user"
    std::string owner_user_id{};
    std::string key_hash{};
    std::string prefix{};
    TimePoint created_at{};
    std::optional<TimePoint> expires_at{};
    std::optional<TimePoint> last_used_at{};
    std::optional<TimePoint> revoked_at{};
};

/// credentials table. `secret` is the sealed (encrypted, base64) credential data.
struct CredentialRow {
    std::string id{};
    std::string user_id{};
    std::string connector_id{};
    std::string authentication_type{};
    std::string name{};
    std::string status{"active"};
    std::string secret{};
    std::uint32_t key_id = 0;
    TimePoint created_at{};
    TimePoint updated_at{};
};

/// limit/offset of a list request (API.md §1.5).
struct PageRequest {
    std::size_t limit = 1000;
    std::size_t offset = 0;
};

template <class T>
struct Page {
    std::vector<T> items{};
    std::int64_t total = 0;
};

/// Hits in the current fixed window and in the one before it (sliding-window estimate).
struct WindowCounts {
    std::int64_t current = 0;
    std::int64_t previous = 0;
};

}  // namespace junction::storage
