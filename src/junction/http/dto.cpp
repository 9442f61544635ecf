#include "junction/http/dto.hpp"

namespace junction::http {
namespace {

boost::json::value OptionalTime(const std::optional<TimePoint>& time) {
    if (!time) {
        return nullptr;
    }
    return boost::json::string(FormatTimestamp(*time));
}

}  // namespace

boost::json::object UserToJson(const storage::UserRow& user) {
    return boost::json::object{{"userId", user.id},
                               {"username", user.username},
                               {"fullName", user.full_name},
                               {"createdAt", FormatTimestamp(user.created_at)},
                               {"updatedAt", FormatTimestamp(user.updated_at)}};
}

boost::json::object ApiKeyToJson(const storage::ApiKeyRow& key) {
    return boost::json::object{{"apiKeyId", key.id},
                               {"name", key.name},
                               {"role", key.role},
                               {"ownerUserId", key.owner_user_id},
                               {"prefix", key.prefix},
                               {"createdAt", FormatTimestamp(key.created_at)},
                               {"expiresAt", OptionalTime(key.expires_at)},
                               {"lastUsedAt", OptionalTime(key.last_used_at)}};
}

}  // namespace junction::http
