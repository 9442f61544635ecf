#include "junction/crypto/hash.hpp"

#include <array>
#include <cstdlib>
#include <memory>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "junction/core/ids.hpp"
#include "junction/crypto/encoding.hpp"

namespace junction::crypto {
namespace {

// OpenSSL digest and KDF calls fail only on allocation failure or a broken build (like
// SecretBox, which aborts there too): nothing a caller could handle.
void Require(bool ok) {
    if (!ok) {
        std::abort();
    }
}

// Fetched once: SHA256() looks the algorithm up in the provider tables on every call, and an
// API key is hashed on every request.
const EVP_MD* Sha256Md() {
    static const EVP_MD* const md = [] {
        const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        return fetched != nullptr ? fetched : EVP_sha256();
    }();
    return md;
}

struct MdCtxFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string Sha256(std::string_view data) {
    // One context per thread, reused: EVP_Digest makes and frees one per call, and an API key
    // is hashed on every request.
    thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    unsigned int length = 0;
    Require(context != nullptr && EVP_DigestInit_ex2(context.get(), Sha256Md(), nullptr) == 1 &&
            EVP_DigestUpdate(context.get(), data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1);
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string Sha256Hex(std::string_view data) {
    return ToHex(Sha256(data));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(Sha256Md(),
         key.data(),
         static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()),
         data.size(),
         digest.data(),
         &length);
    return {reinterpret_cast<const char*>(digest.data()), length};
}

std::string HkdfSha256(std::string_view key, std::string_view label, std::size_t length) {
    std::string out(length, '\0');
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
    Require(kdf != nullptr);
    EVP_KDF_CTX* context = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    Require(context != nullptr);
    // OSSL_PARAM wants mutable buffers (OpenSSL only reads them): work on copies.
    std::string digest(SN_sha256);
    std::string secret(key);
    std::string info(label);
    std::array params{
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest.data(), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret.data(), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end()};
    const int derived = EVP_KDF_derive(
        context, reinterpret_cast<unsigned char*>(out.data()), out.size(), params.data());
    EVP_KDF_CTX_free(context);
    OPENSSL_cleanse(secret.data(), secret.size());
    Require(derived == 1);
    return out;
}

std::string Md5(std::string_view data) {
    Md5Hasher hasher;
    hasher.Update(data);
    return hasher.Finish();
}

struct Md5Hasher::State {
    EVP_MD_CTX* context = nullptr;
};

Md5Hasher::Md5Hasher() : state_(std::make_unique<State>()) {
    state_->context = EVP_MD_CTX_new();
    Require(state_->context != nullptr);
    Require(EVP_DigestInit_ex(state_->context, EVP_md5(), nullptr) == 1);
}

Md5Hasher::Md5Hasher(Md5Hasher&& other) noexcept = default;
Md5Hasher& Md5Hasher::operator=(Md5Hasher&& other) noexcept = default;

Md5Hasher::~Md5Hasher() {
    if (state_) {
        EVP_MD_CTX_free(state_->context);
    }
}

void Md5Hasher::Update(std::string_view data) {
    Require(EVP_DigestUpdate(state_->context, data.data(), data.size()) == 1);
}

std::string Md5Hasher::Finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    Require(EVP_DigestFinal_ex(state_->context, digest.data(), &length) == 1);
    Require(EVP_DigestInit_ex(state_->context, EVP_md5(), nullptr) == 1);
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
