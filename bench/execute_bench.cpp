// The pure steps of one action execution (POST …/execute and execute_action_alloy), on the
// built-in catalog plus GitHub's full imported document (1,223 actions): finding the connector
// and action, expanding a base_url template, validating a request body against the action's
// schema, and opening the credential (AES-256-GCM) — plus sealing, which every credential write
// and token refresh pays. Figures go to bench/RESULTS.md (bench/run runs this).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "junction/connectors/auth_placement.hpp"
#include "junction/connectors/catalog.hpp"
#include "junction/connectors/openapi_import.hpp"
#include "junction/crypto/random.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/json/schema.hpp"

namespace {

using junction::connectors::Catalog;

[[noreturn]] void Die(const std::string& message) {
    std::fprintf(stderr, "execute_bench: %s\n", message.substr(0, 2000).c_str());
    std::exit(1);  // NOLINT(concurrency-mt-unsafe): before any benchmark thread
}

// Built-in catalog plus GitHub's full document imported as `github`, as mcp_bench loads it.
const Catalog& BenchCatalog() {
    static const Catalog catalog = [] {
        auto document = junction::connectors::ReadOpenApiFile(JUNCTION_BENCH_GITHUB_OPENAPI);
        if (!document) {
            Die(document.error().message);
        }
        auto imported = junction::connectors::ImportOpenApi(
            *document, junction::connectors::ImportOptions{.id = "github"});
        if (!imported) {
            Die(imported.error().message);
        }
        const std::vector<junction::connectors::CatalogSource> overrides{
            {.name = "imported/github.yaml",
             .text = junction::connectors::ConnectorToYaml(imported->connector)}};
        auto loaded = Catalog::Load(junction::connectors::BuiltInCatalog(), overrides);
        if (!loaded) {
            Die(loaded.error().message);
        }
        return std::move(*loaded);
    }();
    return catalog;
}

// Lookup by id, the first thing execute does: a small connector and an action late in
// GitHub's 1,223.
void BM_CatalogLookup(benchmark::State& state, const char* connector_id, const char* action_id) {
    const Catalog& catalog = BenchCatalog();
    if (catalog.Find(connector_id) == nullptr ||
        catalog.Find(connector_id)->FindAction(action_id) == nullptr) {
        Die(std::string("no action ") + connector_id + "/" + action_id);
    }
    for (auto _ : state) {
        const auto* connector = catalog.Find(connector_id);
        benchmark::DoNotOptimize(connector->FindAction(action_id));
    }
}
BENCHMARK_CAPTURE(BM_CatalogLookup, slack_chat_postMessage, "slack", "chat_postMessage");
BENCHMARK_CAPTURE(BM_CatalogLookup,
                  github_last_action,
                  "github",
                  "users_list-ssh-signing-keys-for-user");

void BM_ExpandTemplate(benchmark::State& state) {
    const boost::json::object data{{"domain", "acme-corp"}, {"email", "ops@acme.test"}};
    const std::string base_url = BenchCatalog().Find("jira")->base_url;
    for (auto _ : state) {
        auto expanded = junction::connectors::ExpandTemplate(base_url, data);
        benchmark::DoNotOptimize(expanded);
    }
}
BENCHMARK(BM_ExpandTemplate);

// Slack chat.postMessage's requestBody schema, compiled once (as ActionService caches it),
// against a typical body.
void BM_ValidateRequestBody(benchmark::State& state) {
    const auto* action = BenchCatalog().Find("slack")->FindAction("chat_postMessage");
    auto validator = junction::json::SchemaValidator::Compile(*action->request_body);
    if (!validator) {
        Die(validator.error().message);
    }
    const boost::json::value body = boost::json::parse(
        R"({"channel":"C024BE91L","text":"Deploy finished","thread_ts":"1712345678.000100",)"
        R"("unfurl_links":false,"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*ok*"}}]})");
    for (auto _ : state) {
        auto errors = validator->Validate(body);
        benchmark::DoNotOptimize(errors);
    }
}
BENCHMARK(BM_ValidateRequestBody);

const junction::crypto::SecretBox& Box() {
    static junction::crypto::SecureRng rng;
    static const junction::crypto::SecretBox box = [] {
        std::string key(32, '\0');
        for (std::size_t i = 0; i < key.size(); ++i) {
            key[i] = static_cast<char>(i * 7 + 1);
        }
        std::vector<junction::crypto::MasterKey> keys;
        keys.push_back({.id = 1, .key = junction::SecretString(std::move(key))});
        return junction::crypto::SecretBox(std::move(keys), rng);
    }();
    return box;
}

// A credential's data as it is stored: an OAuth token set (~600 bytes of JSON).
std::string CredentialPlaintext() {
    return R"({"access_token":")" + std::string(220, 'a') + R"(","refresh_token":")" +
           std::string(220, 'r') +
           R"(","token_type":"Bearer","scope":"read write","expires_at":1790000000000})";
}

constexpr const char* kAad = "junction/v1/credentials/65f0c0ffee0000000000beef/secret";

void BM_SecretBoxSeal(benchmark::State& state) {
    const std::string plaintext = CredentialPlaintext();
    const auto& box = Box();  // key setup outside the timed loop
    for (auto _ : state) {
        benchmark::DoNotOptimize(box.Seal(plaintext, kAad));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(plaintext.size()));
}
BENCHMARK(BM_SecretBoxSeal);

void BM_SecretBoxOpen(benchmark::State& state) {
    const std::string plaintext = CredentialPlaintext();
    const auto& box = Box();
    const std::string blob = box.Seal(plaintext, kAad);
    for (auto _ : state) {
        auto opened = box.Open(blob, kAad);
        benchmark::DoNotOptimize(opened);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(plaintext.size()));
}
BENCHMARK(BM_SecretBoxOpen);

}  // namespace

BENCHMARK_MAIN();
