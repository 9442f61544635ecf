#pragma once

#include <string_view>

#include <boost/json/value.hpp>

#include "junction/core/result.hpp"

namespace junction::json {

/// Converts a YAML document to JSON. Plain scalars become null, booleans and numbers when they
/// read as such (YAML 1.2 core schema); quoted scalars stay strings. Fails with
/// kInvalidArgument naming the line for invalid YAML. Thread-safe.
[[nodiscard]] Result<boost::json::value> YamlToJson(std::string_view text);

}  // namespace junction::json
