// MCP's request core without HTTP: one JSON-RPC body parsed (ParseMessage, with the §1.4 depth
// and array limits) and dispatched (Dispatcher::Handle → ToolSet) to a reply serialised as the
// transport would send it. The services behind the tools are the production ones on a SQLite
// database in a temp dir (list_connectors_alloy reads the auth configs table), the catalog the
// built-in one. Figures go to bench/RESULTS.md (bench/run runs this).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>
#include <boost/json/serialize.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/clock.hpp"
#include "junction/core/config.hpp"
#include "junction/core/ids.hpp"
#include "junction/crypto/random.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/http_client/http_client.hpp"
#include "junction/mcp/action_search.hpp"
#include "junction/mcp/dispatcher.hpp"
#include "junction/mcp/jsonrpc.hpp"
#include "junction/mcp/tools.hpp"
#include "junction/service/action_service.hpp"
#include "junction/service/auth_config_service.hpp"
#include "junction/service/connector_service.hpp"
#include "junction/service/credential_service.hpp"
#include "junction/service/file_service.hpp"
#include "junction/service/oauth_service.hpp"
#include "junction/storage/disk_file_store.hpp"
#include "junction/storage/sql_store.hpp"
#include "junction/storage/sqlite/sqlite_database.hpp"

namespace {

using namespace junction;  // NOLINT(google-build-using-namespace): one file, many types

[[noreturn]] void Die(const std::string& message) {
    std::fprintf(stderr, "jsonrpc_bench: %s\n", message.substr(0, 2000).c_str());
    std::exit(1);  // NOLINT(concurrency-mt-unsafe): before any benchmark thread
}

// No benchmarked tool calls out: any outbound call is a bug in the setup.
class RefusingHttpClient final : public http_client::HttpClient {
public:
    void Start(http_client::OutboundRequest /*request*/, http_client::Completion done) override {
        done(Fail(ErrorCode::kUnavailable, "jsonrpc_bench makes no outbound calls"));
    }
};

// Everything Application wires for the MCP tools, minus HTTP.
struct McpCore {
    McpCore() {
        auto catalog_loaded = connectors::Catalog::Load(connectors::BuiltInCatalog(), {});
        if (!catalog_loaded) {
            Die(catalog_loaded.error().message);
        }
        catalog = std::make_unique<connectors::Catalog>(std::move(*catalog_loaded));
        std::filesystem::create_directories(dir);
        auto database = storage::sqlite::SqliteDatabase::Open((dir / "junction.db").string(), 2);
        if (!database) {
            Die(database.error().message);
        }
        store = std::make_unique<storage::SqlStore>(std::move(*database));
        if (auto migrated = store->Migrate(); !migrated) {
            Die(migrated.error().message);
        }
        std::vector<crypto::MasterKey> keys;
        keys.push_back({.id = 1, .key = SecretString(std::string(32, 'k'))});
        box = std::make_unique<crypto::SecretBox>(std::move(keys), rng);
        ids = std::make_unique<ObjectIdGenerator>(clock, rng);
        auth_configs = std::make_unique<service::AuthConfigService>(
            *store, *catalog, *box, clock, *ids, config);
        oauth = std::make_unique<service::OAuthService>(
            *store, *catalog, *auth_configs, *box, http, clock, rng, *ids, config, "bench");
        connector_service = std::make_unique<service::ConnectorService>(*catalog, *store);
        credentials = std::make_unique<service::CredentialService>(
            *store, *catalog, *box, clock, *ids, *oauth, http);
        // No benchmarked tool touches files; the action service needs the service all the same.
        config.files.dir = (dir / "files").string();
        auto opened = storage::DiskFileStore::OpenDirectory(config.files.dir);
        if (!opened) {
            Die(opened.error().message);
        }
        file_store = std::move(*opened);
        files = std::make_unique<service::FileService>(
            *store, *file_store, clock, SecretString(std::string(32, 'f')), config);
        actions = std::make_unique<service::ActionService>(
            *store, *catalog, *box, *oauth, *files, clock, rng, config.egress_max_response_bytes);
        search = std::make_unique<mcp::ActionSearchIndex>(*catalog);
        auto created = mcp::ToolSet::Create(mcp::ToolServices{.catalog = *catalog,
                                                              .connectors = *connector_service,
                                                              .credentials = *credentials,
                                                              .actions = *actions,
                                                              .credential_store = *store,
                                                              .search = *search});
        if (!created) {
            Die(created.error().message);
        }
        tools = std::move(*created);
        dispatcher = std::make_unique<mcp::Dispatcher>(*tools, "bench");
        context.user.id = "65f0c0ffee0000000000beef";
        context.user.username = "bench";
        context.principal.owner_user_id = context.user.id;
    }
    McpCore(const McpCore&) = delete;
    McpCore& operator=(const McpCore&) = delete;
    McpCore(McpCore&&) = delete;
    McpCore& operator=(McpCore&&) = delete;
    ~McpCore() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }

    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("jsonrpc_bench." + std::to_string(::getpid()));
    Config config{};
    SystemClock clock{};
    crypto::SecureRng rng{};
    RefusingHttpClient http{};
    std::unique_ptr<connectors::Catalog> catalog;
    std::unique_ptr<storage::SqlStore> store;
    std::unique_ptr<crypto::SecretBox> box;
    std::unique_ptr<ObjectIdGenerator> ids;
    std::unique_ptr<service::AuthConfigService> auth_configs;
    std::unique_ptr<service::OAuthService> oauth;
    std::unique_ptr<service::ConnectorService> connector_service;
    std::unique_ptr<service::CredentialService> credentials;
    std::unique_ptr<storage::DiskFileStore> file_store;
    std::unique_ptr<service::FileService> files;
    std::unique_ptr<service::ActionService> actions;
    std::unique_ptr<mcp::ActionSearchIndex> search;
    std::unique_ptr<mcp::ToolSet> tools;
    std::unique_ptr<mcp::Dispatcher> dispatcher;
    mcp::CallContext context{};
};

McpCore& Core() {
    static McpCore core;
    return core;
}

void BM_JsonRpcParseAndDispatch(benchmark::State& state, const char* body) {
    McpCore& core = Core();
    std::size_t reply_bytes = 0;
    for (auto _ : state) {
        mcp::RpcMessage message;
        if (auto failure = mcp::ParseMessage(body, 64, 1000, message)) {
            Die("parse failed: " + boost::json::serialize(failure->body));
        }
        const mcp::Reply reply = core.dispatcher->Handle(message, core.context);
        const std::string wire = boost::json::serialize(*reply.message);
        reply_bytes = wire.size();
        benchmark::DoNotOptimize(wire);
    }
    state.counters["reply_bytes"] = static_cast<double>(reply_bytes);
}
BENCHMARK_CAPTURE(BM_JsonRpcParseAndDispatch,
                  ping,
                  R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{}})");
BENCHMARK_CAPTURE(BM_JsonRpcParseAndDispatch,
                  tools_list,
                  R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})");
BENCHMARK_CAPTURE(
    BM_JsonRpcParseAndDispatch,
    call_list_connectors,
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_connectors_alloy","arguments":{}}})");
BENCHMARK_CAPTURE(
    BM_JsonRpcParseAndDispatch,
    call_get_action_details,
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_action_details_alloy","arguments":{"connectorId":"slack","actionId":"chat_postMessage"}}})");

}  // namespace

BENCHMARK_MAIN();
