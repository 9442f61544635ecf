#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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
    // Every user JWT carries the epoch its user had when it was issued; a token whose epoch is
    // older than this is refused (UserStore::BumpTokenEpoch revokes all of a user's tokens).
    std::int64_t token_epoch = 0;
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

/// credentials table. `secret` is the sealed (encrypted, base64) credential data; for oauth2
/// it also holds the tokens. `version` grows with every secret update (optimistic refresh).
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
    std::optional<std::string> auth_config_id{};  // oauth2: the OAuth client it was issued to
    std::optional<TimePoint> token_expires_at{};  // oauth2: access token expiry, when known
    std::int64_t version = 1;
};

/// A new sealed secret for a credential, written only if the row is still at `expected_version`.
struct CredentialSecretUpdate {
    std::string credential_id{};
    std::int64_t expected_version = 0;
    std::string secret{};
    std::uint32_t key_id = 0;
    std::optional<TimePoint> token_expires_at{};
};

/// auth_configs table: an operator's OAuth client for one connector. `client_secret` is sealed;
/// `scopes` (JSON array) and `extra_authorization_params` (JSON object) are JSON text.
struct AuthConfigRow {
    std::string id{};
    std::string connector_id{};
    std::string name{};
    std::string client_id{};
    std::string client_secret{};
    std::uint32_t key_id = 0;
    std::string scopes{"[]"};
    std::string extra_authorization_params{"{}"};
    bool is_default = false;
    TimePoint created_at{};
    TimePoint updated_at{};
};

/// oauth_flows table: one pending browser flow (API.md §3.4). Only hashes of the one-time token
/// and of `state` are stored; `secret` is sealed (connector inputs and the PKCE verifier).
struct OAuthFlowRow {
    std::string id{};
    std::string token_hash{};
    std::optional<std::string> state_hash{};
    std::string user_id{};
    std::string connector_id{};
    std::string auth_config_id{};
    std::optional<std::string> redirect_uri{};
    std::optional<std::string> name{};
    std::string secret{};
    std::uint32_t key_id = 0;
    TimePoint created_at{};
    TimePoint expires_at{};  // of the one-time token
    std::optional<TimePoint> state_expires_at{};
};

/// What the authorize step binds to a flow when it consumes the one-time token.
struct OAuthFlowAuthorization {
    std::string token_hash{};
    std::string connector_id{};
    std::string user_id{};
    std::optional<std::string> redirect_uri{};  // must equal the bound one when given
    std::string state_hash{};
    TimePoint state_expires_at{};
    TimePoint now{};
};

/// mcp_servers table (API.md §3.8). `token_hash` is the SHA-256 hex of the access token (never
/// stored itself); `restrictions` is the normalized restrictions JSON object as text ("{}" when
/// none). `name_key` is the lowercased name: names are unique per owner case-insensitively.
struct McpServerRow {
    std::string id{};
    std::string owner_user_id{};
    std::string name{};
    std::string name_key{};
    std::string description{};
    std::string custom_instructions{};
    std::string mode{"connectivity"};
    bool is_public = false;
    std::string restrictions{"{}"};
    std::string token_hash{};
    std::optional<std::int64_t> token_expires_in_days{};
    std::optional<TimePoint> token_expires_at{};
    TimePoint created_at{};
    TimePoint updated_at{};
};

/// mcp_sessions table: one MCP session (API.md §4.1). `id_hash` is the SHA-256 hex of the
/// Mcp-Session-Id; a session is bound to its server, its access token (token URL) or principal
/// (API URL), and its effective user.
struct McpSessionRow {
    std::string id_hash{};
    std::string server_id{};
    std::string user_id{};
    std::string principal{};  // "token:<token hash>" or Principal::RateLimitKey()
    std::string protocol_version{};
    TimePoint created_at{};
    TimePoint last_used_at{};
};

/// files table: metadata of a user's stored file (API.md §3.5); the bytes are in a FileStore.
/// `s3_key` = `<user_id>_<filename>`; `md5` is the 32-char lowercase hex digest.
struct FileRow {
    std::string s3_key{};
    std::string user_id{};
    std::string filename{};
    std::string mime_type{};
    std::string md5{};
    std::int64_t size = 0;
    TimePoint created_at{};
    TimePoint updated_at{};  // lastModified: the last completed upload
};

/// A column holding SecretBox blobs (base64) next to a `key_id` column naming the master key
/// that sealed them (DESIGN.md §10). Adding one? Add its row to kSealedColumns in
/// sql_store_keys.cpp and handle it in service::KeyRotationService.
enum class SealedColumn : std::uint8_t {
    kCredentialSecret,        // credentials.secret
    kAuthConfigClientSecret,  // auth_configs.client_secret
    kOAuthFlowSecret,         // oauth_flows.secret
};

/// One stored sealed value of a SealedColumn: the row's id, the stored text and its key id.
struct SealedValue {
    std::string row_id{};
    std::string sealed{};
    std::uint32_t key_id = 0;
};

/// How many rows of a sealed column are under one master key id.
struct KeyIdCount {
    std::uint32_t key_id = 0;
    std::int64_t rows = 0;
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

/// One rate-limit key and the fixed window `now` falls in.
struct RateLimitWindow {
    std::string_view key{};
    std::int64_t window_start_ms = 0;
    std::int64_t window_ms = 0;
};

/// RateLimitStore::HitRateLimitUnless: the guard's counts, and the hit's when it was counted.
struct GuardedHit {
    WindowCounts guard{};
    std::optional<WindowCounts> hit{};
};

/// Decides from a guard's counts whether the request is refused (then nothing is counted).
using GuardPredicate = std::function<bool(const WindowCounts&)>;

}  // namespace junction::storage
