#include "junction/crypto/secret_box.hpp"

#include <array>
#include <atomic>
#include <memory>

#include <openssl/evp.h>

namespace junction::crypto {
namespace {

constexpr std::uint8_t kBlobVersion = 1;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kHeaderBytes = 1 + 4 + kNonceBytes;

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once: EVP_aes_256_gcm() makes every EVP_*Init_ex look the algorithm up again in the
// provider tables, which was most of the cost of opening a credential on each execute.
const EVP_CIPHER* Aes256Gcm() {
    static const EVP_CIPHER* const cipher = [] {
        const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
        return fetched != nullptr ? fetched : EVP_aes_256_gcm();
    }();
    return cipher;
}

const unsigned char* Bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

std::uint64_t NextBoxSerial() {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1);
}

// A decryption context whose AES key schedule and GHASH table are already set up: opening a
// credential on every execute then only sets the nonce, instead of making a context and
// expanding the key each time. Per thread, so contexts are never shared; bounded, because
// boxes come and go in tests and key rotation (an evicted context is freed, which wipes it).
struct KeyedOpener {
    std::uint64_t box_serial = 0;
    std::uint32_t key_id = 0;
    CipherCtx context;
};

constexpr std::size_t kMaxOpenersPerThread = 8;

EVP_CIPHER_CTX* OpenerFor(std::uint64_t box_serial, const MasterKey& key) {
    thread_local std::vector<KeyedOpener> openers;
    for (auto& opener : openers) {
        if (opener.box_serial == box_serial && opener.key_id == key.id) {
            return opener.context.get();
        }
    }
    CipherCtx context(EVP_CIPHER_CTX_new());
    if (!context ||
        EVP_DecryptInit_ex(context.get(), Aes256Gcm(), nullptr, Bytes(key.key.Reveal()), nullptr) !=
            1) {
        return nullptr;
    }
    if (openers.size() == kMaxOpenersPerThread) {
        openers.erase(openers.begin());
    }
    openers.push_back({.box_serial = box_serial, .key_id = key.id, .context = std::move(context)});
    return openers.back().context.get();
}

}  // namespace

SecretBox::SecretBox(std::vector<MasterKey> keys, Rng& rng)
    : keys_(std::move(keys)), rng_(rng), serial_(NextBoxSerial()) {}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view aad) const {
    const MasterKey& key = keys_.front();
    std::array<std::uint8_t, kNonceBytes> nonce{};
    rng_.Fill(nonce);

    std::string blob(kHeaderBytes + plaintext.size() + kTagBytes, '\0');
    blob[0] = static_cast<char>(kBlobVersion);
    blob[1] = static_cast<char>(key.id >> 24U);
    blob[2] = static_cast<char>(key.id >> 16U);
    blob[3] = static_cast<char>(key.id >> 8U);
    blob[4] = static_cast<char>(key.id);
    std::copy(nonce.begin(), nonce.end(), blob.begin() + 5);

    auto* out = reinterpret_cast<unsigned char*>(blob.data());
    const CipherCtx ctx(EVP_CIPHER_CTX_new());
    int length = 0;
    const bool ok =
        ctx && EVP_EncryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key.key.Reveal()), nonce.data()) ==
            1 &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(aad), static_cast<int>(aad.size())) ==
            1 &&
        EVP_EncryptUpdate(ctx.get(),
                          out + kHeaderBytes,
                          &length,
                          Bytes(plaintext),
                          static_cast<int>(plaintext.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx.get(), out + kHeaderBytes + length, &length) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(),
                            EVP_CTRL_GCM_GET_TAG,
                            static_cast<int>(kTagBytes),
                            out + kHeaderBytes + plaintext.size()) == 1;
    if (!ok) {
        std::abort();  // only on allocation failure inside OpenSSL
    }
    return blob;
}

std::vector<std::uint32_t> SecretBox::KeyIds() const {
    std::vector<std::uint32_t> ids;
    ids.reserve(keys_.size());
    for (const auto& key : keys_) {
        ids.push_back(key.id);
    }
    return ids;
}

std::optional<std::uint32_t> SecretBox::KeyIdOf(std::string_view blob) {
    if (blob.size() < kHeaderBytes + kTagBytes ||
        static_cast<std::uint8_t>(blob[0]) != kBlobVersion) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(static_cast<std::uint8_t>(blob[1])) << 24U |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(blob[2])) << 16U |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(blob[3])) << 8U |
           static_cast<std::uint8_t>(blob[4]);
}

Result<SecretString> SecretBox::Open(std::string_view blob, std::string_view aad) const {
    const std::optional<std::uint32_t> key_id = KeyIdOf(blob);
    if (!key_id) {
        return Fail(ErrorCode::kInternal, "cannot decrypt stored secret", "malformed blob");
    }
    const MasterKey* key = nullptr;
    for (const auto& candidate : keys_) {
        if (candidate.id == *key_id) {
            key = &candidate;
        }
    }
    if (key == nullptr) {
        return Fail(ErrorCode::kInternal, "cannot decrypt stored secret", "unknown master key id");
    }
    const std::size_t cipher_bytes = blob.size() - kHeaderBytes - kTagBytes;
    std::string plaintext(cipher_bytes, '\0');
    std::array<unsigned char, kTagBytes> tag{};
    std::copy_n(Bytes(blob) + kHeaderBytes + cipher_bytes, kTagBytes, tag.begin());

    EVP_CIPHER_CTX* const ctx = OpenerFor(serial_, *key);
    int length = 0;
    // A null cipher and key keep the context's own; the nonce starts a new message.
    const bool ok =
        ctx != nullptr &&
        EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, Bytes(blob) + 5) == 1 &&
        EVP_DecryptUpdate(ctx, nullptr, &length, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx,
                          reinterpret_cast<unsigned char*>(plaintext.data()),
                          &length,
                          Bytes(blob) + kHeaderBytes,
                          static_cast<int>(cipher_bytes)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) ==
            1 &&
        EVP_DecryptFinal_ex(
            ctx, reinterpret_cast<unsigned char*>(plaintext.data()) + length, &length) == 1;
    if (!ok) {
        SecretString wipe(std::move(plaintext));
        return Fail(ErrorCode::kInternal, "cannot decrypt stored secret", "authentication failed");
    }
    return SecretString(std::move(plaintext));
}

}  // namespace junction::crypto
