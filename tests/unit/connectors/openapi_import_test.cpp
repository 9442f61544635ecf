// ImportOpenApi against small hand-written documents: one test per row of the API.md §5.6
// table, then the edge cases (3.0/3.1 schema spellings, filters, errors). Every successful
// import is also written as YAML and loaded by the catalog loader, which is what
// `junction catalog validate` runs.
#include "junction/connectors/openapi_import.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "junction/connectors/catalog.hpp"

namespace junction::connectors {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Imports `yaml` (an OpenAPI document) and checks that the result loads as `<id>.yaml`.
ConnectorDocument Import(std::string_view yaml, ImportOptions options = {}) {
    if (options.id.empty()) {
        options.id = "acme";
    }
    auto document = ParseOpenApiText("acme.openapi.yaml", yaml);
    EXPECT_TRUE(document.has_value()) << document.error().message;
    if (!document) {
        return {};
    }
    auto imported = ImportOpenApi(*document, options);
    EXPECT_TRUE(imported.has_value()) << imported.error().message;
    if (!imported) {
        return {};
    }
    const std::vector<CatalogSource> sources{
        CatalogSource{.name = options.id + ".yaml", .text = ConnectorToYaml(imported->connector)}};
    auto catalog = Catalog::Load({}, sources);
    EXPECT_TRUE(catalog.has_value()) << catalog.error().message << "\n" << sources[0].text;
    return std::move(*imported);
}

const array& Resources(const ConnectorDocument& imported) {
    return imported.connector.at("resources").as_array();
}

// The action with id `id`, or an empty object.
object Action(const ConnectorDocument& imported, std::string_view id) {
    for (const auto& resource : Resources(imported)) {
        for (const auto& action : resource.at("actions").as_array()) {
            if (action.at("id") == value(id)) {
                return action.as_object();
            }
        }
    }
    ADD_FAILURE() << "no action " << id << " in " << boost::json::serialize(imported.connector);
    return {};
}

std::vector<std::string> ActionIds(const ConnectorDocument& imported) {
    std::vector<std::string> ids;
    for (const auto& resource : Resources(imported)) {
        for (const auto& action : resource.at("actions").as_array()) {
            ids.emplace_back(action.at("id").as_string());
        }
    }
    return ids;
}

value Json(std::string_view text) {
    return boost::json::parse(text);
}

// ---- each operation → one action; operationId → id ----------------------------------------

TEST(OpenApiImportTest, EachOperationBecomesOneActionWithMethodAndPath) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme API, version: "1"}
servers: [{url: https://api.acme.test/v2/}]
paths:
  /issues:
    get: {operationId: listIssues, responses: {"200": {description: ok}}}
    post: {operationId: createIssue, responses: {"201": {description: ok}}}
  /issues/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    delete: {operationId: deleteIssue, responses: {"204": {description: ok}}}
)yaml");

    EXPECT_EQ(imported.connector.at("id"), "acme");
    EXPECT_EQ(imported.connector.at("name"), "Acme API");
    EXPECT_EQ(imported.connector.at("base_url"), "https://api.acme.test/v2");
    EXPECT_EQ(imported.connector.at("categories"), Json(R"(["imported"])"));
    EXPECT_THAT(ActionIds(imported), ElementsAre("listIssues", "createIssue", "deleteIssue"));
    const object remove = Action(imported, "deleteIssue");
    EXPECT_EQ(remove.at("httpMethod"), "DELETE");
    EXPECT_EQ(remove.at("path"), "/issues/{id}");
}

TEST(OpenApiImportTest, OperationIdCharactersOutsideTheIdAlphabetBecomeUnderscores) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a: {get: {operationId: issues/create, responses: {}}}
  /b: {get: {operationId: "users.get info", responses: {}}}
  /c: {get: {operationId: "-leading", responses: {}}}
)yaml");

    EXPECT_THAT(ActionIds(imported), ElementsAre("issues_create", "users_get_info", "_leading"));
}

TEST(OpenApiImportTest, MissingOperationIdBecomesMethodAndPathSlug) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /repos/{owner}/items.json:
    parameters: [{name: owner, in: path, required: true, schema: {type: string}}]
    get: {responses: {}}
  /:
    get: {responses: {}}
)yaml");

    EXPECT_THAT(ActionIds(imported), ElementsAre("get_repos_owner_items_json", "get"));
}

// Found by tests/fuzz/openapi_import_fuzz (corpus regression-openapi-path-without-slash): the
// action kept the path "items", and the catalog refused the file the import wrote.
TEST(OpenApiImportTest, PathsNotStartingWithASlashAreSkipped) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  items:
    get: {operationId: listItemsBadly, responses: {}}
  /items:
    get: {operationId: listItems, responses: {}}
)yaml");

    EXPECT_THAT(ActionIds(imported), ElementsAre("listItems"));
    EXPECT_THAT(imported.warnings, Contains("Skipped GET items: the path does not start with '/'"));
}

TEST(OpenApiImportTest, DuplicateIdsGetNumberedSuffixes) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a: {get: {operationId: a.b, responses: {}}}
  /b: {get: {operationId: a_b, responses: {}}}
  /c: {get: {operationId: a/b, responses: {}}}
  /d: {get: {operationId: a_b_2, responses: {}}}
)yaml");

    EXPECT_THAT(ActionIds(imported), ElementsAre("a_b", "a_b_2", "a_b_3", "a_b_2_2"));
}

TEST(OpenApiImportTest, LongOperationIdsAreCutToFitTheIdPattern) {
    const std::string long_id(200, 'x');
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a: {get: {operationId: )yaml" +
                                 long_id + R"yaml(, responses: {}}}
  /b: {get: {operationId: )yaml" +
                                 long_id + R"yaml(, responses: {}}}
)yaml");

    EXPECT_THAT(ActionIds(imported),
                ElementsAre(std::string(120, 'x'), std::string(120, 'x') + "_2"));
}

// ---- first tag → resource ------------------------------------------------------------------

TEST(OpenApiImportTest, FirstTagBecomesASluggedResourceWithTheTagDescription) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
tags:
  - {name: Pull Requests, description: Review code}
paths:
  /pulls: {get: {operationId: listPulls, tags: [Pull Requests, repos], responses: {}}}
  /repos: {get: {operationId: listRepos, tags: [repos], responses: {}}}
  /ping: {get: {operationId: ping, responses: {}}}
  /pulls/x: {get: {operationId: otherPulls, tags: [pull_requests!], responses: {}}}
)yaml");

    const auto& resources = Resources(imported);
    ASSERT_EQ(resources.size(), 4U);
    EXPECT_EQ(resources[0].at("name"), "pull-requests");
    EXPECT_EQ(resources[0].at("displayName"), "Pull Requests");
    EXPECT_EQ(resources[0].at("description"), "Review code");
    EXPECT_EQ(resources[0].at("actions").as_array().size(), 1U);
    EXPECT_EQ(resources[1].at("name"), "repos");
    EXPECT_FALSE(resources[1].as_object().contains("description"));
    EXPECT_EQ(resources[2].at("name"), "default");
    EXPECT_EQ(resources[3].at("name"), "pull_requests");
}

// ---- summary / description ---------------------------------------------------------------

TEST(OpenApiImportTest, SummaryIsTheDisplayNameAndDescriptionFallsBackToIt) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a: {get: {operationId: both, summary: " Get A ", description: "Long text.\n", responses: {}}}
  /b: {get: {operationId: summaryOnly, summary: Get B, responses: {}}}
  /c: {get: {operationId: neither, responses: {}}}
)yaml");

    EXPECT_EQ(Action(imported, "both").at("displayName"), "Get A");
    EXPECT_EQ(Action(imported, "both").at("description"), "Long text.");
    EXPECT_EQ(Action(imported, "summaryOnly").at("description"), "Get B");
    EXPECT_EQ(Action(imported, "neither").at("displayName"), "neither");
    EXPECT_FALSE(Action(imported, "neither").contains("description"));
}

// ---- parameters --------------------------------------------------------------------------

TEST(OpenApiImportTest, ParametersMergePathItemAndOperationLevelsWithRefsResolved) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  parameters:
    owner: {name: owner, in: path, required: true, description: The owner, schema: {$ref: "#/components/schemas/Login"}}
    page: {$ref: "#/components/parameters/realPage"}
    realPage: {name: page, in: query, schema: {type: integer, minimum: 1}}
  schemas:
    Login: {type: string, pattern: "^[a-z]+$"}
paths:
  /repos/{owner}:
    parameters:
      - $ref: "#/components/parameters/owner"
      - {name: limit, in: query, description: path level, schema: {type: integer}}
    get:
      operationId: getRepo
      parameters:
        - $ref: "#/components/parameters/page"
        - {name: limit, in: query, required: true, description: operation level, schema: {type: integer}}
        - {name: session, in: cookie, schema: {type: string}}
        - {name: X-Trace, in: header, content: {text/plain: {schema: {type: string}}}}
      responses: {}
)yaml");

    EXPECT_EQ(value(Action(imported, "getRepo").at("parameters")), Json(R"([
        {"name":"owner","in":"path","required":true,"description":"The owner",
         "schema":{"type":"string","pattern":"^[a-z]+$"}},
        {"name":"limit","in":"query","required":true,"description":"operation level",
         "schema":{"type":"integer"}},
        {"name":"page","in":"query","required":false,"schema":{"type":"integer","minimum":1}},
        {"name":"X-Trace","in":"header","required":false,"schema":{"type":"string"}}])"));
}

TEST(OpenApiImportTest, ParametersTheCredentialInjectsAreDropped) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
    token: {type: apiKey, in: query, name: token}
    bearer: {type: http, scheme: bearer}
paths:
  /a:
    get:
      operationId: a
      parameters:
        - {name: x-api-key, in: header, schema: {type: string}}
        - {name: token, in: query, schema: {type: string}}
        - {name: Authorization, in: header, schema: {type: string}}
        - {name: token, in: header, schema: {type: string}}
      responses: {}
)yaml");

    EXPECT_EQ(value(Action(imported, "a").at("parameters")),
              Json(R"([{"name":"token","in":"header","required":false,
                        "schema":{"type":"string"}}])"));
}

TEST(OpenApiImportTest, PathPlaceholdersAndPathParametersAreMadeToAgree) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /items/{itemId}:
    get:
      operationId: getItem
      parameters: [{name: other, in: path, required: true, schema: {type: string}}]
      responses: {}
)yaml");

    EXPECT_EQ(value(Action(imported, "getItem").at("parameters")),
              Json(R"([{"name":"itemId","in":"path","required":true,
                        "schema":{"type":"string"}}])"));
    EXPECT_THAT(imported.warnings,
                ElementsAre("No supported security scheme in the document; added a bearer auth "
                            "entry, edit it",
                            "GET /items/{itemId}: path parameter 'other' is not in the path; "
                            "skipped",
                            "GET /items/{itemId}: path placeholder {itemId} has no parameter; "
                            "declared as a required string"));
}

// ---- requestBody ---------------------------------------------------------------------------

TEST(OpenApiImportTest, JsonRequestBodyIsInlinedFromRefs) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  requestBodies:
    NewIssue:
      required: true
      content:
        application/json; charset=utf-8: {schema: {$ref: "#/components/schemas/Issue"}}
  schemas:
    Issue:
      type: object
      required: [title]
      properties:
        title: {type: string}
        labels: {type: array, items: {$ref: "#/components/schemas/Label"}}
    Label: {type: string, enum: [bug, feature]}
paths:
  /issues: {post: {operationId: createIssue, requestBody: {$ref: "#/components/requestBodies/NewIssue"}, responses: {}}}
)yaml");

    const object action = Action(imported, "createIssue");
    EXPECT_FALSE(action.contains("requestContentType"));
    EXPECT_EQ(action.at("requestBody"), Json(R"({"type":"object","required":["title"],
        "properties":{"title":{"type":"string"},
                      "labels":{"type":"array","items":{"type":"string","enum":["bug","feature"]}}}})"));
}

TEST(OpenApiImportTest, RecursiveRefsAreCutAtDepthTen) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  schemas:
    Node: {type: object, properties: {name: {type: string}, child: {$ref: "#/components/schemas/Node"}}}
paths:
  /nodes: {post: {operationId: createNode, requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}}, responses: {}}}
)yaml");

    const object action = Action(imported, "createNode");
    const value* node = &action.at("requestBody");
    int expanded = 0;
    while (node->as_object().contains("properties")) {
        EXPECT_EQ(node->at("properties").at("name"), Json(R"({"type":"string"})"));
        node = &node->at("properties").at("child");
        ++expanded;
    }
    EXPECT_EQ(expanded, 10);
    EXPECT_EQ(*node, Json(R"({"type":"object"})"));
}

TEST(OpenApiImportTest, FormAndMultipartBodiesSetRequestContentType) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /form:
    post:
      operationId: form
      requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: string}}}}}}
      responses: {}
  /upload:
    post:
      operationId: upload
      requestBody: {content: {multipart/form-data: {schema: {type: object}}}}
      responses: {}
  /both:
    post:
      operationId: both
      requestBody: {content: {multipart/form-data: {schema: {type: object}}, application/json: {schema: {type: object, properties: {j: {type: integer}}}}}}
      responses: {}
  /raw:
    post:
      operationId: raw
      requestBody: {content: {application/octet-stream: {schema: {type: string, format: binary}}}}
      responses: {}
)yaml");

    EXPECT_EQ(Action(imported, "form").at("requestContentType"),
              "application/x-www-form-urlencoded");
    EXPECT_EQ(Action(imported, "form").at("requestBody"),
              Json(R"({"type":"object","properties":{"a":{"type":"string"}}})"));
    EXPECT_EQ(Action(imported, "upload").at("requestContentType"), "multipart/form-data");
    EXPECT_FALSE(Action(imported, "both").contains("requestContentType"));
    EXPECT_EQ(Action(imported, "both").at("requestBody").at("properties").at("j"),
              Json(R"({"type":"integer"})"));
    EXPECT_FALSE(Action(imported, "raw").contains("requestBody"));
    EXPECT_THAT(imported.warnings,
                ::testing::Contains("POST /raw: request body media type "
                                    "'application/octet-stream' is not supported; body left out"));
}

// ---- responseSchema ------------------------------------------------------------------------

TEST(OpenApiImportTest, FirstTwoHundredJsonResponseBecomesResponseSchema) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  responses:
    Created: {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}}
paths:
  /a:
    post:
      operationId: a
      responses:
        "400": {description: bad, content: {application/json: {schema: {type: string}}}}
        "200": {description: text, content: {text/plain: {schema: {type: string}}}}
        "201": {$ref: "#/components/responses/Created"}
        "202": {description: later, content: {application/json: {schema: {type: array}}}}
  /b:
    get:
      operationId: b
      responses: {"204": {description: none}, default: {description: x, content: {application/json: {schema: {type: object}}}}}
)yaml");

    EXPECT_EQ(Action(imported, "a").at("responseSchema"),
              Json(R"({"type":"object","properties":{"id":{"type":"integer"}}})"));
    EXPECT_FALSE(Action(imported, "b").contains("responseSchema"));
}

// ---- oauth2 scopes -------------------------------------------------------------------------

TEST(OpenApiImportTest, OAuth2RequirementScopesBecomeActionScopes) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
security: [{oauth: [read]}]
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://acme.test/oauth/authorize
          tokenUrl: https://acme.test/oauth/token
          scopes: {read: Read things, write: Write things}
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /a: {get: {operationId: inherits, responses: {}}}
  /b: {post: {operationId: own, security: [{oauth: [write, read]}, {key: []}, {oauth: [write]}], responses: {}}}
  /c: {get: {operationId: public, security: [], responses: {}}}
)yaml");

    EXPECT_EQ(Action(imported, "inherits").at("scopes"), Json(R"(["read"])"));
    EXPECT_EQ(Action(imported, "own").at("scopes"), Json(R"(["write","read"])"));
    EXPECT_FALSE(Action(imported, "public").contains("scopes"));
}

// ---- servers → base_url --------------------------------------------------------------------

TEST(OpenApiImportTest, ServerVariablesBecomePlaceholdersWithHostSafeFields) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers:
  - url: "{scheme}://{subdomain}.acme.test/{region}/{path}/"
    variables:
      scheme: {default: https, enum: [https, http]}
      subdomain: {default: demo, description: Your Acme subdomain}
      region: {default: eu.1, enum: [eu.1, us-2]}
      path: {default: api/v3}
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: api_key}
    oauth:
      type: oauth2
      flows: {authorizationCode: {authorizationUrl: https://a.test/auth, tokenUrl: https://a.test/token, scopes: {}}}
paths:
  /a: {get: {operationId: a, responses: {}}}
)yaml");

    EXPECT_EQ(imported.connector.at("base_url"),
              "https://{{subdomain}}.acme.test/{{region}}/api/v3");
    const value variable_fields = Json(R"([
        {"name":"subdomain","description":"Your Acme subdomain","pattern":"^[A-Za-z0-9.-]+$",
         "example":"demo"},
        {"name":"region","description":"Server variable region","pattern":"^(eu\\.1|us-2)$",
         "example":"eu.1"}])");
    const auto& auth = imported.connector.at("auth").as_array();
    ASSERT_EQ(auth.size(), 2U);
    array key_fields =
        Json(R"([{"name":"apiKey","description":"API key","secret":true}])").as_array();
    for (const auto& field : variable_fields.as_array()) {
        key_fields.push_back(field);
    }
    EXPECT_EQ(auth[0].at("fields"), key_fields);
    EXPECT_EQ(auth[1].at("fields"), variable_fields);
}

// Found by tests/fuzz/openapi_import_fuzz (corpus regression-openapi-server-url-space).
TEST(OpenApiImportTest, AServerUrlWithWhiteSpaceGetsThePlaceholderHost) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: "https://api.acme.test/v1 beta"}]
paths: {/a: {get: {operationId: a, responses: {}}}}
)yaml");
    EXPECT_EQ(imported.connector.at("base_url"), "https://api.example.com");
    EXPECT_THAT(imported.warnings,
                Contains("servers[0].url contains white space; base_url is "
                         "https://api.example.com, edit it"));
}

TEST(OpenApiImportTest, RelativeOrMissingServersGetAPlaceholderHostAndAWarning) {
    const auto relative = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: /api/v1}]
paths: {/a: {get: {operationId: a, responses: {}}}}
)yaml");
    EXPECT_EQ(relative.connector.at("base_url"), "https://api.example.com/api/v1");
    EXPECT_THAT(relative.warnings,
                ::testing::Contains("servers[0].url '/api/v1' is not an absolute http(s) URL; "
                                    "base_url is https://api.example.com/api/v1, edit it"));

    const auto missing = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
paths: {/a: {get: {operationId: a, responses: {}}}}
)yaml");
    EXPECT_EQ(missing.connector.at("base_url"), "https://api.example.com");
}

// ---- securitySchemes → auth ----------------------------------------------------------------

TEST(OpenApiImportTest, SecuritySchemesBecomeAuthEntriesInOrder) {
    const auto imported = Import(R"yaml(openapi: 3.1.0
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: https://acme.test/cc, scopes: {}}
        authorizationCode:
          authorizationUrl: https://acme.test/oauth/authorize
          tokenUrl: https://acme.test/oauth/token
          scopes: {"repo:read": Read, "repo:write": Write}
    header: {type: apiKey, in: header, name: X-Api-Key}
    query: {type: apiKey, in: query, name: key}
    cookie: {type: apiKey, in: cookie, name: sid}
    basic: {type: http, scheme: Basic}
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
    digest: {type: http, scheme: digest}
    oidc: {type: openIdConnect, openIdConnectUrl: https://acme.test/.well-known/openid-configuration}
    machine: {type: oauth2, flows: {clientCredentials: {tokenUrl: https://acme.test/cc, scopes: {}}}}
paths: {/a: {get: {operationId: a, responses: {}}}}
)yaml");

    EXPECT_EQ(value(imported.connector.at("auth")), Json(R"([
        {"type":"oauth2","authorization_url":"https://acme.test/oauth/authorize",
         "token_url":"https://acme.test/oauth/token","scopes":["repo:read","repo:write"]},
        {"type":"apiKey","in":"header","name":"X-Api-Key"},
        {"type":"apiKey","in":"query","name":"key"},
        {"type":"basic"},
        {"type":"bearer"}])"));
    EXPECT_THAT(imported.warnings,
                ElementsAre("Unsupported security scheme 'cookie' (apiKey in 'cookie'); skipped",
                            "Unsupported security scheme 'digest' (http digest); skipped",
                            "Unsupported security scheme 'oidc' (openIdConnect); skipped",
                            "Unsupported security scheme 'machine' (oauth2 without an "
                            "authorizationCode flow); skipped"));
}

TEST(OpenApiImportTest, NoSupportedSchemeFallsBackToABearerEntry) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths: {/a: {get: {operationId: a, parameters: [{name: Authorization, in: header}], responses: {}}}}
)yaml");

    EXPECT_EQ(value(imported.connector.at("auth")), Json(R"([{"type":"bearer"}])"));
    EXPECT_FALSE(Action(imported, "a").contains("parameters"));
    EXPECT_THAT(imported.warnings,
                ElementsAre("No supported security scheme in the document; added a bearer auth "
                            "entry, edit it"));
}

// ---- filters -------------------------------------------------------------------------------

constexpr std::string_view kTagged = R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a: {get: {operationId: issues/list, tags: [Issues], responses: {}}}
  /b: {get: {operationId: issues/get, tags: [Issues], responses: {}}}
  /c: {get: {operationId: repos/list, tags: [repos], responses: {}}}
  /d: {get: {operationId: users/list, tags: [users, Issues], responses: {}}}
)yaml";

TEST(OpenApiImportTest, IncludeTagsKeepsOperationsWithAnyListedTag) {
    EXPECT_THAT(ActionIds(Import(kTagged, {.include_tags = {"issues"}})),
                ElementsAre("issues_list", "issues_get", "users_list"));
}

TEST(OpenApiImportTest, IncludeOperationsAddsToIncludeTagsAndExcludeRemoves) {
    const auto imported = Import(kTagged,
                                 {.include_tags = {"Issues"},
                                  .include_operations = {"repos/list"},
                                  .exclude_operations = {"issues_get", "users/list"}});

    EXPECT_THAT(ActionIds(imported), ElementsAre("issues_list", "repos_list"));
}

TEST(OpenApiImportTest, NothingLeftToImportIsAnError) {
    auto document = ParseOpenApiText("x.yaml", kTagged);
    ASSERT_TRUE(document.has_value());

    const auto imported = ImportOpenApi(*document, {.id = "acme", .include_tags = {"nope"}});

    ASSERT_FALSE(imported.has_value());
    EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(imported.error().message,
              "The OpenAPI document has no operation to import (check "
              "--include-tags/--include-operations)");
}

// ---- methods the catalog lacks ---------------------------------------------------------------

TEST(OpenApiImportTest, OptionsAndTraceOperationsAreSkippedWithAWarning) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a: {options: {operationId: preflight, responses: {}}, head: {operationId: check, responses: {}}}
)yaml");

    EXPECT_THAT(ActionIds(imported), ElementsAre("check"));
    EXPECT_THAT(imported.warnings,
                ::testing::Contains("Skipped OPTIONS /a: the catalog has no OPTIONS actions"));
}

// ---- schema dialects -----------------------------------------------------------------------

TEST(OpenApiImportTest, OpenApi30SchemaSpellingsBecomeJsonSchema) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            schema:
              type: object
              discriminator: {propertyName: kind}
              xml: {name: thing}
              externalDocs: {url: https://acme.test}
              example: {kind: x}
              x-internal: true
              properties:
                kind: {type: string, nullable: true, enum: [a, b], example: a}
                count: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false}
                file: {type: file}
                id: {type: string, readOnly: true, deprecated: true, pattern: "(?<=x)y"}
                any: {nullable: true}
                legacy: {type: string, required: true}
      responses: {}
)yaml");

    EXPECT_EQ(Action(imported, "a").at("requestBody"), Json(R"({"type":"object","properties":{
        "kind":{"type":["string","null"],"enum":["a","b",null]},
        "count":{"type":"integer","maximum":9,"exclusiveMinimum":0},
        "file":{},
        "id":{"type":"string","readOnly":true,"deprecated":true},
        "any":{},
        "legacy":{"type":"string"}}})"));
}

TEST(OpenApiImportTest, OpenApi31SchemasKeepTypeArraysExamplesAndRefSiblings) {
    const auto imported = Import(R"yaml(openapi: 3.1.0
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
components:
  schemas:
    Name: {type: string, description: A name}
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {$ref: "#/components/schemas/Name", description: The owner's name}
                tags: {type: [array, "null"], items: true, examples: [[a, b]]}
                never: false
                pair: {type: array, prefixItems: [{type: string}, {type: integer}], items: false}
                bound: {type: number, exclusiveMinimum: 0}
      responses: {}
)yaml");

    EXPECT_EQ(Action(imported, "a").at("requestBody"), Json(R"({"type":"object","properties":{
        "name":{"type":"string","description":"The owner's name"},
        "tags":{"type":["array","null"],"items":{},"examples":[["a","b"]]},
        "never":{"not":{}},
        "pair":{"type":"array","additionalItems":{"not":{}},
                "items":[{"type":"string"},{"type":"integer"}]},
        "bound":{"type":"number","exclusiveMinimum":0}}})"));
}

TEST(OpenApiImportTest, UnresolvableRefsBecomeObjectsWithAWarning) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a:
    post:
      operationId: a
      requestBody: {content: {application/json: {schema: {$ref: "other.yaml#/Thing"}}}}
      responses: {}
)yaml");

    EXPECT_EQ(Action(imported, "a").at("requestBody"), Json(R"({"type":"object"})"));
    EXPECT_THAT(imported.warnings,
                ::testing::Contains(
                    "$ref 'other.yaml#/Thing' cannot be resolved; replaced by {type: object}"));
}

TEST(OpenApiImportTest, ConnectorKeysComeFromInfo) {
    const auto imported = Import(R"yaml(openapi: 3.1.0
info:
  title: Acme
  version: "1"
  description: "First paragraph.\n\nSecond paragraph."
  x-logo: {url: https://acme.test/logo.png}
  x-apisguru-categories: [developer_tools, Project Management]
servers: [{url: https://api.acme.test}]
paths: {/a: {get: {operationId: a, responses: {}}}}
)yaml");

    EXPECT_EQ(imported.connector.at("description"), "First paragraph.");
    EXPECT_EQ(imported.connector.at("icon"), "https://acme.test/logo.png");
    EXPECT_EQ(imported.connector.at("categories"),
              Json(R"(["developer-tools","project-management"])"));
}

// ---- errors --------------------------------------------------------------------------------

TEST(OpenApiImportTest, RejectsAnInvalidConnectorId) {
    const auto imported = ImportOpenApi(Json(R"({"openapi":"3.0.0","paths":{}})"), {.id = "9x"});

    ASSERT_FALSE(imported.has_value());
    EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(imported.error().message,
              "Connector id '9x' must match ^[A-Za-z][A-Za-z0-9_-]{0,63}$");
}

TEST(OpenApiImportTest, RejectsSwaggerTwoAndNonOpenApiDocuments) {
    const auto swagger = ImportOpenApi(Json(R"({"swagger":"2.0","paths":{}})"), {.id = "acme"});
    ASSERT_FALSE(swagger.has_value());
    EXPECT_EQ(swagger.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(swagger.error().message,
              "Swagger 2.0 documents are not supported; convert to OpenAPI 3 first");

    const auto other = ImportOpenApi(Json(R"({"asyncapi":"2.0"})"), {.id = "acme"});
    ASSERT_FALSE(other.has_value());
    EXPECT_EQ(other.error().message, "Not an OpenAPI 3 document (openapi: '')");

    const auto list = ImportOpenApi(Json("[]"), {.id = "acme"});
    ASSERT_FALSE(list.has_value());
    EXPECT_EQ(list.error().message, "The OpenAPI document must be an object");
}

TEST(OpenApiImportTest, ParseOpenApiTextSniffsJsonAndNamesTheBadLine) {
    const auto sniffed = ParseOpenApiText("api.txt", R"( {"openapi": "3.0.0"})");
    ASSERT_TRUE(sniffed.has_value());
    EXPECT_EQ(sniffed->at("openapi"), "3.0.0");

    const auto yaml = ParseOpenApiText("api", "openapi: 3.1.0\n");
    ASSERT_TRUE(yaml.has_value());
    EXPECT_EQ(yaml->at("openapi"), "3.1.0");  // two dots: a string even unquoted

    const auto broken = ParseOpenApiText("api.json", "{\n\"a\": 1,\n\"b\": }");
    ASSERT_FALSE(broken.has_value());
    EXPECT_EQ(broken.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(broken.error().message,
                ::testing::StartsWith("api.json: invalid JSON at line 3: "));
}

TEST(OpenApiImportTest, ReadOpenApiFileReportsAMissingFile) {
    const auto missing = ReadOpenApiFile("/nonexistent/api.yaml");

    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(missing.error().message, "Cannot read '/nonexistent/api.yaml'");
}

TEST(OpenApiImportTest, WrittenYamlReadsBackToTheSameConnector) {
    const auto imported = Import(R"yaml(openapi: 3.0.3
info: {title: "Acme: \"quoted\" # API", version: "1"}
servers: [{url: https://api.acme.test}]
paths:
  /a:
    post:
      operationId: a
      summary: "true"
      description: "Line one.\nLine two: with colon\n\n- list item"
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                "123": {type: string, default: "0123", enum: ["yes", "null", "", "1e5", "-", "x, y"]}
                ratio: {type: number, default: 0.1, maximum: 1.5e300}
      responses: {}
)yaml");

    const std::string yaml = ConnectorToYaml(imported.connector);
    auto document = ParseOpenApiText("acme.yaml", yaml);
    ASSERT_TRUE(document.has_value()) << document.error().message;
    EXPECT_EQ(*document, value(imported.connector)) << yaml;
}

// ---- load-time `openapi:` key ---------------------------------------------------------------

constexpr std::string_view kNotesDocument = R"yaml(openapi: 3.0.3
info: {title: Notes API, version: "1", description: Notes for everyone.}
servers: [{url: https://notes.acme.test/v1}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /notes: {get: {operationId: notes.list, tags: [notes], responses: {}}}
  /notes/{id}:
    get:
      operationId: notes.get
      tags: [notes]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {}
  /admin: {get: {operationId: admin.stats, tags: [admin], responses: {}}}
)yaml";

using Files = std::vector<std::pair<std::string, std::string>>;

// A fresh directory holding `files` (name → text), removed on destruction.
class CatalogDir {
public:
    explicit CatalogDir(const Files& files) {
        std::string pattern = (std::filesystem::temp_directory_path() / "catalog-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
        for (const auto& [name, text] : files) {
            std::filesystem::create_directories((path_ / name).parent_path());
            std::ofstream(path_ / name) << text;
        }
    }
    CatalogDir(const CatalogDir&) = delete;
    CatalogDir& operator=(const CatalogDir&) = delete;
    CatalogDir(CatalogDir&&) = delete;
    CatalogDir& operator=(CatalogDir&&) = delete;
    ~CatalogDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    [[nodiscard]] Result<Catalog> Load() const {
        auto sources = Catalog::ReadDirectory(path_.string());
        if (!sources) {
            return Fail(std::move(sources.error()));
        }
        return Catalog::Load({}, *sources);
    }
    [[nodiscard]] std::string File(const std::string& name) const {
        return (path_ / name).string();
    }

private:
    std::filesystem::path path_;
};

TEST(OpenApiKeyTest, DerivesBaseUrlAuthAndResourcesFromTheDocument) {
    const CatalogDir dir(Files{{"notes.yaml", R"yaml(id: notes
name: Notes
categories: [productivity]
openapi:
  file: specs/notes.openapi.yaml
  include_tags: [notes]
  exclude_operations: [notes.get]
)yaml"},
                               {"specs/notes.openapi.yaml", std::string(kNotesDocument)}});

    const auto catalog = dir.Load();

    ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
    const ConnectorSpec* notes = catalog->Find("notes");
    ASSERT_NE(notes, nullptr);
    EXPECT_EQ(notes->name, "Notes");
    EXPECT_EQ(notes->description, "Notes for everyone.");
    EXPECT_EQ(notes->base_url, "https://notes.acme.test/v1");
    EXPECT_EQ(notes->allowed_hosts, std::vector<std::string>{"notes.acme.test"});
    ASSERT_EQ(notes->auth.size(), 1U);
    EXPECT_EQ(notes->auth[0].type, "apiKey");
    EXPECT_EQ(notes->ActionCount(), 1U);
    EXPECT_NE(notes->FindAction("notes_list"), nullptr);
}

TEST(OpenApiKeyTest, ExplicitKeysInTheConnectorFileWin) {
    const CatalogDir dir(Files{{"notes.yaml", R"yaml(id: notes
name: Notes
description: Our notes.
categories: [productivity]
base_url: https://eu.notes.acme.test/v1
auth: [{type: bearer}]
openapi: {file: notes.openapi.yaml}
)yaml"},
                               {"notes.openapi.yaml", std::string(kNotesDocument)}});

    const auto catalog = dir.Load();

    ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
    ASSERT_EQ(catalog->Connectors().size(), 1U);  // the document itself is not a connector
    const ConnectorSpec* notes = catalog->Find("notes");
    EXPECT_EQ(notes->description, "Our notes.");
    EXPECT_EQ(notes->base_url, "https://eu.notes.acme.test/v1");
    ASSERT_EQ(notes->auth.size(), 1U);
    EXPECT_EQ(notes->auth[0].type, "bearer");
    EXPECT_EQ(notes->ActionCount(), 3U);
}

TEST(OpenApiKeyTest, AMissingDocumentIsReportedAtTheFileKey) {
    const CatalogDir dir(Files{{"notes.yaml", R"yaml(id: notes
name: Notes
categories: [productivity]
openapi:
  file: missing.json
)yaml"}});

    const auto catalog = dir.Load();

    ASSERT_FALSE(catalog.has_value());
    EXPECT_EQ(catalog.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(catalog.error().message,
              "invalid connector catalog:\n" + dir.File("notes.yaml") + ":5: Cannot read '" +
                  dir.File("missing.json") + "'");
}

TEST(OpenApiKeyTest, AFilterMatchingNothingIsReportedAtTheOpenapiKey) {
    const CatalogDir dir(Files{{"notes.yaml", R"yaml(id: notes
name: Notes
categories: [productivity]
openapi: {file: notes.openapi.yaml, include_operations: [nope]}
)yaml"},
                               {"notes.openapi.yaml", std::string(kNotesDocument)}});

    const auto catalog = dir.Load();

    ASSERT_FALSE(catalog.has_value());
    EXPECT_THAT(catalog.error().message,
                HasSubstr("notes.yaml:4: " + dir.File("notes.openapi.yaml") +
                          ": The OpenAPI document has no operation to import"));
}

TEST(OpenApiKeyTest, WithoutOpenapiResourcesAndAuthAreStillRequired) {
    const CatalogDir dir(Files{{"notes.yaml", "id: notes\nname: Notes\ncategories: [x]\n"}});

    const auto catalog = dir.Load();

    ASSERT_FALSE(catalog.has_value());
    EXPECT_THAT(catalog.error().message, HasSubstr("notes.yaml:1: resources: is required"));
    EXPECT_THAT(catalog.error().message, HasSubstr("notes.yaml:1: base_url: is required"));
}

}  // namespace
}  // namespace junction::connectors
