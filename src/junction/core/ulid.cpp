#include "junction/core/ulid.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace junction {

std::string GenerateUlid(const Clock& clock, Rng& rng) {
    constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::array<std::uint8_t, 16> bytes{};
    const auto millis = static_cast<std::uint64_t>(ToUnixMillis(clock.Now()));
    for (std::size_t i = 0; i < 6; ++i) {
        bytes[i] = static_cast<std::uint8_t>(millis >> (8U * (5 - i)));
    }
    rng.Fill(std::span<std::uint8_t>(bytes).subspan(6));
    // 128 bits, left-padded with 2 zero bits to 130 = 26 digits × 5 bits.
    std::string out(26, '0');
    for (std::size_t digit = 0; digit < 26; ++digit) {
        unsigned value = 0;
        for (std::size_t b = 0; b < 5; ++b) {
            const std::size_t padded = digit * 5 + b;
            unsigned bit_value = 0;
            if (padded >= 2) {
                const std::size_t index = padded - 2;
                bit_value = (static_cast<unsigned>(bytes[index / 8]) >> (7 - index % 8)) & 1U;
            }
            value = (value << 1U) | bit_value;
        }
        out[digit] = kAlphabet[value];
    }
    return out;
}

}  // namespace junction
