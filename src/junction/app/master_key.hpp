#pragma once

#include <optional>
#include <string>
#include <vector>

#include "junction/core/result.hpp"
#include "junction/core/rng.hpp"
#include "junction/core/secret_string.hpp"
#include "junction/crypto/secret_box.hpp"

namespace junction::app {

/// Loads the master keys (DESIGN.md §7): JUNCTION_MASTER_KEYS (`id:base64,...`, first is
/// active) when set, else the key file, which is created (mode 0600, 32 random bytes, base64)
/// when missing. `created` reports a new file so the caller can warn once. Errors never contain
/// key material. kInvalidArgument for a malformed key, kUnavailable when the file cannot be
/// read or written.
struct LoadedKeys {
    std::vector<crypto::MasterKey> keys;
    bool created = false;
};

[[nodiscard]] Result<LoadedKeys> LoadMasterKeys(const std::optional<SecretString>& from_env,
                                                const std::string& key_file,
                                                Rng& rng);

}  // namespace junction::app
