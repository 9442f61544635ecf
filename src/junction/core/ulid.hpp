#pragma once

#include <string>

#include "junction/core/clock.hpp"
#include "junction/core/rng.hpp"

namespace junction {

/// A ULID (26 Crockford base32 chars: 48-bit ms time + 80 random bits), used for request ids.
[[nodiscard]] std::string GenerateUlid(const Clock& clock, Rng& rng);

}  // namespace junction
