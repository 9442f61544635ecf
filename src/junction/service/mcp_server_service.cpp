#include "junction/service/mcp_server_service.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <utility>

#include <boost/json/serialize.hpp>

#include "junction/crypto/hash.hpp"
#include "junction/json/fields.hpp"
#include "junction/service/restrictions_memo.hpp"

namespace junction::service {
namespace {

constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxTextLength = 10'000;
constexpr std::size_t kMaxSlugLength = 60;
constexpr std::int64_t kMinTokenDays = 1;
constexpr std::int64_t kMaxTokenDays = 365;
// A new id collides only with a server of the same slug (32 random bits); a few tries suffice.
constexpr int kIdAttempts = 4;

constexpr std::string_view kInvalidToken = "Invalid or expired access token";

bool IsAsciiAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ^[A-Za-z0-9]([A-Za-z0-9 _-]*[A-Za-z0-9])?$ (API.md §3.8), without std::regex.
bool IsServerName(std::string_view name) {
    if (name.empty() || !IsAsciiAlnum(name.front()) || !IsAsciiAlnum(name.back())) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return IsAsciiAlnum(c) || c == ' ' || c == '_' || c == '-';
    });
}

std::string NameKey(std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return key;
}

std::string RandomHex(Rng& rng, std::size_t bytes) {
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::vector<std::uint8_t> raw(bytes);
    rng.Fill(raw);
    std::string hex;
    hex.reserve(bytes * 2);
    for (const std::uint8_t byte : raw) {
        hex += kDigits[byte >> 4U];
        hex += kDigits[byte & 0x0FU];
    }
    return hex;
}

/// The fields of a create or update request, validated; absent fields stay nullopt.
struct ServerInput {
    std::optional<std::string> name{};
    std::optional<std::string> description{};
    std::optional<std::string> custom_instructions{};
    std::optional<bool> is_public{};
    std::optional<std::optional<std::int64_t>> token_expires_in_days{};
    std::optional<ServerRestrictions> restrictions{};
};

void ReadName(json::FieldReader& reader, bool required, ServerInput& input) {
    const json::StringRule rule{.min_length = 1, .max_length = kMaxNameLength};
    input.name =
        required ? reader.RequiredString("name", rule) : reader.OptionalString("name", rule);
    if (input.name && !IsServerName(*input.name)) {
        reader.AddError("name",
                        "must contain only letters, digits, spaces, '-' and '_', and start and "
                        "end with a letter or digit");
        input.name.reset();
    }
}

// tokenExpiresInDays: an integer 1–365; null or absent means the token never expires.
std::optional<std::int64_t> ReadTokenDays(json::FieldReader& reader,
                                          const boost::json::object& body) {
    const auto* value = body.if_contains("tokenExpiresInDays");
    if (value == nullptr || value->is_null()) {
        return std::nullopt;
    }
    std::optional<std::int64_t> days;
    if (value->is_int64()) {
        days = value->as_int64();
    } else if (value->is_uint64() &&
               value->as_uint64() <= static_cast<std::uint64_t>(kMaxTokenDays)) {
        days = static_cast<std::int64_t>(value->as_uint64());
    }
    if (!days || *days < kMinTokenDays || *days > kMaxTokenDays) {
        reader.AddError("tokenExpiresInDays", "must be an integer from 1 to 365");
        return std::nullopt;
    }
    return days;
}

// Reads every field a create (`creating`) or update request may carry, collecting all problems.
Result<ServerInput> ReadInput(const boost::json::object& body,
                              const connectors::Catalog& catalog,
                              bool creating) {
    json::FieldReader reader(body);
    ServerInput input;
    ReadName(reader, creating, input);
    const json::StringRule text{.min_length = 0, .max_length = kMaxTextLength};
    input.description = reader.OptionalString("description", text);
    input.custom_instructions = reader.OptionalString("customInstructions", text);
    // The only documented mode; it is accepted (and changes nothing) on update too.
    (void)reader.OptionalEnum("mode", {"connectivity"});
    if (const auto* is_public = body.if_contains("isPublic"); is_public != nullptr) {
        if (is_public->is_bool()) {
            input.is_public = is_public->as_bool();
        } else {
            reader.AddError("isPublic", "must be a boolean");
        }
    }
    if (body.contains("tokenExpiresInDays")) {
        if (creating) {
            input.token_expires_in_days = ReadTokenDays(reader, body);
        } else {
            reader.AddError("tokenExpiresInDays",
                            "cannot be changed on update; set it when rotating the token");
        }
    }
    Error error = reader.ToError();
    if (const auto* restrictions = body.if_contains("restrictions"); restrictions != nullptr) {
        auto parsed = ServerRestrictions::Parse(*restrictions, catalog);
        if (parsed) {
            input.restrictions = std::move(*parsed);
        } else {
            for (auto& field : parsed.error().fields) {
                error.fields.push_back(std::move(field));
            }
            if (const auto* unknown = parsed.error().extra.if_contains("unknown")) {
                error.extra["unknown"] = *unknown;
                error.message = parsed.error().message;
            }
        }
    }
    if (!error.fields.empty()) {
        return Fail(std::move(error));
    }
    return input;
}

// Public servers and users restrictions decide who a token URL may act for; a non-admin
// may keep them as an admin set them but not set or change them (issue 18).
Result<void> CheckAdminOnlyFields(const Principal& caller,
                                  const ServerInput& input,
                                  bool was_public,
                                  const RestrictionList& users_before) {
    if (caller.IsAdmin()) {
        return Ok();
    }
    if (input.is_public && *input.is_public && !was_public) {
        return Fail(ErrorCode::kPermissionDenied, "Only an admin API key may make a server public");
    }
    if (input.restrictions && input.restrictions->Users() != users_before) {
        return Fail(ErrorCode::kPermissionDenied,
                    "Only an admin API key may set or change a server's users restriction");
    }
    return Ok();
}

}  // namespace

std::string ServerSlug(std::string_view name) {
    std::string slug;
    bool pending_dash = false;
    for (const char c : name) {
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) {
            if (pending_dash && !slug.empty()) {
                slug += '-';
            }
            pending_dash = false;
            slug += lower;
        } else {
            pending_dash = true;
        }
    }
    // Leading dashes never get in and trailing ones are never written; cutting may end on one.
    if (slug.size() > kMaxSlugLength) {
        slug.resize(kMaxSlugLength);
    }
    while (!slug.empty() && slug.back() == '-') {
        slug.pop_back();
    }
    return slug;
}

McpServerService::McpServerService(storage::Store& store,
                                   const connectors::Catalog& catalog,
                                   const Clock& clock,
                                   Rng& rng,
                                   const Config& config)
    : store_(store),
      catalog_(catalog),
      clock_(clock),
      rng_(rng),
      config_(config),
      restrictions_memo_(std::make_unique<RestrictionsMemo>()) {}

McpServerService::~McpServerService() = default;

void McpServerService::SetChangeListener(ServerChangeListener* listener) {
    listener_ = listener;
}

void McpServerService::NotifyClosed(std::string_view server_id) {
    if (listener_ != nullptr) {
        listener_->OnServerClosed(server_id);
    }
}

std::string McpServerService::Url(std::string_view server_id) const {
    return config_.public_url + "/mcp/" + std::string(server_id);
}

boost::json::object McpServerService::ToJson(const storage::McpServerRow& row) const {
    // The stored text is what Normalized() wrote; an unreadable one shows as no restrictions
    // here, while AuthenticateToken and Authorize refuse such a server (kInternal).
    auto restrictions = ServerRestrictions::FromStored(row.restrictions);
    const ServerRestrictions parsed =
        restrictions ? std::move(*restrictions) : ServerRestrictions{};
    boost::json::object object{{"serverId", row.id},
                               {"name", row.name},
                               {"description", row.description},
                               {"customInstructions", row.custom_instructions},
                               {"mode", row.mode},
                               {"isPublic", row.is_public},
                               {"ownerUserId", row.owner_user_id},
                               {"url", Url(row.id)},
                               {"restrictions", parsed.Normalized()},
                               {"hasRestrictions", parsed.HasRestrictions()},
                               {"createdAt", FormatTimestamp(row.created_at)},
                               {"updatedAt", FormatTimestamp(row.updated_at)}};
    object["tokenExpiresInDays"] = row.token_expires_in_days
                                       ? boost::json::value(*row.token_expires_in_days)
                                       : boost::json::value(nullptr);
    object["tokenExpiresAt"] = row.token_expires_at
                                   ? boost::json::value(FormatTimestamp(*row.token_expires_at))
                                   : boost::json::value(nullptr);
    return object;
}

boost::json::object McpServerService::WithToken(const storage::McpServerRow& row,
                                                const std::string& token) const {
    auto object = ToJson(row);
    object["accessToken"] = token;
    object["accessUrl"] = Url(row.id) + "/" + token;
    return object;
}

std::string McpServerService::IssueToken(storage::McpServerRow& row,
                                         std::optional<std::int64_t> days) {
    std::string token = crypto::GenerateToken(rng_, "mcp_");
    row.token_hash = crypto::Sha256Hex(token);
    row.token_expires_in_days = days;
    row.token_expires_at.reset();
    if (days) {
        row.token_expires_at = row.updated_at + std::chrono::days(*days);
    }
    return token;
}

Result<boost::json::object> McpServerService::Create(const Principal& caller,
                                                     const storage::UserRow& owner,
                                                     const boost::json::object& body) {
    auto input = ReadInput(body, catalog_, true);
    if (!input) {
        return Fail(std::move(input.error()));
    }
    if (auto allowed = CheckAdminOnlyFields(caller, *input, false, RestrictionList{}); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    const TimePoint now = clock_.Now();
    const ServerRestrictions restrictions = input->restrictions.value_or(ServerRestrictions{});
    storage::McpServerRow row{.owner_user_id = owner.id,
                              .name = *input->name,
                              .name_key = NameKey(*input->name),
                              .description = input->description.value_or(""),
                              .custom_instructions = input->custom_instructions.value_or(""),
                              .mode = "connectivity",
                              .is_public = input->is_public.value_or(false),
                              .restrictions = boost::json::serialize(restrictions.Normalized()),
                              .created_at = now,
                              .updated_at = now};
    const std::string token = IssueToken(row, input->token_expires_in_days.value_or(std::nullopt));
    std::string slug = ServerSlug(row.name);
    if (slug.empty()) {
        slug = "server";
    }
    for (int attempt = 1;; ++attempt) {
        row.id = slug + "-" + RandomHex(rng_, 4);
        auto created = store_.CreateMcpServer(row);
        if (created) {
            break;
        }
        const auto* field = created.error().extra.if_contains("field");
        const bool id_taken = created.error().code == ErrorCode::kAlreadyExists &&
                              field != nullptr && field->is_string() &&
                              field->as_string() == "serverId";
        if (!id_taken || attempt == kIdAttempts) {
            return Fail(std::move(created.error()));
        }
    }
    return WithToken(row, token);
}

Result<McpServerPage> McpServerService::List(const storage::UserRow& owner,
                                             const storage::PageRequest& page) {
    auto rows = store_.ListMcpServers(owner.id, page);
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    McpServerPage result{.total = rows->total};
    for (const auto& row : rows->items) {
        result.servers.emplace_back(ToJson(row));
    }
    return result;
}

Result<storage::McpServerRow> McpServerService::Owned(const storage::UserRow& user,
                                                      std::string_view server_id) {
    auto row = store_.FindMcpServer(server_id);
    if (!row) {
        return row;
    }
    if (row->owner_user_id != user.id) {
        return Fail(ErrorCode::kPermissionDenied,
                    "Server '" + std::string(server_id) + "' belongs to another user");
    }
    return row;
}

Result<boost::json::object> McpServerService::Get(const storage::UserRow& user,
                                                  std::string_view server_id) {
    auto row = Owned(user, server_id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    return ToJson(*row);
}

Result<boost::json::object> McpServerService::Update(const Principal& caller,
                                                     const storage::UserRow& user,
                                                     std::string_view server_id,
                                                     const boost::json::object& body) {
    static constexpr std::array kUpdatable{
        "name",
        "description",
        "customInstructions",
        "isPublic",
        "restrictions",
        "mode",
        "tokenExpiresInDays"};  // the last two only to be accepted (mode) or refused
    if (std::none_of(kUpdatable.begin(), kUpdatable.end(), [&](const char* key) {
            return body.contains(key);
        })) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Request body must contain at least one field to update");
    }
    auto input = ReadInput(body, catalog_, false);
    if (!input) {
        return Fail(std::move(input.error()));
    }
    auto row = Owned(user, server_id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    auto before = ServerRestrictions::FromStored(row->restrictions);
    if (!before) {
        return Fail(std::move(before.error()));
    }
    if (auto allowed = CheckAdminOnlyFields(caller, *input, row->is_public, before->Users());
        !allowed) {
        return Fail(std::move(allowed.error()));
    }
    if (input->name) {
        row->name = *input->name;
        row->name_key = NameKey(*input->name);
    }
    if (input->description) {
        row->description = *input->description;
    }
    if (input->custom_instructions) {
        row->custom_instructions = *input->custom_instructions;
    }
    if (input->is_public) {
        row->is_public = *input->is_public;
    }
    if (input->restrictions) {
        // Replaced whole (API.md §3.8); `null` parsed as no restrictions.
        row->restrictions = boost::json::serialize(input->restrictions->Normalized());
    }
    row->updated_at = clock_.Now();
    if (auto updated = store_.UpdateMcpServer(*row); !updated) {
        return Fail(std::move(updated.error()));
    }
    if (listener_ != nullptr) {
        listener_->OnServerChanged(row->id);
    }
    return ToJson(*row);
}

Result<boost::json::object> McpServerService::Delete(const storage::UserRow& user,
                                                     std::string_view server_id) {
    auto row = Owned(user, server_id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    if (auto deleted = store_.DeleteMcpServer(row->id); !deleted) {
        return Fail(std::move(deleted.error()));
    }
    NotifyClosed(row->id);
    return boost::json::object{{"message", "Server deleted"}, {"serverId", row->id}};
}

Result<boost::json::object> McpServerService::RotateToken(const storage::UserRow& user,
                                                          std::string_view server_id,
                                                          const boost::json::object& body) {
    json::FieldReader reader(body);
    const auto days = ReadTokenDays(reader, body);
    if (!reader.Ok()) {
        return Fail(reader.ToError());
    }
    auto row = Owned(user, server_id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    row->updated_at = clock_.Now();
    const std::string token = IssueToken(*row, days);
    if (auto rotated = store_.RotateMcpServerToken(*row); !rotated) {
        return Fail(std::move(rotated.error()));
    }
    NotifyClosed(row->id);
    return WithToken(*row, token);
}

Result<McpServerContext> McpServerService::AuthenticateToken(std::string_view server_id,
                                                             std::string_view access_token) {
    auto row = store_.FindMcpServer(server_id);
    if (!row) {
        if (row.error().code == ErrorCode::kNotFound) {
            return Fail(ErrorCode::kUnauthenticated, std::string(kInvalidToken));
        }
        return Fail(std::move(row.error()));
    }
    const bool matches =
        crypto::ConstantTimeEquals(crypto::Sha256Hex(access_token), row->token_hash);
    const bool expired = row->token_expires_at && clock_.Now() >= *row->token_expires_at;
    if (!matches || expired) {
        return Fail(ErrorCode::kUnauthenticated, std::string(kInvalidToken));
    }
    return WithRestrictions(std::move(*row));
}

Result<McpServerContext> McpServerService::Authorize(const Principal& principal,
                                                     std::string_view server_id) {
    auto row = store_.FindMcpServer(server_id);
    if (!row) {
        return Fail(std::move(row.error()));
    }
    if (!principal.IsAdmin() && row->owner_user_id != principal.owner_user_id && !row->is_public) {
        return Fail(ErrorCode::kPermissionDenied,
                    "Server '" + std::string(server_id) + "' belongs to another user");
    }
    return WithRestrictions(std::move(*row));
}

Result<McpServerContext> McpServerService::WithRestrictions(storage::McpServerRow row) {
    auto restrictions = restrictions_memo_->Get(row.id, row.restrictions);
    if (!restrictions) {
        return Fail(std::move(restrictions.error()));
    }
    return McpServerContext{.row = std::move(row), .restrictions = std::move(*restrictions)};
}

}  // namespace junction::service
