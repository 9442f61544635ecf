#include "junction/service/api_key_service.hpp"

#include <cctype>
#include <utility>

#include "junction/crypto/hash.hpp"
#include "junction/service/user_service.hpp"

namespace junction::service {
namespace {

constexpr std::string_view kKeyPrefix = "jk_";
constexpr std::size_t kMinBootstrapKeyLength = 32;

}  // namespace

std::string KeyDisplayPrefix(std::string_view key) {
    if (key.starts_with(kKeyPrefix)) {
        key.remove_prefix(kKeyPrefix.size());
    }
    return std::string(key.substr(0, 8));
}

ApiKeyService::ApiKeyService(storage::Store& store,
                             const Clock& clock,
                             Rng& rng,
                             ObjectIdGenerator& ids)
    : store_(store), clock_(clock), rng_(rng), ids_(ids) {}

storage::ApiKeyRow ApiKeyService::NewRow(std::string name,
                                         Role role,
                                         std::string owner_user_id,
                                         std::string_view key,
                                         std::optional<TimePoint> expires_at) {
    return storage::ApiKeyRow{.id = ids_.Next(),
                              .name = std::move(name),
                              .role = RoleName(role),
                              .owner_user_id = std::move(owner_user_id),
                              .key_hash = crypto::Sha256Hex(key),
                              .prefix = KeyDisplayPrefix(key),
                              .created_at = clock_.Now(),
                              .expires_at = expires_at};
}

storage::UserRow ApiKeyService::NewAdminUser(const std::string& username) {
    const TimePoint now = clock_.Now();
    return storage::UserRow{
        .id = ids_.Next(), .username = username, .created_at = now, .updated_at = now};
}

Result<CreatedApiKey> ApiKeyService::Create(const Principal& caller, const NewApiKey& request) {
    if (auto allowed = RequireAdmin(caller); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    if (request.expires_at && *request.expires_at <= clock_.Now()) {
        return FailField("expiresAt", "must be in the future");
    }
    const std::string owner = request.owner_user_id.value_or(caller.owner_user_id);
    if (auto found = store_.FindUserById(owner); !found) {
        return Fail(std::move(found.error()));
    }
    SecretString key(crypto::GenerateToken(rng_, kKeyPrefix));
    storage::ApiKeyRow row =
        NewRow(request.name, request.role, owner, key.Reveal(), request.expires_at);
    if (auto stored = store_.CreateApiKey(row); !stored) {
        return Fail(std::move(stored.error()));
    }
    return CreatedApiKey{.row = std::move(row), .key = std::move(key)};
}

Result<storage::Page<storage::ApiKeyRow>> ApiKeyService::List(const Principal& caller,
                                                              const storage::PageRequest& page) {
    if (auto allowed = RequireAdmin(caller); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    return store_.ListApiKeys(page);
}

Result<void> ApiKeyService::Revoke(const Principal& caller, std::string_view api_key_id) {
    if (auto allowed = RequireAdmin(caller); !allowed) {
        return allowed;
    }
    return store_.RevokeApiKey(api_key_id, clock_.Now());
}

Result<CreatedApiKey> ApiKeyService::CreateForOperator(std::string name,
                                                       Role role,
                                                       const std::string& owner_username) {
    auto owner = store_.FindUserByUsername(owner_username);
    if (!owner) {
        if (owner.error().code != ErrorCode::kNotFound) {
            return Fail(std::move(owner.error()));
        }
        auto users = store_.CountUsers();
        if (!users) {
            return Fail(std::move(users.error()));
        }
        if (*users > 0) {
            return Fail(std::move(owner.error()));
        }
        storage::UserRow created = NewAdminUser(owner_username);
        if (auto stored = store_.CreateUser(created); !stored) {
            return Fail(std::move(stored.error()));
        }
        owner = std::move(created);
    }
    SecretString key(crypto::GenerateToken(rng_, kKeyPrefix));
    storage::ApiKeyRow row = NewRow(std::move(name), role, owner->id, key.Reveal(), std::nullopt);
    if (auto stored = store_.CreateApiKey(row); !stored) {
        return Fail(std::move(stored.error()));
    }
    return CreatedApiKey{.row = std::move(row), .key = std::move(key)};
}

Result<storage::Page<storage::ApiKeyRow>> ApiKeyService::ListForOperator() {
    return store_.ListApiKeys(storage::PageRequest{.limit = 1000, .offset = 0});
}

Result<void> ApiKeyService::RevokeForOperator(std::string_view api_key_id) {
    return store_.RevokeApiKey(api_key_id, clock_.Now());
}

Result<bool> ApiKeyService::BootstrapFromEnvironment(const SecretString& key) {
    const std::string_view value = key.Reveal();
    bool well_formed = value.size() >= kMinBootstrapKeyLength;
    for (const char c : value) {
        well_formed = well_formed &&
                      (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-');
    }
    if (!well_formed) {
        return Fail(ErrorCode::kInvalidArgument,
                    "JUNCTION_BOOTSTRAP_API_KEY must be at least 32 characters of [A-Za-z0-9_-]");
    }
    return store_.BootstrapAdminKey(NewAdminUser("admin"),
                                    NewRow("bootstrap", Role::kAdmin, "", value, std::nullopt),
                                    clock_.Now());
}

Result<std::optional<CreatedApiKey>> ApiKeyService::BootstrapFirstStart() {
    SecretString key(crypto::GenerateToken(rng_, kKeyPrefix));
    storage::ApiKeyRow row = NewRow("bootstrap", Role::kAdmin, "", key.Reveal(), std::nullopt);
    auto created = store_.BootstrapAdminKey(NewAdminUser("admin"), row, clock_.Now());
    if (!created) {
        return Fail(std::move(created.error()));
    }
    if (!*created) {
        return std::optional<CreatedApiKey>{};
    }
    return std::optional<CreatedApiKey>(
        CreatedApiKey{.row = std::move(row), .key = std::move(key)});
}

}  // namespace junction::service
