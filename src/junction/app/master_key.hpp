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
/// active) when set, else the key file. A missing key file is not created here: the caller
/// first checks that the database holds nothing sealed (a new key could never open it) and
/// then calls CreateMasterKeyFile. A key file that group or others may access is refused
/// (kFailedPrecondition) unless `allow_insecure_permissions`; then `insecure_permissions`
/// tells the caller to warn. Errors never contain key material. kInvalidArgument for a
/// malformed key, kUnavailable when the file cannot be read or written. Not thread-safe
/// (start-up only).
struct LoadedKeys {
    std::vector<crypto::MasterKey> keys;
    bool missing = false;               // no key file (keys is empty)
    bool created = false;               // CreateMasterKeyFile wrote a new file: warn once
    bool insecure_permissions = false;  // group/other may access the file (allowed)
};

[[nodiscard]] Result<LoadedKeys> LoadMasterKeys(const std::optional<SecretString>& from_env,
                                                const std::string& key_file,
                                                bool allow_insecure_permissions);

/// Writes a new key file (mode 0600, 32 random bytes, base64; never over an existing file)
/// and returns its key, with `created` set.
[[nodiscard]] Result<LoadedKeys> CreateMasterKeyFile(const std::string& key_file, Rng& rng);

}  // namespace junction::app
