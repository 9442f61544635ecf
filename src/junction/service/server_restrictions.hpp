#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "junction/connectors/catalog.hpp"
#include "junction/core/result.hpp"

namespace junction::service {

/// One part of a server's restrictions: an allowlist or a blocklist of ids (API.md §3.8).
struct RestrictionList {
    enum class Mode { kNone, kAllowlist, kBlocklist };
    Mode mode = Mode::kNone;  // kNone: the part is absent (everything allowed)
    std::vector<std::string> ids{};

    /// Whether `id` passes: absent part → yes; allowlist → listed; blocklist → not listed.
    [[nodiscard]] bool Allows(std::string_view id) const;
    [[nodiscard]] bool operator==(const RestrictionList&) const = default;
};

/// An MCP server's connector, action and user restrictions, parsed and validated (API.md §3.8,
/// §4.4–4.5). Immutable once built; thread-safe to read.
class ServerRestrictions {
public:
    ServerRestrictions() = default;

    /// Parses and validates a `restrictions` request value against the catalog: `null` or
    /// `{}` means none. kInvalidArgument with `fields` (dotted paths such as
    /// `restrictions.connectors.mode`) and `extra.unknown` (unknown connector/action refs).
    [[nodiscard]] static Result<ServerRestrictions> Parse(const boost::json::value& value,
                                                          const connectors::Catalog& catalog);
    /// Reads the normalized JSON text stored in McpServerRow::restrictions (no catalog
    /// checks: the catalog may have changed since; unknown ids simply match nothing).
    /// kInternal when the text is not what Normalized() writes.
    [[nodiscard]] static Result<ServerRestrictions> FromStored(std::string_view json_text);

    /// The normalized object: present parts only, each with `mode` and both of its lists
    /// (connectors: allowedIds/blockedIds; actions: allowedActions/blockedActions; users:
    /// allowedIds/blockedIds), the unused list `[]`. `{}` when there are no restrictions.
    [[nodiscard]] boost::json::object Normalized() const;
    /// True when any part is an allowlist or a blocklist with a non-empty list.
    [[nodiscard]] bool HasRestrictions() const;

    [[nodiscard]] bool ConnectorAllowed(std::string_view connector_id) const;
    /// Checks the action entry (bare `actionId` or `connectorId.actionId`) and the connector.
    [[nodiscard]] bool ActionAllowed(std::string_view connector_id,
                                     std::string_view action_id) const;
    [[nodiscard]] bool UserAllowed(std::string_view user_id) const;
    /// The users part (kNone when absent). Only an admin may set or change it.
    [[nodiscard]] const RestrictionList& Users() const { return users_; }

private:
    RestrictionList connectors_{};
    RestrictionList actions_{};
    RestrictionList users_{};
};

/// One shared empty ServerRestrictions (no restrictions), for defaults that must not be null.
[[nodiscard]] const std::shared_ptr<const ServerRestrictions>& NoRestrictions();

}  // namespace junction::service
