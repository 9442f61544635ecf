#include "junction/crypto/encoding.hpp"

#include <array>
#include <cstdint>

namespace junction::crypto {
namespace {

constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Encode(std::string_view bytes, std::string_view alphabet, bool pad) {
    std::string out{};
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n =
            static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16U |
            static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8U |
            static_cast<std::uint8_t>(bytes[i + 2]);
        out.push_back(alphabet[(n >> 18U) & 63U]);
        out.push_back(alphabet[(n >> 12U) & 63U]);
        out.push_back(alphabet[(n >> 6U) & 63U]);
        out.push_back(alphabet[n & 63U]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16U;
        if (rest == 2) {
            n |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8U;
        }
        out.push_back(alphabet[(n >> 18U) & 63U]);
        out.push_back(alphabet[(n >> 12U) & 63U]);
        if (rest == 2) {
            out.push_back(alphabet[(n >> 6U) & 63U]);
        }
        if (pad) {
            out.append(rest == 1 ? "==" : "=");
        }
    }
    return out;
}

std::optional<std::string> Decode(std::string_view text, std::string_view alphabet) {
    std::array<int, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<std::uint8_t>(alphabet[i])] = static_cast<int>(i);
    }
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out{};
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int value = table[static_cast<std::uint8_t>(c)];
        if (value < 0) {
            return std::nullopt;
        }
        buffer = buffer << 6U | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    // Canonical encodings only: the bits left over must be zero, so no two texts decode alike
    // (a signature with a flipped final character must not verify).
    if ((buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) {
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
    return Encode(bytes, kUrlAlphabet, false);
}
std::optional<std::string> Base64UrlDecode(std::string_view text) {
    return Decode(text, kUrlAlphabet);
}
std::string Base64Encode(std::string_view bytes) {
    return Encode(bytes, kStdAlphabet, true);
}
std::optional<std::string> Base64Decode(std::string_view text) {
    return Decode(text, kStdAlphabet);
}

}  // namespace junction::crypto
