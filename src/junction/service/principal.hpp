#pragma once

#include <string>

namespace junction::service {

enum class Role { kAdmin, kUser };

/// Who is calling: the authenticated API key and its owner.
struct Principal {
    std::string api_key_id;
    Role role = Role::kUser;
    std::string owner_user_id;
    std::string owner_username;

    [[nodiscard]] bool IsAdmin() const { return role == Role::kAdmin; }
    /// The key used for per-caller rate limits.
    [[nodiscard]] std::string RateLimitKey() const { return "api:" + api_key_id; }
};

[[nodiscard]] inline const char* RoleName(Role role) {
    return role == Role::kAdmin ? "admin" : "user";
}

}  // namespace junction::service
