#include "junction/json/yaml.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <string>

#include <boost/json/serialize.hpp>
#include <yaml-cpp/yaml.h>

namespace junction::json {
namespace {

// What an untagged, unquoted scalar reads as (YAML 1.2 core schema): null, a boolean, a
// number, else the string itself. JsonToYaml quotes every string this would not return as a
// string, so the two stay inverse; keep them together.
boost::json::value PlainScalar(const std::string& text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    // Numbers start with a sign, a digit or a dot; skip the regexes for everything else.
    if (std::string_view("+-.0123456789").find(text.front()) == std::string_view::npos) {
        return boost::json::string(text);
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
        std::uint64_t large = 0;  // beyond int64, as Boost.JSON keeps it
        if (text.front() != '-' &&
            std::from_chars(begin, text.data() + text.size(), large).ec == std::errc{}) {
            return large;
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

boost::json::value ScalarToJson(const YAML::Node& node) {
    if (node.Tag() != "?") {  // quoted or explicitly tagged: a string
        return boost::json::string(node.Scalar());
    }
    return PlainScalar(node.Scalar());
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

bool IsScalar(const boost::json::value& value) {
    return !value.is_object() && !value.is_array();
}

// Short all-scalar maps and lists read best on one line: `{type: string}`, `[title]`.
bool FitsOnOneLine(const boost::json::value& value) {
    constexpr std::size_t kMaxFlowWidth = 72;
    std::size_t width = 0;
    auto add = [&](const boost::json::value& item) {
        if (!IsScalar(item)) {
            return false;
        }
        if (const auto* text = item.if_string()) {
            if (text->find('\n') != boost::json::string::npos) {
                return false;
            }
            width += text->size() + 2;
        } else {
            width += 8;
        }
        return width <= kMaxFlowWidth;
    };
    if (const auto* object = value.if_object()) {
        return std::all_of(object->begin(), object->end(), [&](const auto& entry) {
            width += entry.key().size() + 2;
            return add(entry.value());
        });
    }
    const auto& array = value.as_array();
    return std::all_of(array.begin(), array.end(), add);
}

void EmitString(YAML::Emitter& out, std::string_view text) {
    const std::string copy(text);
    if (!PlainScalar(copy).is_string()) {
        out << YAML::DoubleQuoted;
    }
    out << copy;
}

void Emit(YAML::Emitter& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            out << YAML::Null;
            return;
        case boost::json::kind::bool_:
            out << (value.as_bool() ? "true" : "false");
            return;
        case boost::json::kind::int64:
            out << value.as_int64();
            return;
        case boost::json::kind::uint64:
            out << value.as_uint64();
            return;
        case boost::json::kind::double_:
            // Boost's shortest round-trip form ("0.1", "1E0"), which PlainScalar reads back.
            out << boost::json::serialize(value);
            return;
        case boost::json::kind::string:
            EmitString(out, value.as_string());
            return;
        case boost::json::kind::array:
            if (FitsOnOneLine(value)) {
                out << YAML::Flow;
            }
            out << YAML::BeginSeq;
            for (const auto& item : value.as_array()) {
                Emit(out, item);
            }
            out << YAML::EndSeq;
            return;
        case boost::json::kind::object:
            if (FitsOnOneLine(value)) {
                out << YAML::Flow;
            }
            out << YAML::BeginMap;
            for (const auto& entry : value.as_object()) {
                out << YAML::Key;
                EmitString(out, entry.key());
                out << YAML::Value;
                Emit(out, entry.value());
            }
            out << YAML::EndMap;
            return;
    }
}

}  // namespace

std::string JsonToYaml(const boost::json::value& value) {
    YAML::Emitter out;
    out.SetIndent(2);
    Emit(out, value);
    std::string text = out.c_str();
    text += '\n';
    return text;
}

Result<boost::json::value> YamlToJson(std::string_view text) {
    try {
        return NodeToJson(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Invalid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

}  // namespace junction::json
