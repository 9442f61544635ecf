// Master-key rotation as an operator runs it (OPERATIONS.md "Rotating the master key"): data
// sealed under key 1, restart with "2,1", `junction keys rotate` while serving, then key 2
// alone; and a value sealed under a key that is no longer configured.
#include <csignal>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "junction/crypto/encoding.hpp"
#include "junction/crypto/random.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/service/auth_config_service.hpp"
#include "junction/service/credential_service.hpp"
#include "junction/service/oauth_service.hpp"
#include "junction/service/token_service.hpp"
#include "junction/storage/sqlite/sqlite_database.hpp"
#include "junction/testing/http_client.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction {
namespace {

using testing::ChildProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::JunctionBinary;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

constexpr std::string_view kAdminKey = "jk_keysRotateTestAdminKey0123456789abcdefghijk";
constexpr std::string_view kPlantedToken = "pat-PLANTEDkeyROTATIONtoken-0123456789";
constexpr std::string_view kPlantedClientSecret = "PLANTEDclientSECRETforROTATION-abcdef";

// Key material: 32 bytes of one repeated byte per key id (tests only).
std::string KeyMaterial(std::uint32_t id) {
    std::string key(32, static_cast<char>(0x40 + id));
    return key;
}

// JUNCTION_MASTER_KEYS for `ids`, the first active.
std::string MasterKeys(const std::vector<std::uint32_t>& ids) {
    std::string value;
    for (const auto id : ids) {
        value += (value.empty() ? "" : ",") + std::to_string(id) + ":" +
                 crypto::Base64Encode(KeyMaterial(id));
    }
    return value;
}

class KeysRotateTest : public ::testing::Test {
protected:
    std::map<std::string, std::string> Environment(const std::vector<std::uint32_t>& keys) const {
        return {{"JUNCTION_DATA_DIR", dir_.File("data")},
                {"JUNCTION_LISTEN", "127.0.0.1:0"},
                {"JUNCTION_MASTER_KEYS", MasterKeys(keys)},
                {"JUNCTION_BOOTSTRAP_API_KEY", std::string(kAdminKey)}};
    }

    ProcessResult Junction(const std::vector<std::string>& args,
                           const std::vector<std::uint32_t>& keys) const {
        std::vector<std::string> argv{JunctionBinary()};
        argv.insert(argv.end(), args.begin(), args.end());
        return RunProcess(argv, Environment(keys), dir_.Path().string());
    }

    /// Starts `junction serve` with `keys` and waits for its "listening" line.
    void StartServer(const std::vector<std::uint32_t>& keys) {
        server_ =
            std::make_unique<ChildProcess>(std::vector<std::string>{JunctionBinary(), "serve"},
                                           Environment(keys),
                                           dir_.Path().string(),
                                           dir_.File("serve-" + std::to_string(starts_++)));
        const std::regex listening(R"re("msg":"listening".*"port":([0-9]+))re");
        for (int i = 0; i < 600; ++i) {
            std::smatch match;
            const std::string err = server_->Err();
            if (std::regex_search(err, match, listening)) {
                client_ = std::make_unique<HttpClient>("http://127.0.0.1:" + match[1].str());
                return;
            }
            if (server_->Wait(std::chrono::milliseconds(50)).has_value()) {
                FAIL() << "serve exited early: " << server_->Err();
            }
        }
        FAIL() << "serve did not start: " << server_->Err();
    }

    void StopServer() {
        server_->Signal(SIGTERM);
        EXPECT_EQ(server_->Wait(std::chrono::seconds(20)), 0);
        served_logs_ += server_->Err() + server_->Out();
        server_.reset();
        client_.reset();
    }

    HttpResult Send(const std::string& method,
                    const std::string& path,
                    const std::optional<std::string>& body = std::nullopt,
                    std::vector<std::string> headers = {}) const {
        headers.push_back("Authorization: Bearer " + std::string(kAdminKey));
        headers.emplace_back("x-api-version: 2025-09");
        headers.emplace_back("Content-Type: application/json");
        return client_->Send(method, path, headers, body);
    }

    /// Alice, her Stripe bearer credential (no verify request) and a Slack auth config; returns
    /// their ids.
    std::pair<std::string, std::string> SeedData() {
        const auto user = Send("POST", "/users", R"({"username":"alice"})");
        EXPECT_EQ(user.status, 200) << user.body;
        const auto credential = Send("POST",
                                     "/connectors/stripe/credentials",
                                     R"({"userId":"alice","authenticationType":"bearer",)"
                                     R"("data":{"token":")" +
                                         std::string(kPlantedToken) + R"("}})");
        EXPECT_EQ(credential.status, 200) << credential.body;
        const auto config = Send("POST",
                                 "/auth-configs",
                                 R"({"connectorId":"slack","clientId":"cid","clientSecret":")" +
                                     std::string(kPlantedClientSecret) + R"("})");
        EXPECT_EQ(config.status, 201) << config.body;
        if (credential.status != 200 || config.status != 201) {
            return {};
        }
        return {std::string(credential.Json().at("credentialId").as_string()),
                std::string(config.Json().at("authConfig").at("authConfigId").as_string())};
    }

    /// A pending OAuth flow of alice for slack (an oauth_flows row).
    void StartOAuthFlow() {
        const auto flow = Send("POST",
                               "/connectors/slack/credentials",
                               R"({"userId":"alice","authenticationType":"oauth2",)"
                               R"("redirectUri":"https://app.example.com/callback"})");
        EXPECT_EQ(flow.status, 200) << flow.body;
    }

    /// Everything the running server should still read: the credential list and the config.
    void ExpectDataReadable(const std::string& config_id, std::size_t credentials) const {
        const auto listed = Send("GET", "/users/alice/credentials");
        ASSERT_EQ(listed.status, 200) << listed.body;
        EXPECT_EQ(listed.Json().at("data").as_array().size(), credentials);
        const auto config = Send("GET", "/auth-configs/" + config_id);
        EXPECT_EQ(config.status, 200) << config.body;
    }

    /// Opens every sealed value in the SQLite file (`values` of them) with only key `key_id`
    /// configured and checks that its key_id column and blob header name that key. Returns the
    /// plaintexts joined.
    std::string ExpectEverythingSealedUnder(std::uint32_t key_id, int values) const {
        crypto::SecureRng rng;
        std::vector<crypto::MasterKey> keys;
        keys.push_back(crypto::MasterKey{.id = key_id, .key = SecretString(KeyMaterial(key_id))});
        const crypto::SecretBox box(std::move(keys), rng);
        auto database = storage::sqlite::SqliteDatabase::Open(dir_.File("data/junction.db"), 1);
        EXPECT_TRUE(database.has_value());
        if (!database) {
            return "";
        }
        std::string plaintexts;
        int opened = 0;
        const auto check = [&](const std::string& what,
                               const std::string& sealed,
                               std::optional<std::int64_t> column_key_id,
                               const std::string& aad) {
            const auto blob = crypto::Base64Decode(sealed);
            ASSERT_TRUE(blob.has_value()) << what;
            EXPECT_EQ(crypto::SecretBox::KeyIdOf(*blob), key_id) << what;
            if (column_key_id) {
                EXPECT_EQ(*column_key_id, key_id) << what;
            }
            const auto plaintext = box.Open(*blob, aad);
            ASSERT_TRUE(plaintext.has_value()) << what << ": " << plaintext.error().detail;
            plaintexts += std::string(plaintext->Reveal()) + "\n";
            ++opened;
        };
        const auto done = (*database)->WithSession([&](storage::SqlSession& session) {
            const std::vector<std::pair<std::string, std::string (*)(std::string_view)>> tables{
                {"SELECT id, secret, key_id FROM credentials", &service::CredentialAad},
                {"SELECT id, client_secret, key_id FROM auth_configs",
                 &service::AuthConfigSecretAad},
                {"SELECT id, secret, key_id FROM oauth_flows", &service::OAuthFlowSecretAad}};
            for (const auto& [sql, aad] : tables) {
                auto rows = session.Query(sql, {});
                if (!rows) {
                    return Result<void>(Fail(std::move(rows.error())));
                }
                for (const auto& row : *rows) {
                    check(sql + " " + row[0].value_or(""),
                          row[1].value_or(""),
                          std::stoll(row[2].value_or("-1")),
                          aad(row[0].value_or("")));
                }
            }
            auto jwt = session.Query("SELECT value FROM settings WHERE name = $1",
                                     {std::string(service::kJwtSecretSetting)});
            if (!jwt) {
                return Result<void>(Fail(std::move(jwt.error())));
            }
            EXPECT_EQ(jwt->size(), 1U);
            for (const auto& row : *jwt) {
                check("jwt secret",
                      row[0].value_or(""),
                      std::nullopt,
                      std::string(service::kJwtSecretAad));
            }
            return Ok();
        });
        EXPECT_TRUE(done.has_value());
        EXPECT_EQ(opened, values);
        return plaintexts;
    }

    static void ExpectNoPlantedSecret(const std::string& text) {
        EXPECT_EQ(text.find(kPlantedToken), std::string::npos) << text;
        EXPECT_EQ(text.find(kPlantedClientSecret), std::string::npos) << text;
        EXPECT_EQ(text.find(crypto::Base64Encode(KeyMaterial(1))), std::string::npos);
        EXPECT_EQ(text.find(crypto::Base64Encode(KeyMaterial(2))), std::string::npos);
    }

    TempDir dir_;
    int starts_ = 0;
    std::unique_ptr<ChildProcess> server_;
    std::unique_ptr<HttpClient> client_;
    std::string served_logs_;
};

TEST_F(KeysRotateTest, RotatesEverySealedValueToTheNewKeyWhileServing) {
    // Key 1 only: data sealed under it.
    ASSERT_NO_FATAL_FAILURE(StartServer({1}));
    const auto [credential_id, config_id] = SeedData();
    ASSERT_FALSE(credential_id.empty());
    StartOAuthFlow();
    const auto token = Send("GET", "/users/alice/token");
    ASSERT_EQ(token.status, 200) << token.body;
    const std::string user_token(token.Json().at("token").as_string());
    StopServer();

    // Key 2 added first (active), key 1 still configured: old data reads.
    ASSERT_NO_FATAL_FAILURE(StartServer({2, 1}));
    ExpectDataReadable(config_id, 1);

    const auto before = Junction({"keys", "status"}, {2, 1});
    ASSERT_EQ(before.exit_code, 0) << before.err;
    EXPECT_NE(before.out.find("Active master key: 2 (configured: 2, 1)"), std::string::npos)
        << before.out;
    EXPECT_NE(before.out.find("Key ids in use: 1\n"), std::string::npos) << before.out;
    EXPECT_TRUE(std::regex_search(before.out, std::regex(R"(credentials +1 +1\n)"))) << before.out;
    EXPECT_NE(before.out.find("Key 1: still seals 4 stored secrets; run `junction keys rotate` "
                              "before removing it."),
              std::string::npos)
        << before.out;

    // Rotate while the server serves, one row per batch.
    const auto rotated = Junction({"keys", "rotate", "--batch-size", "1"}, {2, 1});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
    EXPECT_NE(rotated.out.find("Re-sealing stored secrets with master key 2 (batch size 1)"),
              std::string::npos)
        << rotated.out;
    for (const std::string table : {"credentials", "auth_configs", "oauth_flows", "settings"}) {
        EXPECT_NE(rotated.out.find("\n" + table + ": 1 rotated, 0 skipped, 0 failed\n"),
                  std::string::npos)
            << table << "\n"
            << rotated.out;
    }
    EXPECT_NE(rotated.out.find("Key 1: not in use; it can be removed from JUNCTION_MASTER_KEYS."),
              std::string::npos)
        << rotated.out;
    ExpectNoPlantedSecret(rotated.out + rotated.err);

    // The server keeps working on rotated rows, and new rows are sealed under key 2.
    ExpectDataReadable(config_id, 1);
    const auto second = Send("POST",
                             "/connectors/stripe/credentials",
                             R"({"userId":"alice","authenticationType":"bearer",)"
                             R"("data":{"token":"another-token"}})");
    EXPECT_EQ(second.status, 200) << second.body;
    ExpectDataReadable(config_id, 2);
    const auto after = Junction({"keys", "status"}, {2, 1});
    ASSERT_EQ(after.exit_code, 0) << after.err;
    EXPECT_NE(after.out.find("Key ids in use: 2\n"), std::string::npos) << after.out;
    EXPECT_TRUE(std::regex_search(after.out, std::regex(R"(credentials +2 +2\n)"))) << after.out;
    EXPECT_NE(after.out.find("Key 1: not in use"), std::string::npos) << after.out;
    StopServer();

    // Key 2 alone: serve starts (the JWT secret opens) and everything reads.
    ASSERT_NO_FATAL_FAILURE(StartServer({2}));
    ExpectDataReadable(config_id, 2);
    EXPECT_EQ(client_
                  ->Send("GET",
                         "/users/alice",
                         {"x-alloy-user-token: " + user_token, "x-api-version: 2025-09"})
                  .status,
              200)
        << "the JWT secret survived rotation";
    StopServer();
    const std::string plaintexts = ExpectEverythingSealedUnder(2, 5);
    EXPECT_NE(plaintexts.find(kPlantedToken), std::string::npos);
    EXPECT_NE(plaintexts.find(kPlantedClientSecret), std::string::npos);
    const auto last = Junction({"keys", "status"}, {2});
    EXPECT_EQ(last.exit_code, 0);
    EXPECT_NE(last.out.find("Active master key: 2 (configured: 2)\n"), std::string::npos);
    EXPECT_NE(last.out.find("Key ids in use: 2\n"), std::string::npos) << last.out;
    ExpectNoPlantedSecret(before.out + before.err + after.out + after.err + served_logs_);
}

TEST_F(KeysRotateTest, ValuesUnderAKeyNoLongerConfiguredAreReportedAndTheRunExitsNonZero) {
    // The JWT secret under key 1; alice's credential and auth config under key 3.
    const auto migrated = Junction({"migrate"}, {1});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    ASSERT_NO_FATAL_FAILURE(StartServer({3, 1}));
    const auto [credential_id, config_id] = SeedData();
    ASSERT_FALSE(credential_id.empty());
    StopServer();

    // The operator dropped key 3 too early.
    const auto rotated = Junction({"keys", "rotate"}, {2, 1});
    EXPECT_EQ(rotated.exit_code, 2) << rotated.out << rotated.err;
    EXPECT_NE(rotated.out.find("credentials: 0 rotated, 0 skipped, 1 failed\n"), std::string::npos)
        << rotated.out;
    EXPECT_NE(rotated.out.find("auth_configs: 0 rotated, 0 skipped, 1 failed\n"), std::string::npos)
        << rotated.out;
    EXPECT_NE(rotated.out.find("settings: 1 rotated, 0 skipped, 0 failed\n"), std::string::npos)
        << rotated.out;
    EXPECT_NE(rotated.out.find("Key 3: seals 2 stored secrets but is not configured"),
              std::string::npos)
        << rotated.out;
    EXPECT_NE(rotated.err.find("junction: 2 stored secrets could not be decrypted and were left "
                               "as they were (credentials " +
                               credential_id + ", auth_configs " + config_id + ")"),
              std::string::npos)
        << rotated.err;
    // The log names each row (and its key id) too.
    EXPECT_NE(rotated.err.find(R"("row_id":")" + credential_id + R"(")"), std::string::npos);
    EXPECT_NE(rotated.err.find(R"("key_id":3)"), std::string::npos) << rotated.err;
    ExpectNoPlantedSecret(rotated.out + rotated.err);

    // With key 3 back (not active), a second run finishes the job.
    const auto again = Junction({"keys", "rotate"}, {2, 3, 1});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("credentials: 1 rotated, 0 skipped, 0 failed\n"), std::string::npos)
        << again.out;
    EXPECT_NE(again.out.find("settings: 0 rotated, 0 skipped, 0 failed\n"), std::string::npos)
        << again.out;
    EXPECT_NE(again.out.find("Key ids in use: 2\n"), std::string::npos) << again.out;
    ExpectNoPlantedSecret(again.out + again.err);
    ExpectEverythingSealedUnder(2, 3);
}

TEST_F(KeysRotateTest, RejectsABatchSizeOfZero) {
    const auto rejected = Junction({"keys", "rotate", "--batch-size", "0"}, {1});
    EXPECT_NE(rejected.exit_code, 0);
    EXPECT_NE(rejected.err.find("--batch-size"), std::string::npos) << rejected.err;
}

}  // namespace
}  // namespace junction
