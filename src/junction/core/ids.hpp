#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "junction/core/clock.hpp"
#include "junction/core/rng.hpp"

namespace junction {

/// Makes 24-lowercase-hex ids in MongoDB ObjectId layout (API.md §1.3): 4-byte seconds,
/// 5 random bytes fixed per generator, 3-byte counter. Thread-safe.
class ObjectIdGenerator {
public:
    ObjectIdGenerator(const Clock& clock, Rng& rng);

    [[nodiscard]] std::string Next();

private:
    const Clock& clock_;
    std::array<std::uint8_t, 5> process_unique_{};
    std::atomic<std::uint32_t> counter_{};
};

/// True for exactly 24 lowercase hex characters.
[[nodiscard]] bool IsObjectId(std::string_view text) noexcept;

/// Lowercase hex of arbitrary bytes.
[[nodiscard]] std::string ToHex(std::string_view bytes);

}  // namespace junction
