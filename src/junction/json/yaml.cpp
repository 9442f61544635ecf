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

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool IsUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (text.size() - i < length) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + k]);
            if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF)) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

// yaml-cpp passes any bytes through; JSON text is UTF-8, and the schema validator (valijson)
// reads out of bounds on a run of stray continuation bytes (found by tests/fuzz/catalog_fuzz).
const std::string& Utf8Text(const YAML::Node& node) {
    if (!IsUtf8(node.Scalar())) {
        throw YAML::ParserException(node.Mark(), "text is not valid UTF-8");
    }
    return node.Scalar();
}

boost::json::value ScalarToJson(const YAML::Node& node) {
    if (node.Tag() != "?") {  // quoted or explicitly tagged: a string
        return boost::json::string(Utf8Text(node));
    }
    return PlainScalar(Utf8Text(node));
}

// Aliases make a YAML document a graph: `&b [t, *b]` contains itself (endless recursion) and
// a few lines of nested aliases expand to billions of values. Both are cut off, as is deep
// nesting (found by tests/fuzz/catalog_fuzz).
constexpr std::size_t kMaxYamlDepth = 256;
constexpr std::size_t kMaxYamlValues = 2'000'000;

boost::json::value NodeToJson(const YAML::Node& node, std::size_t depth, std::size_t& values) {
    if (++values > kMaxYamlValues) {
        throw YAML::ParserException(
            node.Mark(),
            "more than " + std::to_string(kMaxYamlValues) + " values (aliases expand too far)");
    }
    if (depth > kMaxYamlDepth) {
        throw YAML::ParserException(node.Mark(),
                                    "nested deeper than " + std::to_string(kMaxYamlDepth) +
                                        " levels (or an alias inside itself)");
    }
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
                array.push_back(NodeToJson(item, depth + 1, values));
            }
            return array;
        }
        case YAML::NodeType::Map: {
            boost::json::object object;
            for (const auto& entry : node) {
                const auto key = entry.first.as<std::string>();
                if (!IsUtf8(key)) {
                    throw YAML::ParserException(entry.first.Mark(), "key is not valid UTF-8");
                }
                object[key] = NodeToJson(entry.second, depth + 1, values);
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

// A string may be written unquoted when it reads back as the same string in block and flow
// context: a conservative alphabet (no indicators, no `#`, no `,[]{}`), no edge spaces, a `:`
// only inside a word, and not something PlainScalar turns into null, a boolean or a number.
bool CanBePlain(std::string_view text) {
    if (text.empty() || text.back() == ' ' || text.back() == ':') {
        return false;
    }
    // YAML indicators (`-`, `>`, `|`, `?`, `*`, `&`, `!`, `%`, `@`, ...) only matter up front.
    const auto first = static_cast<unsigned char>(text.front());
    if (std::isalnum(first) == 0 && first < 0x80 &&
        std::string_view("_/($").find(text.front()) == std::string_view::npos) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool safe = std::isalnum(c) != 0 || c >= 0x80 ||
                          std::string_view(" _./()+=;$^<>~").find(static_cast<char>(c)) !=
                              std::string_view::npos ||
                          c == '-' || (c == ':' && text[i + 1] != ' ');
        if (!safe) {
            return false;
        }
    }
    return PlainScalar(std::string(text)).is_string();
}

void AppendString(std::string& out, std::string_view text) {
    if (CanBePlain(text)) {
        out += text;
        return;
    }
    out += '"';
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    constexpr std::string_view kHex = "0123456789abcdef";
                    const auto byte = static_cast<unsigned char>(c);
                    out += "\\x";
                    out += kHex[byte >> 4U];
                    out += kHex[byte & 0xFU];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void AppendScalar(std::string& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            out += "null";
            return;
        case boost::json::kind::bool_:
            out += value.as_bool() ? "true" : "false";
            return;
        case boost::json::kind::int64:
            out += std::to_string(value.as_int64());
            return;
        case boost::json::kind::uint64:
            out += std::to_string(value.as_uint64());
            return;
        case boost::json::kind::double_:
            // Boost's shortest round-trip form ("0.1", "1E0"), which PlainScalar reads back.
            out += boost::json::serialize(value);
            return;
        case boost::json::kind::string:
            AppendString(out, value.as_string());
            return;
        case boost::json::kind::array:
        case boost::json::kind::object:
            return;
    }
}

constexpr std::size_t kMaxImplicitKey = 1000;

// `{a: 1, b: [x]}` for values FitsOnOneLine accepts.
void AppendFlow(std::string& out, const boost::json::value& value) {
    if (const auto* object = value.if_object()) {
        out += '{';
        bool first = true;
        for (const auto& entry : *object) {
            out += first ? "" : ", ";
            first = false;
            AppendString(out, entry.key());
            out += ": ";
            AppendScalar(out, entry.value());
        }
        out += '}';
        return;
    }
    out += '[';
    bool first = true;
    for (const auto& item : value.as_array()) {
        out += first ? "" : ", ";
        first = false;
        AppendScalar(out, item);
    }
    out += ']';
}

bool IsInline(const boost::json::value& value) {
    return IsScalar(value) || FitsOnOneLine(value);
}

void AppendInline(std::string& out, const boost::json::value& value) {
    if (IsScalar(value)) {
        AppendScalar(out, value);
    } else {
        AppendFlow(out, value);
    }
}

void AppendBlock(std::string& out,
                 const boost::json::value& value,
                 std::size_t indent,
                 bool continued);

// The value of `key:` (the key is already written).
void AppendMapValue(std::string& out, const boost::json::value& value, std::size_t indent) {
    if (IsInline(value)) {
        out += ' ';
        AppendInline(out, value);
        out += '\n';
        return;
    }
    out += '\n';
    AppendBlock(out, value, indent + 2, false);
}

// A block map or sequence at `indent`; `continued` when its first line follows a "- " already
// written on the current line.
void AppendBlock(std::string& out,
                 const boost::json::value& value,
                 std::size_t indent,
                 bool continued) {
    bool first = true;
    auto start_line = [&] {
        if (!first || !continued) {
            out.append(indent, ' ');
        }
        first = false;
    };
    if (const auto* object = value.if_object()) {
        for (const auto& entry : *object) {
            start_line();
            std::string key;
            AppendString(key, entry.key());
            // YAML limits an implicit key to 1024 characters; a longer one (a long key, or one
            // whose escapes grew it) is written as an explicit `? key` (found by
            // tests/fuzz/catalog_fuzz).
            if (key.size() > kMaxImplicitKey) {
                out += "? ";
                out += key;
                out += '\n';
                out.append(indent, ' ');
            } else {
                out += key;
            }
            out += ':';
            AppendMapValue(out, entry.value(), indent);
        }
        return;
    }
    for (const auto& item : value.as_array()) {
        start_line();
        out += "- ";
        if (IsInline(item)) {
            AppendInline(out, item);
            out += '\n';
        } else {
            AppendBlock(out, item, indent + 2, true);
        }
    }
}

}  // namespace

std::string JsonToYaml(const boost::json::value& value) {
    std::string out;
    if (IsInline(value)) {
        AppendInline(out, value);
        out += '\n';
    } else {
        AppendBlock(out, value, 0, false);
    }
    return out;
}

Result<boost::json::value> YamlToJson(std::string_view text) {
    try {
        std::size_t values = 0;
        return NodeToJson(YAML::Load(std::string(text)), 0, values);
    } catch (const YAML::Exception& e) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Invalid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

}  // namespace junction::json
