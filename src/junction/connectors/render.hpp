#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "junction/connectors/spec.hpp"

namespace junction::connectors {

/// Wire shapes of the catalog endpoints (API.md §3.2, §5.4, §5.5). Pure functions.

/// `{"id","name","description","icon","category","authenticationTypes"}`.
[[nodiscard]] boost::json::object RenderSummary(const ConnectorSpec& connector);
/// The summary plus `resourceCount` and `actionCount`.
[[nodiscard]] boost::json::object RenderDetail(const ConnectorSpec& connector);
/// `[{"name","displayName","description","actions":[{"id","displayName","description","httpMethod","path"}]}]`.
[[nodiscard]] boost::json::array RenderResources(const ConnectorSpec& connector);
/// Alloy's action object; parameters the credential injects are left out.
[[nodiscard]] boost::json::object RenderAction(const ConnectorSpec& connector,
                                               const ActionSpec& action);

/// What the metadata of one auth entry needs to know beyond the catalog.
struct MetadataContext {
    std::string user_id{};
    /// For oauth2 entries: whether a default auth config exists (else authConfigRequired).
    bool has_default_auth_config = false;
    /// The connector's first auth config, for `sampleInput.authConfigId`.
    std::optional<std::string> first_auth_config_id{};
};

/// One metadata item per auth entry, in catalog order (API.md §5.5).
[[nodiscard]] boost::json::array RenderCredentialMetadata(const ConnectorSpec& connector,
                                                          const MetadataContext& context);

}  // namespace junction::connectors
