#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/result.hpp"
#include "junction/storage/rows.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

struct ConnectorPage {
    boost::json::array connectors{};
    std::int64_t total = 0;
};

/// Read-only catalog use cases (API.md §3.2), answering in wire shapes. The catalog reads need
/// no user; credential metadata renders for the effective user. Thread-safe.
class ConnectorService {
public:
    ConnectorService(const connectors::Catalog& catalog, storage::AuthConfigStore& auth_configs);

    /// Filters: `category` exact (case-insensitive), `search` substring of id, name or
    /// description (case-insensitive). Ordered by id.
    [[nodiscard]] ConnectorPage List(const std::optional<std::string>& category,
                                     const std::optional<std::string>& search,
                                     const storage::PageRequest& page) const;
    /// kConnectorNotFound ("Connector '<id>' not found").
    [[nodiscard]] Result<boost::json::object> Get(std::string_view connector_id) const;
    [[nodiscard]] Result<boost::json::array> Resources(std::string_view connector_id) const;
    /// kConnectorNotFound, kActionNotFound ("Action '<a>' not found for connector '<c>'").
    [[nodiscard]] Result<boost::json::object> Action(std::string_view connector_id,
                                                     std::string_view action_id) const;
    /// One entry per auth type (the seed endpoint). kConnectorNotFound.
    [[nodiscard]] Result<boost::json::array> CredentialMetadata(std::string_view connector_id,
                                                                const std::string& user_id) const;

private:
    [[nodiscard]] Result<const connectors::ConnectorSpec*> Find(
        std::string_view connector_id) const;

    const connectors::Catalog& catalog_;
    storage::AuthConfigStore& auth_configs_;
};

}  // namespace junction::service
