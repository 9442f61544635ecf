#include "junction/connectors/render.hpp"

#include <algorithm>

#include "junction/core/ascii.hpp"

namespace junction::connectors {
namespace {

// Whether some auth entry of the connector sets this parameter itself.
bool InjectedByCredential(const ConnectorSpec& connector, const ParameterSpec& parameter) {
    for (const auto& auth : connector.auth) {
        std::string in = "header";
        std::string name = "Authorization";
        if (const auto* inject = auth.config.if_contains("inject");
            inject != nullptr && inject->is_object()) {
            in = std::string(inject->as_object().at("in").as_string());
            name = std::string(inject->as_object().at("name").as_string());
        } else if (auth.type == "apiKey") {
            in = std::string(auth.config.at("in").as_string());
            name = std::string(auth.config.at("name").as_string());
        }
        const bool same_name =
            in == "header" ? AsciiIEquals(name, parameter.name) : name == parameter.name;
        if (in == parameter.in && same_name) {
            return true;
        }
    }
    return false;
}

boost::json::object FieldSchema(const FieldSpec& field) {
    boost::json::object schema{{"type", "string"}};
    if (!field.description.empty() || !field.display_name.empty()) {
        schema["description"] = field.description.empty() ? field.display_name : field.description;
    }
    if (!field.pattern.empty()) {
        schema["pattern"] = field.pattern;
    }
    if (field.secret) {
        schema["format"] = "password";
    }
    return schema;
}

}  // namespace

boost::json::object RenderSummary(const ConnectorSpec& connector) {
    boost::json::array categories;
    for (const auto& category : connector.categories) {
        categories.emplace_back(category);
    }
    boost::json::array types;
    for (const auto& auth : connector.auth) {
        if (std::find(types.begin(), types.end(), boost::json::value(auth.type)) == types.end()) {
            types.emplace_back(auth.type);
        }
    }
    boost::json::object summary{
        {"id", connector.id}, {"name", connector.name}, {"description", connector.description}};
    if (!connector.icon.empty()) {
        summary["icon"] = connector.icon;
    }
    summary["category"] = std::move(categories);
    summary["authenticationTypes"] = std::move(types);
    return summary;
}

boost::json::object RenderDetail(const ConnectorSpec& connector) {
    boost::json::object detail = RenderSummary(connector);
    detail["resourceCount"] = connector.resources.size();
    detail["actionCount"] = connector.ActionCount();
    return detail;
}

boost::json::array RenderResources(const ConnectorSpec& connector) {
    boost::json::array resources;
    for (const auto& resource : connector.resources) {
        boost::json::array actions;
        for (const auto& action : resource.actions) {
            actions.push_back(boost::json::object{{"id", action.id},
                                                  {"displayName", action.display_name},
                                                  {"description", action.description},
                                                  {"httpMethod", action.http_method},
                                                  {"path", action.path}});
        }
        resources.push_back(boost::json::object{{"name", resource.name},
                                                {"displayName", resource.display_name},
                                                {"description", resource.description},
                                                {"actions", std::move(actions)}});
    }
    return resources;
}

boost::json::object RenderAction(const ConnectorSpec& connector, const ActionSpec& action) {
    boost::json::array parameters;
    for (const auto& parameter : action.parameters) {
        if (InjectedByCredential(connector, parameter)) {
            continue;
        }
        parameters.push_back(boost::json::object{{"name", parameter.name},
                                                 {"in", parameter.in},
                                                 {"description", parameter.description},
                                                 {"required", parameter.required},
                                                 {"schema", parameter.schema}});
    }
    boost::json::array scopes;
    for (const auto& scope : action.scopes) {
        scopes.emplace_back(scope);
    }
    boost::json::object rendered{{"id", action.id},
                                 {"displayName", action.display_name},
                                 {"description", action.description},
                                 {"httpMethod", action.http_method},
                                 {"path", action.path},
                                 {"resource", action.resource},
                                 {"scopes", std::move(scopes)},
                                 {"parameters", std::move(parameters)}};
    if (action.request_body) {
        rendered["requestBody"] = *action.request_body;
    }
    if (action.response_schema) {
        rendered["responseSchema"] = *action.response_schema;
    }
    return rendered;
}

boost::json::array RenderCredentialMetadata(const ConnectorSpec& connector,
                                            const MetadataContext& context) {
    boost::json::array metadata;
    for (const auto& auth : connector.auth) {
        const bool oauth = auth.type == "oauth2";
        const bool config_required = oauth && !context.has_default_auth_config;
        boost::json::object properties{
            {"userId",
             boost::json::object{{"type", "string"}, {"description", "User ID of the credential"}}},
            {"authenticationType",
             boost::json::object{{"type", "string"},
                                 {"description", "Type of authentication method of the connector"},
                                 {"const", auth.type}}}};
        boost::json::array required{"userId", "authenticationType"};
        boost::json::object sample{{"userId", context.user_id}, {"authenticationType", auth.type}};
        if (oauth) {
            properties["redirectUri"] =
                boost::json::object{{"type", "string"},
                                    {"format", "uri"},
                                    {"description", "Redirect URI for OAuth authentication"}};
            required.emplace_back("redirectUri");
            sample["redirectUri"] = "https://example.com";
        }
        if (config_required) {
            properties["authConfigId"] =
                boost::json::object{{"type", "string"},
                                    {"description", "Auth config to use (see /auth-configs)"},
                                    {"pattern", "^[0-9a-f]{24}$"}};
            required.emplace_back("authConfigId");
            if (context.first_auth_config_id) {
                sample["authConfigId"] = *context.first_auth_config_id;
            }
        }
        if (!auth.fields.empty()) {
            boost::json::object field_properties;
            boost::json::array required_fields;
            boost::json::object sample_data;
            for (const auto& field : auth.fields) {
                field_properties[field.name] = FieldSchema(field);
                if (field.required) {
                    required_fields.emplace_back(field.name);
                }
                sample_data[field.name] = field.example.value_or("your-" + field.name);
            }
            properties["data"] =
                boost::json::object{{"type", "object"},
                                    {"description", "Connector-specific credential fields"},
                                    {"properties", std::move(field_properties)},
                                    {"required", std::move(required_fields)}};
            required.emplace_back("data");
            sample["data"] = std::move(sample_data);
        }
        metadata.push_back(
            boost::json::object{{"authenticationType", auth.type},
                                {"authConfigRequired", config_required},
                                {"inputSchema",
                                 boost::json::object{{"type", "object"},
                                                     {"properties", std::move(properties)},
                                                     {"required", std::move(required)}}},
                                {"sampleInput", std::move(sample)}});
    }
    return metadata;
}

}  // namespace junction::connectors
