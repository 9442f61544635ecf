#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace junction {

// ASCII case folding for protocol tokens: header names, schemes, hosts, methods, auth schemes.
// std::tolower consults the C locale through a call per character; these inline, and every
// request folds each of its header names.

[[nodiscard]] constexpr char AsciiLower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] inline std::string AsciiLowercase(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        c = AsciiLower(c);
    }
    return lower;
}

[[nodiscard]] constexpr bool AsciiIEquals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return AsciiLower(x) == AsciiLower(y);
           });
}

[[nodiscard]] constexpr bool AsciiIStartsWith(std::string_view text,
                                              std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && AsciiIEquals(text.substr(0, prefix.size()), prefix);
}

}  // namespace junction
