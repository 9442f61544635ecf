#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/storage/store.hpp"

namespace junction::service {

/// What one rotation did to one table's sealed values.
struct RotationCounts {
    std::int64_t rotated = 0;  // re-sealed under the active key
    std::int64_t skipped = 0;  // changed meanwhile (e.g. re-sealed by a token refresh): left alone
    std::int64_t failed = 0;   // did not open (key not configured, tampered): left as they were
    std::vector<std::string> failed_row_ids{};  // ids (settings: names) of the failed rows
};

/// One table's share of a rotation: `credentials`, `auth_configs`, `oauth_flows`, `settings`.
struct TableRotation {
    std::string table{};
    RotationCounts counts{};
};

struct RotationReport {
    std::uint32_t active_key_id = 0;
    std::vector<TableRotation> tables{};

    [[nodiscard]] std::int64_t Failed() const;
    [[nodiscard]] std::int64_t Skipped() const;
};

/// Rows of one table per master key id.
struct TableKeyUsage {
    std::string table{};
    std::vector<storage::KeyIdCount> keys{};  // ordered by key id; ids without rows absent
};

struct KeyUsageReport {
    std::uint32_t active_key_id = 0;
    std::vector<std::uint32_t> configured_key_ids{};  // the active one first
    std::vector<TableKeyUsage> tables{};

    /// Key ids that still seal at least one value, ascending.
    [[nodiscard]] std::vector<std::uint32_t> KeyIdsInUse() const;
};

/// Online master-key rotation (DESIGN.md §10): re-seals every stored secret with the active
/// master key while servers keep serving. Each value is opened with the key named in its blob
/// and bound to its row by the same AAD as when it was written, re-sealed, and written back
/// only if the row still holds the exact old text (compare-and-swap), so a concurrent write —
/// which seals with the active key itself — always wins. Plaintext exists only in SecretString
/// for the duration of one value; nothing secret is logged. Thread-safety: stateless between
/// calls; do not run two rotations at once in one process (two on different nodes are safe,
/// merely wasteful).
class KeyRotationService {
public:
    /// Called after every batch with the table and its counts so far.
    using Progress = std::function<void(std::string_view table, const RotationCounts& so_far)>;

    /// The references must outlive the service.
    KeyRotationService(storage::SealedValueStore& sealed,
                       storage::SettingsStore& settings,
                       const crypto::SecretBox& secret_box,
                       const Clock& clock);

    /// Walks every sealed column in row-id order, `batch_size` rows per query, re-sealing what
    /// is not under the active key. A value that does not open is counted, logged (table, row
    /// id, key id) and left alone; it does not stop the run. kInvalidArgument for a zero
    /// batch size; storage errors (kUnavailable, kInternal) abort the run, leaving what was
    /// already rotated rotated.
    [[nodiscard]] Result<RotationReport> Rotate(std::size_t batch_size,
                                                const Progress& progress = {});

    /// Counts of sealed values per table and key id. Storage errors only.
    [[nodiscard]] Result<KeyUsageReport> Status();

private:
    storage::SealedValueStore& sealed_;
    storage::SettingsStore& settings_;
    const crypto::SecretBox& secret_box_;
    const Clock& clock_;
};

}  // namespace junction::service
