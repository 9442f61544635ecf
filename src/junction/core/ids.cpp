#include "junction/core/ids.hpp"

#include <algorithm>
#include <array>

namespace junction {

ObjectIdGenerator::ObjectIdGenerator(const Clock& clock, Rng& rng) : clock_(clock), counter_(0) {
    rng.Fill(process_unique_);
    std::array<std::uint8_t, 3> start{};
    rng.Fill(start);
    counter_.store(static_cast<std::uint32_t>(start[0]) << 16U |
                   static_cast<std::uint32_t>(start[1]) << 8U | start[2]);
}

std::string ObjectIdGenerator::Next() {
    const auto seconds = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count());
    const std::uint32_t count = counter_.fetch_add(1) & 0xFFFFFFU;
    std::string bytes(12, '\0');
    bytes[0] = static_cast<char>(seconds >> 24U);
    bytes[1] = static_cast<char>(seconds >> 16U);
    bytes[2] = static_cast<char>(seconds >> 8U);
    bytes[3] = static_cast<char>(seconds);
    for (std::size_t i = 0; i < 5; ++i) {
        bytes[4 + i] = static_cast<char>(process_unique_[i]);
    }
    bytes[9] = static_cast<char>(count >> 16U);
    bytes[10] = static_cast<char>(count >> 8U);
    bytes[11] = static_cast<char>(count);
    return ToHex(bytes);
}

bool IsObjectId(std::string_view text) noexcept {
    if (text.size() != 24) {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

std::string ToHex(std::string_view bytes) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out{};
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(kDigits[byte >> 4U]);
        out.push_back(kDigits[byte & 0x0FU]);
    }
    return out;
}

}  // namespace junction
