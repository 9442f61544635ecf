#include "junction/service/auth_service.hpp"

#include <algorithm>
#include <cctype>

#include "junction/core/ascii.hpp"
#include "junction/core/ids.hpp"
#include "junction/crypto/hash.hpp"

namespace junction::service {
namespace {

constexpr std::string_view kUnauthenticatedMessage = "Invalid or missing authentication";
constexpr auto kLastUsedGranularity = std::chrono::minutes(1);

// Alloy's rule for keys: at least 16 characters of [A-Za-z0-9_-].
bool LooksLikeApiKey(std::string_view token) {
    if (token.size() < 16 || token.size() > 512) {
        return false;
    }
    return std::all_of(token.begin(), token.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
}

}  // namespace

AuthService::AuthService(storage::Store& store, const Clock& clock, const TokenService& tokens)
    : store_(store), clock_(clock), tokens_(tokens) {}

Result<Principal> AuthService::Authenticate(std::optional<std::string_view> authorization,
                                            std::optional<std::string_view> user_token) {
    std::optional<Principal> token_principal;
    if (user_token) {
        auto principal = FromUserToken(*user_token);
        if (!principal) {
            return principal;
        }
        token_principal = std::move(*principal);
    }
    if (!authorization) {
        if (token_principal) {
            return std::move(*token_principal);
        }
        return Fail(ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage));
    }
    const std::string_view value = *authorization;
    const std::size_t space = value.find(' ');
    if (space == std::string_view::npos || !AsciiIEquals(value.substr(0, space), "bearer")) {
        return Fail(ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage));
    }
    std::string_view token = value.substr(space + 1);
    while (!token.empty() && token.front() == ' ') {
        token.remove_prefix(1);
    }
    if (LooksLikeJwt(token)) {
        auto principal = FromUserToken(token);
        if (!principal) {
            return principal;
        }
        if (token_principal && token_principal->owner_user_id != principal->owner_user_id) {
            return Fail(ErrorCode::kPermissionDenied, "The two user tokens name different users");
        }
        return principal;
    }
    auto key_principal = FromApiKey(token);
    if (!key_principal || !token_principal) {
        return key_principal;
    }
    // Both valid: the user token decides who the request acts for (API.md §1.1).
    return std::move(*token_principal);
}

Result<Principal> AuthService::FromUserToken(std::string_view token) {
    auto claims = tokens_.Verify(token);
    if (!claims) {
        return Fail(std::move(claims.error()));
    }
    auto user = store_.FindUserById(claims->subject);
    if (!user) {
        if (user.error().code == ErrorCode::kNotFound) {
            return Fail(ErrorCode::kUnauthenticated,
                        std::string(kUnauthenticatedMessage),
                        "token user no longer exists");
        }
        return Fail(std::move(user.error()));
    }
    // A newer epoch in the token is fine: another node may have minted it after a revoke that
    // this node's user cache has not seen yet.
    if (claims->epoch < user->token_epoch) {
        return Fail(ErrorCode::kUnauthenticated,
                    std::string(kUnauthenticatedMessage),
                    "token revoked (epoch)");
    }
    return Principal{.via_user_token = true,
                     .role = Role::kUser,
                     .owner_user_id = user->id,
                     .owner_username = user->username};
}

Result<Principal> AuthService::FromApiKey(std::string_view token) {
    if (!LooksLikeApiKey(token)) {
        return Fail(ErrorCode::kUnauthenticated,
                    std::string(kUnauthenticatedMessage),
                    "malformed bearer token");
    }
    auto key = store_.FindApiKeyByHash(crypto::Sha256Hex(token));
    if (!key) {
        if (key.error().code == ErrorCode::kNotFound) {
            return Fail(
                ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage), "unknown key");
        }
        return Fail(std::move(key.error()));
    }
    const TimePoint now = clock_.Now();
    if (key->revoked_at) {
        return Fail(
            ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage), "revoked key");
    }
    if (key->expires_at && *key->expires_at <= now) {
        return Fail(
            ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage), "expired key");
    }
    if (!key->last_used_at || now - *key->last_used_at >= kLastUsedGranularity) {
        // Best effort: a failed bookkeeping write must not fail the request.
        (void)store_.TouchApiKey(key->id, now);
    }
    auto owner = store_.FindUserById(key->owner_user_id);
    if (!owner) {
        return Fail(ErrorCode::kUnauthenticated, std::string(kUnauthenticatedMessage), "no owner");
    }
    return Principal{.api_key_id = key->id,
                     .role = key->role == "admin" ? Role::kAdmin : Role::kUser,
                     .owner_user_id = owner->id,
                     .owner_username = owner->username};
}

Result<storage::UserRow> AuthService::ResolveEffectiveUser(
    const Principal& principal, std::optional<std::string_view> user_override) {
    if (!user_override || user_override->empty()) {
        return store_.FindUserById(principal.owner_user_id);
    }
    return ResolveUserFor(principal,
                          store_,
                          *user_override,
                          "This credential may not act for another user (x-alloy-userid)");
}

Result<storage::UserRow> FindUserByReference(storage::UserStore& users,
                                             std::string_view reference) {
    if (IsObjectId(reference)) {
        auto by_id = users.FindUserById(reference);
        if (by_id || by_id.error().code != ErrorCode::kNotFound) {
            return by_id;
        }
    }
    return users.FindUserByUsername(reference);
}

Result<storage::UserRow> ResolveUserFor(const Principal& caller,
                                        storage::UserStore& users,
                                        std::string_view reference,
                                        std::string_view denied_message) {
    auto user = FindUserByReference(users, reference);
    if (caller.IsAdmin()) {
        return user;
    }
    if (!user && user.error().code != ErrorCode::kNotFound) {
        return user;  // the store failed: say so rather than "denied"
    }
    // Authorize on the resolved id, never on the reference's text: a username may equal
    // another user's id (issue 18), and a non-admin learns nothing about other users, not even
    // whether they exist.
    if (!user || user->id != caller.owner_user_id) {
        return Fail(ErrorCode::kPermissionDenied, std::string(denied_message));
    }
    return user;
}

Result<void> CheckUsername(std::string_view username) {
    if (IsObjectId(username)) {
        Error error{.code = ErrorCode::kInvalidArgument,
                    .message = "A username may not look like a user id (24 hex digits)"};
        error.fields.push_back(
            {.field = "username", .message = "must not be 24 lowercase hex digits"});
        return Fail(std::move(error));
    }
    return Ok();
}

}  // namespace junction::service
