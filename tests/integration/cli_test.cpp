// The `junction` binary as an operator runs it: first start, bootstrap keys, api-key commands,
// config errors, migrations and graceful shutdown on SIGTERM.
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junction/storage/sqlite/sqlite_database.hpp"
#include "junction/testing/http_client.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction {
namespace {

using testing::ChildProcess;
using testing::HttpClient;
using testing::JunctionBinary;
using testing::RunProcess;
using testing::TempDir;

const std::regex kKeyLine("^jk_[A-Za-z0-9_-]{43}$");

std::string LastLine(const std::string& text) {
    std::string trimmed = text;
    while (!trimmed.empty() && trimmed.back() == '\n') {
        trimmed.pop_back();
    }
    return trimmed.substr(trimmed.rfind('\n') == std::string::npos ? 0 : trimmed.rfind('\n') + 1);
}

class CliTest : public ::testing::Test {
protected:
    std::map<std::string, std::string> Environment() const {
        return {{"JUNCTION_DATA_DIR", dir_.File("data")}, {"JUNCTION_LISTEN", "127.0.0.1:0"}};
    }

    /// Starts `junction serve` and waits for its "listening" line; returns the port.
    std::uint16_t StartServer(std::unique_ptr<ChildProcess>& process,
                              const std::map<std::string, std::string>& environment) {
        process =
            std::make_unique<ChildProcess>(std::vector<std::string>{JunctionBinary(), "serve"},
                                           environment,
                                           dir_.Path().string(),
                                           dir_.File("serve-" + std::to_string(starts_++)));
        const std::regex listening(R"re("msg":"listening".*"port":([0-9]+))re");
        for (int i = 0; i < 600; ++i) {
            std::smatch match;
            const std::string err = process->Err();
            if (std::regex_search(err, match, listening)) {
                return static_cast<std::uint16_t>(std::stoi(match[1]));
            }
            if (process->Wait(std::chrono::milliseconds(50)).has_value()) {
                ADD_FAILURE() << "serve exited early: " << process->Err();
                return 0;
            }
        }
        ADD_FAILURE() << "serve did not start: " << process->Err();
        return 0;
    }

    TempDir dir_;
    int starts_ = 0;
};

TEST_F(CliTest, FirstStartCreatesTheMasterKeyAndPrintsOneBootstrapKey) {
    std::unique_ptr<ChildProcess> server;
    const std::uint16_t port = StartServer(server, Environment());
    ASSERT_NE(port, 0);
    const std::string key = LastLine(server->Out());
    ASSERT_TRUE(std::regex_match(key, kKeyLine)) << server->Out();

    struct stat info {};
    ASSERT_EQ(::stat(dir_.File("data/master.key").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777U, 0600U);
    const std::string master_key = testing::ReadFile(dir_.File("data/master.key"));
    EXPECT_NE(server->Err().find("created a new master key"), std::string::npos);

    HttpClient client("http://127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(
        client.Send("GET", "/users", {"Authorization: Bearer " + key, "x-api-version: 2025-09"})
            .status,
        200);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(std::chrono::seconds(20)), 0);

    // A second start reuses the key file and prints no new key.
    const std::uint16_t again = StartServer(server, Environment());
    ASSERT_NE(again, 0);
    EXPECT_EQ(server->Out(), "");
    EXPECT_EQ(testing::ReadFile(dir_.File("data/master.key")), master_key);
    HttpClient second("http://127.0.0.1:" + std::to_string(again));
    EXPECT_EQ(
        second.Send("GET", "/users", {"Authorization: Bearer " + key, "x-api-version: 2025-09"})
            .status,
        200);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(std::chrono::seconds(20)), 0);
    EXPECT_EQ(server->Err().find(master_key.substr(0, 20)), std::string::npos);
}

// A lost key file must not be replaced by a new key while the database holds data sealed with
// the old one: start-up refuses and writes nothing, so the real file can still be restored.
TEST_F(CliTest, AMissingMasterKeyIsNotRecreatedOverSealedData) {
    const auto first =
        RunProcess({JunctionBinary(), "migrate"}, Environment(), dir_.Path().string());
    ASSERT_EQ(first.exit_code, 0) << first.err;
    std::filesystem::remove(dir_.File("data/master.key"));  // lost

    for (const char* command : {"serve", "migrate"}) {
        const auto refused =
            RunProcess({JunctionBinary(), command}, Environment(), dir_.Path().string());
        EXPECT_EQ(refused.exit_code, 1) << command;
        EXPECT_NE(refused.err.find("is missing, but the database holds data encrypted with a "
                                   "master key"),
                  std::string::npos)
            << refused.err;
        EXPECT_FALSE(std::filesystem::exists(dir_.File("data/master.key"))) << command;
    }
}

TEST_F(CliTest, AForeignMasterKeyIsRefused) {
    const auto first =
        RunProcess({JunctionBinary(), "migrate"}, Environment(), dir_.Path().string());
    ASSERT_EQ(first.exit_code, 0) << first.err;
    {
        std::ofstream(dir_.File("data/master.key"), std::ios::trunc)
            << "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    }

    const auto refused =
        RunProcess({JunctionBinary(), "serve"}, Environment(), dir_.Path().string());
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(
        refused.err.find("Cannot decrypt data in this database with the configured master key"),
        std::string::npos)
        << refused.err;
}

// Whoever can read the key file can read every stored credential: a file group or others may
// access stops start-up, unless the operator explicitly allows it (then a warning).
TEST_F(CliTest, AKeyFileOthersCanAccessIsRefusedUnlessAllowed) {
    const auto first =
        RunProcess({JunctionBinary(), "migrate"}, Environment(), dir_.Path().string());
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const std::string key_file = dir_.File("data/master.key");
    const std::string master_key = testing::ReadFile(key_file);
    for (const unsigned mode : {0640U, 0604U, 0620U}) {
        ASSERT_EQ(::chmod(key_file.c_str(), mode), 0);
        const auto refused =
            RunProcess({JunctionBinary(), "migrate"}, Environment(), dir_.Path().string());
        EXPECT_EQ(refused.exit_code, 1) << mode;
        EXPECT_NE(refused.err.find("is accessible to group or others"), std::string::npos)
            << refused.err;
        EXPECT_NE(refused.err.find("JUNCTION_MASTER_KEY_ALLOW_INSECURE_PERMISSIONS"),
                  std::string::npos)
            << refused.err;
    }

    auto allowed_environment = Environment();
    allowed_environment["JUNCTION_MASTER_KEY_ALLOW_INSECURE_PERMISSIONS"] = "1";
    const auto allowed =
        RunProcess({JunctionBinary(), "migrate"}, allowed_environment, dir_.Path().string());
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    EXPECT_NE(allowed.err.find("master key file is accessible to group or others"),
              std::string::npos)
        << allowed.err;
    EXPECT_EQ(testing::ReadFile(key_file), master_key);  // untouched

    ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
    const auto fixed =
        RunProcess({JunctionBinary(), "migrate"}, Environment(), dir_.Path().string());
    EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
}

TEST_F(CliTest, UserTokensSurviveARestart) {
    std::unique_ptr<ChildProcess> server;
    const std::uint16_t port = StartServer(server, Environment());
    ASSERT_NE(port, 0);
    const std::string key = LastLine(server->Out());
    HttpClient client("http://127.0.0.1:" + std::to_string(port));
    const auto issued = client.Send(
        "GET", "/users/admin/token", {"Authorization: Bearer " + key, "x-api-version: 2025-09"});
    ASSERT_EQ(issued.status, 200);
    const std::string token(issued.Json().at("token").as_string());
    server->Signal(SIGTERM);
    ASSERT_EQ(server->Wait(std::chrono::seconds(20)), 0);

    const std::uint16_t again = StartServer(server, Environment());
    HttpClient second("http://127.0.0.1:" + std::to_string(again));
    EXPECT_EQ(
        second
            .Send("GET", "/users/admin", {"x-alloy-user-token: " + token, "x-api-version: 2025-09"})
            .status,
        200);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(std::chrono::seconds(20)), 0);
}

TEST_F(CliTest, SigtermLetsTheInFlightRequestFinish) {
    std::unique_ptr<ChildProcess> server;
    const std::uint16_t port = StartServer(server, Environment());
    ASSERT_NE(port, 0);
    const std::string key = LastLine(server->Out());

    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    const std::string body = R"({"username":"drained"})";
    const std::string head =
        "POST /users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
        "\r\nx-api-version: 2025-09\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5);
    ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(head.size()));
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the server has read the headers

    server->Signal(SIGTERM);
    EXPECT_FALSE(server->Wait(std::chrono::milliseconds(300)).has_value())
        << "exited with a request in flight";
    const std::string rest = body.substr(5);
    ASSERT_EQ(::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(rest.size()));
    std::string response;
    char buffer[4096];
    for (ssize_t n = 0; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
        response.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0U) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
    EXPECT_EQ(server->Wait(std::chrono::seconds(20)), 0);
    EXPECT_NE(server->Err().find("shutdown complete"), std::string::npos);
}

// OPERATIONS.md had operators send SIGHUP to every node to reload the catalog; that reload
// does not exist yet, and SIGHUP's default action killed the server (issue 18). It is logged
// and ignored, and the server goes on serving.
TEST_F(CliTest, SighupIsLoggedAndIgnored) {
    std::unique_ptr<ChildProcess> server;
    const std::uint16_t port = StartServer(server, Environment());
    ASSERT_NE(port, 0);
    HttpClient client("http://127.0.0.1:" + std::to_string(port));
    ASSERT_EQ(client.Send("GET", "/healthz").status, 200);  // serving: its signals are handled

    for (int i = 0; i < 2; ++i) {
        server->Signal(SIGHUP);
        EXPECT_FALSE(server->Wait(std::chrono::milliseconds(300)).has_value())
            << "SIGHUP ended the server: " << server->Err();
        EXPECT_EQ(client.Send("GET", "/healthz").status, 200);
    }
    const std::string line = "SIGHUP received: catalog reload is not implemented yet; ignoring";
    std::string err = server->Err();
    for (int i = 0; i < 100 && err.find(line) == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        err = server->Err();
    }
    EXPECT_NE(err.find(line), std::string::npos) << err;

    server->Signal(SIGTERM);  // still the way to stop it
    EXPECT_EQ(server->Wait(std::chrono::seconds(20)), 0);
    EXPECT_NE(server->Err().find("shutdown complete"), std::string::npos);
}

TEST_F(CliTest, ApiKeyCommandsCreateListAndRevoke) {
    const auto created =
        RunProcess({JunctionBinary(), "api-key", "create", "--name", "ops", "--role", "admin"},
                   Environment(),
                   dir_.Path().string());
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_TRUE(std::regex_match(LastLine(created.out), kKeyLine)) << created.out;

    const auto second =
        RunProcess({JunctionBinary(), "api-key", "create", "--name", "ci", "--role", "user"},
                   Environment(),
                   dir_.Path().string());
    ASSERT_EQ(second.exit_code, 0) << second.err;
    const std::smatch id_match = [&] {
        std::smatch match;
        std::regex_search(second.out, match, std::regex("API key ([0-9a-f]{24})"));
        return match;
    }();
    ASSERT_FALSE(id_match.empty()) << second.out;
    const std::string user_key_id = id_match[1];

    const auto unknown_owner = RunProcess({JunctionBinary(),
                                           "api-key",
                                           "create",
                                           "--name",
                                           "x",
                                           "--role",
                                           "user",
                                           "--owner",
                                           "nobody"},
                                          Environment(),
                                          dir_.Path().string());
    EXPECT_EQ(unknown_owner.exit_code, 1);
    EXPECT_NE(unknown_owner.err.find("User 'nobody' not found"), std::string::npos)
        << unknown_owner.err;

    const auto listed =
        RunProcess({JunctionBinary(), "api-key", "list"}, Environment(), dir_.Path().string());
    ASSERT_EQ(listed.exit_code, 0);
    EXPECT_NE(listed.out.find(user_key_id), std::string::npos);
    EXPECT_NE(listed.out.find("ops"), std::string::npos);
    EXPECT_EQ(listed.out.find("jk_"), std::string::npos) << "list must not print keys";

    const auto revoked = RunProcess(
        {JunctionBinary(), "api-key", "revoke", user_key_id}, Environment(), dir_.Path().string());
    EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
    const auto after =
        RunProcess({JunctionBinary(), "api-key", "list"}, Environment(), dir_.Path().string());
    EXPECT_EQ(after.out.find(user_key_id), std::string::npos);

    const auto bad_role =
        RunProcess({JunctionBinary(), "api-key", "create", "--name", "x", "--role", "root"},
                   Environment(),
                   dir_.Path().string());
    EXPECT_NE(bad_role.exit_code, 0);
}

TEST_F(CliTest, BootstrapKeyFromTheEnvironment) {
    auto environment = Environment();
    const std::string key = "jk_fromTheEnvironmentBootstrapKey0123456789abcd";
    environment["JUNCTION_BOOTSTRAP_API_KEY"] = key;
    std::unique_ptr<ChildProcess> server;
    const std::uint16_t port = StartServer(server, environment);
    ASSERT_NE(port, 0);
    EXPECT_EQ(server->Out(), "");
    HttpClient client("http://127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(
        client.Send("GET", "/users", {"Authorization: Bearer " + key, "x-api-version: 2025-09"})
            .status,
        200);
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(std::chrono::seconds(20)), 0);
    EXPECT_EQ(server->Err().find(key), std::string::npos);
}

TEST_F(CliTest, UnknownConfigKeysStopStartupNamingTheKey) {
    std::ofstream(dir_.File("junction.yaml"))
        << "listen: 127.0.0.1:0\nbogus: 1\nhttp:\n  nope: 2\n";
    const auto result =
        RunProcess({JunctionBinary(), "serve"}, Environment(), dir_.Path().string());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("unknown config key 'bogus'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("unknown config key 'http.nope'"), std::string::npos) << result.err;

    std::ofstream(dir_.File("other.yaml")) << "io_threads: 0\n";
    const auto range = RunProcess({JunctionBinary(), "serve", "--config", dir_.File("other.yaml")},
                                  Environment(),
                                  dir_.Path().string());
    EXPECT_EQ(range.exit_code, 1);
    EXPECT_NE(range.err.find("io_threads' must be an integer from 1 to 256"), std::string::npos)
        << range.err;
}

TEST_F(CliTest, AnUnreadableEgressCaFileStopsStartupNamingIt) {
    auto environment = Environment();
    environment["JUNCTION_EGRESS_CA_FILE"] = dir_.File("no-such-ca.pem");
    const auto result = RunProcess({JunctionBinary(), "serve"}, environment, dir_.Path().string());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("egress.ca_file '" + dir_.File("no-such-ca.pem") + "'"),
              std::string::npos)
        << result.err;
}

TEST_F(CliTest, MigrateThenRefuseANewerSchema) {
    const auto migrated =
        RunProcess({JunctionBinary(), "migrate"}, Environment(), dir_.Path().string());
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    EXPECT_NE(migrated.out.find("Database schema is up to date."), std::string::npos);

    {
        auto database = storage::sqlite::SqliteDatabase::Open(dir_.File("data/junction.db"), 1);
        ASSERT_TRUE(database.has_value());
        ASSERT_TRUE(
            (*database)
                ->WithSession([](storage::SqlSession& session) -> Result<void> {
                    auto rows = session.Query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (42, 0)", {});
                    return rows ? Ok() : Result<void>(Fail(rows.error()));
                })
                .has_value());
    }
    const auto refused =
        RunProcess({JunctionBinary(), "serve"}, Environment(), dir_.Path().string());
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("Database schema version 42 is newer than this binary supports"),
              std::string::npos)
        << refused.err;
}

}  // namespace
}  // namespace junction
