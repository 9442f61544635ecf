#include "junction/json/yaml.hpp"

#include <charconv>
#include <regex>
#include <string>

#include <yaml-cpp/yaml.h>

namespace junction::json {
namespace {

boost::json::value ScalarToJson(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() != "?") {  // quoted or explicitly tagged: a string
        return boost::json::string(text);
    }
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    static const std::regex integer_pattern("^[-+]?[0-9]+$");
    static const std::regex float_pattern(
        R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
    if (std::regex_match(text, integer_pattern)) {
        std::int64_t value = 0;
        const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
        const auto result = std::from_chars(begin, text.data() + text.size(), value);
        if (result.ec == std::errc{}) {
            return value;
        }
    }
    if (std::regex_match(text, float_pattern)) {
        try {
            return std::stod(text);
        } catch (const std::exception&) {
            return boost::json::string(text);
        }
    }
    return boost::json::string(text);
}

boost::json::value NodeToJson(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            return ScalarToJson(node);
        case YAML::NodeType::Sequence: {
            boost::json::array array;
            array.reserve(node.size());
            for (const auto& item : node) {
                array.push_back(NodeToJson(item));
            }
            return array;
        }
        case YAML::NodeType::Map: {
            boost::json::object object;
            for (const auto& entry : node) {
                object[entry.first.as<std::string>()] = NodeToJson(entry.second);
            }
            return object;
        }
    }
    return nullptr;
}

}  // namespace

Result<boost::json::value> YamlToJson(std::string_view text) {
    try {
        return NodeToJson(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Invalid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

}  // namespace junction::json
