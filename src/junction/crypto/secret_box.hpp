#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/core/secret_string.hpp"

namespace junction::crypto {

/// One AES-256 master key and its id (the id travels in every blob for online rotation).
struct MasterKey {
    std::uint32_t id = 0;
    SecretString key;  // 32 raw bytes
};

/// AES-256-GCM with a random 96-bit nonce per seal (DESIGN.md §10). Blob layout:
/// version(1) | key_id(4, big endian) | nonce(12) | ciphertext | tag(16).
/// `aad` binds a blob to its place (`junction/v1/<table>/<row id>/<column>`), so a blob copied
/// to another row does not open. Thread-safe after construction.
class SecretBox {
public:
    /// REQUIRES: keys non-empty, each 32 bytes; the first is the active (sealing) key.
    SecretBox(std::vector<MasterKey> keys, Rng& rng);

    [[nodiscard]] std::string Seal(std::string_view plaintext, std::string_view aad) const;
    /// Fails with kInternal (never revealing why beyond "cannot decrypt") for an unknown key
    /// id, a wrong AAD or a tampered blob.
    [[nodiscard]] Result<SecretString> Open(std::string_view blob, std::string_view aad) const;

    [[nodiscard]] std::uint32_t ActiveKeyId() const { return keys_.front().id; }
    /// Every configured key id, the active one first.
    [[nodiscard]] std::vector<std::uint32_t> KeyIds() const;

    /// The id of the key that sealed `blob` (from its header, without opening it); nullopt for
    /// a blob too short or of an unknown version. Used for rotation of values stored without a
    /// `key_id` column.
    [[nodiscard]] static std::optional<std::uint32_t> KeyIdOf(std::string_view blob);

private:
    std::vector<MasterKey> keys_{};
    Rng& rng_;
    // Names this box in each thread's cache of keyed decryption contexts; unlike its address,
    // never reused by a later box.
    std::uint64_t serial_;
};

}  // namespace junction::crypto
