// Checks every action of the built-in catalog against the vendor's own OpenAPI document, so
// connectors/*.yaml cannot silently drift from the vendor: method, path template (placeholder
// names ignored) and query/header parameters. The documents are committed cuts in
// tests/fixtures/vendor_openapi/ (cut.mjs regenerates them from the testkit's npm bundles);
// exceptions.yaml lists, with reasons, where the vendor document is demonstrably wrong.

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "junction/connectors/catalog.hpp"
#include "junction/json/yaml.hpp"

namespace junction::connectors {
namespace {

// Connectors with a vendor document (cut.mjs SOURCES). A fixture deleted or added without
// updating this list fails VendorFixturesTest.EveryExpectedConnectorHasAFixture.
constexpr std::array<std::string_view, 11> kCheckedConnectors{"asana",
                                                              "github",
                                                              "gmail",
                                                              "googleCalendar",
                                                              "googleSheets",
                                                              "jira",
                                                              "mailchimp",
                                                              "slack",
                                                              "stripe",
                                                              "trello",
                                                              "twilio"};

struct VendorParameter {
    std::string name{};
    std::string in{};
    bool required = false;
};

struct VendorOperation {
    std::string method{};
    std::string path{};  // relative to the document's first server
    std::vector<VendorParameter> parameters{};
};

struct VendorDocument {
    std::string source{};
    std::string server_path{};  // path part of servers[0], no trailing slash
    std::vector<VendorParameter> security_parameters{};
    std::vector<VendorOperation> operations{};
};

/// One entry of exceptions.yaml. `used` is set by the checks that rely on it.
struct Exception {
    std::string kind{};  // credential_parameters | path_values | actions | parameters
    std::string connector{};
    std::string action{};
    std::string in{};
    std::string name{};  // one entry per name of a `parameters` entry's `names`
    std::string placeholder{};
    std::string value{};
    std::string reason{};
    bool used = false;
};

std::filesystem::path FixtureDir() {
    const char* source = std::getenv("JUNCTION_TEST_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
    if (source == nullptr) {
        throw std::runtime_error("JUNCTION_TEST_SOURCE_DIR is not set (run through ctest)");
    }
    return std::filesystem::path(source) / "tests" / "fixtures" / "vendor_openapi";
}

std::string ReadFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return out;
}

/// Header names compare case-insensitively, other parameter names exactly.
bool SameParameter(std::string_view in, std::string_view a, std::string_view b) {
    return in == "header" ? Lower(a) == Lower(b) : a == b;
}

/// "https://{{domain}}.atlassian.net/rest/api/3" → "/rest/api/3"; "https://api.stripe.com/" → "".
std::string UrlPath(std::string_view url) {
    const auto scheme = url.find("://");
    const auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    const auto slash = rest.find('/');
    std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

/// "/repos/{owner}/{repo}" → "/repos/{}/{}".
std::string NormalizeTemplate(std::string_view path) {
    std::string out;
    bool in_placeholder = false;
    for (const char c : path) {
        if (c == '{') {
            in_placeholder = true;
            out += "{}";
        } else if (c == '}') {
            in_placeholder = false;
        } else if (!in_placeholder) {
            out += c;
        }
    }
    return out;
}

std::string String(const boost::json::value& value, std::string_view key) {
    const auto* found = value.as_object().if_contains(key);
    return found != nullptr && found->is_string() ? std::string(found->as_string()) : std::string();
}

std::vector<VendorParameter> Parameters(const boost::json::value& list) {
    std::vector<VendorParameter> out;
    for (const auto& p : list.as_array()) {
        const auto* required = p.as_object().if_contains("required");
        out.push_back(
            {.name = String(p, "name"),
             .in = String(p, "in"),
             .required = required != nullptr && required->is_bool() && required->as_bool()});
    }
    return out;
}

VendorDocument LoadFixture(const std::string& connector) {
    const auto json = boost::json::parse(ReadFile(FixtureDir() / (connector + ".json")));
    VendorDocument doc{.source = String(json, "source")};
    const auto& servers = json.at("servers").as_array();
    if (!servers.empty()) {
        doc.server_path = UrlPath(servers.front().as_string());
    }
    doc.security_parameters = Parameters(json.at("security_parameters"));
    for (const auto& op : json.at("operations").as_array()) {
        doc.operations.push_back({.method = String(op, "method"),
                                  .path = String(op, "path"),
                                  .parameters = Parameters(op.at("parameters"))});
    }
    return doc;
}

std::vector<Exception> LoadExceptions() {
    const auto parsed = json::YamlToJson(ReadFile(FixtureDir() / "exceptions.yaml"));
    if (!parsed) {
        throw std::runtime_error("exceptions.yaml: " + parsed.error().message);
    }
    std::vector<Exception> out;
    for (const auto& [kind, entries] : parsed->as_object()) {
        for (const auto& entry : entries.as_array()) {
            Exception exception{.kind = std::string(kind),
                                .connector = String(entry, "connector"),
                                .action = String(entry, "action"),
                                .in = String(entry, "in"),
                                .name = String(entry, "name"),
                                .placeholder = String(entry, "placeholder"),
                                .value = String(entry, "value"),
                                .reason = String(entry, "reason")};
            if (exception.reason.empty()) {
                throw std::runtime_error("exceptions.yaml: an entry of " + exception.kind +
                                         " for " + exception.connector + " has no reason");
            }
            const auto* names = entry.as_object().if_contains("names");
            if (names == nullptr) {
                out.push_back(std::move(exception));
                continue;
            }
            for (const auto& name : names->as_array()) {
                exception.name = std::string(name.as_string());
                out.push_back(exception);
            }
        }
    }
    return out;
}

const Catalog& BuiltIn() {
    static const Catalog catalog = [] {
        auto loaded = Catalog::Load(BuiltInCatalog(), {});
        if (!loaded) {
            throw std::runtime_error(loaded.error().message);
        }
        return std::move(*loaded);
    }();
    return catalog;
}

/// Checks one connector against its vendor document; returns one message per problem and marks
/// the exceptions it relied on. `notes` gets a line per exception used.
class ConnectorCheck {
public:
    ConnectorCheck(const ConnectorSpec& connector,
                   const VendorDocument& doc,
                   std::vector<Exception>& exceptions)
        : connector_(connector), doc_(doc), exceptions_(exceptions) {}

    std::vector<std::string> Run() {
        for (const auto& resource : connector_.resources) {
            for (const auto& action : resource.actions) {
                CheckAction(action);
                ++checked_;
            }
        }
        return std::move(problems_);
    }

    [[nodiscard]] int Checked() const { return checked_; }
    [[nodiscard]] int Skipped() const { return skipped_; }
    [[nodiscard]] const std::vector<std::string>& Notes() const { return notes_; }

private:
    Exception* FindException(std::string_view kind,
                             std::string_view action,
                             std::string_view in = {},
                             std::string_view name = {}) {
        for (auto& e : exceptions_) {
            if (e.kind == kind && e.connector == connector_.id && e.action == action &&
                e.in == in && SameParameter(in, e.name, name)) {
                return &e;
            }
        }
        return nullptr;
    }

    void Note(Exception& exception, std::string_view what) {
        exception.used = true;
        std::string note = connector_.id + "/" + std::string(what) + ": " + exception.reason;
        if (std::find(notes_.begin(), notes_.end(), note) == notes_.end()) {
            notes_.push_back(std::move(note));
        }
    }

    [[nodiscard]] std::string Describe(const ActionSpec& action) const {
        return connector_.id + "/" + action.id + " (" + Lower(action.http_method) + " " +
               action.path + ")";
    }

    /// The vendor's full path for `op` with this action's path_values substituted.
    [[nodiscard]] std::string VendorPath(const ActionSpec& action, const VendorOperation& op) {
        std::string path = doc_.server_path + op.path;
        for (auto& e : exceptions_) {
            if (e.kind != "path_values" || e.connector != connector_.id || e.action != action.id) {
                continue;
            }
            const std::string placeholder = "{" + e.placeholder + "}";
            const auto at = path.find(placeholder);
            if (at != std::string::npos) {
                path.replace(at, placeholder.size(), e.value);
                Note(e, action.id + " path {" + e.placeholder + "} = " + e.value);
            }
        }
        return NormalizeTemplate(path);
    }

    void CheckAction(const ActionSpec& action) {
        if (Exception* skip = FindException("actions", action.id); skip != nullptr) {
            Note(*skip, action.id + " skipped");
            ++skipped_;
            return;
        }
        const std::string method = Lower(action.http_method);
        const std::string ours = NormalizeTemplate(UrlPath(connector_.base_url) + action.path);
        const VendorOperation* match = nullptr;
        std::vector<std::string> other_methods;
        for (const auto& op : doc_.operations) {
            if (VendorPath(action, op) != ours) {
                continue;
            }
            if (op.method == method) {
                match = &op;
            } else {
                other_methods.push_back(op.method);
            }
        }
        if (match == nullptr) {
            std::string message = Describe(action) + ": no such operation in " + doc_.source;
            if (!other_methods.empty()) {
                message += " (the path has:";
                for (const auto& m : other_methods) {
                    message += " " + m;
                }
                message += ")";
            }
            problems_.push_back(std::move(message));
            return;
        }
        CheckParameters(action, *match);
    }

    [[nodiscard]] bool SuppliedByCredential(const VendorParameter& p) {
        if (p.in == "header" && Lower(p.name) == "authorization") {
            return true;
        }
        for (const auto& s : doc_.security_parameters) {
            if (s.in == p.in && SameParameter(p.in, s.name, p.name)) {
                return true;
            }
        }
        if (Exception* e = FindException("credential_parameters", "", p.in, p.name); e != nullptr) {
            Note(*e, p.in + " parameter " + p.name + " comes from the credential");
            return true;
        }
        return false;
    }

    void CheckParameters(const ActionSpec& action, const VendorOperation& op) {
        // Path parameters correspond by position: the templates already matched, and the
        // loader checks that every placeholder of ours has its path parameter.
        for (const auto& p : action.parameters) {
            if (p.in == "path") {
                continue;
            }
            const bool known = std::any_of(
                op.parameters.begin(), op.parameters.end(), [&](const VendorParameter& v) {
                    return v.in == p.in && SameParameter(p.in, v.name, p.name);
                });
            if (known) {
                continue;
            }
            if (Exception* e = FindException("parameters", action.id, p.in, p.name); e != nullptr) {
                Note(*e, action.id + " " + p.in + " " + p.name);
                continue;
            }
            std::string message = Describe(action) + ": " + p.in + " parameter '" + p.name +
                                  "' is not in " + doc_.source + " (it has:";
            for (const auto& v : op.parameters) {
                if (v.in == p.in) {
                    message += " " + v.name;
                }
            }
            problems_.push_back(message + ")");
        }
        for (const auto& v : op.parameters) {
            if (!v.required || v.in == "path" || SuppliedByCredential(v)) {
                continue;
            }
            const auto ours = std::find_if(
                action.parameters.begin(), action.parameters.end(), [&](const ParameterSpec& p) {
                    return p.in == v.in && SameParameter(v.in, v.name, p.name);
                });
            if (ours == action.parameters.end()) {
                problems_.push_back(Describe(action) + ": the vendor requires " + v.in +
                                    " parameter '" + v.name + "', which the action lacks");
            } else if (!ours->required) {
                problems_.push_back(Describe(action) + ": the vendor requires " + v.in +
                                    " parameter '" + v.name + "', which the action marks optional");
            }
        }
    }

    const ConnectorSpec& connector_;
    const VendorDocument& doc_;
    std::vector<Exception>& exceptions_;
    std::vector<std::string> problems_{};
    std::vector<std::string> notes_{};
    int checked_ = 0;
    int skipped_ = 0;
};

// The checker itself, on a made-up connector and vendor document.
constexpr std::string_view kExample = R"yaml(id: example
name: Example
categories: [testing]
base_url: https://api.example.com/v2
auth:
  - type: bearer
resources:
  - name: things
    actions:
      - id: getThing
        httpMethod: GET
        path: /things/{id}
        parameters:
          - {name: id, in: path, schema: {type: string}}
          - {name: expand, in: query, schema: {type: string}}
          - {name: x-trace, in: header, schema: {type: string}}
      - id: deleteThing
        httpMethod: DELETE
        path: /things/{id}
        parameters:
          - {name: id, in: path, schema: {type: string}}
          - {name: force, in: query, schema: {type: boolean}}
      - id: listThings
        httpMethod: GET
        path: /things
)yaml";

std::vector<std::string> CheckExample(const VendorDocument& doc) {
    const std::vector<CatalogSource> sources{
        CatalogSource{.name = "example.yaml", .text = std::string(kExample)}};
    const auto loaded = Catalog::Load(sources, {});
    if (!loaded) {
        return {loaded.error().message};
    }
    std::vector<Exception> exceptions;
    return ConnectorCheck(*loaded->Find("example"), doc, exceptions).Run();
}

TEST(VendorCheckTest, MapsBasePathAndIgnoresPlaceholderNames) {
    const VendorDocument doc{
        .source = "doc",
        .server_path = "",
        .security_parameters = {{.name = "api_key", .in = "query", .required = true}},
        .operations = {{.method = "get",
                        .path = "/v2/things/{thingId}",
                        .parameters = {{.name = "thingId", .in = "path", .required = true},
                                       {.name = "expand", .in = "query"},
                                       {.name = "X-Trace", .in = "header"},
                                       {.name = "Authorization", .in = "header", .required = true},
                                       {.name = "api_key", .in = "query", .required = true}}},
                       {.method = "delete",
                        .path = "/v2/things/{thingId}",
                        .parameters = {{.name = "force", .in = "query"}}},
                       {.method = "get", .path = "/v2/things"}}};

    EXPECT_THAT(CheckExample(doc), testing::IsEmpty());
}

TEST(VendorCheckTest, ReportsMissingOperationsAndParameterDrift) {
    const VendorDocument doc{
        .source = "doc",
        .server_path = "/v2",
        .operations = {{.method = "get",
                        .path = "/things/{thingId}",
                        .parameters = {{.name = "expand", .in = "header"},
                                       {.name = "x-trace", .in = "header"},
                                       {.name = "locale", .in = "query", .required = true}}},
                       {.method = "post", .path = "/things/{thingId}"},
                       {.method = "get",
                        .path = "/things",
                        .parameters = {{.name = "page", .in = "query", .required = true}}}}};

    EXPECT_THAT(
        CheckExample(doc),
        testing::ElementsAre(
            "example/getThing (get /things/{id}): query parameter 'expand' is not in doc (it has: "
            "locale)",
            "example/getThing (get /things/{id}): the vendor requires query parameter 'locale', "
            "which the action lacks",
            "example/deleteThing (delete /things/{id}): no such operation in doc (the path has: "
            "get "
            "post)",
            "example/listThings (get /things): the vendor requires query parameter 'page', which "
            "the action lacks"));
}

class VendorOpenapiTest : public testing::TestWithParam<std::string_view> {};

TEST_P(VendorOpenapiTest, EveryActionMatchesTheVendorDocument) {
    const std::string id(GetParam());
    const ConnectorSpec* connector = BuiltIn().Find(id);
    ASSERT_NE(connector, nullptr) << "no built-in connector " << id;
    const VendorDocument doc = LoadFixture(id);
    ASSERT_FALSE(doc.operations.empty()) << id << ".json has no operations";
    std::vector<Exception> exceptions = LoadExceptions();

    ConnectorCheck check(*connector, doc, exceptions);
    const std::vector<std::string> problems = check.Run();

    std::cout << id << ": " << check.Checked() - check.Skipped() << " of " << check.Checked()
              << " actions checked against " << doc.source << "\n";
    for (const auto& note : check.Notes()) {
        std::cout << "  exception " << note << "\n";
    }
    for (const auto& problem : problems) {
        ADD_FAILURE() << problem;
    }
}

INSTANTIATE_TEST_SUITE_P(Connectors,
                         VendorOpenapiTest,
                         testing::ValuesIn(kCheckedConnectors),
                         [](const testing::TestParamInfo<std::string_view>& param) {
                             return std::string(param.param);
                         });

TEST(VendorFixturesTest, EveryExpectedConnectorHasAFixture) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(FixtureDir())) {
        if (entry.path().extension() == ".json") {
            found.push_back(entry.path().stem().string());
        }
    }
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found,
              std::vector<std::string>(kCheckedConnectors.begin(), kCheckedConnectors.end()));
}

TEST(VendorFixturesTest, EveryExceptionIsNeeded) {
    std::vector<Exception> exceptions = LoadExceptions();
    for (const auto& id : kCheckedConnectors) {
        const ConnectorSpec* connector = BuiltIn().Find(id);
        ASSERT_NE(connector, nullptr) << id;
        ConnectorCheck(*connector, LoadFixture(std::string(id)), exceptions).Run();
    }
    std::vector<std::string> unused;
    for (const auto& e : exceptions) {
        if (!e.used) {
            unused.push_back(e.kind + " " + e.connector + "/" + e.action + " " + e.in + " " +
                             e.name + e.placeholder);
        }
    }
    EXPECT_THAT(unused, testing::IsEmpty()) << "remove these entries from exceptions.yaml";
}

}  // namespace
}  // namespace junction::connectors
