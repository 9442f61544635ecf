#pragma once

// Helpers shared by the libFuzzer targets of tests/fuzz (issue 18): input as text, and an
// invariant check that aborts (a crash libFuzzer records) with a readable message.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <boost/json/value.hpp>

namespace junction::fuzz {

[[nodiscard]] inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Aborts with `what` when `condition` is false: a broken invariant is a finding.
inline void Check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
        std::abort();
    }
}

/// boost::json equality, except that NaN equals NaN (YAML's .nan round-trips as NaN) and, with
/// `nearly`, doubles may differ in their last bits: Boost.JSON 1.81 reads some long numbers
/// one ULP off, so its own output does not always read back to the same double.
[[nodiscard]] inline bool SameJson(const boost::json::value& a,
                                   const boost::json::value& b,
                                   bool nearly = false) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double();
        const double y = b.get_double();
        if (std::isnan(x) && std::isnan(y)) {
            return true;
        }
        return x == y ||
               (nearly && std::fabs(x - y) <= 4e-16 * std::max(std::fabs(x), std::fabs(y)));
    }
    if (a.kind() != b.kind()) {
        return false;
    }
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size()) {
            return false;
        }
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!SameJson(x[i], y[i], nearly)) {
                return false;
            }
        }
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) {
            return false;
        }
        for (const auto& entry : x) {
            const auto* other = y.if_contains(entry.key());
            if (other == nullptr || !SameJson(entry.value(), *other, nearly)) {
                return false;
            }
        }
        return true;
    }
    return a == b;
}

}  // namespace junction::fuzz
