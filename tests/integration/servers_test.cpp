// MCP server management end to end over loopback HTTP, on SQLite and PostgreSQL (API.md §3.8):
// create, list, get, update, delete, token rotation and expiry, restriction validation, owner
// isolation, user deletion, and an access token that never shows up after it was issued.
#include <algorithm>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/service/mcp_server_service.hpp"
#include "junction/storage/store.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::HttpResult;
using testing::TestServer;
using testing::TestServerOptions;

constexpr const char* kServers = "/api/servers";
constexpr const char* kServer = "/api/servers/{serverId}";
constexpr const char* kRotate = "/api/servers/{serverId}/rotate-token";

/// Records what McpServerService tells its listener.
struct Recorder final : service::ServerChangeListener {
    void OnServerChanged(std::string_view server_id) override {
        events.push_back("changed:" + std::string(server_id));
    }
    void OnServerClosed(std::string_view server_id) override {
        events.push_back("closed:" + std::string(server_id));
    }
    std::vector<std::string> events;
};

class ServersTest : public ::testing::TestWithParam<Backend> {
protected:
    ServersTest() : server_(TestServerOptions{.backend = GetParam()}) {
        alice_ = server_.CreateUser("alice");
        bob_ = server_.CreateUser("bob");
        alice_key_ = server_.CreateKey("user", alice_);
        bob_key_ = server_.CreateKey("user", bob_);
    }

    static std::vector<std::string> As(const std::string& key, bool json = true) {
        std::vector<std::string> headers{"Authorization: Bearer " + key};
        if (json) {
            headers.emplace_back("Content-Type: application/json");
        }
        return headers;
    }
    HttpResult Send(const std::string& method,
                    const std::string& path,
                    const std::string& key,
                    const std::string& body = "") {
        return server_.Client().Send(method, path, As(key, !body.empty()), body);
    }
    HttpResult Create(const std::string& body, const std::string& key) {
        return Send("POST", std::string(kServers), key, body);
    }
    /// As the admin key acting for `user_id` (x-alloy-userid): only an admin may make a server
    /// public or restrict its users.
    HttpResult SendAsAdminFor(const std::string& user_id,
                              const std::string& method,
                              const std::string& path,
                              const std::string& body) {
        auto headers = As(server_.AdminKey());
        headers.push_back("x-alloy-userid: " + user_id);
        return server_.Client().Send(method, path, headers, body);
    }
    /// Creates a server for alice named `name`; returns the create response's body.
    boost::json::value CreateForAlice(const std::string& name, const std::string& extra = "") {
        const auto created = Create(R"({"name":")" + name + "\"" + extra + "}", alice_key_);
        EXPECT_EQ(created.status, 200) << created.body;
        JUNCTION_EXPECT_SPEC("POST", kServers, created);
        return created.Json();
    }
    static std::string Id(const boost::json::value& server) {
        return std::string(server.at("serverId").as_string());
    }
    static std::string Token(const boost::json::value& server) {
        return std::string(server.at("accessToken").as_string());
    }
    Result<service::McpServerContext> Authenticate(const std::string& id,
                                                   const std::string& token) {
        return server_.App().Servers().AuthenticateToken(id, token);
    }
    static std::vector<std::string> ErrorFields(const HttpResult& result) {
        std::vector<std::string> fields;
        const auto json = result.Json();
        const auto* details = json.at("error").as_object().if_contains("details");
        if (details == nullptr) {
            return fields;
        }
        for (const auto& error : details->at("errors").as_array()) {
            fields.emplace_back(error.at("field").as_string());
        }
        return fields;
    }

    TestServer server_;
    std::string alice_;
    std::string bob_;
    std::string alice_key_;
    std::string bob_key_;
};

TEST_P(ServersTest, CreateReturnsTheServerWithItsTokenOnce) {
    const std::string body =
        R"({"name":"Production Server","description":"Main","customInstructions":"Prefer Slack",
            "tokenExpiresInDays":90,"isPublic":true,"mode":"connectivity",
            "restrictions":{"connectors":{"mode":"allowlist","allowedIds":["slack","notion"]}}})";
    const auto created = SendAsAdminFor(alice_, "POST", std::string(kServers), body);
    ASSERT_EQ(created.status, 200) << created.body;
    JUNCTION_EXPECT_SPEC("POST", kServers, created);
    EXPECT_EQ(created.Header("cache-control"), "no-store");  // accessUrl holds the token
    EXPECT_EQ(created.Header("pragma"), "no-cache");
    const auto server = created.Json();
    const std::string id = Id(server);
    const std::string token = Token(server);
    EXPECT_TRUE(std::regex_match(id, std::regex("^production-server-[0-9a-f]{8}$"))) << id;
    EXPECT_TRUE(std::regex_match(token, std::regex("^mcp_[A-Za-z0-9_-]{43}$"))) << token;
    const std::string url(server.at("url").as_string());
    EXPECT_EQ(url, server_.Client().BaseUrl() + "/mcp/" + id);
    EXPECT_EQ(server.at("accessUrl").as_string(), url + "/" + token);
    EXPECT_EQ(server.at("name").as_string(), "Production Server");
    EXPECT_EQ(server.at("description").as_string(), "Main");
    EXPECT_EQ(server.at("customInstructions").as_string(), "Prefer Slack");
    EXPECT_EQ(server.at("mode").as_string(), "connectivity");
    EXPECT_TRUE(server.at("isPublic").as_bool());
    EXPECT_EQ(server.at("ownerUserId").as_string(), alice_);
    EXPECT_EQ(server.at("tokenExpiresInDays").as_int64(), 90);
    EXPECT_TRUE(server.at("tokenExpiresAt").is_string());
    EXPECT_EQ(
        boost::json::serialize(server.at("restrictions")),
        R"({"connectors":{"mode":"allowlist","allowedIds":["slack","notion"],"blockedIds":[]}})");
    EXPECT_TRUE(server.at("hasRestrictions").as_bool());
    EXPECT_EQ(server.at("createdAt"), server.at("updatedAt"));

    const auto authenticated = Authenticate(id, token);
    ASSERT_TRUE(authenticated.has_value());
    EXPECT_EQ(authenticated->row.owner_user_id, alice_);
    EXPECT_TRUE(authenticated->restrictions->ConnectorAllowed("slack"));
    EXPECT_FALSE(authenticated->restrictions->ConnectorAllowed("github"));
}

TEST_P(ServersTest, DefaultsAreNoExpiryNoRestrictionsPrivate) {
    const auto server = CreateForAlice("x");
    EXPECT_TRUE(std::regex_match(Id(server), std::regex("^x-[0-9a-f]{8}$")));
    EXPECT_TRUE(server.at("tokenExpiresInDays").is_null());
    EXPECT_TRUE(server.at("tokenExpiresAt").is_null());
    EXPECT_EQ(boost::json::serialize(server.at("restrictions")), "{}");
    EXPECT_FALSE(server.at("hasRestrictions").as_bool());
    EXPECT_FALSE(server.at("isPublic").as_bool());
    EXPECT_EQ(server.at("description").as_string(), "");
    EXPECT_EQ(server.at("customInstructions").as_string(), "");
}

TEST_P(ServersTest, AnAdminCreatesForTheEffectiveUser) {
    auto headers = server_.AdminHeaders();
    headers.emplace_back("Content-Type: application/json");
    headers.emplace_back("x-alloy-userid: bob");
    const auto created =
        server_.Client().Send("POST", std::string(kServers), headers, R"({"name":"For Bob"})");
    ASSERT_EQ(created.status, 200) << created.body;
    EXPECT_EQ(created.Json().at("ownerUserId").as_string(), bob_);
    const auto listed = Send("GET", std::string(kServers), bob_key_);
    EXPECT_EQ(listed.Json().at("total").as_int64(), 1);
}

TEST_P(ServersTest, EveryInvalidFieldIsA400NamingIt) {
    const std::string long_text(10'001, 'd');
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({})", "name"},
        {R"({"name":""})", "name"},
        {R"({"name":"-leading"})", "name"},
        {R"({"name":"trailing-"})", "name"},
        {R"({"name":" space"})", "name"},
        {R"({"name":"bad!char"})", "name"},
        {R"({"name":")" + std::string(101, 'a') + "\"}", "name"},
        {R"({"name":42})", "name"},
        {R"({"name":"ok","description":")" + long_text + "\"}", "description"},
        {R"({"name":"ok","customInstructions":")" + long_text + "\"}", "customInstructions"},
        {R"({"name":"ok","mode":"workflow"})", "mode"},
        {R"({"name":"ok","isPublic":"yes"})", "isPublic"},
        {R"({"name":"ok","tokenExpiresInDays":0})", "tokenExpiresInDays"},
        {R"({"name":"ok","tokenExpiresInDays":366})", "tokenExpiresInDays"},
        {R"({"name":"ok","tokenExpiresInDays":"30"})", "tokenExpiresInDays"},
        {R"({"name":"ok","tokenExpiresInDays":1.5})", "tokenExpiresInDays"},
        {R"({"name":"ok","restrictions":"all"})", "restrictions"},
        {R"({"name":"ok","restrictions":{"connectors":{"allowedIds":["slack"]}}})",
         "restrictions.connectors.mode"},
        {R"({"name":"ok","restrictions":{"connectors":{"mode":"greylist"}}})",
         "restrictions.connectors.mode"},
        {R"({"name":"ok","restrictions":{"connectors":{"mode":"allowlist","blockedIds":["slack"]}}})",
         "restrictions.connectors.blockedIds"},
        {R"({"name":"ok","restrictions":{"actions":{"mode":"blocklist","allowedActions":["chat_delete"]}}})",
         "restrictions.actions.allowedActions"},
        {R"({"name":"ok","restrictions":{"connectors":{"mode":"allowlist","allowedIds":"slack"}}})",
         "restrictions.connectors.allowedIds"},
        {R"({"name":"ok","restrictions":{"users":{"mode":"allowlist","allowedIds":["not-a-user"]}}})",
         "restrictions.users.allowedIds"},
        {R"({"name":"ok","restrictions":{"users":"everyone"}})", "restrictions.users"},
    };
    for (const auto& [body, field] : cases) {
        const auto response = Create(body, alice_key_);
        EXPECT_EQ(response.status, 400) << body;
        EXPECT_EQ(response.ErrorCode(), "INVALID_REQUEST") << body;
        EXPECT_EQ(ErrorFields(response), std::vector<std::string>{field}) << body << response.body;
        JUNCTION_EXPECT_SPEC("POST", kServers, response);
    }
    const auto not_object = Create(R"(["name"])", alice_key_);
    EXPECT_EQ(not_object.status, 400);
    EXPECT_EQ(not_object.ErrorMessage(), "Request body must be a JSON object");
    EXPECT_EQ(Send("GET", std::string(kServers), alice_key_).Json().at("total").as_int64(), 0);
}

TEST_P(ServersTest, UnknownConnectorsAndActionsAreListed) {
    const auto response = Create(
        R"({"name":"ok","restrictions":{
            "connectors":{"mode":"allowlist","allowedIds":["slack","nope"]},
            "actions":{"mode":"blocklist","blockedActions":
                ["chat_delete","slack.chat_postMessage","slack.nope","github.chat_delete",
                 "no_such_action"]}}})",
        alice_key_);
    ASSERT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorCode(), "INVALID_REQUEST");
    JUNCTION_EXPECT_SPEC("POST", kServers, response);
    EXPECT_EQ(boost::json::serialize(response.Json().at("error").at("details").at("unknown")),
              R"(["nope","slack.nope","github.chat_delete","no_such_action"])");
    EXPECT_EQ(ErrorFields(response).size(), 4U);

    // Known ids in both forms, a user blocklist and an empty allowlist are fine.
    // (A users restriction needs the admin key.)
    const auto created = SendAsAdminFor(alice_, "POST", std::string(kServers), R"({"name":"ok",
        "restrictions":{
            "actions":{"mode":"blocklist","blockedActions":["chat_delete","slack.chat_update"]},
            "users":{"mode":"blocklist","blockedIds":["68c3229752345278627ae373"],"allowedIds":[]},
            "connectors":{"mode":"allowlist","allowedIds":[]}}})");
    ASSERT_EQ(created.status, 200) << created.body;
    const auto fine = created.Json();
    EXPECT_EQ(
        boost::json::serialize(fine.at("restrictions")),
        R"({"connectors":{"mode":"allowlist","allowedIds":[],"blockedIds":[]},)"
        R"("actions":{"mode":"blocklist","allowedActions":[],"blockedActions":["chat_delete","slack.chat_update"]},)"
        R"("users":{"mode":"blocklist","allowedIds":[],"blockedIds":["68c3229752345278627ae373"]}})");
    EXPECT_TRUE(fine.at("hasRestrictions").as_bool());
}

TEST_P(ServersTest, NamesAreUniquePerOwnerCaseInsensitively) {
    (void)CreateForAlice("Prod Server");
    const auto again = Create(R"({"name":"PROD server"})", alice_key_);
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.ErrorCode(), "CONFLICT");
    EXPECT_EQ(again.ErrorMessage(), "A server named 'PROD server' already exists");
    JUNCTION_EXPECT_SPEC("POST", kServers, again);
    const auto for_bob = Create(R"({"name":"Prod Server"})", bob_key_);
    EXPECT_EQ(for_bob.status, 200);
}

TEST_P(ServersTest, ListIsTheOwnersServersNewestFirstInPages) {
    for (const std::string name : {"one", "two", "three"}) {
        (void)CreateForAlice(name);
    }
    (void)Create(R"({"name":"bobs"})", bob_key_);

    const auto listed = Send("GET", std::string(kServers), alice_key_);
    ASSERT_EQ(listed.status, 200);
    JUNCTION_EXPECT_SPEC("GET", kServers, listed);
    const auto json = listed.Json();
    const auto& servers = json.at("servers").as_array();
    ASSERT_EQ(servers.size(), 3U);
    EXPECT_EQ(json.at("count").as_int64(), 3);
    EXPECT_EQ(json.at("total").as_int64(), 3);
    EXPECT_EQ(json.at("limit").as_int64(), 1000);
    EXPECT_EQ(json.at("offset").as_int64(), 0);
    EXPECT_FALSE(json.at("hasMore").as_bool());
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& server : servers) {
        EXPECT_EQ(server.at("ownerUserId").as_string(), alice_);
        EXPECT_FALSE(server.as_object().contains("accessToken"));
        EXPECT_FALSE(server.as_object().contains("accessUrl"));
        keys.emplace_back(server.at("createdAt").as_string(), server.at("serverId").as_string());
    }
    EXPECT_TRUE(std::is_sorted(keys.rbegin(), keys.rend()));

    const auto first = Send("GET", std::string(kServers) + "?limit=2", alice_key_);
    JUNCTION_EXPECT_SPEC("GET", kServers, first);
    EXPECT_EQ(first.Json().at("count").as_int64(), 2);
    EXPECT_EQ(first.Json().at("total").as_int64(), 3);
    EXPECT_TRUE(first.Json().at("hasMore").as_bool());
    const auto rest = Send("GET", std::string(kServers) + "?limit=2&offset=2", alice_key_);
    EXPECT_EQ(rest.Json().at("count").as_int64(), 1);
    EXPECT_FALSE(rest.Json().at("hasMore").as_bool());
    EXPECT_EQ(rest.Json().at("servers").as_array()[0].at("serverId"), servers[2].at("serverId"));

    for (const std::string query : {"limit=0", "limit=1001", "offset=-1", "limit=x"}) {
        const auto bad = Send("GET", std::string(kServers) + "?" + query, alice_key_);
        EXPECT_EQ(bad.status, 400) << query;
        JUNCTION_EXPECT_SPEC("GET", kServers, bad);
    }
}

TEST_P(ServersTest, OnlyTheOwnerSeesAServer) {
    const std::string id = Id(CreateForAlice("mine"));
    const auto own = Send("GET", "/api/servers/" + id, alice_key_);
    ASSERT_EQ(own.status, 200);
    JUNCTION_EXPECT_SPEC("GET", kServer, own);
    EXPECT_FALSE(own.Json().as_object().contains("accessToken"));
    EXPECT_FALSE(own.Json().as_object().contains("accessUrl"));

    const auto other = Send("GET", "/api/servers/" + id, bob_key_);
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(other.ErrorCode(), "FORBIDDEN");
    JUNCTION_EXPECT_SPEC("GET", kServer, other);
    for (const std::string method : {"PUT", "DELETE"}) {
        const auto denied = Send(
            method, "/api/servers/" + id, bob_key_, method == "PUT" ? R"({"name":"stolen"})" : "");
        EXPECT_EQ(denied.status, 403) << method;
    }
    const auto rotate = Send("POST", "/api/servers/" + id + "/rotate-token", bob_key_);
    EXPECT_EQ(rotate.status, 403);
    JUNCTION_EXPECT_SPEC("POST", kRotate, rotate);

    const auto unknown = Send("GET", "/api/servers/nope-12345678", alice_key_);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.ErrorCode(), "NOT_FOUND");
    EXPECT_EQ(unknown.ErrorMessage(), "Server 'nope-12345678' not found");
    JUNCTION_EXPECT_SPEC("GET", kServer, unknown);

    const auto anonymous = server_.Client().Send("GET", std::string(kServers), {});
    EXPECT_EQ(anonymous.status, 401);
    JUNCTION_EXPECT_SPEC("GET", kServers, anonymous);
}

TEST_P(ServersTest, UpdateIsPartialAndReplacesRestrictionsWhole) {
    Recorder recorder;
    server_.App().Servers().SetChangeListener(&recorder);
    const auto created = CreateForAlice(
        "Before",
        R"(,"description":"old","restrictions":{"connectors":{"mode":"allowlist","allowedIds":["slack"]}})");
    const std::string id = Id(created);
    const std::string path = "/api/servers/" + id;

    const auto described =
        SendAsAdminFor(alice_, "PUT", path, R"({"description":"new","isPublic":true})");
    ASSERT_EQ(described.status, 200) << described.body;
    JUNCTION_EXPECT_SPEC("PUT", kServer, described);
    EXPECT_EQ(described.Json().at("name").as_string(), "Before");
    EXPECT_EQ(described.Json().at("description").as_string(), "new");
    EXPECT_TRUE(described.Json().at("isPublic").as_bool());
    EXPECT_EQ(described.Json().at("restrictions"), created.at("restrictions"));
    EXPECT_FALSE(described.Json().as_object().contains("accessToken"));

    const auto replaced = Send(
        "PUT",
        path,
        alice_key_,
        R"({"name":"After","restrictions":{"actions":{"mode":"blocklist","blockedActions":["chat_delete"]}}})");
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    EXPECT_EQ(replaced.Json().at("serverId").as_string(), id);  // never changes on rename
    EXPECT_EQ(replaced.Json().at("name").as_string(), "After");
    EXPECT_EQ(
        boost::json::serialize(replaced.Json().at("restrictions")),
        R"({"actions":{"mode":"blocklist","allowedActions":[],"blockedActions":["chat_delete"]}})");

    const auto cleared = Send("PUT", path, alice_key_, R"({"restrictions":null})");
    ASSERT_EQ(cleared.status, 200);
    EXPECT_EQ(boost::json::serialize(cleared.Json().at("restrictions")), "{}");
    EXPECT_FALSE(cleared.Json().at("hasRestrictions").as_bool());
    EXPECT_EQ(cleared.Json().at("description").as_string(), "new");

    const auto fetched = Send("GET", path, alice_key_);
    EXPECT_EQ(fetched.Json().at("name").as_string(), "After");
    EXPECT_EQ(boost::json::serialize(fetched.Json().at("restrictions")), "{}");
    EXPECT_EQ(recorder.events,
              (std::vector<std::string>{"changed:" + id, "changed:" + id, "changed:" + id}));
    server_.App().Servers().SetChangeListener(nullptr);
}

TEST_P(ServersTest, BadUpdatesAreRefusedAndChangeNothing) {
    const std::string id = Id(CreateForAlice("Stable"));
    (void)CreateForAlice("Taken");
    const std::string path = "/api/servers/" + id;
    const std::string before = Send("GET", path, alice_key_).body;

    const auto empty = Send("PUT", path, alice_key_, "{}");
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(empty.ErrorMessage(), "Request body must contain at least one field to update");
    JUNCTION_EXPECT_SPEC("PUT", kServer, empty);
    const auto unknown_only = Send("PUT", path, alice_key_, R"({"color":"red"})");
    EXPECT_EQ(unknown_only.status, 400);
    const auto no_body = server_.Client().Send("PUT", path, As(alice_key_), "");
    EXPECT_EQ(no_body.status, 400);
    EXPECT_EQ(no_body.ErrorMessage(), "Request body is required");

    const auto expiry = Send("PUT", path, alice_key_, R"({"tokenExpiresInDays":5})");
    EXPECT_EQ(expiry.status, 400);
    EXPECT_EQ(ErrorFields(expiry), std::vector<std::string>{"tokenExpiresInDays"});
    JUNCTION_EXPECT_SPEC("PUT", kServer, expiry);

    const auto bad_name = Send("PUT", path, alice_key_, R"({"name":"no!"})");
    EXPECT_EQ(bad_name.status, 400);
    EXPECT_EQ(ErrorFields(bad_name), std::vector<std::string>{"name"});
    const auto bad_restriction =
        Send("PUT",
             path,
             alice_key_,
             R"({"restrictions":{"connectors":{"mode":"allowlist","allowedIds":["nope"]}}})");
    EXPECT_EQ(bad_restriction.status, 400);

    const auto conflict = Send("PUT", path, alice_key_, R"({"name":"TAKEN"})");
    EXPECT_EQ(conflict.status, 409);
    EXPECT_EQ(conflict.ErrorMessage(), "A server named 'TAKEN' already exists");
    JUNCTION_EXPECT_SPEC("PUT", kServer, conflict);

    const auto missing = Send("PUT", "/api/servers/nope-12345678", alice_key_, R"({"name":"x"})");
    EXPECT_EQ(missing.status, 404);
    JUNCTION_EXPECT_SPEC("PUT", kServer, missing);

    const auto wrong_type = server_.Client().Send(
        "PUT", path, {"Authorization: Bearer " + alice_key_, "Content-Type: text/plain"}, "{}");
    EXPECT_EQ(wrong_type.status, 415);

    EXPECT_EQ(Send("GET", path, alice_key_).body, before);
}

TEST_P(ServersTest, DeleteRemovesTheServerAndKillsItsToken) {
    Recorder recorder;
    server_.App().Servers().SetChangeListener(&recorder);
    const auto created = CreateForAlice("Doomed");
    const std::string id = Id(created);
    const auto deleted = Send("DELETE", "/api/servers/" + id, alice_key_);
    ASSERT_EQ(deleted.status, 200);
    JUNCTION_EXPECT_SPEC("DELETE", kServer, deleted);
    EXPECT_EQ(deleted.body, R"({"message":"Server deleted","serverId":")" + id + "\"}");
    EXPECT_EQ(Send("GET", "/api/servers/" + id, alice_key_).status, 404);
    const auto again = Send("DELETE", "/api/servers/" + id, alice_key_);
    EXPECT_EQ(again.status, 404);
    JUNCTION_EXPECT_SPEC("DELETE", kServer, again);

    const auto authenticated = Authenticate(id, Token(created));
    ASSERT_FALSE(authenticated.has_value());
    EXPECT_EQ(authenticated.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(authenticated.error().message, "Invalid or expired access token");
    EXPECT_EQ(recorder.events, std::vector<std::string>{"closed:" + id});
    server_.App().Servers().SetChangeListener(nullptr);

    // The name is free again.
    (void)CreateForAlice("Doomed");
}

TEST_P(ServersTest, RotationIssuesANewTokenAndKillsTheOldOne) {
    Recorder recorder;
    server_.App().Servers().SetChangeListener(&recorder);
    const auto created = CreateForAlice("Rotating", R"(,"tokenExpiresInDays":10)");
    const std::string id = Id(created);
    const std::string path = "/api/servers/" + id + "/rotate-token";

    // No body at all (and no Content-Type): a token that never expires.
    const auto rotated = server_.Client().Send("POST", path, As(alice_key_, false), "");
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    JUNCTION_EXPECT_SPEC("POST", kRotate, rotated);
    EXPECT_EQ(rotated.Header("cache-control"), "no-store");
    EXPECT_EQ(rotated.Header("pragma"), "no-cache");
    const auto server = rotated.Json();
    const std::string token = Token(server);
    EXPECT_NE(token, Token(created));
    EXPECT_TRUE(std::regex_match(token, std::regex("^mcp_[A-Za-z0-9_-]{43}$")));
    EXPECT_EQ(server.at("accessUrl").as_string(),
              std::string(server.at("url").as_string()) + "/" + token);
    EXPECT_TRUE(server.at("tokenExpiresInDays").is_null());
    EXPECT_TRUE(server.at("tokenExpiresAt").is_null());
    EXPECT_EQ(Id(server), id);

    EXPECT_FALSE(Authenticate(id, Token(created)).has_value());
    EXPECT_TRUE(Authenticate(id, token).has_value());
    EXPECT_FALSE(Authenticate(id, token + "x").has_value());
    EXPECT_FALSE(Authenticate("nope-12345678", token).has_value());

    const auto with_expiry = Send("POST", path, alice_key_, R"({"tokenExpiresInDays":30})");
    ASSERT_EQ(with_expiry.status, 200);
    EXPECT_EQ(with_expiry.Json().at("tokenExpiresInDays").as_int64(), 30);
    EXPECT_TRUE(with_expiry.Json().at("tokenExpiresAt").is_string());
    EXPECT_FALSE(Authenticate(id, token).has_value());
    const auto empty_object = Send("POST", path, alice_key_, "{}");
    EXPECT_EQ(empty_object.status, 200);
    EXPECT_TRUE(empty_object.Json().at("tokenExpiresInDays").is_null());

    const auto bad = Send("POST", path, alice_key_, R"({"tokenExpiresInDays":0})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(ErrorFields(bad), std::vector<std::string>{"tokenExpiresInDays"});
    JUNCTION_EXPECT_SPEC("POST", kRotate, bad);
    const auto wrong_type = server_.Client().Send(
        "POST", path, {"Authorization: Bearer " + alice_key_, "Content-Type: text/plain"}, "{}");
    EXPECT_EQ(wrong_type.status, 415);
    JUNCTION_EXPECT_SPEC("POST", kRotate, wrong_type);
    const auto unknown = Send("POST", "/api/servers/nope-12345678/rotate-token", alice_key_);
    EXPECT_EQ(unknown.status, 404);
    JUNCTION_EXPECT_SPEC("POST", kRotate, unknown);

    EXPECT_EQ(recorder.events,
              (std::vector<std::string>{"closed:" + id, "closed:" + id, "closed:" + id}));
    server_.App().Servers().SetChangeListener(nullptr);
}

TEST_P(ServersTest, AnExpiredTokenNoLongerAuthenticates) {
    const auto created = CreateForAlice("Expiring", R"(,"tokenExpiresInDays":1)");
    const std::string id = Id(created);
    ASSERT_TRUE(Authenticate(id, Token(created)).has_value());

    // Move the expiry into the past directly in the store (the server runs on the system clock).
    auto row = server_.App().Store().FindMcpServer(id);
    ASSERT_TRUE(row.has_value());
    row->token_expires_at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
        std::chrono::seconds(1);
    ASSERT_TRUE(server_.App().Store().RotateMcpServerToken(*row).has_value());

    const auto expired = Authenticate(id, Token(created));
    ASSERT_FALSE(expired.has_value());
    EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(ServersTest, AuthorizeLetsOwnersAdminsAndPublicServersThrough) {
    const std::string secret = Id(CreateForAlice("Private"));
    const std::string open = Id(
        SendAsAdminFor(alice_, "POST", std::string(kServers), R"({"name":"Open","isPublic":true})")
            .Json());
    auto& servers = server_.App().Servers();
    const service::Principal alice{.api_key_id = "k1", .owner_user_id = alice_};
    const service::Principal bob{.api_key_id = "k2", .owner_user_id = bob_};
    const service::Principal admin{
        .api_key_id = "k3", .role = service::Role::kAdmin, .owner_user_id = bob_};
    EXPECT_TRUE(servers.Authorize(alice, secret).has_value());
    EXPECT_TRUE(servers.Authorize(admin, secret).has_value());
    EXPECT_TRUE(servers.Authorize(bob, open).has_value());
    const auto denied = servers.Authorize(bob, secret);
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
    const auto unknown = servers.Authorize(alice, "nope-12345678");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

// Issue 18: a public server's token URL acts for any user named by x-alloy-userid, so a user
// key (or JWT) that could open one would act as every user. Only an admin may make a server
// public or set, change or clear its users restriction; a user may still close it.
TEST_P(ServersTest, OnlyAnAdminMayMakeAServerPublicOrRestrictItsUsers) {
    const std::string users_part =
        R"("restrictions":{"users":{"mode":"allowlist","allowedIds":[")" + alice_ + R"("]}})";
    for (const std::string& body : {std::string(R"({"name":"Mine","isPublic":true})"),
                                    R"({"name":"Mine",)" + users_part + "}"}) {
        const auto refused = Create(body, alice_key_);
        EXPECT_EQ(refused.status, 403) << body << refused.body;
        EXPECT_EQ(refused.ErrorCode(), "FORBIDDEN");
    }
    const auto listed = Send("GET", std::string(kServers), alice_key_);
    EXPECT_EQ(listed.Json().at("total").as_int64(), 0) << "a refused create stored nothing";

    const std::string id = Id(CreateForAlice("Mine"));
    const std::string path = "/api/servers/" + id;
    EXPECT_EQ(Send("PUT", path, alice_key_, R"({"isPublic":true})").status, 403);
    EXPECT_EQ(Send("PUT", path, alice_key_, "{" + users_part + "}").status, 403);
    const auto still = Send("GET", path, alice_key_).Json();
    EXPECT_FALSE(still.at("isPublic").as_bool());
    EXPECT_EQ(boost::json::serialize(still.at("restrictions")), "{}");

    // An admin opens it; the owner may keep what the admin set, and close it, not widen it.
    ASSERT_EQ(SendAsAdminFor(alice_, "PUT", path, "{\"isPublic\":true," + users_part + "}").status,
              200);
    EXPECT_EQ(Send("PUT", path, alice_key_, R"({"isPublic":true,"description":"kept"})").status,
              200);
    EXPECT_EQ(Send("PUT", path, alice_key_, "{" + users_part + "}").status, 200);
    EXPECT_EQ(Send("PUT", path, alice_key_, R"({"restrictions":null})").status, 403);
    EXPECT_EQ(Send("PUT", path, alice_key_, R"({"isPublic":false})").status, 200);
    EXPECT_EQ(Send("PUT", path, alice_key_, R"({"isPublic":true})").status, 403);
}

TEST_P(ServersTest, DeletingAUserDeletesItsServers) {
    Recorder recorder;
    server_.App().Servers().SetChangeListener(&recorder);
    const auto created = CreateForAlice("Orphan");
    const std::string id = Id(created);
    const std::string bobs = Id(Create(R"({"name":"Bobs"})", bob_key_).Json());

    const auto deleted =
        server_.Client().Send("DELETE", "/users/" + alice_, server_.AdminHeaders());
    ASSERT_EQ(deleted.status, 200) << deleted.body;
    const auto gone = server_.App().Store().FindMcpServer(id);
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(Authenticate(id, Token(created)).has_value());
    EXPECT_TRUE(server_.App().Store().FindMcpServer(bobs).has_value());
    EXPECT_EQ(recorder.events, std::vector<std::string>{"closed:" + id});
    server_.App().Servers().SetChangeListener(nullptr);
}

TEST_P(ServersTest, TheAccessTokenNeverAppearsAfterItWasIssued) {
    const auto created = CreateForAlice("Secretive");
    const std::string id = Id(created);
    const std::string first = Token(created);
    const auto rotated = Send("POST", "/api/servers/" + id + "/rotate-token", alice_key_);
    ASSERT_EQ(rotated.status, 200);
    const std::string second = Token(rotated.Json());

    auto probe_headers = As(alice_key_);
    probe_headers.emplace_back("X-Request-Id: servers-leak-probe");
    std::vector<HttpResult> responses{
        Send("GET", std::string(kServers), alice_key_),
        Send("GET", "/api/servers/" + id, alice_key_),
        server_.Client().Send(
            "PUT", "/api/servers/" + id, probe_headers, R"({"description":"still secret"})")};
    for (const auto& response : responses) {
        ASSERT_EQ(response.status, 200);
        for (const auto& token : {first, second}) {
            EXPECT_EQ(response.body.find(token), std::string::npos);
            EXPECT_EQ(response.body.find(token.substr(4)), std::string::npos);
        }
        EXPECT_EQ(response.body.find("accessUrl"), std::string::npos);
    }
    const std::string log = server_.WaitForLog(R"("request_id":"servers-leak-probe")");
    ASSERT_NE(log.find("servers-leak-probe"), std::string::npos);
    for (const auto& token : {first, second}) {
        EXPECT_EQ(log.find(token.substr(4)), std::string::npos);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         ServersTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace junction
