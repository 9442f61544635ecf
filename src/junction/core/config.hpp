#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace junction {

/// A request budget: `limit` requests per `window`.
struct RateLimitSetting {
    std::int64_t limit = 0;
    std::chrono::seconds window{60};
};

/// HTTP limits of API.md §1.4; each is enforced where it is set (http::Server).
struct HttpLimits {
    std::size_t max_body_bytes = 10UL * 1024 * 1024;
    std::size_t max_header_bytes = 16UL * 1024;
    std::size_t max_header_field_bytes = 8UL * 1024;
    std::size_t max_header_count = 100;
    std::size_t max_target_bytes = 8UL * 1024;
    std::size_t max_json_depth = 64;
    std::size_t max_json_array_items = 1000;
    // Receiving one request (headers and body) and writing one response; also how long an
    // idle keep-alive connection waits for its next request.
    std::chrono::milliseconds read_timeout{30'000};
    // Client connections open at once, all together and per peer address (OPERATIONS.md,
    // "Connection limits"). 0: derived at start from the open-file limit
    // (http::ResolveConnectionCaps).
    std::size_t max_connections = 0;
    std::size_t max_connections_per_ip = 0;
};

/// Users' files (API.md §3.5).
struct FileSettings {
    std::string dir;  // empty: <data_dir>/files
    std::uint64_t max_upload_bytes = 100ULL * 1024 * 1024;
    std::chrono::seconds url_ttl{900};  // signed upload and download URLs
};

/// The whole configuration, with the defaults of the embedded setup. Plain data: parsing
/// lives in app/config_loader.cpp; every field is documented in docs/CONFIG.md.
struct Config {
    std::string listen = "127.0.0.1:8080";
    std::string public_url;  // empty: http://<listen>, with the bound port once listening
    bool public_url_from_listen = false;  // set by the loader when public_url was derived
    std::string data_dir = "data";
    std::string database_url;  // empty: sqlite:<data_dir>/junction.db
    std::string catalog_dir;   // operator connectors that add to or replace the built-in ones
    std::string jwt_issuer = "junction";
    std::string log_level = "info";
    std::string log_format = "json";
    std::string log_file;  // empty: stderr
    std::size_t io_threads = 2;
    std::size_t blocking_threads = 4;
    std::size_t blocking_queue = 1024;
    std::size_t postgres_pool_size = 8;
    std::chrono::seconds shutdown_grace{30};
    HttpLimits http;
    FileSettings files;
    RateLimitSetting rate_limit_api{.limit = 1000, .window = std::chrono::seconds{60}};
    RateLimitSetting rate_limit_mcp{.limit = 100, .window = std::chrono::seconds{60}};
    RateLimitSetting rate_limit_auth_failures{.limit = 20, .window = std::chrono::seconds{60}};
    RateLimitSetting rate_limit_oauth{.limit = 60, .window = std::chrono::seconds{60}};
    std::vector<std::string> cors_origins{};
    std::vector<std::string> trusted_proxies{};
    // OAuth: when set, a credential's redirectUri must start with one of these.
    std::vector<std::string> oauth_allowed_redirect_prefixes{};
    // Egress: CIDRs outbound calls may reach despite the private-range block (tests, on-prem).
    std::vector<std::string> egress_allow_cidrs{};
    // Largest upstream answer an action execution buffers; larger → 502 response_too_large.
    std::size_t egress_max_response_bytes = 10UL * 1024 * 1024;
    // A PEM file of CA certificates outbound TLS trusts besides the system bundle (internal
    // CAs); read once at start-up. Empty: the system bundle alone.
    std::string egress_ca_file{};
    // MCP `GET` event streams: a keepalive comment while idle, closed after the lifetime
    // (clients reconnect; API.md §4.1).
    std::chrono::milliseconds mcp_stream_keepalive{15'000};
    std::chrono::milliseconds mcp_stream_lifetime{1'800'000};
    // Secrets and where to find them come only from the environment (DESIGN.md §7).
    std::string master_key_file;  // empty: <data_dir>/master.key
    // Start even when group or others may access the key file (then only warn).
    bool master_key_allow_insecure_permissions = false;
};

}  // namespace junction
