// The authorization matrix (issue 18): every route × caller × target, with the status each cell
// must get, on SQLite and PostgreSQL. Callers: the admin key, alice's user key, alice's JWT, bob's
// JWT ("another user's"), no credential, alice's revoked key. Targets: alice's resource ("own"),
// bob's ("other"), an id that does not exist ("missing"). Then `x-alloy-userid` on every route,
// the rename attack (finding 1), public servers (finding 3) and every MCP tool.
//
// A route added to http::AllRoutes() without a row here fails RouteTableCoversEveryRoute.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/hash.hpp"
#include "junction/http/router.hpp"
#include "junction/testing/fake_upstream.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::FakeUpstream;
using testing::HttpResult;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;
using testing::UpstreamResponse;

// ----- callers, targets, expected statuses -----

enum Caller : std::size_t { kAdmin, kKey, kJwt, kOtherJwt, kNone, kRevoked, kCallerCount };
enum Target : std::size_t { kOwn, kOther, kMissing, kTargetCount };

constexpr std::array<std::string_view, kCallerCount> kCallerNames{
    "admin key", "alice's key", "alice's JWT", "bob's JWT", "no credential", "alice's revoked key"};
constexpr std::array<std::string_view, kTargetCount> kTargetNames{
    "own (alice's)", "other (bob's)", "missing"};
// Admin last: its successful deletes must not take a resource from the cells after it.
constexpr std::array<Caller, kCallerCount> kCallerOrder{
    kKey, kJwt, kOtherJwt, kNone, kRevoked, kAdmin};

constexpr std::string_view kMissingUser = "0123456789abcdef01234567";
constexpr std::string_view kMissingCredential = "fedcba9876543210fedcba98";
constexpr std::string_view kMissingServer = "missing-server-00000000";
constexpr std::string_view kJson = "Content-Type: application/json";
constexpr std::string_view kAccept = "Accept: application/json, text/event-stream";
constexpr std::string_view kPing = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";

// Expected status per caller, in Caller order: {admin, key, jwt, other_jwt, none, revoked}.
using Statuses = std::array<int, kCallerCount>;
using Cell = std::optional<Statuses>;  // nullopt: the route has no such target
constexpr Cell kNoTarget = std::nullopt;

// With `x-alloy-userid: <bob>`, an admin key acts with admin rights (kPrincipal: admin-only
// routes, the catalog, MCP API URLs, public routes) or as bob (kEffectiveUser: bob's data).
enum class ActsAs { kPrincipal, kEffectiveUser };

struct Request {
    std::string method;
    std::string path;
    std::optional<std::string> body{};
    std::vector<std::string> headers{};  // besides the caller's
    bool stream = false;                 // an event stream: read the status line only
};

class World;
using Build = Request (*)(World&, Target);

struct Row {
    std::string_view route;  // "METHOD pattern", as in http::AllRoutes()
    ActsAs acts_as;
    Build build;
    Cell own;
    Cell other;
    Cell missing;
};

// ----- the world: two users with one of everything each -----

std::string WriteCatalog(const TempDir& dir, const std::string& upstream) {
    const std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/echo.yaml") << R"(id: echo
name: Echo
categories: [testing]
base_url: )" << upstream << R"(/api
auth:
  - type: apiKey
    in: header
    name: X-Api-Key
resources:
  - name: items
    actions:
      - {id: getItem, httpMethod: GET, path: /item}
)";
    return catalog;
}

std::string Md5Base64(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

std::string Rpc(std::string_view method, const std::string& params = "{}") {
    return R"({"jsonrpc":"2.0","id":1,"method":")" + std::string(method) + R"(","params":)" +
           params + "}";
}

class World {
public:
    explicit World(Backend backend)
        : server(TestServerOptions{
              .backend = backend,
              .environment = {{"JUNCTION_CATALOG_DIR", WriteCatalog(dir, upstream.BaseUrl())},
                              {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"},
                              {"JUNCTION_RATE_LIMIT_API", "100000/60s"},
                              {"JUNCTION_RATE_LIMIT_MCP", "100000/60s"},
                              {"JUNCTION_RATE_LIMIT_OAUTH", "100000/60s"},
                              {"JUNCTION_RATE_LIMIT_AUTH_FAILURES", "100000/60s"}}}) {
        upstream.On("GET", "/api/item", UpstreamResponse::Json(R"({"ok":true})"));
        alice = server.CreateUser("alice");
        bob = server.CreateUser("bob");
        alice_key = server.CreateKey("user", alice);
        bob_key = server.CreateKey("user", bob);
        revoked_key = RevokedKey(alice);
        alice_jwt = Jwt(alice, alice_key);
        bob_jwt = Jwt(bob, bob_key);
        for (const Target target : {kOwn, kOther}) {
            Things& things = target == kOwn ? alice_has : bob_has;
            things.credential = FreshCredential(target);
            std::tie(things.server, things.token) = FreshServer(target);
            things.s3_key = FreshFile(target);
        }
        auth_config = FreshAuthConfig();
    }

    // What alice and bob each own.
    struct Things {
        std::string credential;
        std::string server;
        std::string token;
        std::string s3_key;
    };

    // ----- requests -----

    [[nodiscard]] std::vector<std::string> CallerHeaders(Caller caller) const {
        std::vector<std::string> headers{"x-api-version: 2025-09"};
        switch (caller) {
            case kAdmin:
                headers.push_back("Authorization: Bearer " + server.AdminKey());
                break;
            case kKey:
                headers.push_back("Authorization: Bearer " + alice_key);
                break;
            case kJwt:
                headers.push_back("x-alloy-user-token: " + alice_jwt);
                break;
            case kOtherJwt:
                headers.push_back("x-alloy-user-token: " + bob_jwt);
                break;
            case kNone:
                break;
            case kRevoked:
                headers.push_back("Authorization: Bearer " + revoked_key);
                break;
            case kCallerCount:
                break;
        }
        return headers;
    }

    HttpResult Send(const Request& request, std::vector<std::string> headers) const {
        headers.insert(headers.end(), request.headers.begin(), request.headers.end());
        const bool typed = std::any_of(headers.begin(), headers.end(), [](const std::string& h) {
            return h.starts_with("Content-Type:");
        });
        if (request.body && !typed) {
            headers.emplace_back(kJson);
        }
        if (request.stream) {
            return SendForHead(request, headers);
        }
        return server.Client().Send(request.method, request.path, headers, request.body);
    }

    HttpResult Admin(const std::string& method,
                     const std::string& path,
                     const std::optional<std::string>& body = std::nullopt,
                     const std::string& as_user = "") const {
        std::vector<std::string> headers = CallerHeaders(kAdmin);
        if (!as_user.empty()) {
            headers.push_back("x-alloy-userid: " + as_user);
        }
        return Send(Request{.method = method, .path = path, .body = body}, headers);
    }

    // ----- targets -----

    [[nodiscard]] std::string User(Target target) const {
        return target == kOwn ? alice : target == kOther ? bob : std::string(kMissingUser);
    }
    [[nodiscard]] const Things& Of(Target target) const {
        return target == kOther ? bob_has : alice_has;
    }
    [[nodiscard]] std::string Credential(Target target) const {
        return target == kMissing ? std::string(kMissingCredential) : Of(target).credential;
    }
    [[nodiscard]] std::string Server(Target target) const {
        return target == kMissing ? std::string(kMissingServer) : Of(target).server;
    }
    [[nodiscard]] std::string TokenPath(Target target) const {
        return "/mcp/" + Server(target) + "/" + Of(target).token;
    }
    [[nodiscard]] std::string File(Target target) const {
        return target == kMissing ? alice + "_missing.txt" : Of(target).s3_key;
    }
    /// New user tokens for alice and bob: a row that revokes tokens leaves theirs dead. A user
    /// the admin's cells already deleted keeps its old (dead) token.
    void RemintTokens() {
        for (auto [user, key, jwt] :
             {std::tuple{&alice, &alice_key, &alice_jwt}, std::tuple{&bob, &bob_key, &bob_jwt}}) {
            const auto minted =
                server.Client().Send("GET",
                                     "/users/" + *user + "/token",
                                     {"Authorization: Bearer " + *key, "x-api-version: 2025-09"});
            if (minted.status == 200) {
                *jwt = std::string(minted.Json().at("token").as_string());
            }
        }
    }
    std::string Unique(std::string_view prefix) {
        return std::string(prefix) + std::to_string(++counter);
    }

    // Fresh resources for the cells that destroy their target (when `fresh`; else the
    // fixture's, for sweeps where every cell must be refused).
    std::string FreshCredential(Target target) {
        if (target == kMissing) {
            return std::string(kMissingCredential);
        }
        const auto created = Admin("POST",
                                   "/connectors/echo/credentials",
                                   R"({"userId":")" + User(target) +
                                       R"(","authenticationType":"apiKey","data":{"apiKey":"k"}})");
        EXPECT_EQ(created.status, 200) << created.body;
        return std::string(created.Json().at("credentialId").as_string());
    }
    std::pair<std::string, std::string> FreshServer(Target target) {
        if (target == kMissing) {
            return {std::string(kMissingServer), Of(kOwn).token};
        }
        const auto created = Admin(
            "POST", "/api/servers", R"({"name":")" + Unique("server ") + R"("})", User(target));
        EXPECT_EQ(created.status, 200) << created.body;
        const auto json = created.Json();
        return {std::string(json.at("serverId").as_string()),
                std::string(json.at("accessToken").as_string())};
    }
    std::string FreshFile(Target target);
    std::string FreshAuthConfig() {
        const auto created = Admin("POST",
                                   "/auth-configs",
                                   R"({"connectorId":"slack","name":")" + Unique("app ") +
                                       R"(","clientId":"c","clientSecret":"s"})");
        EXPECT_EQ(created.status, 201) << created.body;
        return std::string(created.Json().at("authConfig").at("authConfigId").as_string());
    }
    std::string FreshApiKeyId(Target target) {
        if (target == kMissing) {
            return std::string(kMissingUser);
        }
        return CreateApiKey(User(target)).first;
    }

    std::string Fresh(std::string_view what, Target target);

    // ----- state: what a refused request must leave as it was -----

    [[nodiscard]] std::string Digest() const;

    TempDir dir;
    FakeUpstream upstream;
    TestServer server;
    std::string alice;
    std::string bob;
    std::string alice_key;
    std::string bob_key;
    std::string revoked_key;
    std::string alice_jwt;
    std::string bob_jwt;
    Things alice_has;
    Things bob_has;
    std::string auth_config;
    bool fresh = true;
    int counter = 0;

private:
    // {apiKeyId, key}
    std::pair<std::string, std::string> CreateApiKey(const std::string& owner) {
        const auto created = Admin("POST",
                                   "/api-keys",
                                   R"({"name":")" + Unique("key-") +
                                       R"(","role":"user","ownerUserId":")" + owner + R"("})");
        EXPECT_EQ(created.status, 201) << created.body;
        const auto json = created.Json();
        return {std::string(json.at("apiKey").at("apiKeyId").as_string()),
                std::string(json.at("apiKey").at("key").as_string())};
    }
    std::string RevokedKey(const std::string& owner) {
        auto [id, key] = CreateApiKey(owner);
        EXPECT_EQ(Admin("DELETE", "/api-keys/" + id).status, 200);
        return key;
    }
    std::string Jwt(const std::string& user, const std::string& key) const {
        const auto minted =
            server.Client().Send("GET",
                                 "/users/" + user + "/token",
                                 {"Authorization: Bearer " + key, "x-api-version: 2025-09"});
        EXPECT_EQ(minted.status, 200) << minted.body;
        return std::string(minted.Json().at("token").as_string());
    }
    // An event stream stays open: read its head only, then hang up.
    HttpResult SendForHead(const Request& request, const std::vector<std::string>& headers) const {
        std::string raw = request.method + " " + request.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const auto& header : headers) {
            raw += header + "\r\n";
        }
        raw += "\r\n";
        testing::RawConnection connection(server.Port());
        EXPECT_TRUE(connection.Send(raw));
        const std::string head = connection.ReadUntil("\r\n\r\n", std::chrono::seconds(10));
        HttpResult result;
        if (head.starts_with("HTTP/1.1 ") && head.size() >= 12) {
            result.status = std::stol(head.substr(9, 3));
        }
        result.body = head;
        return result;
    }
};

std::string World::FreshFile(Target target) {
    if (target == kMissing) {
        return File(kMissing);
    }
    const std::string bytes = "file of " + User(target);
    const auto requested =
        Admin("POST",
              "/connectors/files/upload/request",
              R"({"filename":")" + Unique("f") + R"(.txt","mimeType":"text/plain","md5":")" +
                  ToHex(crypto::Md5(bytes)) + R"("})",
              User(target));
    EXPECT_EQ(requested.status, 200) << requested.body;
    const auto ticket = requested.Json().at("presignedUrl");
    const std::string url(ticket.at("presignedUrl").as_string());
    const auto put =
        server.Client().Send("PUT",
                             url.substr(server.Client().BaseUrl().size()),
                             {"Content-Type: text/plain", "Content-MD5: " + Md5Base64(bytes)},
                             bytes);
    EXPECT_EQ(put.status, 200) << put.body;
    return std::string(ticket.at("s3Key").as_string());
}

std::string World::Fresh(std::string_view what, Target target) {
    if (!fresh) {
        return what == "credential" ? Credential(target)
               : what == "server"   ? Server(target)
               : what == "file"     ? File(target)
               : what == "authConfig"
                   ? (target == kMissing ? std::string(kMissingUser) : auth_config)
                   : (target == kMissing ? std::string(kMissingUser) : std::string("none"));
    }
    if (what == "credential") {
        return FreshCredential(target);
    }
    if (what == "server") {
        return FreshServer(target).first;
    }
    if (what == "file") {
        return FreshFile(target);
    }
    if (what == "authConfig") {
        return target == kMissing ? std::string(kMissingUser) : FreshAuthConfig();
    }
    return FreshApiKeyId(target);
}

std::string World::Digest() const {
    std::string digest;
    const auto add = [&](const std::string& path, const std::string& as_user = "") {
        const auto listed = Admin("GET", path, std::nullopt, as_user);
        digest +=
            path + " " + as_user + " " + std::to_string(listed.status) + " " + listed.body + "\n";
    };
    add("/users");
    add("/auth-configs");
    for (const auto& user : {alice, bob}) {
        add("/api/servers", user);
        add("/users/" + user + "/credentials");
        add("/connectors/files/list", user);
    }
    // API keys, without lastUsedAt (every request may touch it).
    auto keys = Admin("GET", "/api-keys").Json();
    for (auto& key : keys.at("apiKeys").as_array()) {
        key.as_object().erase("lastUsedAt");
    }
    return digest + boost::json::serialize(keys);
}

// ----- request builders (one per route; the table below says what each cell gets) -----

Request Get(std::string path) {
    return Request{.method = "GET", .path = std::move(path)};
}
Request Delete(std::string path) {
    return Request{.method = "DELETE", .path = std::move(path)};
}
Request WithBody(std::string method, std::string path, std::string body) {
    return Request{.method = std::move(method), .path = std::move(path), .body = std::move(body)};
}
Request Mcp(std::string method, std::string path) {
    Request request{
        .method = std::move(method), .path = std::move(path), .headers = {std::string(kAccept)}};
    if (request.method == "POST") {
        request.body = std::string(kPing);
    }
    request.stream = request.method == "GET";
    return request;
}
std::string CredentialBody(World& w, Target target) {
    return R"({"userId":")" + w.User(target) +
           R"(","authenticationType":"apiKey","data":{"apiKey":"k"}})";
}
std::string ForgedSignature() {
    return "?expires=4102444800&signature=" + std::string(43, 'A');
}

// clang-format off
// {admin, key, jwt, other_jwt, none, revoked}
const std::array kRows{
    // --- users (admin-only but for a user key's own user) ---
    Row{"POST /users", ActsAs::kPrincipal,
        [](World& w, Target) { return WithBody("POST", "/users", R"({"username":")" + w.Unique("user-") + R"("})"); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /users", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/users"); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /users/{userId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Get("/users/" + w.User(t)); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"PUT /users/{userId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return WithBody("PUT", "/users/" + w.User(t), R"({"fullName":"Renamed"})"); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"GET /users/{userId}/token", ActsAs::kPrincipal,
        [](World& w, Target t) { return Get("/users/" + w.User(t) + "/token"); },
        Statuses{200, 200, 403, 403, 401, 401},
        Statuses{200, 403, 403, 403, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},

    // --- files: an s3Key outside the effective user's is 404, like a missing one (API.md §3.5:
    // no existence leak) ---
    Row{"POST /connectors/files/upload/request", ActsAs::kEffectiveUser,
        [](World& w, Target) { return WithBody("POST", "/connectors/files/upload/request",
            R"({"filename":")" + w.Unique("up") + R"(.txt","mimeType":"text/plain","md5":"d41d8cd98f00b204e9800998ecf8427e"})"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},
    Row{"POST /connectors/files/download/request", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return WithBody("POST", "/connectors/files/download/request", R"({"s3Key":")" + w.File(t) + R"("})"); },
        Statuses{404, 200, 200, 404, 401, 401},
        Statuses{404, 404, 404, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"GET /connectors/files/list", ActsAs::kEffectiveUser,
        [](World&, Target) { return Get("/connectors/files/list"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},
    Row{"DELETE /connectors/files/{s3Key}", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return Delete("/connectors/files/" + w.Fresh("file", t)); },
        Statuses{404, 200, 200, 404, 401, 401},
        Statuses{404, 404, 404, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    // Signed URLs: the signature is the credential; a forged one gets 403 whoever calls.
    Row{"PUT /files/{s3Key}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Request{.method = "PUT", .path = "/files/" + w.File(t) + ForgedSignature(), .body = "forged",
            .headers = {"Content-Type: text/plain", "Content-MD5: " + Md5Base64("forged")}}; },
        Statuses{403, 403, 403, 403, 403, 403},
        Statuses{403, 403, 403, 403, 403, 403},
        Statuses{403, 403, 403, 403, 403, 403}},
    Row{"GET /files/{s3Key}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Get("/files/" + w.File(t) + ForgedSignature()); },
        Statuses{403, 403, 403, 403, 403, 403},
        Statuses{403, 403, 403, 403, 403, 403},
        Statuses{403, 403, 403, 403, 403, 403}},

    // --- the catalog (no user data; own = a connector that exists) ---
    Row{"GET /connectors", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/connectors"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /connectors/{connectorId}", ActsAs::kPrincipal,
        [](World&, Target t) { return Get(t == kMissing ? "/connectors/nope" : "/connectors/echo"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget,
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"GET /connectors/{connectorId}/resources", ActsAs::kPrincipal,
        [](World&, Target t) { return Get(t == kMissing ? "/connectors/nope/resources" : "/connectors/echo/resources"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget,
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"GET /connectors/{connectorId}/actions/{actionId}", ActsAs::kPrincipal,
        [](World&, Target t) { return Get(t == kMissing ? "/connectors/echo/actions/nope" : "/connectors/echo/actions/getItem"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget,
        Statuses{404, 404, 404, 404, 401, 401}},
    // Another user's credential is "not found" for the caller, exactly like a missing one.
    Row{"POST /connectors/{connectorId}/actions/{actionId}/execute", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return WithBody("POST", "/connectors/echo/actions/getItem/execute", R"({"credentialId":")" + w.Credential(t) + R"("})"); },
        Statuses{400, 200, 200, 400, 401, 401},
        Statuses{400, 400, 400, 200, 401, 401},
        Statuses{400, 400, 400, 400, 401, 401}},
    Row{"GET /connectors/{connectorId}/credentials/metadata", ActsAs::kEffectiveUser,
        [](World&, Target) { return Get("/connectors/echo/credentials/metadata"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},

    // --- credentials ---
    Row{"POST /connectors/{connectorId}/credentials", ActsAs::kPrincipal,
        [](World& w, Target t) { return WithBody("POST", "/connectors/echo/credentials", CredentialBody(w, t)); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"GET /connectors/{connectorId}/credentials", ActsAs::kEffectiveUser,
        [](World&, Target) { return Get("/connectors/echo/credentials"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},
    Row{"DELETE /connectors/{connectorId}/credentials/{credentialId}", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return Delete("/connectors/echo/credentials/" + w.Fresh("credential", t)); },
        Statuses{404, 200, 200, 404, 401, 401},
        Statuses{404, 404, 404, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"POST /users/{userId}/credentials", ActsAs::kPrincipal,
        [](World& w, Target t) { return WithBody("POST", "/users/" + w.User(t) + "/credentials",
            R"({"connectorId":"echo","authenticationType":"apiKey","data":{"apiKey":"k"}})"); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"GET /users/{userId}/credentials", ActsAs::kPrincipal,
        [](World& w, Target t) { return Get("/users/" + w.User(t) + "/credentials"); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"DELETE /users/{userId}/credentials/{credentialId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Delete("/users/" + w.User(t == kMissing ? kOwn : t) + "/credentials/" + w.Fresh("credential", t)); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 403, 401, 401}},

    // --- the OAuth browser flow: public; forged links and states get 400 ---
    Row{"GET /api/strategy/connector/{connectorId}/authorize", ActsAs::kPrincipal,
        [](World& w, Target t) { return Get("/api/strategy/connector/slack/authorize?token=forged-token-0000000000000000&userId=" + w.User(t)); },
        Statuses{400, 400, 400, 400, 400, 400},
        Statuses{400, 400, 400, 400, 400, 400},
        Statuses{400, 400, 400, 400, 400, 400}},
    Row{"GET /api/strategy/connector/{connectorId}/callback", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/api/strategy/connector/slack/callback?state=forged-state-000000000000000&code=c"); },
        Statuses{400, 400, 400, 400, 400, 400}, kNoTarget, kNoTarget},

    // --- MCP API URL (API key or JWT): the server must be the caller's own, or the caller an
    // admin. A GET that passes opens an event stream (200); a DELETE that passes wants
    // Mcp-Session-Id (400). ---
    Row{"POST /mcp/{serverId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Mcp("POST", "/mcp/" + w.Server(t)); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"GET /mcp/{serverId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Mcp("GET", "/mcp/" + w.Server(t)); },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"DELETE /mcp/{serverId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Mcp("DELETE", "/mcp/" + w.Server(t)); },
        Statuses{400, 400, 400, 403, 401, 401},
        Statuses{400, 403, 403, 400, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    // --- MCP token URL: the token in the path authorizes; Authorization is ignored, a user
    // token (x-alloy-user-token) names its own user on any server. ---
    Row{"POST /mcp/{serverId}/{accessToken}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Mcp("POST", w.TokenPath(t)); },
        Statuses{200, 200, 200, 200, 200, 200},
        Statuses{200, 200, 200, 200, 200, 200},
        Statuses{401, 401, 401, 401, 401, 401}},
    Row{"GET /mcp/{serverId}/{accessToken}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Mcp("GET", w.TokenPath(t)); },
        Statuses{200, 200, 200, 200, 200, 200},
        Statuses{200, 200, 200, 200, 200, 200},
        Statuses{401, 401, 401, 401, 401, 401}},
    Row{"DELETE /mcp/{serverId}/{accessToken}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Mcp("DELETE", w.TokenPath(t)); },
        Statuses{400, 400, 400, 400, 400, 400},
        Statuses{400, 400, 400, 400, 400, 400},
        Statuses{401, 401, 401, 401, 401, 401}},

    // --- MCP servers ---
    Row{"POST /api/servers", ActsAs::kEffectiveUser,
        [](World& w, Target) { return WithBody("POST", "/api/servers", R"({"name":")" + w.Unique("made ") + R"("})"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /api/servers", ActsAs::kEffectiveUser,
        [](World&, Target) { return Get("/api/servers"); },
        Statuses{200, 200, 200, 200, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /api/servers/{serverId}", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return Get("/api/servers/" + w.Server(t)); },
        Statuses{403, 200, 200, 403, 401, 401},
        Statuses{403, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"PUT /api/servers/{serverId}", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return WithBody("PUT", "/api/servers/" + w.Server(t), R"({"description":"changed"})"); },
        Statuses{403, 200, 200, 403, 401, 401},
        Statuses{403, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"DELETE /api/servers/{serverId}", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return Delete("/api/servers/" + w.Fresh("server", t)); },
        Statuses{403, 200, 200, 403, 401, 401},
        Statuses{403, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},
    Row{"POST /api/servers/{serverId}/rotate-token", ActsAs::kEffectiveUser,
        [](World& w, Target t) { return Request{.method = "POST", .path = "/api/servers/" + w.Fresh("server", t) + "/rotate-token"}; },
        Statuses{403, 200, 200, 403, 401, 401},
        Statuses{403, 403, 403, 200, 401, 401},
        Statuses{404, 404, 404, 404, 401, 401}},

    // --- auth configs (admin only; not owned by a user: own = one that exists) ---
    Row{"POST /auth-configs", ActsAs::kPrincipal,
        [](World& w, Target) { return WithBody("POST", "/auth-configs", R"({"connectorId":"slack","name":")" + w.Unique("app ") + R"(","clientId":"c","clientSecret":"s"})"); },
        Statuses{201, 403, 403, 403, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /auth-configs", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/auth-configs"); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget, kNoTarget},
    Row{"GET /auth-configs/{authConfigId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Get("/auth-configs/" + (t == kMissing ? std::string(kMissingUser) : w.auth_config)); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget,
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"PUT /auth-configs/{authConfigId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return WithBody("PUT", "/auth-configs/" + (t == kMissing ? std::string(kMissingUser) : w.auth_config), R"({"name":"renamed"})"); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget,
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"DELETE /auth-configs/{authConfigId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Delete("/auth-configs/" + w.Fresh("authConfig", t)); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget,
        Statuses{404, 403, 403, 403, 401, 401}},

    // --- API keys (admin only; own = a key of alice's) ---
    Row{"POST /api-keys", ActsAs::kPrincipal,
        [](World& w, Target t) { return WithBody("POST", "/api-keys", R"({"name":")" + w.Unique("k-") + R"(","role":"user","ownerUserId":")" + w.User(t) + R"("})"); },
        Statuses{201, 403, 403, 403, 401, 401},
        Statuses{201, 403, 403, 403, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
    Row{"GET /api-keys", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/api-keys"); },
        Statuses{200, 403, 403, 403, 401, 401}, kNoTarget, kNoTarget},
    Row{"DELETE /api-keys/{apiKeyId}", ActsAs::kPrincipal,
        [](World& w, Target t) { return Delete("/api-keys/" + w.Fresh("apiKey", t)); },
        Statuses{200, 403, 403, 403, 401, 401},
        Statuses{200, 403, 403, 403, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},

    // --- operations: public ---
    Row{"GET /healthz", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/healthz"); },
        Statuses{200, 200, 200, 200, 200, 200}, kNoTarget, kNoTarget},
    Row{"GET /readyz", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/readyz"); },
        Statuses{200, 200, 200, 200, 200, 200}, kNoTarget, kNoTarget},
    Row{"GET /openapi.json", ActsAs::kPrincipal,
        [](World&, Target) { return Get("/openapi.json"); },
        Statuses{200, 200, 200, 200, 200, 200}, kNoTarget, kNoTarget},

    // Each cell starts with live tokens (the cell before may have revoked them).
    Row{"POST /users/{userId}/token/revoke", ActsAs::kPrincipal,
        [](World& w, Target t) { w.RemintTokens(); return Request{.method = "POST", .path = "/users/" + w.User(t) + "/token/revoke"}; },
        Statuses{200, 200, 200, 403, 401, 401},
        Statuses{200, 403, 403, 200, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},

    // Last: the admin's cells delete alice and bob (with live tokens: the row above revoked them).
    Row{"DELETE /users/{userId}", ActsAs::kPrincipal,
        [](World& w, Target t) { w.RemintTokens(); return Delete("/users/" + w.User(t)); },
        Statuses{200, 403, 403, 403, 401, 401},
        Statuses{200, 403, 403, 403, 401, 401},
        Statuses{404, 403, 403, 403, 401, 401}},
};
// clang-format on

std::string RouteName(const http::Route& route) {
    return std::string(route.method) + " " + std::string(route.pattern);
}

const http::Route* FindRoute(std::string_view name) {
    for (const auto& route : http::AllRoutes()) {
        if (RouteName(route) == name) {
            return &route;
        }
    }
    return nullptr;
}

// Whether x-alloy-userid is resolved for this route (API-key routes with a user context and MCP
// API URLs; the catalog, public routes and token URLs do not resolve it).
bool ResolvesUserHeader(const Row& row) {
    const http::Route* route = FindRoute(row.route);
    // MCP API URLs resolve it in mcp::Gateway (their routes skip the pipeline's user context).
    return route != nullptr && (route->auth == http::AuthKind::kMcpApi ||
                                (route->auth == http::AuthKind::kApiKey && route->user_context));
}

bool IsTokenRoute(const Row& row) {
    const http::Route* route = FindRoute(row.route);
    return route != nullptr && route->auth == http::AuthKind::kMcpToken;
}

std::string PathTemplate(std::string_view route) {
    return std::string(route.substr(route.find(' ') + 1));
}

std::string Method(std::string_view route) {
    return std::string(route.substr(0, route.find(' ')));
}

// ----- running cells -----

struct Cells {
    const Row& row;
    Target target;
    Caller caller;
    std::vector<std::string> extra{};  // e.g. x-alloy-userid
    std::string note{};
    bool check_spec = false;  // validate the answer against openapi.yaml (the main matrix)
};

// Sends one cell and expects `expected`; returns the response.
HttpResult ExpectCell(World& world, const Cells& cell, int expected) {
    // Built first: a build may renew the callers' tokens.
    const Request request = cell.row.build(world, cell.target);
    auto headers = world.CallerHeaders(cell.caller);
    headers.insert(headers.end(), cell.extra.begin(), cell.extra.end());
    const HttpResult result = world.Send(request, headers);
    if (result.status != expected) {
        ADD_FAILURE() << cell.row.route << " | caller: " << kCallerNames[cell.caller]
                      << " | target: " << kTargetNames[cell.target] << cell.note << " | expected "
                      << expected << ", got " << result.status << "\n  " << request.method << " "
                      << request.path << "\n  answer: " << result.body.substr(0, 300);
    }
    if (cell.check_spec && !request.stream && !cell.row.route.starts_with("GET /files/") &&
        result.status != 0) {
        JUNCTION_EXPECT_SPEC(Method(cell.row.route), PathTemplate(cell.row.route), result);
    }
    return result;
}

const Cell& CellOf(const Row& row, Target target) {
    return target == kOwn ? row.own : target == kOther ? row.other : row.missing;
}

void ExpectRow(World& world, const Row& row, std::span<const Caller> callers) {
    // Callers outside: the admin's cells, last, may delete alice and bob themselves.
    for (const Caller caller : callers) {
        for (const Target target : {kOwn, kOther, kMissing}) {
            const Cell& cell = CellOf(row, target);
            if (cell) {
                (void)ExpectCell(
                    world,
                    Cells{.row = row, .target = target, .caller = caller, .check_spec = true},
                    (*cell)[caller]);
            }
        }
    }
}

class AuthorizationMatrixTest : public ::testing::TestWithParam<Backend> {
protected:
    World world_{GetParam()};
};

// ----- the table is complete -----

TEST(AuthorizationMatrixTable, RouteTableCoversEveryRoute) {
    for (const auto& route : http::AllRoutes()) {
        const std::string name = RouteName(route);
        const auto rows = std::count_if(
            kRows.begin(), kRows.end(), [&](const Row& row) { return row.route == name; });
        EXPECT_EQ(rows, 1) << "route without exactly one authorization matrix row: " << name;
    }
    for (const auto& row : kRows) {
        EXPECT_NE(FindRoute(row.route), nullptr) << "matrix row for no route: " << row.route;
    }
}

// ----- every route × caller × target -----

TEST_P(AuthorizationMatrixTest, EveryRouteCallerAndTarget) {
    for (const Row& row : kRows) {
        ExpectRow(world_, row, kCallerOrder);
    }
}

// ----- x-alloy-userid on every route -----

// What a cell gets when its caller names a user other than its own in x-alloy-userid.
int NamingAnotherUser(const Row& row, Caller caller) {
    if (IsTokenRoute(row)) {
        return 403;  // a private server's token URL takes no x-alloy-userid at all
    }
    if (ResolvesUserHeader(row) && caller != kNone && caller != kRevoked) {
        return 403;  // whoever it names, existing or not: no probing
    }
    return (*row.own)[caller];  // authentication comes first; other routes ignore the header
}

TEST_P(AuthorizationMatrixTest, NamingAnotherUserInXAlloyUserIdIsRefusedEverywhere) {
    World& w = world_;
    w.fresh = false;  // every cell must be refused: aim them at the fixture's own resources
    const std::string before = w.Digest();
    struct Naming {
        std::vector<Caller> callers;
        std::string reference;
        std::string what;
    };
    const std::vector<Naming> namings{
        {{kKey, kJwt, kNone, kRevoked}, w.bob, "bob's id"},
        {{kKey, kJwt}, "bob", "bob's username"},
        {{kKey, kJwt}, std::string(kMissingUser), "a missing id"},
        {{kKey, kJwt}, "nobody", "a missing username"},
        {{kOtherJwt}, w.alice, "alice's id"},
        {{kOtherJwt}, "alice", "alice's username"},
    };
    for (const Row& row : kRows) {
        for (const Naming& naming : namings) {
            for (const Caller caller : naming.callers) {
                (void)ExpectCell(w,
                                 Cells{.row = row,
                                       .target = kOwn,
                                       .caller = caller,
                                       .extra = {"x-alloy-userid: " + naming.reference},
                                       .note = " | x-alloy-userid: " + naming.what},
                                 NamingAnotherUser(row, caller));
            }
        }
    }
    EXPECT_EQ(w.Digest(), before) << "a refused request changed something";
}

TEST_P(AuthorizationMatrixTest, NamingOneselfInXAlloyUserIdChangesNothing) {
    World& w = world_;
    for (const Row& row : kRows) {
        if (!ResolvesUserHeader(row)) {
            continue;
        }
        for (const Target target : {kOwn, kOther, kMissing}) {
            const Cell& cell = CellOf(row, target);
            if (!cell) {
                continue;
            }
            for (const auto& [caller, reference] : std::vector<std::pair<Caller, std::string>>{
                     {kKey, w.alice}, {kJwt, "alice"}, {kOtherJwt, w.bob}}) {
                (void)ExpectCell(w,
                                 Cells{.row = row,
                                       .target = target,
                                       .caller = caller,
                                       .extra = {"x-alloy-userid: " + reference},
                                       .note = " | x-alloy-userid: itself (" + reference + ")"},
                                 (*cell)[caller]);
            }
        }
    }
}

// An admin naming bob acts as bob: bob's data (as bob's own JWT would), with admin rights.
TEST_P(AuthorizationMatrixTest, AnAdminNamingAUserActsAsThatUser) {
    World& w = world_;
    for (const Row& row : kRows) {
        const bool resolves = ResolvesUserHeader(row);
        for (const Target target : {kOwn, kOther, kMissing}) {
            const Cell& cell = CellOf(row, target);
            if (!cell || IsTokenRoute(row)) {
                continue;
            }
            (void)ExpectCell(w,
                             Cells{.row = row,
                                   .target = target,
                                   .caller = kAdmin,
                                   .extra = {"x-alloy-userid: nobody"},
                                   .note = " | x-alloy-userid: a missing user"},
                             resolves ? 404 : (*cell)[kAdmin]);
            const bool as_bob = resolves && row.acts_as == ActsAs::kEffectiveUser;
            // The admin's DELETE /users cells delete their target: name bob once there.
            std::vector<std::string> references{w.bob};
            if (row.route != "DELETE /users/{userId}") {
                references.emplace_back("bob");
            }
            for (const std::string& reference : references) {
                (void)ExpectCell(w,
                                 Cells{.row = row,
                                       .target = target,
                                       .caller = kAdmin,
                                       .extra = {"x-alloy-userid: " + reference},
                                       .note = " | x-alloy-userid: bob (" + reference + ")"},
                                 as_bob ? (*cell)[kOtherJwt] : (*cell)[kAdmin]);
            }
        }
    }
}

// ----- finding 1: the rename attack, end to end -----

TEST_P(AuthorizationMatrixTest, RenamingOneselfToAnotherUsersIdGrantsNothing) {
    World& w = world_;
    const std::string before = w.Digest();
    for (const Caller caller : {kKey, kJwt}) {
        const auto renamed =
            w.Send(WithBody("PUT", "/users/" + w.alice, R"({"username":")" + w.bob + R"("})"),
                   w.CallerHeaders(caller));
        EXPECT_EQ(renamed.status, 400) << kCallerNames[caller] << ": " << renamed.body;
        JUNCTION_EXPECT_SPEC("PUT", "/users/{userId}", renamed);
    }
    EXPECT_EQ(w.Digest(), before);

    // Data written before the fix: alice's username is bob's id.
    auto row = w.server.App().Store().FindUserById(w.alice);
    ASSERT_TRUE(row.has_value());
    row->username = w.bob;
    ASSERT_TRUE(w.server.App().Store().UpdateUser(*row).has_value());

    // The old attack: mint bob's token, then act as bob.
    EXPECT_EQ(w.Send(Get("/users/" + w.bob + "/token"), w.CallerHeaders(kKey)).status, 403);
    // Every cell of alice's key and JWT is as it was: bob's id names bob, not alice.
    const std::array alice_callers{kKey, kJwt};
    for (const Row& matrix_row : kRows) {
        ExpectRow(w, matrix_row, alice_callers);
    }
    w.fresh = false;
    const std::string renamed = w.Digest();
    for (const Row& matrix_row : kRows) {
        for (const Caller caller : alice_callers) {
            (void)ExpectCell(
                w,
                Cells{.row = matrix_row,
                      .target = kOwn,
                      .caller = caller,
                      .extra = {"x-alloy-userid: " + w.bob},
                      .note = " | alice renamed to bob's id; x-alloy-userid: bob's id"},
                NamingAnotherUser(matrix_row, caller));
        }
    }
    EXPECT_EQ(w.Digest(), renamed) << "a refused request changed something";
}

// ----- finding 3: public servers and users restrictions are an admin's decision -----

HttpResult CallTool(const World& w,
                    const std::string& path,
                    std::string_view tool,
                    const std::string& arguments,
                    std::vector<std::string> headers) {
    headers.emplace_back(kAccept);
    return w.Send(
        WithBody("POST",
                 path,
                 Rpc("tools/call",
                     R"({"name":")" + std::string(tool) + R"(","arguments":)" + arguments + "}")),
        std::move(headers));
}

// The tool's answer: {isError, the text parsed as JSON}.
std::pair<bool, boost::json::value> ToolResult(const HttpResult& answer) {
    const auto json = answer.Json();
    const auto* result = json.is_object() ? json.as_object().if_contains("result") : nullptr;
    if (result == nullptr) {
        return {true, json};
    }
    const auto* is_error = result->as_object().if_contains("isError");
    const auto& text = result->at("content").as_array().at(0).at("text").as_string();
    return {is_error != nullptr && is_error->as_bool(), boost::json::parse(text)};
}

std::string Credentials(const World& w, const std::string& path, std::vector<std::string> headers) {
    const auto listed =
        CallTool(w, path, "get_credentials_alloy", R"({"connectorId":"echo"})", std::move(headers));
    EXPECT_EQ(listed.status, 200) << listed.body;
    return boost::json::serialize(ToolResult(listed).second);
}

TEST_P(AuthorizationMatrixTest, OnlyAnAdminOpensAServerToOtherUsers) {
    World& w = world_;
    const std::string before = w.Digest();
    const std::string users =
        R"({"users":{"mode":"allowlist","allowedIds":[")" + w.alice + R"("]}})";
    for (const Caller caller : {kKey, kJwt}) {
        for (const auto& request : {
                 WithBody("POST", "/api/servers", R"({"name":"open","isPublic":true})"),
                 WithBody(
                     "POST", "/api/servers", R"({"name":"limited","restrictions":)" + users + "}"),
                 WithBody("PUT", "/api/servers/" + w.alice_has.server, R"({"isPublic":true})"),
                 WithBody("PUT",
                          "/api/servers/" + w.alice_has.server,
                          R"({"restrictions":)" + users + "}"),
             }) {
            const auto refused = w.Send(request, w.CallerHeaders(caller));
            EXPECT_EQ(refused.status, 403) << kCallerNames[caller] << " " << request.method << " "
                                           << request.path << " " << *request.body;
            EXPECT_EQ(refused.ErrorCode(), "FORBIDDEN");
        }
    }
    EXPECT_EQ(w.Digest(), before) << "a refused request changed something";

    // An admin opens a server of alice's to alice and bob, not carol.
    (void)w.server.CreateUser("carol");
    const auto created = w.Admin(
        "POST",
        "/api/servers",
        R"({"name":"shared","isPublic":true,"restrictions":{"users":{"mode":"allowlist","allowedIds":[")" +
            w.alice + R"(",")" + w.bob + R"("]}}})",
        w.alice);
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string id(created.Json().at("serverId").as_string());
    const std::string path =
        "/mcp/" + id + "/" + std::string(created.Json().at("accessToken").as_string());
    EXPECT_NE(Credentials(w, path, {"x-alloy-userid: " + w.bob}).find(w.bob_has.credential),
              std::string::npos);
    EXPECT_NE(Credentials(w, path, {"x-alloy-userid: bob"}).find(w.bob_has.credential),
              std::string::npos);
    EXPECT_NE(Credentials(w, path, {}).find(w.alice_has.credential), std::string::npos);
    // A user the server does not allow and one that does not exist look the same: the token's
    // holder is no admin and learns nothing about other users.
    for (const std::string& refused :
         {std::string("carol"), std::string(kMissingUser), std::string("nobody")}) {
        const auto answer = w.Send(Mcp("POST", path), {"x-alloy-userid: " + refused});
        EXPECT_EQ(answer.status, 403) << refused << ": " << answer.body;
    }
    // Alice keeps what the admin set when she changes other fields, and may close it again.
    const auto described = w.Send(
        WithBody("PUT", "/api/servers/" + id, R"({"description":"ours"})"), w.CallerHeaders(kKey));
    EXPECT_EQ(described.status, 200) << described.body;
    EXPECT_EQ(described.Json().at("isPublic"), true);
    const auto closed = w.Send(WithBody("PUT", "/api/servers/" + id, R"({"isPublic":false})"),
                               w.CallerHeaders(kJwt));
    EXPECT_EQ(closed.status, 200) << closed.body;
    EXPECT_EQ(w.Send(Mcp("POST", path), {"x-alloy-userid: " + w.bob}).status, 403);
    const auto reopened = w.Send(WithBody("PUT", "/api/servers/" + id, R"({"isPublic":true})"),
                                 w.CallerHeaders(kKey));
    EXPECT_EQ(reopened.status, 403) << reopened.body;
}

// ----- every MCP tool -----

struct ToolArguments {
    std::string_view tool;
    std::string arguments;
};

std::vector<ToolArguments> EveryTool(const World& w) {
    return {
        {"list_connectors_alloy", "{}"},
        {"get_connector_resources_alloy", R"({"connectorId":"echo"})"},
        {"get_action_details_alloy", R"({"connectorId":"echo","actionId":"getItem"})"},
        {"execute_action_alloy",
         R"({"connectorId":"echo","actionId":"getItem","parameters":{},"credentialId":")" +
             w.bob_has.credential + R"("})"},
        {"create_credential_alloy",
         R"({"connectorId":"echo","authenticationType":"apiKey","fields":{"apiKey":"k"}})"},
        {"get_credentials_alloy", R"({"connectorId":"echo"})"},
        {"get_credential_metadata_alloy", R"({"connectorId":"echo"})"},
        {"discover_action_path_alloy", R"({"goal":"get an item"})"},
    };
}

// With alice's server (token URL or API URL) and alice as the user, no tool reaches bob.
void ExpectToolsActForAlice(World& w,
                            const std::string& path,
                            const std::vector<std::string>& as_alice) {
    const std::size_t upstream_calls = w.upstream.CallCount("/api/item");
    for (const auto& [tool, arguments] : EveryTool(w)) {
        const auto answer = CallTool(w, path, tool, arguments, as_alice);
        ASSERT_EQ(answer.status, 200) << path << " " << tool << ": " << answer.body;
        const auto [is_error, output] = ToolResult(answer);
        const std::string text = boost::json::serialize(output);
        EXPECT_EQ(text.find(w.bob_has.credential), std::string::npos)
            << tool << " leaked bob's credential: " << text;
        if (tool == "execute_action_alloy") {
            EXPECT_TRUE(is_error) << text;  // bob's credentialId
            EXPECT_EQ(output.at("error").at("code"), "CREDENTIAL_NOT_FOUND") << text;
        } else {
            EXPECT_FALSE(is_error) << tool << ": " << text;
        }
        if (tool == "create_credential_alloy" && !is_error) {
            const std::string created(output.at("credentialId").as_string());
            EXPECT_NE(w.Admin("GET", "/users/" + w.alice + "/credentials").body.find(created),
                      std::string::npos)
                << "the credential a tool created is not alice's";
        }
    }
    // bob's credential named in x-credential-id is not a fallback either.
    auto with_header = as_alice;
    with_header.push_back("x-credential-id: " + w.bob_has.credential);
    const auto header = CallTool(w,
                                 path,
                                 "execute_action_alloy",
                                 R"({"connectorId":"echo","actionId":"getItem","parameters":{}})",
                                 with_header);
    ASSERT_EQ(header.status, 200) << header.body;
    EXPECT_TRUE(ToolResult(header).first) << header.body;
    EXPECT_EQ(ToolResult(header).second.at("error").at("code"), "CREDENTIAL_NOT_FOUND");
    EXPECT_EQ(w.upstream.CallCount("/api/item"), upstream_calls) << "bob's credential was used";
    // Alice's own credential works (the control).
    const auto own =
        CallTool(w,
                 path,
                 "execute_action_alloy",
                 R"({"connectorId":"echo","actionId":"getItem","parameters":{},"credentialId":")" +
                     w.alice_has.credential + R"("})",
                 as_alice);
    EXPECT_FALSE(ToolResult(own).first) << own.body;
    EXPECT_EQ(w.upstream.CallCount("/api/item"), upstream_calls + 1);
}

TEST_P(AuthorizationMatrixTest, EveryMcpToolActsOnlyForItsUser) {
    World& w = world_;
    const std::string token_url = w.TokenPath(kOwn);
    const std::string api_url = "/mcp/" + w.alice_has.server;
    ExpectToolsActForAlice(w, token_url, {});
    ExpectToolsActForAlice(w, token_url, {"x-alloy-user-token: " + w.alice_jwt});
    ExpectToolsActForAlice(w, api_url, w.CallerHeaders(kKey));
    ExpectToolsActForAlice(w, api_url, w.CallerHeaders(kJwt));

    // Acting as bob on alice's server: refused for the whole request (HTTP 403), whatever the tool.
    w.fresh = false;
    const std::string before = w.Digest();
    const auto naming_bob = [&](std::vector<std::string> headers) {
        headers.push_back("x-alloy-userid: " + w.bob);
        return headers;
    };
    const std::vector<std::pair<std::string, std::vector<std::string>>> refused{
        {token_url, naming_bob({})},
        {token_url, naming_bob({"x-alloy-user-token: " + w.alice_jwt})},
        {api_url, naming_bob(w.CallerHeaders(kKey))},
        {api_url, naming_bob(w.CallerHeaders(kJwt))},
        {api_url, w.CallerHeaders(kOtherJwt)},
        {"/mcp/" + w.bob_has.server, w.CallerHeaders(kKey)},
        {"/mcp/" + w.bob_has.server, w.CallerHeaders(kJwt)},
    };
    for (const auto& [path, headers] : refused) {
        for (const auto& [tool, arguments] : EveryTool(w)) {
            const auto answer = CallTool(w, path, tool, arguments, headers);
            EXPECT_EQ(answer.status, 403)
                << path << " " << tool << " " << headers.back() << ": " << answer.body;
            EXPECT_EQ(answer.ErrorCode(), "FORBIDDEN") << answer.body;
        }
    }
    EXPECT_EQ(w.Digest(), before) << "a refused tool call changed something";

    // An admin naming bob on alice's server acts as bob: bob's credential, not alice's.
    const auto as_bob = naming_bob(w.CallerHeaders(kAdmin));
    EXPECT_NE(Credentials(w, api_url, as_bob).find(w.bob_has.credential), std::string::npos);
    EXPECT_EQ(Credentials(w, api_url, as_bob).find(w.alice_has.credential), std::string::npos);
    const auto executed =
        CallTool(w, api_url, "execute_action_alloy", EveryTool(w)[3].arguments, as_bob);
    EXPECT_FALSE(ToolResult(executed).first) << executed.body;
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AuthorizationMatrixTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace junction
