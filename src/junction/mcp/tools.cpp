#include "junction/mcp/tools.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "junction/core/ascii.hpp"
#include "junction/mcp/action_search.hpp"
#include "junction/mcp/result_shaping.hpp"
#include "junction/service/action_service.hpp"
#include "junction/service/connector_service.hpp"
#include "junction/service/credential_service.hpp"

namespace junction::mcp {
namespace {

// The canonical tools/list payload: openapi.yaml `components.examples.McpToolsListResult`
// (names and descriptions are Alloy's; keep the two in sync).
constexpr std::string_view kToolsJson = R"json(
{
 "tools": [
  {
   "name": "list_connectors_alloy",
   "description": "List available platform connectors",
   "inputSchema": {
    "type": "object",
    "properties": {
     "category": {
      "type": "string",
      "description": "Filter by category"
     }
    }
   }
  },
  {
   "name": "get_connector_resources_alloy",
   "description": "Get the resources and actions available for a connector",
   "inputSchema": {
    "type": "object",
    "properties": {
     "connectorId": {
      "type": "string",
      "description": "Connector ID, e.g. slack"
     }
    },
    "required": [
     "connectorId"
    ]
   }
  },
  {
   "name": "get_action_details_alloy",
   "description": "Get detailed parameter information for a connector action",
   "inputSchema": {
    "type": "object",
    "properties": {
     "connectorId": {
      "type": "string",
      "description": "Connector ID, e.g. slack"
     },
     "actionId": {
      "type": "string",
      "description": "Action ID (case-sensitive), e.g. chat_postMessage"
     }
    },
    "required": [
     "connectorId",
     "actionId"
    ]
   }
  },
  {
   "name": "execute_action_alloy",
   "description": "Execute an action on a platform",
   "inputSchema": {
    "type": "object",
    "properties": {
     "connectorId": {
      "type": "string",
      "description": "Connector ID, e.g. slack"
     },
     "actionId": {
      "type": "string",
      "description": "Action ID (case-sensitive), e.g. chat_postMessage"
     },
     "parameters": {
      "type": "object",
      "description": "Flat map of action inputs; path, query and header parameters are routed by name, all other keys form the JSON request body"
     },
     "credentialId": {
      "type": "string",
      "description": "Credential to use (24 hex). Defaults to the x-credential-id header, else the most recently updated credential for the connector"
     },
     "timeout": {
      "type": "integer",
      "minimum": 1000,
      "maximum": 300000,
      "description": "Upstream timeout in milliseconds (default 30000)"
     }
    },
    "required": [
     "connectorId",
     "actionId",
     "parameters"
    ]
   }
  },
  {
   "name": "create_credential_alloy",
   "description": "Create platform credentials or start an OAuth flow for a connector",
   "inputSchema": {
    "type": "object",
    "properties": {
     "connectorId": {
      "type": "string",
      "description": "Connector ID, e.g. slack"
     },
     "authenticationType": {
      "type": "string",
      "description": "oauth2, apiKey, basic or bearer (see get_credential_metadata_alloy)"
     },
     "redirectUri": {
      "type": "string",
      "format": "uri",
      "description": "Where the browser goes after OAuth (defaults to the x-redirect-uri header)"
     },
     "fields": {
      "type": "object",
      "description": "Credential fields for key-based authentication (the `data` object of the metadata input schema)"
     }
    },
    "required": [
     "connectorId",
     "authenticationType"
    ]
   }
  },
  {
   "name": "get_credentials_alloy",
   "description": "List existing credentials for a connector",
   "inputSchema": {
    "type": "object",
    "properties": {
     "connectorId": {
      "type": "string",
      "description": "Connector ID, e.g. slack"
     }
    },
    "required": [
     "connectorId"
    ]
   }
  },
  {
   "name": "get_credential_metadata_alloy",
   "description": "Get the authentication methods and required fields for a connector",
   "inputSchema": {
    "type": "object",
    "properties": {
     "connectorId": {
      "type": "string",
      "description": "Connector ID, e.g. slack"
     }
    },
    "required": [
     "connectorId"
    ]
   }
  },
  {
   "name": "discover_action_path_alloy",
   "description": "Find the connector actions that accomplish a natural-language goal",
   "inputSchema": {
    "type": "object",
    "properties": {
     "goal": {
      "type": "string",
      "description": "What you want to do, e.g. \"send a message to a Slack channel\""
     }
    },
    "required": [
     "goal"
    ]
   }
  }
 ]
}
)json";

// The four keys of a REST-style execute body (API.md §4.5: used as-is when they are all the
// keys of `parameters`).
constexpr std::array<std::string_view, 4> kRestStyleKeys{
    "requestBody", "queryParameters", "pathParams", "additionalHeaders"};

std::string Str(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

ToolStep Output(boost::json::object output) {
    return ToolStep{.output = std::move(output)};
}

ToolStep Failure(Error error) {
    return ToolStep{.output = tl::unexpected<Error>(std::move(error))};
}

Error Forbidden(std::string message) {
    return Error{.code = ErrorCode::kPermissionDenied, .message = std::move(message)};
}

// Header values travel as strings; scalars given as JSON numbers or booleans are spelled out.
std::optional<std::string> HeaderText(const boost::json::value& value) {
    if (value.is_string()) {
        return std::string(value.as_string());
    }
    if (value.is_number() || value.is_bool()) {
        return boost::json::serialize(value);
    }
    return std::nullopt;
}

// Flat `parameters` → the REST execute body (API.md §4.5): names of the action's
// path/query/header parameters go there, everything else forms the JSON body.
Result<boost::json::object> RouteParameters(const connectors::ActionSpec& action,
                                            const boost::json::object& parameters) {
    const bool rest_style =
        !parameters.empty() &&
        std::all_of(parameters.begin(), parameters.end(), [](const auto& kv) {
            return std::find(kRestStyleKeys.begin(), kRestStyleKeys.end(), kv.key()) !=
                   kRestStyleKeys.end();
        });
    if (rest_style) {
        return parameters;
    }
    boost::json::object body;
    boost::json::object path;
    boost::json::object query;
    boost::json::object headers;
    boost::json::object request_body;
    Error invalid{.code = ErrorCode::kInvalidArgument, .message = "Invalid parameters"};
    for (const auto& entry : parameters) {
        const std::string_view key = entry.key();
        const boost::json::value& value = entry.value();
        const auto parameter = std::find_if(action.parameters.begin(),
                                            action.parameters.end(),
                                            [&](const auto& p) { return p.name == key; });
        if (parameter == action.parameters.end()) {
            request_body[key] = value;
        } else if (parameter->in == "path") {
            path[key] = value;
        } else if (parameter->in == "query") {
            query[key] = value;
        } else if (auto text = HeaderText(value)) {
            headers[key] = *text;
        } else {
            invalid.fields.push_back({.field = "parameters." + std::string(key),
                                      .message = "must be a string, number or boolean (header)"});
        }
    }
    if (!invalid.fields.empty()) {
        return Fail(std::move(invalid));
    }
    if (!path.empty()) {
        body["pathParams"] = std::move(path);
    }
    if (!query.empty()) {
        body["queryParameters"] = std::move(query);
    }
    if (!headers.empty()) {
        body["additionalHeaders"] = std::move(headers);
    }
    if (!request_body.empty()) {
        body["requestBody"] = std::move(request_body);
    }
    return body;
}

// One upstream outcome of an execute: the shaped answer, or the next step of the same call.
ToolStep ContinueExecute(const std::shared_ptr<service::ActionCall>& call,
                         const connectors::ActionSpec* action,
                         Result<http_client::OutboundResponse> outcome) {
    service::ActionStep step = call->OnOutcome(std::move(outcome));
    if (step.next) {
        return ToolStep{.pending = std::make_shared<ToolPending>(ToolPending{
                            .request = std::move(*step.next),
                            .delay = step.delay,
                            .resume = [call, action](Result<http_client::OutboundResponse> next) {
                                return ContinueExecute(call, action, std::move(next));
                            }})};
    }
    if (!step.result) {
        return Failure(std::move(step.result.error()));
    }
    return Output(ShapeExecuteOutput(std::move(*step.result), *action));
}

}  // namespace

Result<std::unique_ptr<ToolSet>> ToolSet::Create(ToolServices services) {
    std::unique_ptr<ToolSet> set(new ToolSet(services));
    boost::system::error_code ec;
    auto parsed = boost::json::parse(kToolsJson, ec);
    if (ec || !parsed.is_object()) {
        return Fail(ErrorCode::kInternal, "The built-in MCP tool list does not parse");
    }
    set->list_result_ = std::move(parsed.as_object());
    struct Row {
        std::string_view name;
        Handler handler;
        // Only reads the store, before anything else with an effect: an attempt on an IO thread
        // refused half-way has done nothing the rerun on the pool would repeat. Execute's
        // upstream call is made by the transport after the handler returns. Creating a
        // credential writes and may call the provider first: never inline.
        bool may_run_inline;
    };
    static constexpr std::array<Row, 8> kHandlers{{
        {"list_connectors_alloy", &ToolSet::ListConnectors, true},
        {"get_connector_resources_alloy", &ToolSet::GetConnectorResources, true},
        {"get_action_details_alloy", &ToolSet::GetActionDetails, true},
        {"execute_action_alloy", &ToolSet::ExecuteAction, true},
        {"create_credential_alloy", &ToolSet::CreateCredential, false},
        {"get_credentials_alloy", &ToolSet::GetCredentials, true},
        {"get_credential_metadata_alloy", &ToolSet::GetCredentialMetadata, true},
        {"discover_action_path_alloy", &ToolSet::DiscoverActionPath, true},
    }};
    for (const auto& entry : set->list_result_.at("tools").as_array()) {
        const auto& tool = entry.as_object();
        const std::string name = Str(tool, "name");
        const auto* const handler = std::find_if(
            kHandlers.begin(), kHandlers.end(), [&](const auto& h) { return h.name == name; });
        if (handler == kHandlers.end()) {
            return Fail(ErrorCode::kInternal, "MCP tool '" + name + "' has no handler");
        }
        auto schema = json::SchemaValidator::Compile(tool.at("inputSchema"));
        if (!schema) {
            return Fail(
                ErrorCode::kInternal,
                "MCP tool '" + name + "' has a bad input schema: " + schema.error().message);
        }
        set->tools_.push_back(Tool{.name = name,
                                   .schema = std::move(*schema),
                                   .handler = handler->handler,
                                   .may_run_inline = handler->may_run_inline});
    }
    if (set->tools_.size() != kHandlers.size()) {
        return Fail(ErrorCode::kInternal, "The built-in MCP tool list is incomplete");
    }
    return set;
}

ToolSet::ToolSet(ToolServices services) : services_(services) {}

bool ToolSet::Has(std::string_view name) const {
    return std::any_of(
        tools_.begin(), tools_.end(), [&](const Tool& tool) { return tool.name == name; });
}

bool ToolSet::MayRunInline(std::string_view name) const {
    return std::any_of(tools_.begin(), tools_.end(), [&](const Tool& tool) {
        return tool.name == name && tool.may_run_inline;
    });
}

ToolStep ToolSet::Call(std::string_view name,
                       const boost::json::object& arguments,
                       const CallContext& context) {
    const auto tool =
        std::find_if(tools_.begin(), tools_.end(), [&](const Tool& t) { return t.name == name; });
    if (tool == tools_.end()) {
        return Failure(Error{.code = ErrorCode::kInvalidArgument,
                             .message = "Unknown tool: " + std::string(name)});
    }
    Error invalid{.code = ErrorCode::kInvalidArgument,
                  .message = "Invalid arguments for " + tool->name};
    invalid.fields = tool->schema.Validate(arguments);
    if (!invalid.fields.empty()) {
        return Failure(std::move(invalid));
    }
    return (this->*(tool->handler))(arguments, context);
}

Result<const connectors::ConnectorSpec*> ToolSet::VisibleConnector(
    std::string_view connector_id, const CallContext& context) const {
    const auto* connector = services_.catalog.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound,
                    "Connector '" + std::string(connector_id) +
                        "' not found. Call list_connectors_alloy to see the available connectors.");
    }
    if (!context.server.restrictions->ConnectorAllowed(connector->id)) {
        return Fail(Forbidden("Connector '" + connector->id + "' is not available on this server"));
    }
    return connector;
}

ToolStep ToolSet::ListConnectors(const boost::json::object& arguments, const CallContext& context) {
    const std::string category = AsciiLowercase(Str(arguments, "category"));
    boost::json::array connectors;
    for (const auto& connector : services_.catalog.Connectors()) {
        if (!context.server.restrictions->ConnectorAllowed(connector.id)) {
            continue;
        }
        if (!category.empty() &&
            std::none_of(connector.categories.begin(),
                         connector.categories.end(),
                         [&](const std::string& c) { return AsciiIEquals(c, category); })) {
            continue;
        }
        boost::json::array categories(connector.categories.begin(), connector.categories.end());
        connectors.push_back(boost::json::object{
            {"id", connector.id}, {"name", connector.name}, {"category", std::move(categories)}});
    }
    const std::size_t count = connectors.size();
    return Output(boost::json::object{
        {"connectors", std::move(connectors)},
        {"count", count},
        {"message", "Found " + std::to_string(count) + " available connectors"}});
}

ToolStep ToolSet::GetConnectorResources(const boost::json::object& arguments,
                                        const CallContext& context) {
    auto connector = VisibleConnector(Str(arguments, "connectorId"), context);
    if (!connector) {
        return Failure(std::move(connector.error()));
    }
    const auto& restrictions = *context.server.restrictions;
    boost::json::array resources;
    for (const auto& resource : (*connector)->resources) {
        boost::json::array actions;
        for (const auto& action : resource.actions) {
            if (!restrictions.ActionAllowed((*connector)->id, action.id)) {
                continue;
            }
            actions.push_back(boost::json::object{{"id", action.id},
                                                  {"displayName", action.display_name},
                                                  {"description", action.description},
                                                  {"httpMethod", action.http_method}});
        }
        if (actions.empty()) {
            continue;
        }
        resources.push_back(boost::json::object{{"name", resource.name},
                                                {"description", resource.description},
                                                {"actions", std::move(actions)}});
    }
    return Output(boost::json::object{{"connectorId", (*connector)->id},
                                      {"resources", std::move(resources)}});
}

ToolStep ToolSet::GetActionDetails(const boost::json::object& arguments,
                                   const CallContext& context) {
    auto connector = VisibleConnector(Str(arguments, "connectorId"), context);
    if (!connector) {
        return Failure(std::move(connector.error()));
    }
    const std::string action_id = Str(arguments, "actionId");
    if ((*connector)->FindAction(action_id) != nullptr &&
        !context.server.restrictions->ActionAllowed((*connector)->id, action_id)) {
        return Failure(Forbidden("Action '" + action_id + "' is not available on this server"));
    }
    auto action = services_.connectors.Action((*connector)->id, action_id);
    if (!action) {
        return Failure(std::move(action.error()));
    }
    return Output(boost::json::object{{"action", std::move(*action)}});
}

Result<std::string> ToolSet::ChooseCredential(const connectors::ConnectorSpec& connector,
                                              const CallContext& context) {
    if (context.credential_header && !context.credential_header->empty()) {
        auto named = services_.credential_store.FindCredential(*context.credential_header);
        if (!named && named.error().code != ErrorCode::kNotFound) {
            return Fail(std::move(named.error()));
        }
        if (!named || named->user_id != context.user.id) {
            // Never a silent fallback when the header names somebody else's credential.
            return Fail(ErrorCode::kCredentialNotFound,
                        "Credential '" + *context.credential_header +
                            "' (x-credential-id) not found for this user");
        }
        if (named->connector_id == connector.id) {
            return named->id;
        }
        // The user's credential for another connector: one header can serve several.
    }
    auto page = services_.credential_store.ListCredentials(
        context.user.id, connector.id, storage::PageRequest{.limit = 1000, .offset = 0});
    if (!page) {
        return Fail(std::move(page.error()));
    }
    const storage::CredentialRow* best = nullptr;
    bool any_expired = false;
    for (const auto& row : page->items) {
        if (row.status != "active") {
            any_expired = true;
            continue;
        }
        if (best == nullptr || row.updated_at > best->updated_at ||
            (row.updated_at == best->updated_at && row.id > best->id)) {
            best = &row;
        }
    }
    if (best != nullptr) {
        return best->id;
    }
    if (any_expired) {
        return Fail(ErrorCode::kNeedsReauth,
                    "Every credential for connector '" + connector.id +
                        "' has expired. Ask the user to reconnect with create_credential_alloy.");
    }
    return Fail(ErrorCode::kCredentialNotFound,
                "No credential found for connector '" + connector.id +
                    "'. Create one with create_credential_alloy first.");
}

ToolStep ToolSet::ExecuteAction(const boost::json::object& arguments, const CallContext& context) {
    auto connector = VisibleConnector(Str(arguments, "connectorId"), context);
    if (!connector) {
        return Failure(std::move(connector.error()));
    }
    const std::string action_id = Str(arguments, "actionId");
    const auto* action = (*connector)->FindAction(action_id);
    if (action == nullptr) {
        return Failure(Error{.code = ErrorCode::kActionNotFound,
                             .message = "Action '" + action_id + "' not found for connector '" +
                                        (*connector)->id +
                                        "'. Call get_connector_resources_alloy to list actions."});
    }
    if (!context.server.restrictions->ActionAllowed((*connector)->id, action_id)) {
        return Failure(Forbidden("Action '" + action_id + "' is not available on this server"));
    }
    auto body = RouteParameters(*action, arguments.at("parameters").as_object());
    if (!body) {
        return Failure(std::move(body.error()));
    }
    std::string credential_id = Str(arguments, "credentialId");
    if (credential_id.empty()) {
        auto chosen = ChooseCredential(**connector, context);
        if (!chosen) {
            return Failure(std::move(chosen.error()));
        }
        credential_id = std::move(*chosen);
    }
    (*body)["credentialId"] = credential_id;
    if (const auto* timeout = arguments.if_contains("timeout")) {
        (*body)["timeout"] = *timeout;
    }
    auto call = services_.actions.Start(context.user, (*connector)->id, action_id, *body);
    if (!call) {
        return Failure(std::move(call.error()));
    }
    return ToolStep{
        .pending = std::make_shared<ToolPending>(ToolPending{
            .request = (*call)->FirstRequest(),
            .resume = [call = *call, action](Result<http_client::OutboundResponse> outcome) {
                return ContinueExecute(call, action, std::move(outcome));
            }})};
}

ToolStep ToolSet::CreateCredential(const boost::json::object& arguments,
                                   const CallContext& context) {
    auto connector = VisibleConnector(Str(arguments, "connectorId"), context);
    if (!connector) {
        return Failure(std::move(connector.error()));
    }
    boost::json::object body{{"userId", context.user.id},
                             {"authenticationType", Str(arguments, "authenticationType")}};
    std::string redirect = Str(arguments, "redirectUri");
    if (redirect.empty() && context.redirect_header) {
        redirect = *context.redirect_header;
    }
    if (!redirect.empty()) {
        body["redirectUri"] = redirect;
    }
    if (const auto* fields = arguments.if_contains("fields"); fields != nullptr) {
        body["data"] = *fields;
    }
    auto created = services_.credentials.Create(
        context.principal,
        context.user,
        (*connector)->id,
        std::move(body),
        service::CredentialCreateOptions{.redirect_uri_optional = true});
    if (!created) {
        return Failure(std::move(created.error()));
    }
    if (created->contains("oauthUrl")) {
        (*created)["message"] = "Open this URL in a browser to connect " + (*connector)->name +
                                ". The credential is created when the user finishes.";
    } else {
        (*created)["message"] = "Credential created";
    }
    return Output(std::move(*created));
}

ToolStep ToolSet::GetCredentials(const boost::json::object& arguments, const CallContext& context) {
    auto connector = VisibleConnector(Str(arguments, "connectorId"), context);
    if (!connector) {
        return Failure(std::move(connector.error()));
    }
    auto page = services_.credentials.List(
        context.user, (*connector)->id, storage::PageRequest{.limit = 1000, .offset = 0});
    if (!page) {
        return Failure(std::move(page.error()));
    }
    const std::size_t count = page->credentials.size();
    return Output(
        boost::json::object{{"credentials", std::move(page->credentials)}, {"count", count}});
}

ToolStep ToolSet::GetCredentialMetadata(const boost::json::object& arguments,
                                        const CallContext& context) {
    auto connector = VisibleConnector(Str(arguments, "connectorId"), context);
    if (!connector) {
        return Failure(std::move(connector.error()));
    }
    auto metadata = services_.connectors.CredentialMetadata((*connector)->id, context.user.id);
    if (!metadata) {
        return Failure(std::move(metadata.error()));
    }
    return Output(boost::json::object{{"metadata", std::move(*metadata)}});
}

ToolStep ToolSet::DiscoverActionPath(const boost::json::object& arguments,
                                     const CallContext& context) {
    const std::string goal = Str(arguments, "goal");
    const auto& restrictions = *context.server.restrictions;
    const auto matches = services_.search.Search(
        goal, [&](std::string_view connector_id, std::string_view action_id) {
            return restrictions.ActionAllowed(connector_id, action_id);
        });
    return Output(DiscoveryOutput(goal, matches));
}

}  // namespace junction::mcp
