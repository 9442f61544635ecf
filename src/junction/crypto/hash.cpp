#include "junction/crypto/hash.hpp"

#include <array>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"

namespace junction::crypto {

std::string Sha256(std::string_view data) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string Sha256Hex(std::string_view data) {
    return ToHex(Sha256(data));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(),
         key.data(),
         static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()),
         data.size(),
         digest.data(),
         &length);
    return {reinterpret_cast<const char*>(digest.data()), length};
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string GenerateToken(Rng& rng, std::string_view prefix, std::size_t bytes) {
    std::vector<std::uint8_t> raw(bytes);
    rng.Fill(raw);
    std::string token(prefix);
    token +=
        Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
    OPENSSL_cleanse(raw.data(), raw.size());
    return token;
}

}  // namespace junction::crypto
