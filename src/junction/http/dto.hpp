#pragma once

#include <boost/json/object.hpp>

#include "junction/storage/rows.hpp"

namespace junction::http {

/// Wire shapes (camelCase, API.md §3).
[[nodiscard]] boost::json::object UserToJson(const storage::UserRow& user);
[[nodiscard]] boost::json::object ApiKeyToJson(const storage::ApiKeyRow& key);

}  // namespace junction::http
