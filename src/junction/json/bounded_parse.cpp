#include "junction/json/bounded_parse.hpp"

#include <cmath>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

namespace junction::json {
namespace {

enum class Violation { kNone, kArrayTooLong, kDuplicateKey, kNumberOutOfRange };

using boost::system::error_code;
using JsonText = boost::json::string_view;

// NOLINTBEGIN(readability-identifier-naming, readability-convert-member-functions-to-static)
// Boost.JSON's handler concept fixes these names and signatures.
// First pass: a handler that builds nothing and enforces what the DOM parser cannot (array
// length at run time, duplicate keys, which Boost.JSON would silently collapse). Depth is
// bounded by parse_options in both passes.
class LimitChecker {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    explicit LimitChecker(std::size_t max_array_items) : max_array_items_(max_array_items) {}

    bool on_document_begin(error_code& /*ec*/) { return true; }
    bool on_document_end(error_code& /*ec*/) { return true; }
    bool on_array_begin(error_code& /*ec*/) {
        frames_.push_back(Frame{.is_array = true});
        return true;
    }
    bool on_array_end(std::size_t /*n*/, error_code& ec) {
        frames_.pop_back();
        return CountValue(ec);
    }
    bool on_object_begin(error_code& /*ec*/) {
        frames_.push_back(Frame{.is_array = false});
        return true;
    }
    bool on_object_end(std::size_t /*n*/, error_code& ec) {
        frames_.pop_back();
        return CountValue(ec);
    }
    bool on_string_part(JsonText /*s*/, std::size_t /*n*/, error_code& /*ec*/) { return true; }
    bool on_string(JsonText /*s*/, std::size_t /*n*/, error_code& ec) { return CountValue(ec); }
    bool on_key_part(JsonText s, std::size_t /*n*/, error_code& /*ec*/) {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(JsonText s, std::size_t /*n*/, error_code& ec) {
        key_.append(s.data(), s.size());
        if (!frames_.back().keys.insert(key_).second) {
            violation_ = Violation::kDuplicateKey;
            duplicate_key_ = std::move(key_);
            ec = boost::json::error::syntax;
            return false;
        }
        key_.clear();
        return true;
    }
    bool on_number_part(JsonText /*s*/, error_code& /*ec*/) { return true; }
    bool on_int64(std::int64_t /*i*/, JsonText /*s*/, error_code& ec) { return CountValue(ec); }
    bool on_uint64(std::uint64_t /*u*/, JsonText /*s*/, error_code& ec) { return CountValue(ec); }
    // 1e400 would read as infinity, which Boost.JSON writes as 1e99999 and cannot read back:
    // a value accepted here could be stored or forwarded but never parsed again.
    bool on_double(double d, JsonText /*s*/, error_code& ec) {
        if (!std::isfinite(d)) {
            violation_ = Violation::kNumberOutOfRange;
            ec = boost::json::error::exponent_overflow;
            return false;
        }
        return CountValue(ec);
    }
    bool on_bool(bool /*b*/, error_code& ec) { return CountValue(ec); }
    bool on_null(error_code& ec) { return CountValue(ec); }
    bool on_comment_part(JsonText /*s*/, error_code& /*ec*/) { return true; }
    bool on_comment(JsonText /*s*/, error_code& /*ec*/) { return true; }

    [[nodiscard]] Violation FoundViolation() const { return violation_; }
    [[nodiscard]] const std::string& DuplicateKey() const { return duplicate_key_; }

private:
    struct Frame {
        bool is_array = false;
        std::size_t count = 0;
        std::unordered_set<std::string> keys{};
    };

    // Called after every complete value: counts it towards the enclosing array.
    bool CountValue(error_code& ec) {
        if (!frames_.empty() && frames_.back().is_array &&
            ++frames_.back().count > max_array_items_) {
            violation_ = Violation::kArrayTooLong;
            ec = boost::json::error::array_too_large;
            return false;
        }
        return true;
    }

    std::size_t max_array_items_{};
    std::vector<Frame> frames_{};
    std::string key_{};
    std::string duplicate_key_{};
    Violation violation_ = Violation::kNone;
};
// NOLINTEND(readability-identifier-naming, readability-convert-member-functions-to-static)

// "line 3, column 14" for a byte offset (1-based, columns in bytes).
std::string Position(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<boost::json::value> ParseBounded(std::string_view text, const ParseLimits& limits) {
    boost::json::parse_options options{};
    options.max_depth = limits.max_depth;

    boost::json::basic_parser<LimitChecker> checker(options, limits.max_array_items);
    error_code ec;
    const std::size_t consumed = checker.write_some(false, text.data(), text.size(), ec);
    if (ec) {
        const std::string where = Position(text, consumed);
        switch (checker.handler().FoundViolation()) {
            case Violation::kArrayTooLong:
                return Fail(ErrorCode::kInvalidArgument,
                            "JSON array exceeds " + std::to_string(limits.max_array_items) +
                                " items at " + where);
            case Violation::kDuplicateKey:
                return Fail(ErrorCode::kInvalidArgument,
                            "Duplicate JSON object key '" + checker.handler().DuplicateKey() +
                                "' at " + where);
            case Violation::kNumberOutOfRange:
                return Fail(ErrorCode::kInvalidArgument,
                            "JSON number out of range (not a finite double) at " + where);
            case Violation::kNone:
                break;
        }
        if (ec == boost::json::error::too_deep) {
            return Fail(
                ErrorCode::kInvalidArgument,
                "JSON nesting exceeds " + std::to_string(limits.max_depth) + " levels at " + where);
        }
        return Fail(ErrorCode::kMalformedJson, "Malformed JSON at " + where + ": " + ec.message());
    }
    if (consumed < text.size()) {
        return Fail(ErrorCode::kMalformedJson,
                    "Malformed JSON at " + Position(text, consumed) +
                        ": unexpected data after the JSON value");
    }
    boost::json::value value = boost::json::parse(text, ec, {}, options);
    if (ec) {
        return Fail(ErrorCode::kMalformedJson, "Malformed JSON: " + ec.message());
    }
    return value;
}

}  // namespace junction::json
