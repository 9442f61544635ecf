#include "junction/service/connector_service.hpp"

#include <algorithm>

#include "junction/connectors/render.hpp"
#include "junction/core/ascii.hpp"
#include "junction/service/credential_service.hpp"

namespace junction::service {
namespace {

bool Matches(const connectors::ConnectorSpec& connector,
             const std::optional<std::string>& category,
             const std::optional<std::string>& search) {
    if (category) {
        const std::string wanted = AsciiLowercase(*category);
        if (std::none_of(connector.categories.begin(),
                         connector.categories.end(),
                         [&](const std::string& c) { return AsciiLowercase(c) == wanted; })) {
            return false;
        }
    }
    if (search) {
        const std::string needle = AsciiLowercase(*search);
        return AsciiLowercase(connector.id).find(needle) != std::string::npos ||
               AsciiLowercase(connector.name).find(needle) != std::string::npos ||
               AsciiLowercase(connector.description).find(needle) != std::string::npos;
    }
    return true;
}

}  // namespace

ConnectorService::ConnectorService(const connectors::Catalog& catalog,
                                   storage::AuthConfigStore& auth_configs)
    : catalog_(catalog), auth_configs_(auth_configs) {}

ConnectorPage ConnectorService::List(const std::optional<std::string>& category,
                                     const std::optional<std::string>& search,
                                     const storage::PageRequest& page) const {
    ConnectorPage result;
    for (const auto& connector : catalog_.Connectors()) {
        if (!Matches(connector, category, search)) {
            continue;
        }
        const auto position = static_cast<std::size_t>(result.total++);
        if (position >= page.offset && result.connectors.size() < page.limit) {
            result.connectors.push_back(connectors::RenderSummary(connector));
        }
    }
    return result;
}

Result<const connectors::ConnectorSpec*> ConnectorService::Find(
    std::string_view connector_id) const {
    const auto* connector = catalog_.Find(connector_id);
    if (connector == nullptr) {
        return Fail(ErrorCode::kConnectorNotFound,
                    "Connector '" + std::string(connector_id) + "' not found");
    }
    return connector;
}

Result<boost::json::object> ConnectorService::Get(std::string_view connector_id) const {
    return Find(connector_id).transform([](const connectors::ConnectorSpec* connector) {
        return connectors::RenderDetail(*connector);
    });
}

Result<boost::json::array> ConnectorService::Resources(std::string_view connector_id) const {
    return Find(connector_id).transform([](const connectors::ConnectorSpec* connector) {
        return connectors::RenderResources(*connector);
    });
}

Result<boost::json::object> ConnectorService::Action(std::string_view connector_id,
                                                     std::string_view action_id) const {
    auto connector = Find(connector_id);
    if (!connector) {
        return Fail(std::move(connector.error()));
    }
    const auto* action = (*connector)->FindAction(action_id);
    if (action == nullptr) {
        return Fail(ErrorCode::kActionNotFound,
                    "Action '" + std::string(action_id) + "' not found for connector '" +
                        std::string(connector_id) + "'");
    }
    return connectors::RenderAction(**connector, *action);
}

Result<boost::json::array> ConnectorService::CredentialMetadata(std::string_view connector_id,
                                                                const std::string& user_id) const {
    auto connector = Find(connector_id);
    if (!connector) {
        return Fail(std::move(connector.error()));
    }
    auto context = MetadataContextFor(auth_configs_, **connector, user_id);
    if (!context) {
        return Fail(std::move(context.error()));
    }
    return connectors::RenderCredentialMetadata(**connector, *context);
}

}  // namespace junction::service
