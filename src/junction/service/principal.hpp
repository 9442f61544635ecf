#pragma once

#include <string>

namespace junction::service {

enum class Role { kAdmin, kUser };

/// Who is calling: an API key and its owner, or a user token (JWT) and its subject.
struct Principal {
    std::string api_key_id{};  // empty for a user token
    bool via_user_token = false;
    Role role = Role::kUser;
    std::string owner_user_id{};
    std::string owner_username{};

    [[nodiscard]] bool IsAdmin() const { return role == Role::kAdmin; }
    /// The key used for per-caller rate limits: the API key, or the token's user.
    [[nodiscard]] std::string RateLimitKey() const {
        return via_user_token ? "jwt:" + owner_user_id : "api:" + api_key_id;
    }
};

[[nodiscard]] inline const char* RoleName(Role role) {
    return role == Role::kAdmin ? "admin" : "user";
}

}  // namespace junction::service
