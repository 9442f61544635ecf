// Users endpoints end to end over loopback HTTP, on SQLite and PostgreSQL (API.md §3.1).
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "junction/service/user_service.hpp"
#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::Backend;
using testing::HttpResult;
using testing::TestServer;
using testing::TestServerOptions;

class UsersTest : public ::testing::TestWithParam<Backend> {
protected:
    UsersTest() : server_(TestServerOptions{.backend = GetParam()}) {}

    std::vector<std::string> Headers(bool json = false) const {
        auto headers = server_.AdminHeaders();
        if (json) {
            headers.emplace_back("Content-Type: application/json");
        }
        return headers;
    }
    HttpResult Post(const std::string& body) {
        return server_.Client().Send("POST", "/users", Headers(true), body);
    }
    HttpResult ListAll() { return server_.Client().Send("GET", "/users", Headers()); }
    /// The list body, to prove a rejected request changed nothing.
    std::string Snapshot() { return ListAll().body; }

    TestServer server_;
};

TEST_P(UsersTest, CreateReturnsTheNewIdAndTheUserCanBeRead) {
    const auto created = Post(R"({"username":"jane@acme.com","fullName":"Jane Doe"})");
    ASSERT_EQ(created.status, 200);
    JUNCTION_EXPECT_SPEC("POST", "/users", created);
    const std::string id(created.Json().at("userId").as_string());

    const auto by_id = server_.Client().Send("GET", "/users/" + id, Headers());
    ASSERT_EQ(by_id.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/users/{userId}", by_id);
    EXPECT_EQ(by_id.Json().at("username").as_string(), "jane@acme.com");
    EXPECT_EQ(by_id.Json().at("fullName").as_string(), "Jane Doe");
    EXPECT_EQ(by_id.Json().at("createdAt"), by_id.Json().at("updatedAt"));

    const auto by_name = server_.Client().Send("GET", "/users/jane@acme.com", Headers());
    ASSERT_EQ(by_name.status, 200);
    EXPECT_EQ(by_name.Json().at("userId").as_string(), id);
}

TEST_P(UsersTest, FullNameDefaultsToEmpty) {
    const auto created = Post(R"({"username":"nofullname"})");
    ASSERT_EQ(created.status, 200);
    const auto user = server_.Client().Send("GET", "/users/nofullname", Headers());
    EXPECT_EQ(user.Json().at("fullName").as_string(), "");
}

TEST_P(UsersTest, ListReturnsUsersInCreationOrderWithTotal) {
    (void)server_.CreateUser("b-second");
    (void)server_.CreateUser("c-third");
    const auto listed = ListAll();
    ASSERT_EQ(listed.status, 200);
    JUNCTION_EXPECT_SPEC("GET", "/users", listed);
    const auto data_json = listed.Json();
    const auto& data = data_json.at("data").as_array();
    ASSERT_EQ(data.size(), 3U);  // the bootstrap admin, then ours
    EXPECT_EQ(data[0].at("username").as_string(), "admin");
    EXPECT_EQ(data[1].at("username").as_string(), "b-second");
    EXPECT_EQ(data[2].at("username").as_string(), "c-third");
    EXPECT_EQ(listed.Header("x-total-count"), "3");

    const auto page =
        server_.Client().Send("GET", "/users?limit=1&offset=1&parentWorkflowId=x", Headers());
    ASSERT_EQ(page.status, 200);
    ASSERT_EQ(page.Json().at("data").as_array().size(), 1U);
    EXPECT_EQ(page.Json().at("data").as_array()[0].at("username").as_string(), "b-second");
    EXPECT_EQ(page.Header("x-total-count"), "3");
}

TEST_P(UsersTest, BadPagingIsRejected) {
    for (const std::string query :
         {"limit=0", "limit=1001", "limit=abc", "offset=-1", "limit=1.5"}) {
        const auto listed = server_.Client().Send("GET", "/users?" + query, Headers());
        EXPECT_EQ(listed.status, 400) << query;
        EXPECT_EQ(listed.ErrorCode(), "INVALID_REQUEST") << query;
        JUNCTION_EXPECT_SPEC("GET", "/users", listed);
    }
}

TEST_P(UsersTest, UpdateChangesOnlyTheGivenFields) {
    const std::string id = server_.CreateUser("before");
    const auto updated =
        server_.Client().Send("PUT", "/users/" + id, Headers(true), R"({"fullName":"New Name"})");
    ASSERT_EQ(updated.status, 200);
    JUNCTION_EXPECT_SPEC("PUT", "/users/{userId}", updated);
    EXPECT_EQ(updated.Json().at("username").as_string(), "before");
    EXPECT_EQ(updated.Json().at("fullName").as_string(), "New Name");

    const auto renamed =
        server_.Client().Send("PUT", "/users/before", Headers(true), R"({"username":"after"})");
    ASSERT_EQ(renamed.status, 200);
    EXPECT_EQ(renamed.Json().at("userId").as_string(), id);
    EXPECT_EQ(renamed.Json().at("username").as_string(), "after");
    EXPECT_EQ(renamed.Json().at("fullName").as_string(), "New Name");
    EXPECT_EQ(server_.Client().Send("GET", "/users/before", Headers()).status, 404);
}

TEST_P(UsersTest, DeleteRemovesTheUserAndItsKeys) {
    const std::string id = server_.CreateUser("doomed");
    const std::string key = server_.CreateKey("user", id);
    const auto deleted = server_.Client().Send("DELETE", "/users/" + id, Headers());
    ASSERT_EQ(deleted.status, 200);
    JUNCTION_EXPECT_SPEC("DELETE", "/users/{userId}", deleted);
    EXPECT_EQ(deleted.body, R"({"success":true})");

    const auto gone = server_.Client().Send("GET", "/users/" + id, Headers());
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.ErrorMessage(), "User '" + id + "' not found");
    const auto with_key = server_.Client().Send(
        "GET", "/users/" + id, {"Authorization: Bearer " + key, "x-api-version: 2025-09"});
    EXPECT_EQ(with_key.status, 401);
}

TEST_P(UsersTest, DeletionListenersRunAfterTheDelete) {
    struct Recorder final : service::UserDeletionListener {
        void OnUserDeleted(const storage::UserRow& user) override {
            deleted.push_back(user.username);
        }
        std::vector<std::string> deleted;
    };
    Recorder recorder;
    server_.App().Users().AddDeletionListener(recorder);
    const std::string id = server_.CreateUser("listened");
    ASSERT_EQ(server_.Client().Send("DELETE", "/users/" + id, Headers()).status, 200);
    EXPECT_EQ(recorder.deleted, std::vector<std::string>{"listened"});
    EXPECT_EQ(server_.Client().Send("DELETE", "/users/" + id, Headers()).status, 404);
    EXPECT_EQ(recorder.deleted.size(), 1U);
}

// ----- error paths: each asserts status, code, message and that nothing changed -----

TEST_P(UsersTest, MalformedJsonIsRejectedWithItsPosition) {
    const std::string before = Snapshot();
    const auto response = Post(R"({"username": "x",})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorCode(), "INVALID_REQUEST");
    EXPECT_NE(response.ErrorMessage().find("Malformed JSON at line 1, column"), std::string::npos)
        << response.ErrorMessage();
    JUNCTION_EXPECT_SPEC("POST", "/users", response);
    EXPECT_EQ(Snapshot(), before);
}

TEST_P(UsersTest, MissingUsernameNamesTheField) {
    const std::string before = Snapshot();
    const auto response = Post(R"({"fullName":"No Username"})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorCode(), "INVALID_REQUEST");
    EXPECT_EQ(response.ErrorMessage(), "Request body is invalid");
    const auto errors_json = response.Json();
    const auto& errors = errors_json.at("error").at("details").at("errors").as_array();
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].at("field").as_string(), "username");
    EXPECT_EQ(errors[0].at("message").as_string(), "is required");
    JUNCTION_EXPECT_SPEC("POST", "/users", response);
    EXPECT_EQ(Snapshot(), before);
}

TEST_P(UsersTest, WrongTypesAndLengthsAreFieldErrors) {
    const std::string before = Snapshot();
    const std::string long_name(256, 'x');
    const auto response = Post(R"({"username":42,"fullName":")" + long_name + R"("})");
    EXPECT_EQ(response.status, 400);
    const auto errors_json = response.Json();
    const auto& errors = errors_json.at("error").at("details").at("errors").as_array();
    ASSERT_EQ(errors.size(), 2U);
    EXPECT_EQ(errors[0].at("field").as_string(), "username");
    EXPECT_EQ(errors[0].at("message").as_string(), "must be a string");
    EXPECT_EQ(errors[1].at("field").as_string(), "fullName");
    EXPECT_EQ(errors[1].at("message").as_string(), "must be at most 255 characters");

    const auto too_long = Post(R"({"username":")" + long_name + R"("})");
    EXPECT_EQ(too_long.status, 400);
    EXPECT_EQ(too_long.Json()
                  .at("error")
                  .at("details")
                  .at("errors")
                  .as_array()[0]
                  .at("message")
                  .as_string(),
              "must be at most 255 characters");
    const auto spaced = Post(R"({"username":" padded "})");
    EXPECT_EQ(spaced.status, 400);
    const auto empty = Post(R"({"username":""})");
    EXPECT_EQ(empty.status, 400);
    const auto not_object = Post(R"(["username"])");
    EXPECT_EQ(not_object.status, 400);
    EXPECT_EQ(not_object.ErrorMessage(), "Request body must be a JSON object");
    EXPECT_EQ(Snapshot(), before);
}

TEST_P(UsersTest, UnknownFieldsAreIgnored) {
    const auto response = Post(R"({"username":"extra","connectorId":"slack","nested":{"a":1}})");
    EXPECT_EQ(response.status, 200);
}

TEST_P(UsersTest, DuplicateUsernameIsAConflict) {
    (void)server_.CreateUser("taken");
    const std::string before = Snapshot();
    const auto response = Post(R"({"username":"taken"})");
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(response.ErrorCode(), "CONFLICT");
    EXPECT_EQ(response.ErrorMessage(), "Username 'taken' already exists");
    JUNCTION_EXPECT_SPEC("POST", "/users", response);
    EXPECT_EQ(Snapshot(), before);

    const std::string other = server_.CreateUser("other");
    const auto rename =
        server_.Client().Send("PUT", "/users/" + other, Headers(true), R"({"username":"taken"})");
    EXPECT_EQ(rename.status, 409);
    JUNCTION_EXPECT_SPEC("PUT", "/users/{userId}", rename);
    EXPECT_EQ(server_.Client()
                  .Send("GET", "/users/" + other, Headers())
                  .Json()
                  .at("username")
                  .as_string(),
              "other");
}

TEST_P(UsersTest, UnknownUserIsNotFoundEverywhere) {
    const std::string before = Snapshot();
    const std::string unknown = "0123456789abcdef01234567";
    for (const auto& [method, body] :
         std::vector<std::pair<std::string, std::optional<std::string>>>{
             {"GET", std::nullopt}, {"PUT", R"({"fullName":"x"})"}, {"DELETE", std::nullopt}}) {
        const auto response =
            server_.Client().Send(method, "/users/" + unknown, Headers(body.has_value()), body);
        EXPECT_EQ(response.status, 404) << method;
        EXPECT_EQ(response.ErrorCode(), "NOT_FOUND") << method;
        EXPECT_EQ(response.ErrorMessage(), "User '" + unknown + "' not found") << method;
        JUNCTION_EXPECT_SPEC(method, "/users/{userId}", response);
    }
    EXPECT_EQ(Snapshot(), before);
}

TEST_P(UsersTest, EmptyUpdateIsRejected) {
    const std::string id = server_.CreateUser("unchanged");
    const std::string before = Snapshot();
    const auto response = server_.Client().Send("PUT", "/users/" + id, Headers(true), "{}");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.ErrorMessage(), "Request body must set at least one of: username, fullName");
    JUNCTION_EXPECT_SPEC("PUT", "/users/{userId}", response);
    EXPECT_EQ(Snapshot(), before);
}

TEST_P(UsersTest, DeletingTheCallersOwnUserIsAConflict) {
    const auto admin = server_.Client().Send("GET", "/users/admin", Headers());
    const std::string admin_id(admin.Json().at("userId").as_string());
    const auto response = server_.Client().Send("DELETE", "/users/" + admin_id, Headers());
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(response.ErrorCode(), "CONFLICT");
    EXPECT_EQ(response.ErrorMessage(), "Cannot delete the user that owns the calling API key");
    JUNCTION_EXPECT_SPEC("DELETE", "/users/{userId}", response);
    EXPECT_EQ(server_.Client().Send("GET", "/users/admin", Headers()).status, 200);
}

TEST_P(UsersTest, UserKeysSeeOnlyTheirOwnUser) {
    const std::string alice = server_.CreateUser("alice");
    const std::string bob = server_.CreateUser("bob");
    const std::string alice_key = server_.CreateKey("user", alice);
    const std::vector<std::string> as_alice{"Authorization: Bearer " + alice_key,
                                            "x-api-version: 2025-09",
                                            "Content-Type: application/json"};

    EXPECT_EQ(server_.Client().Send("GET", "/users/" + alice, as_alice).status, 200);
    EXPECT_EQ(server_.Client().Send("GET", "/users/alice", as_alice).status, 200);
    const auto own_update =
        server_.Client().Send("PUT", "/users/alice", as_alice, R"({"fullName":"Alice"})");
    EXPECT_EQ(own_update.status, 200);

    const auto other = server_.Client().Send("GET", "/users/" + bob, as_alice);
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(other.ErrorCode(), "FORBIDDEN");
    EXPECT_EQ(other.ErrorMessage(), "This credential may only access its own user");
    JUNCTION_EXPECT_SPEC("GET", "/users/{userId}", other);
    // Unknown and existing users look the same to a user key: no probing.
    EXPECT_EQ(server_.Client().Send("GET", "/users/0123456789abcdef01234567", as_alice).status,
              403);
    EXPECT_EQ(server_.Client().Send("PUT", "/users/" + bob, as_alice, R"({"fullName":"x"})").status,
              403);

    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/users"}, {"DELETE", "/users/" + bob}}) {
        const auto denied = server_.Client().Send(method, path, as_alice);
        EXPECT_EQ(denied.status, 403) << method << path;
        EXPECT_EQ(denied.ErrorMessage(), "This operation requires an admin API key");
    }
    const auto create =
        server_.Client().Send("POST", "/users", as_alice, R"({"username":"mallory"})");
    EXPECT_EQ(create.status, 403);
    JUNCTION_EXPECT_SPEC("POST", "/users", create);
    EXPECT_EQ(server_.Client().Send("GET", "/users/mallory", Headers()).status, 404);
}

// Issue 18: references resolve ids first, so a username equal to another user's id used to
// let its owner act as that user. Such usernames are refused on create and update.
TEST_P(UsersTest, AUsernameThatLooksLikeAUserIdIsRefused) {
    const std::string alice = server_.CreateUser("alice");
    const std::string bob = server_.CreateUser("bob");
    const std::string alice_key = server_.CreateKey("user", alice);
    const std::vector<std::string> as_alice{"Authorization: Bearer " + alice_key,
                                            "x-api-version: 2025-09",
                                            "Content-Type: application/json"};
    const std::string before = Snapshot();
    const std::string rename = R"({"username":")" + bob + R"("})";
    for (const auto& headers : {as_alice, Headers(true)}) {
        const auto renamed = server_.Client().Send("PUT", "/users/" + alice, headers, rename);
        EXPECT_EQ(renamed.status, 400) << renamed.body;
        EXPECT_NE(renamed.body.find(R"("field":"username")"), std::string::npos) << renamed.body;
    }
    EXPECT_EQ(Post(R"({"username":"0123456789abcdef01234567"})").status, 400);
    EXPECT_EQ(Snapshot(), before);
    // Not an id (upper case, 23 or 25 digits): still a fine username.
    EXPECT_EQ(Post(R"({"username":"0123456789ABCDEF01234567"})").status, 200);
    EXPECT_EQ(Post(R"({"username":"0123456789abcdef0123456"})").status, 200);
}

// Issue 18, at the root: even with such a username already stored (data from before the fix),
// a user's key and token reach only the user whose resolved id is their own.
TEST_P(UsersTest, AUsernameEqualToAnotherUsersIdGrantsNothing) {
    const std::string alice = server_.CreateUser("alice");
    const std::string bob = server_.CreateUser("bob");
    const std::string alice_key = server_.CreateKey("user", alice);
    auto row = server_.App().Store().FindUserById(alice);
    ASSERT_TRUE(row.has_value());
    row->username = bob;
    ASSERT_TRUE(server_.App().Store().UpdateUser(*row).has_value());

    const std::vector<std::string> as_alice{"Authorization: Bearer " + alice_key,
                                            "x-api-version: 2025-09"};
    EXPECT_EQ(server_.Client().Send("GET", "/users/" + bob, as_alice).status, 403);
    EXPECT_EQ(server_.Client().Send("GET", "/users/" + bob + "/token", as_alice).status, 403);
    EXPECT_EQ(server_.Client().Send("GET", "/users/" + bob + "/credentials", as_alice).status, 403);
    auto spoofing = as_alice;
    spoofing.push_back("x-alloy-userid: " + bob);
    EXPECT_EQ(server_.Client().Send("GET", "/api/servers", spoofing).status, 403);
    EXPECT_EQ(server_.Client().Send("GET", "/connectors/slack/credentials", spoofing).status, 403);

    const auto minted = server_.Client().Send("GET", "/users/" + alice + "/token", as_alice);
    ASSERT_EQ(minted.status, 200) << minted.body;
    const std::string jwt(minted.Json().at("token").as_string());
    const std::vector<std::string> as_token{
        "x-alloy-user-token: " + jwt, "x-api-version: 2025-09", "x-alloy-userid: " + bob};
    EXPECT_EQ(server_.Client().Send("GET", "/api/servers", as_token).status, 403);
    // Alice herself is still reachable by id.
    EXPECT_EQ(server_.Client().Send("GET", "/users/" + alice, as_alice).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         UsersTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace junction
