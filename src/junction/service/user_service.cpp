#include "junction/service/user_service.hpp"

#include <utility>

#include "junction/service/auth_service.hpp"

namespace junction::service {

Result<void> RequireAdmin(const Principal& caller) {
    if (!caller.IsAdmin()) {
        return Fail(ErrorCode::kPermissionDenied, "This operation requires an admin API key");
    }
    return Ok();
}

UserService::UserService(storage::Store& store, const Clock& clock, ObjectIdGenerator& ids)
    : store_(store), clock_(clock), ids_(ids) {}

void UserService::AddDeletionListener(UserDeletionListener& listener) {
    deletion_listeners_.push_back(&listener);
}

void UserService::SetMcpServers(McpServerService& servers) {
    servers_ = &servers;
}

Result<storage::UserRow> UserService::Create(const Principal& caller,
                                             std::string username,
                                             std::string full_name) {
    if (auto allowed = RequireAdmin(caller); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    if (auto valid = CheckUsername(username); !valid) {
        return Fail(std::move(valid.error()));
    }
    const TimePoint now = clock_.Now();
    storage::UserRow user{.id = ids_.Next(),
                          .username = std::move(username),
                          .full_name = std::move(full_name),
                          .created_at = now,
                          .updated_at = now};
    if (auto created = store_.CreateUser(user); !created) {
        return Fail(std::move(created.error()));
    }
    return user;
}

Result<storage::Page<storage::UserRow>> UserService::List(const Principal& caller,
                                                          const storage::PageRequest& page) {
    if (auto allowed = RequireAdmin(caller); !allowed) {
        return Fail(std::move(allowed.error()));
    }
    return store_.ListUsers(page);
}

Result<storage::UserRow> UserService::Visible(const Principal& caller, std::string_view reference) {
    return ResolveUserFor(
        caller, store_, reference, "This credential may only access its own user");
}

Result<storage::UserRow> UserService::Get(const Principal& caller, std::string_view reference) {
    return Visible(caller, reference);
}

Result<storage::UserRow> UserService::Update(const Principal& caller,
                                             std::string_view reference,
                                             const UserPatch& patch) {
    if (patch.username) {
        if (auto valid = CheckUsername(*patch.username); !valid) {
            return Fail(std::move(valid.error()));
        }
    }
    auto user = Visible(caller, reference);
    if (!user) {
        return user;
    }
    if (patch.username) {
        user->username = *patch.username;
    }
    if (patch.full_name) {
        user->full_name = *patch.full_name;
    }
    user->updated_at = clock_.Now();
    if (auto updated = store_.UpdateUser(*user); !updated) {
        return Fail(std::move(updated.error()));
    }
    return user;
}

Result<void> UserService::Delete(const Principal& caller, std::string_view reference) {
    if (auto allowed = RequireAdmin(caller); !allowed) {
        return allowed;
    }
    auto user = FindUserByReference(store_, reference);
    if (!user) {
        return Fail(std::move(user.error()));
    }
    if (user->id == caller.owner_user_id) {
        return Fail(ErrorCode::kFailedPrecondition,
                    "Cannot delete the user that owns the calling API key");
    }
    // The servers die with the user (ON DELETE CASCADE); their ids are read first so the MCP
    // layer can close their streams at once. A server created in between is still refused by
    // the database on its next request.
    std::vector<std::string> server_ids;
    if (servers_ != nullptr) {
        storage::PageRequest page{};
        for (;;) {
            auto servers = store_.ListMcpServers(user->id, page);
            if (!servers) {
                return Fail(std::move(servers.error()));
            }
            for (const auto& server : servers->items) {
                server_ids.push_back(server.id);
            }
            page.offset += servers->items.size();
            if (servers->items.empty() ||
                static_cast<std::int64_t>(page.offset) >= servers->total) {
                break;
            }
        }
    }
    if (auto deleted = store_.DeleteUser(user->id, clock_.Now()); !deleted) {
        return deleted;
    }
    for (const auto& server_id : server_ids) {
        servers_->NotifyClosed(server_id);
    }
    for (auto* listener : deletion_listeners_) {
        listener->OnUserDeleted(*user);
    }
    return Ok();
}

Result<void> UserService::RevokeTokens(const Principal& caller, std::string_view reference) {
    auto user = Visible(caller, reference);
    if (!user) {
        return Fail(std::move(user.error()));
    }
    auto epoch = store_.BumpTokenEpoch(user->id);
    if (!epoch) {
        return Fail(std::move(epoch.error()));  // kNotFound: deleted in between
    }
    return Ok();
}

}  // namespace junction::service
