#include "junction/app/application.hpp"

#include <array>
#include <filesystem>
#include <mutex>

#include <boost/json/serialize.hpp>
#include <malloc.h>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "junction/app/master_key.hpp"
#include "junction/connectors/catalog.hpp"
#include "junction/core/ids.hpp"
#include "junction/core/log.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/crypto/random.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/http/api.hpp"
#include "junction/http/server.hpp"
#include "junction/http_client/curl/curl_http_client.hpp"
#include "junction/http_client/curl/io_context_curl_client.hpp"
#include "junction/http_client/egress_policy.hpp"
#include "junction/http_client/plain/plain_http_client.hpp"
#include "junction/json/yaml.hpp"
#include "junction/mcp/action_search.hpp"
#include "junction/mcp/dispatcher.hpp"
#include "junction/mcp/gateway.hpp"
#include "junction/mcp/server_change_poller.hpp"
#include "junction/mcp/sessions.hpp"
#include "junction/mcp/stream_hub.hpp"
#include "junction/mcp/tools.hpp"
#include "junction/service/action_service.hpp"
#include "junction/service/api_key_service.hpp"
#include "junction/service/auth_config_service.hpp"
#include "junction/service/auth_service.hpp"
#include "junction/service/connector_service.hpp"
#include "junction/service/credential_service.hpp"
#include "junction/service/file_service.hpp"
#include "junction/service/health_service.hpp"
#include "junction/service/key_rotation_service.hpp"
#include "junction/service/mcp_server_service.hpp"
#include "junction/service/oauth_service.hpp"
#include "junction/service/rate_limiter.hpp"
#include "junction/service/token_service.hpp"
#include "junction/service/user_service.hpp"
#include "junction/storage/caching_store.hpp"
#include "junction/storage/disk_file_store.hpp"
#include "junction/storage/memory_rate_limit_store.hpp"
#include "junction/storage/postgres/pg_database.hpp"
#include "junction/storage/sql_store.hpp"
#include "junction/storage/sqlite/sqlite_database.hpp"

// jemalloc's control interface, when the binary links jemalloc (cmake/Dependencies.cmake);
// null otherwise.
// NOLINTNEXTLINE(readability-identifier-naming): jemalloc's name
extern "C" int mallctl(const char* name,
                       void* old,
                       std::size_t* old_size,
                       void* value,
                       std::size_t value_size) __attribute__((weak));

namespace junction::app {

extern const std::string_view kOpenApiYaml;

namespace {

/// Loading the catalog (YAML trees, imported OpenAPI documents) frees far more than it keeps,
/// and allocators hold freed pages: with GitHub's 1,223-action connector a node idled at
/// 760 MiB RSS under glibc and 454 MiB under jemalloc (bench/RESULTS.md). Give it back once,
/// before serving; under jemalloc also start its background thread, which returns pages freed
/// later (after a burst) while the node idles, where jemalloc would otherwise wait for the
/// next allocation.
void ReturnFreedMemory() {
    if (&mallctl != nullptr) {
        bool enable = true;
        (void)mallctl("background_thread", nullptr, nullptr, &enable, sizeof enable);
        (void)mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // MALLCTL_ARENAS_ALL
        return;
    }
    ::malloc_trim(0);  // glibc (sanitizer builds link no jemalloc)
}

constexpr std::string_view kVersion = "0.1.0";

// The API document as JSON, converted once per process from the embedded YAML.
const std::string& OpenApiJson() {
    static std::once_flag once;
    static std::string json;
    std::call_once(once, [] {
        auto document = json::YamlToJson(kOpenApiYaml);
        json = document ? boost::json::serialize(*document) : "{}";
    });
    return json;
}

Result<std::unique_ptr<storage::SqlDatabase>> OpenDatabase(const Config& config) {
    const std::string& url = config.database_url;
    if (url.starts_with("sqlite:")) {
        const std::string path = url.substr(std::string_view("sqlite:").size());
        std::error_code ec;
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) {
            std::filesystem::create_directories(parent, ec);
        }
        auto database = storage::sqlite::SqliteDatabase::Open(path, config.blocking_threads + 1);
        if (!database) {
            return Fail(std::move(database.error()));
        }
        return std::unique_ptr<storage::SqlDatabase>(std::move(*database));
    }
    auto database = storage::postgres::PgDatabase::Open(
        url, config.postgres_pool_size, std::chrono::milliseconds(30'000));
    if (!database) {
        return Fail(std::move(database.error()));
    }
    return std::unique_ptr<storage::SqlDatabase>(std::move(*database));
}

using service::kJwtSecretAad;
using service::kJwtSecretSetting;
constexpr std::size_t kJwtSecretBytes = 32;
constexpr std::size_t kFileUrlKeyBytes = 32;

// JUNCTION_JWT_SECRET, else the secret generated by the first start of any node, sealed with
// the master key in the settings table. A secret that does not open means the master key is
// not the one this database was written with: refuse to start rather than mint a new one.
Result<SecretString> LoadJwtSecret(const std::optional<SecretString>& from_env,
                                   storage::SettingsStore& settings,
                                   const crypto::SecretBox& box,
                                   Rng& rng,
                                   const Clock& clock) {
    if (from_env) {
        if (from_env->Reveal().size() < kJwtSecretBytes) {
            return Fail(ErrorCode::kInvalidArgument,
                        "JUNCTION_JWT_SECRET must be at least 32 bytes");
        }
        return SecretString(std::string(from_env->Reveal()));
    }
    std::string fresh(kJwtSecretBytes, '\0');
    rng.Fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(fresh.data()), fresh.size()));
    const SecretString fresh_secret(std::move(fresh));
    const std::string sealed = crypto::Base64Encode(box.Seal(fresh_secret.Reveal(), kJwtSecretAad));
    auto stored = settings.PutSettingIfAbsent(kJwtSecretSetting, sealed, clock.Now());
    if (!stored) {
        return Fail(std::move(stored.error()));
    }
    auto blob = crypto::Base64Decode(*stored);
    auto opened = blob ? box.Open(*blob, kJwtSecretAad)
                       : Result<SecretString>(Fail(ErrorCode::kInternal, ""));
    if (!opened) {
        return Fail(
            ErrorCode::kFailedPrecondition,
            "Cannot decrypt data in this database with the configured master key. Restore the "
            "master key file this database was created with (or set JUNCTION_MASTER_KEYS); "
            "refusing to start");
    }
    return std::move(*opened);
}

// Whether anything in the database was sealed with a master key: the JWT secret setting or a
// row of any sealed column.
Result<bool> HoldsSealedData(storage::Store& store) {
    auto jwt = store.FindSetting(kJwtSecretSetting);
    if (!jwt) {
        return Fail(std::move(jwt.error()));
    }
    if (jwt->has_value()) {
        return true;
    }
    for (const auto column : {storage::SealedColumn::kCredentialSecret,
                              storage::SealedColumn::kAuthConfigClientSecret,
                              storage::SealedColumn::kOAuthFlowSecret}) {
        auto counts = store.CountSealedValuesByKeyId(column);
        if (!counts) {
            return Fail(std::move(counts.error()));
        }
        if (!counts->empty()) {
            return true;
        }
    }
    return false;
}

// A new key file for a database that holds nothing sealed; otherwise a refusal that writes
// nothing, so restoring the real key file is still possible.
Result<LoadedKeys> CreateKeyUnlessSealed(storage::Store& store,
                                         const std::string& key_file,
                                         Rng& rng) {
    auto sealed = HoldsSealedData(store);
    if (!sealed) {
        return Fail(std::move(sealed.error()));
    }
    if (*sealed) {
        return Fail(ErrorCode::kFailedPrecondition,
                    "Master key file '" + key_file +
                        "' is missing, but the database holds data encrypted with a master key. "
                        "Restore the key file (or set JUNCTION_MASTER_KEYS); no new key was "
                        "written; refusing to start");
    }
    return CreateMasterKeyFile(key_file, rng);
}

}  // namespace

Result<connectors::Catalog> LoadCatalog(const std::string& extra_directory) {
    std::vector<connectors::CatalogSource> overrides;
    if (!extra_directory.empty()) {
        auto sources = connectors::Catalog::ReadDirectory(extra_directory);
        if (!sources) {
            return Fail(std::move(sources.error()));
        }
        overrides = std::move(*sources);
    }
    return connectors::Catalog::Load(connectors::BuiltInCatalog(), overrides);
}

struct Application::Parts {
    Config config;
    std::optional<SecretString> bootstrap_api_key;
    SystemClock clock;
    crypto::SecureRng rng;
    std::unique_ptr<ObjectIdGenerator> ids;
    std::unique_ptr<crypto::SecretBox> secret_box;
    std::unique_ptr<storage::CachingStore> store;
    std::unique_ptr<connectors::Catalog> catalog;
    http_client::EgressPolicy egress;  // a copy for the IO threads' clients
    std::unique_ptr<http_client::HttpClient> http_client;
    std::unique_ptr<service::ConnectorService> connectors;
    std::unique_ptr<service::AuthConfigService> auth_configs;
    std::unique_ptr<service::OAuthService> oauth;
    std::unique_ptr<storage::FileStore> file_store;
    std::unique_ptr<service::FileService> files;
    std::unique_ptr<service::ActionService> actions;
    std::unique_ptr<service::TokenService> tokens;
    std::unique_ptr<service::CredentialService> credentials;
    std::unique_ptr<service::AuthService> auth;
    std::unique_ptr<service::UserService> users;
    std::unique_ptr<service::ApiKeyService> api_keys;
    std::unique_ptr<storage::RateLimitStore> local_rate_limits;  // SQLite: one node, in memory
    std::unique_ptr<service::RateLimiter> rate_limiter;
    std::unique_ptr<service::HealthService> health;
    std::unique_ptr<service::KeyRotationService> key_rotation;
    std::unique_ptr<service::McpServerService> servers;
    std::unique_ptr<mcp::ActionSearchIndex> action_search;
    std::unique_ptr<mcp::ToolSet> tools;
    std::unique_ptr<mcp::Dispatcher> mcp_dispatcher;
    std::unique_ptr<mcp::Gateway> mcp_gateway;
    std::unique_ptr<mcp::SessionManager> mcp_sessions;
    std::unique_ptr<mcp::StreamHub> mcp_streams;
    // After the store and the hub it uses, so it stops first.
    std::unique_ptr<mcp::ServerChangePoller> mcp_change_poller;
    std::unique_ptr<http::Services> services;
    std::unique_ptr<http::Api> api;
    std::unique_ptr<http::Server> server;
};

Result<std::unique_ptr<Application>> Application::Create(LoadedConfig loaded, bool migrate) {
    auto parts = std::make_unique<Parts>();
    parts->config = std::move(loaded.config);
    parts->bootstrap_api_key = std::move(loaded.secrets.bootstrap_api_key);
    const Config& config = parts->config;
    for (const auto& warning : loaded.warnings) {
        LogEvent(spdlog::level::warn, warning);
    }

    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
        return Fail(ErrorCode::kUnavailable,
                    "Cannot create data directory '" + config.data_dir + "': " + ec.message());
    }
    auto keys = LoadMasterKeys(loaded.secrets.master_keys,
                               config.master_key_file,
                               config.master_key_allow_insecure_permissions);
    if (!keys) {
        return Fail(std::move(keys.error()));
    }
    if (keys->insecure_permissions) {
        LogEvent(spdlog::level::warn,
                 "master key file is accessible to group or others; allowed by "
                 "master_key_allow_insecure_permissions",
                 {{"path", config.master_key_file}});
    }

    auto catalog = LoadCatalog(config.catalog_dir);
    if (!catalog) {
        return Fail(std::move(catalog.error()));
    }
    parts->catalog = std::make_unique<connectors::Catalog>(std::move(*catalog));

    auto egress = http_client::EgressPolicy::Create(config.egress_allow_cidrs);
    if (!egress) {
        return Fail(std::move(egress.error()));
    }
    // Read once for every client of the process: no TLS handshake reads the disk.
    auto trust = http_client::curl::TlsTrust::Load("", config.egress_ca_file);
    if (!trust) {
        return Fail(std::move(trust.error()));
    }
    LogEvent(spdlog::level::info,
             "outbound TLS trust store loaded",
             {{"certificates", (*trust)->CertificateCount()},
              {"system_bundle", (*trust)->SystemBundle()},
              {"ca_file", config.egress_ca_file}});
    auto sessions = http_client::curl::SessionShare::Create();
    if (!sessions) {
        return Fail(std::move(sessions.error()));
    }
    const http_client::curl::CurlHttpClientOptions client_options{
        .user_agent = "junction/" + std::string(kVersion),
        .trust = std::move(*trust),
        .sessions = std::move(*sessions)};
    parts->egress = *egress;
    auto http_client =
        http_client::curl::CurlHttpClient::Create(std::move(*egress), client_options);
    if (!http_client) {
        return Fail(std::move(http_client.error()));
    }
    parts->http_client = std::move(*http_client);

    auto database = OpenDatabase(config);
    if (!database) {
        return Fail(std::move(database.error()));
    }
    // Every reader and writer in this process goes through the cache, so local writes
    // invalidate it; other nodes' writes show within its 1 s TTL.
    parts->store = std::make_unique<storage::CachingStore>(
        std::make_unique<storage::SqlStore>(std::move(*database)), parts->clock);
    if (migrate) {
        if (auto migrated = parts->store->Migrate(); !migrated) {
            return Fail(std::move(migrated.error()));
        }
    }
    if (auto schema = parts->store->CheckSchema(); !schema) {
        return Fail(std::move(schema.error()));
    }
    if (keys->missing) {
        // Only now, with the database open, can a missing key file be told apart from a
        // first start: a new key would never open what the old one sealed.
        auto created = CreateKeyUnlessSealed(*parts->store, config.master_key_file, parts->rng);
        if (!created) {
            return Fail(std::move(created.error()));
        }
        keys = std::move(created);
        LogEvent(spdlog::level::warn,
                 "created a new master key; back it up; without it encrypted data cannot be read",
                 {{"path", config.master_key_file}});
    }
    // Signed file URLs get their own key (API.md §3.5), derived from the active master key.
    SecretString file_url_key(crypto::HkdfSha256(
        keys->keys.front().key.Reveal(), service::kFileUrlKeyLabel, kFileUrlKeyBytes));
    parts->secret_box = std::make_unique<crypto::SecretBox>(std::move(keys->keys), parts->rng);

    auto jwt_secret = LoadJwtSecret(
        loaded.secrets.jwt_secret, *parts->store, *parts->secret_box, parts->rng, parts->clock);
    if (!jwt_secret) {
        return Fail(std::move(jwt_secret.error()));
    }
    parts->tokens = std::make_unique<service::TokenService>(
        std::move(*jwt_secret), config.jwt_issuer, parts->clock);
    parts->ids = std::make_unique<ObjectIdGenerator>(parts->clock, parts->rng);
    parts->auth =
        std::make_unique<service::AuthService>(*parts->store, parts->clock, *parts->tokens);
    parts->users = std::make_unique<service::UserService>(*parts->store, parts->clock, *parts->ids);
    parts->api_keys = std::make_unique<service::ApiKeyService>(
        *parts->store, parts->clock, parts->rng, *parts->ids);
    parts->connectors = std::make_unique<service::ConnectorService>(*parts->catalog, *parts->store);
    parts->auth_configs = std::make_unique<service::AuthConfigService>(
        *parts->store, *parts->catalog, *parts->secret_box, parts->clock, *parts->ids, config);
    // Leases name their holder; a random id per process keeps two nodes apart.
    std::array<std::uint8_t, 8> node_bytes{};
    parts->rng.Fill(node_bytes);
    parts->oauth = std::make_unique<service::OAuthService>(
        *parts->store,
        *parts->catalog,
        *parts->auth_configs,
        *parts->secret_box,
        *parts->http_client,
        parts->clock,
        parts->rng,
        *parts->ids,
        config,
        "node-" + ToHex(std::string_view(reinterpret_cast<const char*>(node_bytes.data()),
                                         node_bytes.size())));
    parts->credentials = std::make_unique<service::CredentialService>(*parts->store,
                                                                      *parts->catalog,
                                                                      *parts->secret_box,
                                                                      parts->clock,
                                                                      *parts->ids,
                                                                      *parts->oauth,
                                                                      *parts->http_client);
    auto file_store = storage::DiskFileStore::OpenDirectory(config.files.dir);
    if (!file_store) {
        return Fail(std::move(file_store.error()));
    }
    parts->file_store = std::move(*file_store);
    parts->files = std::make_unique<service::FileService>(
        *parts->store, *parts->file_store, parts->clock, std::move(file_url_key), config);
    parts->actions = std::make_unique<service::ActionService>(*parts->store,
                                                              *parts->catalog,
                                                              *parts->secret_box,
                                                              *parts->oauth,
                                                              *parts->files,
                                                              parts->clock,
                                                              parts->rng,
                                                              config.egress_max_response_bytes);
    // PostgreSQL nodes share their windows in the database (DESIGN.md §12). A SQLite database
    // serves one process, so its windows live in memory: no write per request.
    if (config.database_url.starts_with("sqlite:")) {
        parts->local_rate_limits = std::make_unique<storage::MemoryRateLimitStore>();
    }
    parts->rate_limiter = std::make_unique<service::RateLimiter>(
        parts->local_rate_limits ? *parts->local_rate_limits
                                 : static_cast<storage::RateLimitStore&>(*parts->store),
        parts->clock);
    parts->health = std::make_unique<service::HealthService>(
        *parts->store, *parts->secret_box, parts->catalog->Connectors().size());
    parts->key_rotation = std::make_unique<service::KeyRotationService>(
        *parts->store, *parts->store, *parts->secret_box, parts->clock);
    parts->servers = std::make_unique<service::McpServerService>(
        *parts->store, *parts->catalog, parts->clock, parts->rng, config);
    parts->mcp_streams = std::make_unique<mcp::StreamHub>();
    // Local changes reach this node's streams at once; the poller brings other nodes' changes.
    // It reads past the cache: a cached row would add up to the cache's TTL to its 500 ms.
    parts->mcp_change_poller = std::make_unique<mcp::ServerChangePoller>(
        parts->store->UncachedMcpServers(), *parts->mcp_streams);
    parts->servers->SetChangeListener(parts->mcp_change_poller.get());
    parts->action_search = std::make_unique<mcp::ActionSearchIndex>(*parts->catalog);
    auto tools = mcp::ToolSet::Create(mcp::ToolServices{.catalog = *parts->catalog,
                                                        .connectors = *parts->connectors,
                                                        .credentials = *parts->credentials,
                                                        .actions = *parts->actions,
                                                        .credential_store = *parts->store,
                                                        .search = *parts->action_search});
    if (!tools) {
        return Fail(std::move(tools.error()));
    }
    parts->tools = std::move(*tools);
    parts->mcp_dispatcher = std::make_unique<mcp::Dispatcher>(*parts->tools, std::string(kVersion));
    parts->mcp_gateway =
        std::make_unique<mcp::Gateway>(*parts->auth, *parts->servers, *parts->store);
    parts->mcp_sessions =
        std::make_unique<mcp::SessionManager>(*parts->store, parts->clock, parts->rng);
    parts->users->SetMcpServers(*parts->servers);
    parts->users->AddDeletionListener(*parts->files);
    parts->services =
        std::make_unique<http::Services>(http::Services{.users = *parts->users,
                                                        .api_keys = *parts->api_keys,
                                                        .auth = *parts->auth,
                                                        .rate_limiter = *parts->rate_limiter,
                                                        .health = *parts->health,
                                                        .tokens = *parts->tokens,
                                                        .connectors = *parts->connectors,
                                                        .credentials = *parts->credentials,
                                                        .auth_configs = *parts->auth_configs,
                                                        .oauth = *parts->oauth,
                                                        .actions = *parts->actions,
                                                        .servers = *parts->servers,
                                                        .files = *parts->files,
                                                        .mcp_gateway = *parts->mcp_gateway,
                                                        .mcp_dispatcher = *parts->mcp_dispatcher,
                                                        .mcp_sessions = *parts->mcp_sessions,
                                                        .mcp_streams = *parts->mcp_streams,
                                                        .config = config,
                                                        .openapi_json = OpenApiJson(),
                                                        .version = kVersion});
    parts->api = std::make_unique<http::Api>(*parts->services);
    // Calls of requests answered on an IO thread go through that thread's own clients: plain
    // HTTP (to allow_cidrs) over Beast, everything else over libcurl on the same reactor.
    auto make_io_client =
        [egress = parts->egress, client_options](
            boost::asio::io_context& context) -> Result<std::unique_ptr<http_client::HttpClient>> {
        auto curl_client =
            http_client::curl::IoContextCurlClient::Create(context, egress, client_options);
        if (!curl_client) {
            return Fail(std::move(curl_client.error()));
        }
        return std::unique_ptr<http_client::HttpClient>(http_client::plain::PlainHttpClient::Create(
            context,
            egress,
            http_client::plain::PlainHttpClientOptions{
                .user_agent = client_options.user_agent,
                .connect_timeout = client_options.connect_timeout,
                .max_idle_connections =
                    static_cast<std::size_t>(client_options.max_idle_connections)},
            std::move(*curl_client)));
    };
    parts->server = std::make_unique<http::Server>(
        config, *parts->api, *parts->http_client, make_io_client, parts->clock, parts->rng);
    ReturnFreedMemory();
    return std::unique_ptr<Application>(new Application(std::move(parts)));
}

Application::Application(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Application::~Application() {
    // The outbound client's thread goes first: a call completes through a channel bound to the
    // server's io_context, and that thread may still hold it (a call in flight at shutdown, or
    // one whose completion it has just run and not yet destroyed). Stopping it fails pending
    // calls with ShuttingDown while the io_context still exists. Run() has returned, so no
    // request can start a new call; the services' references to the client go unused.
    parts_->http_client.reset();
    // The server (and its pool) goes before the services it calls.
    parts_->server.reset();
}

Result<std::optional<SecretString>> Application::Bootstrap() {
    if (parts_->bootstrap_api_key) {
        auto stored = parts_->api_keys->BootstrapFromEnvironment(*parts_->bootstrap_api_key);
        if (!stored) {
            return Fail(std::move(stored.error()));
        }
        if (*stored) {
            LogEvent(spdlog::level::info,
                     "stored JUNCTION_BOOTSTRAP_API_KEY as the first admin key");
        }
        return std::optional<SecretString>{};
    }
    auto created = parts_->api_keys->BootstrapFirstStart();
    if (!created) {
        return Fail(std::move(created.error()));
    }
    if (!*created) {
        return std::optional<SecretString>{};
    }
    LogEvent(spdlog::level::warn,
             "created the bootstrap admin API key (printed once on stdout)",
             {{"api_key_id", (*created)->row.id}});
    return std::optional<SecretString>(std::move((*created)->key));
}

namespace {

// Every client connection costs a descriptor, and the usual soft limit (1,024) is far below
// the hard one (524,288 under systemd): raise it, as Go's runtime does since 1.19, so that the
// connection caps derived from it (http::ResolveConnectionCaps) are not needlessly small. The
// operator still sets the ceiling: the hard limit (LimitNOFILE=, ulimit -Hn).
void RaiseOpenFileLimit() {
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) {
        return;
    }
    const rlim_t before = files.rlim_cur;
    files.rlim_cur = files.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &files) == 0) {
        LogEvent(spdlog::level::debug,
                 "raised the open-file limit",
                 {{"from", before}, {"to", files.rlim_cur}});
    }
}

}  // namespace

Result<std::uint16_t> Application::Listen() {
    RaiseOpenFileLimit();
    auto port = parts_->server->Listen(parts_->config.listen);
    if (port && parts_->config.public_url_from_listen) {
        // Derived from the listen address: use the port actually bound (":0" in tests). Set
        // before Run, so no request can see the old value.
        const auto colon = parts_->config.listen.rfind(':');
        parts_->config.public_url =
            "http://" + parts_->config.listen.substr(0, colon) + ":" + std::to_string(*port);
    }
    if (port) {
        LogEvent(spdlog::level::info,
                 "listening",
                 {{"address", parts_->config.listen}, {"port", *port}, {"version", kVersion}});
    }
    return port;
}

void Application::Run(bool handle_signals) {
    parts_->mcp_change_poller->Start();
    parts_->server->Run(parts_->config.io_threads, handle_signals);
    parts_->mcp_change_poller->Stop();
    LogEvent(spdlog::level::info, "shutdown complete");
}

void Application::Shutdown() {
    parts_->server->Shutdown();
}

storage::Store& Application::Store() {
    return *parts_->store;
}

service::ApiKeyService& Application::ApiKeys() {
    return *parts_->api_keys;
}

service::UserService& Application::Users() {
    return *parts_->users;
}

service::McpServerService& Application::Servers() {
    return *parts_->servers;
}

service::OAuthService& Application::OAuth() {
    return *parts_->oauth;
}

service::KeyRotationService& Application::KeyRotation() {
    return *parts_->key_rotation;
}

mcp::Dispatcher& Application::McpDispatcher() {
    return *parts_->mcp_dispatcher;
}

Result<void> ConfigureLogging(const Config& config) {
    // Asynchronous: IO threads log access lines and must never wait on the disk. When the
    // queue is full the oldest lines are dropped rather than blocking a request.
    static std::once_flag pool_once;
    std::call_once(pool_once, [] { spdlog::init_thread_pool(8192, 1); });
    std::shared_ptr<spdlog::logger> logger;
    try {
        spdlog::sink_ptr sink;
        if (config.log_file.empty()) {
            sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        } else {
            sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file);
        }
        logger =
            std::make_shared<spdlog::async_logger>("junction",
                                                   std::move(sink),
                                                   spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::overrun_oldest);
    } catch (const spdlog::spdlog_ex& e) {
        return Fail(ErrorCode::kUnavailable, std::string("Cannot open log file: ") + e.what());
    }
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::from_str(config.log_level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    SetLogFormatJson(config.log_format == "json");
    return Ok();
}

std::string_view Version() {
    return kVersion;
}

}  // namespace junction::app
