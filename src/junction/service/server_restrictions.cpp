#include "junction/service/server_restrictions.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <boost/json/parse.hpp>

namespace junction::service {
namespace {

constexpr std::size_t kMaxEntries = 1000;

/// One part of the restrictions object and the names of its two lists.
struct PartNames {
    std::string_view key;
    std::string_view allowed;
    std::string_view blocked;
};

constexpr PartNames kConnectorsPart{"connectors", "allowedIds", "blockedIds"};
constexpr PartNames kActionsPart{"actions", "allowedActions", "blockedActions"};
constexpr PartNames kUsersPart{"users", "allowedIds", "blockedIds"};

/// Problems found while parsing; `catalog` is null when reading stored (trusted) text.
struct Problems {
    std::vector<FieldError> fields{};
    boost::json::array unknown{};

    void Add(std::string field, std::string message) {
        fields.push_back({.field = std::move(field), .message = std::move(message)});
    }
};

bool IsUserId(std::string_view id) {
    return id.size() == 24 && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

bool ActionExists(const connectors::ConnectorSpec& connector, std::string_view action_id) {
    return connector.FindAction(action_id) != nullptr;
}

// Whether `entry` (`actionId` or `connectorId.actionId`) names an action of the catalog.
bool ActionRefExists(const connectors::Catalog& catalog, std::string_view entry) {
    const auto dot = entry.find('.');
    if (dot == std::string_view::npos) {
        return std::any_of(catalog.Connectors().begin(),
                           catalog.Connectors().end(),
                           [&](const auto& connector) { return ActionExists(connector, entry); });
    }
    const auto* connector = catalog.Find(entry.substr(0, dot));
    return connector != nullptr && ActionExists(*connector, entry.substr(dot + 1));
}

// Checks one id of a part against the catalog (connectors, actions) or the id format (users).
void CheckEntry(const PartNames& part,
                const std::string& field,
                const std::string& entry,
                const connectors::Catalog* catalog,
                Problems& problems) {
    if (part.key == kUsersPart.key) {
        if (!IsUserId(entry)) {
            problems.Add(field, "'" + entry + "' is not a user id (24 lowercase hex characters)");
        }
        return;
    }
    if (catalog == nullptr) {
        return;  // stored text: the catalog may have changed since; unknown ids match nothing
    }
    const bool known = part.key == kConnectorsPart.key ? catalog->Find(entry) != nullptr
                                                       : ActionRefExists(*catalog, entry);
    if (!known) {
        problems.Add(field,
                     std::string(part.key == kConnectorsPart.key ? "unknown connector '"
                                                                 : "unknown action '") +
                         entry + "'");
        problems.unknown.emplace_back(entry);
    }
}

// Reads the list `name` of a part: absent → empty; otherwise an array of strings.
std::vector<std::string> ReadList(const boost::json::object& object,
                                  const PartNames& part,
                                  std::string_view name,
                                  const connectors::Catalog* catalog,
                                  Problems& problems) {
    std::vector<std::string> ids;
    const auto* value = object.if_contains(name);
    if (value == nullptr) {
        return ids;
    }
    const std::string field = "restrictions." + std::string(part.key) + "." + std::string(name);
    const auto* array = value->if_array();
    if (array == nullptr) {
        problems.Add(field, "must be an array of strings");
        return ids;
    }
    if (array->size() > kMaxEntries) {
        problems.Add(field, "must have at most " + std::to_string(kMaxEntries) + " entries");
        return ids;
    }
    for (const auto& item : *array) {
        const auto* text = item.if_string();
        if (text == nullptr) {
            problems.Add(field, "must be an array of strings");
            return {};
        }
        ids.emplace_back(*text);
        CheckEntry(part, field, ids.back(), catalog, problems);
    }
    return ids;
}

RestrictionList ReadPart(const boost::json::object& restrictions,
                         const PartNames& part,
                         const connectors::Catalog* catalog,
                         Problems& problems) {
    const auto* value = restrictions.if_contains(part.key);
    if (value == nullptr) {
        return {};
    }
    const std::string prefix = "restrictions." + std::string(part.key);
    const auto* object = value->if_object();
    if (object == nullptr) {
        problems.Add(prefix, "must be an object");
        return {};
    }
    RestrictionList list;
    const auto* mode = object->if_contains("mode");
    if (mode == nullptr) {
        problems.Add(prefix + ".mode", "is required");
    } else if (mode->is_string() && mode->as_string() == "allowlist") {
        list.mode = RestrictionList::Mode::kAllowlist;
    } else if (mode->is_string() && mode->as_string() == "blocklist") {
        list.mode = RestrictionList::Mode::kBlocklist;
    } else {
        problems.Add(prefix + ".mode", "must be one of: allowlist blocklist");
    }
    auto allowed = ReadList(*object, part, part.allowed, catalog, problems);
    auto blocked = ReadList(*object, part, part.blocked, catalog, problems);
    // The list the mode does not use must be empty, so no configuration is silently ignored.
    if (list.mode == RestrictionList::Mode::kAllowlist) {
        if (!blocked.empty()) {
            problems.Add(prefix + "." + std::string(part.blocked),
                         "must be empty when mode is allowlist");
        }
        list.ids = std::move(allowed);
    } else if (list.mode == RestrictionList::Mode::kBlocklist) {
        if (!allowed.empty()) {
            problems.Add(prefix + "." + std::string(part.allowed),
                         "must be empty when mode is blocklist");
        }
        list.ids = std::move(blocked);
    }
    return list;
}

boost::json::array ToArray(const std::vector<std::string>& ids) {
    boost::json::array array;
    array.reserve(ids.size());
    for (const auto& id : ids) {
        array.emplace_back(id);
    }
    return array;
}

boost::json::object NormalizedPart(const RestrictionList& list, const PartNames& part) {
    const bool allowlist = list.mode == RestrictionList::Mode::kAllowlist;
    boost::json::object object;
    object["mode"] = allowlist ? "allowlist" : "blocklist";
    object[part.allowed] = allowlist ? ToArray(list.ids) : boost::json::array{};
    object[part.blocked] = allowlist ? boost::json::array{} : ToArray(list.ids);
    return object;
}

bool Listed(const RestrictionList& list, std::string_view id) {
    return std::find(list.ids.begin(), list.ids.end(), id) != list.ids.end();
}

}  // namespace

bool RestrictionList::Allows(std::string_view id) const {
    switch (mode) {
        case Mode::kNone:
            return true;
        case Mode::kAllowlist:
            return Listed(*this, id);
        case Mode::kBlocklist:
            return !Listed(*this, id);
    }
    return false;
}

namespace {

// Shared by Parse (with the catalog) and FromStored (without); fills the three lists.
Result<void> ParseWith(const boost::json::value& value,
                       const connectors::Catalog* catalog,
                       RestrictionList& connectors_list,
                       RestrictionList& actions_list,
                       RestrictionList& users_list) {
    if (value.is_null()) {
        return Ok();
    }
    const auto* object = value.if_object();
    Problems problems;
    if (object == nullptr) {
        problems.Add("restrictions", "must be an object or null");
    } else {
        connectors_list = ReadPart(*object, kConnectorsPart, catalog, problems);
        actions_list = ReadPart(*object, kActionsPart, catalog, problems);
        users_list = ReadPart(*object, kUsersPart, catalog, problems);
    }
    if (problems.fields.empty()) {
        return Ok();
    }
    Error error{.code = ErrorCode::kInvalidArgument,
                .message = problems.unknown.empty()
                               ? "Request body is invalid"
                               : "Restrictions name unknown connectors or actions"};
    error.fields = std::move(problems.fields);
    if (!problems.unknown.empty()) {
        error.extra["unknown"] = std::move(problems.unknown);
    }
    return Fail(std::move(error));
}

}  // namespace

Result<ServerRestrictions> ServerRestrictions::Parse(const boost::json::value& value,
                                                     const connectors::Catalog& catalog) {
    ServerRestrictions restrictions;
    if (auto parsed = ParseWith(
            value, &catalog, restrictions.connectors_, restrictions.actions_, restrictions.users_);
        !parsed) {
        return Fail(std::move(parsed.error()));
    }
    return restrictions;
}

Result<ServerRestrictions> ServerRestrictions::FromStored(std::string_view json_text) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(json_text, ec);
    if (ec) {
        return Fail(
            ErrorCode::kInternal, "Stored server restrictions are unreadable", ec.message());
    }
    ServerRestrictions restrictions;
    if (auto parsed = ParseWith(
            value, nullptr, restrictions.connectors_, restrictions.actions_, restrictions.users_);
        !parsed) {
        return Fail(ErrorCode::kInternal,
                    "Stored server restrictions are unreadable",
                    parsed.error().fields.empty() ? std::string()
                                                  : parsed.error().fields.front().field + ": " +
                                                        parsed.error().fields.front().message);
    }
    return restrictions;
}

const std::shared_ptr<const ServerRestrictions>& NoRestrictions() {
    static const auto none = std::make_shared<const ServerRestrictions>();
    return none;
}

boost::json::object ServerRestrictions::Normalized() const {
    boost::json::object object;
    const std::array parts{std::pair{&connectors_, kConnectorsPart},
                           std::pair{&actions_, kActionsPart},
                           std::pair{&users_, kUsersPart}};
    for (const auto& [list, names] : parts) {
        if (list->mode != RestrictionList::Mode::kNone) {
            object[names.key] = NormalizedPart(*list, names);
        }
    }
    return object;
}

bool ServerRestrictions::HasRestrictions() const {
    const auto active = [](const RestrictionList& list) {
        return list.mode == RestrictionList::Mode::kAllowlist ||
               (list.mode == RestrictionList::Mode::kBlocklist && !list.ids.empty());
    };
    return active(connectors_) || active(actions_) || active(users_);
}

bool ServerRestrictions::ConnectorAllowed(std::string_view connector_id) const {
    return connectors_.Allows(connector_id);
}

bool ServerRestrictions::ActionAllowed(std::string_view connector_id,
                                       std::string_view action_id) const {
    if (!ConnectorAllowed(connector_id)) {
        return false;
    }
    std::string qualified(connector_id);
    qualified += '.';
    qualified += action_id;
    switch (actions_.mode) {
        case RestrictionList::Mode::kNone:
            return true;
        case RestrictionList::Mode::kAllowlist:
            return Listed(actions_, action_id) || Listed(actions_, qualified);
        case RestrictionList::Mode::kBlocklist:
            return !Listed(actions_, action_id) && !Listed(actions_, qualified);
    }
    return false;
}

bool ServerRestrictions::UserAllowed(std::string_view user_id) const {
    return users_.Allows(user_id);
}

}  // namespace junction::service
