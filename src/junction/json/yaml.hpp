#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "junction/core/result.hpp"

namespace junction::json {

/// Converts a YAML document to JSON. Plain scalars become null, booleans and numbers when they
/// read as such (YAML 1.2 core schema); quoted scalars stay strings. Fails with
/// kInvalidArgument naming the line for invalid YAML. Thread-safe.
[[nodiscard]] Result<boost::json::value> YamlToJson(std::string_view text);

/// Writes `value` as block-style YAML (short all-scalar maps and lists in flow style) that
/// YamlToJson reads back to an equal value: strings that would read as null, a boolean or a
/// number are quoted. Doubles keep their value, not their spelling. Thread-safe.
[[nodiscard]] std::string JsonToYaml(const boost::json::value& value);

}  // namespace junction::json
