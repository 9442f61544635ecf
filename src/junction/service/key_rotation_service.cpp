#include "junction/service/key_rotation_service.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "junction/core/log.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/service/auth_config_service.hpp"
#include "junction/service/credential_service.hpp"
#include "junction/service/oauth_service.hpp"
#include "junction/service/token_service.hpp"

namespace junction::service {
namespace {

using storage::SealedColumn;

// Every sealed column with a key_id column, the table name the operator sees and the AAD its
// values were sealed with. A new SealedColumn needs a row here.
struct SealedTable {
    SealedColumn column;
    std::string_view table;
    std::string (*aad)(std::string_view row_id);
};

constexpr std::array kSealedTables{
    SealedTable{SealedColumn::kCredentialSecret, "credentials", &CredentialAad},
    SealedTable{SealedColumn::kAuthConfigClientSecret, "auth_configs", &AuthConfigSecretAad},
    SealedTable{SealedColumn::kOAuthFlowSecret, "oauth_flows", &OAuthFlowSecretAad},
};

// Sealed values kept in the settings table (no key_id column: the key id is read from the
// blob's header).
struct SealedSetting {
    std::string_view name;
    std::string_view aad;
};

constexpr std::array kSealedSettings{SealedSetting{kJwtSecretSetting, kJwtSecretAad}};

constexpr std::string_view kSettingsTable = "settings";

// Opens `sealed` (base64 blob) with the key its header names and seals the plaintext with the
// active key under the same AAD. kInternal when it does not open.
Result<std::string> Reseal(const crypto::SecretBox& box,
                           std::string_view sealed,
                           std::string_view aad) {
    const auto blob = crypto::Base64Decode(sealed);
    if (!blob) {
        return Fail(ErrorCode::kInternal, "cannot decrypt stored secret", "not base64");
    }
    const Result<SecretString> plaintext = box.Open(*blob, aad);
    if (!plaintext) {
        return Fail(plaintext.error());
    }
    return crypto::Base64Encode(box.Seal(plaintext->Reveal(), aad));
}

// The key id in the header of a base64 blob, if it is one.
std::optional<std::uint32_t> KeyIdOfSealed(std::string_view sealed) {
    const auto blob = crypto::Base64Decode(sealed);
    return blob ? crypto::SecretBox::KeyIdOf(*blob) : std::nullopt;
}

void RecordFailure(RotationCounts& counts,
                   std::string_view table,
                   const std::string& row_id,
                   std::optional<std::uint32_t> key_id,
                   const Error& error) {
    ++counts.failed;
    counts.failed_row_ids.push_back(row_id);
    boost::json::object fields{{"table", table}, {"row_id", row_id}, {"reason", error.detail}};
    if (key_id) {
        fields["key_id"] = *key_id;
    }
    LogEvent(spdlog::level::warn,
             "key rotation: cannot decrypt a sealed value; is its master key still configured?",
             fields);
}

void LogTableDone(std::string_view table, const RotationCounts& counts) {
    LogEvent(spdlog::level::info,
             "key rotation: table done",
             {{"table", table},
              {"rotated", counts.rotated},
              {"skipped", counts.skipped},
              {"failed", counts.failed}});
}

}  // namespace

std::int64_t RotationReport::Failed() const {
    std::int64_t failed = 0;
    for (const auto& table : tables) {
        failed += table.counts.failed;
    }
    return failed;
}

std::int64_t RotationReport::Skipped() const {
    std::int64_t skipped = 0;
    for (const auto& table : tables) {
        skipped += table.counts.skipped;
    }
    return skipped;
}

std::vector<std::uint32_t> KeyUsageReport::KeyIdsInUse() const {
    std::set<std::uint32_t> ids;
    for (const auto& table : tables) {
        for (const auto& count : table.keys) {
            if (count.rows > 0) {
                ids.insert(count.key_id);
            }
        }
    }
    return {ids.begin(), ids.end()};
}

KeyRotationService::KeyRotationService(storage::SealedValueStore& sealed,
                                       storage::SettingsStore& settings,
                                       const crypto::SecretBox& secret_box,
                                       const Clock& clock)
    : sealed_(sealed), settings_(settings), secret_box_(secret_box), clock_(clock) {}

Result<RotationReport> KeyRotationService::Rotate(std::size_t batch_size,
                                                  const Progress& progress) {
    if (batch_size == 0) {
        return Fail(ErrorCode::kInvalidArgument, "batch size must be at least 1");
    }
    const std::uint32_t active = secret_box_.ActiveKeyId();
    RotationReport report{.active_key_id = active};
    LogEvent(spdlog::level::info, "key rotation: started", {{"active_key_id", active}});

    for (const SealedTable& sealed_table : kSealedTables) {
        RotationCounts counts;
        // Paging by row id: rows that fail to open stay under their old key and are not
        // fetched again; rows written meanwhile are under the active key and not fetched.
        std::string after;
        for (;;) {
            auto batch =
                sealed_.ListSealedValuesNotUnder(sealed_table.column, active, after, batch_size);
            if (!batch) {
                return Fail(std::move(batch.error()));
            }
            for (const storage::SealedValue& value : *batch) {
                after = value.row_id;
                auto resealed = Reseal(secret_box_, value.sealed, sealed_table.aad(value.row_id));
                if (!resealed) {
                    RecordFailure(
                        counts, sealed_table.table, value.row_id, value.key_id, resealed.error());
                    continue;
                }
                auto replaced = sealed_.ReplaceSealedValue(
                    sealed_table.column,
                    value.sealed,
                    storage::SealedValue{
                        .row_id = value.row_id, .sealed = std::move(*resealed), .key_id = active});
                if (!replaced) {
                    return Fail(std::move(replaced.error()));
                }
                ++(*replaced ? counts.rotated : counts.skipped);
            }
            if (!batch->empty() && progress) {
                progress(sealed_table.table, counts);
            }
            if (batch->size() < batch_size) {
                break;
            }
        }
        LogTableDone(sealed_table.table, counts);
        report.tables.push_back(
            TableRotation{.table = std::string(sealed_table.table), .counts = std::move(counts)});
    }

    RotationCounts counts;
    for (const SealedSetting& setting : kSealedSettings) {
        auto stored = settings_.FindSetting(setting.name);
        if (!stored) {
            return Fail(std::move(stored.error()));
        }
        if (!*stored) {
            continue;  // e.g. JUNCTION_JWT_SECRET is set: nothing sealed in the database
        }
        const std::string name(setting.name);
        const std::optional<std::uint32_t> key_id = KeyIdOfSealed(**stored);
        if (key_id == active) {
            continue;
        }
        auto resealed = Reseal(secret_box_, **stored, setting.aad);
        if (!resealed) {
            RecordFailure(counts, kSettingsTable, name, key_id, resealed.error());
            continue;
        }
        auto replaced = settings_.ReplaceSetting(name, **stored, *resealed, clock_.Now());
        if (!replaced) {
            return Fail(std::move(replaced.error()));
        }
        ++(*replaced ? counts.rotated : counts.skipped);
    }
    if (progress && counts.rotated + counts.skipped + counts.failed > 0) {
        progress(kSettingsTable, counts);
    }
    LogTableDone(kSettingsTable, counts);
    report.tables.push_back(
        TableRotation{.table = std::string(kSettingsTable), .counts = std::move(counts)});
    return report;
}

Result<KeyUsageReport> KeyRotationService::Status() {
    KeyUsageReport report{.active_key_id = secret_box_.ActiveKeyId(),
                          .configured_key_ids = secret_box_.KeyIds()};
    for (const SealedTable& sealed_table : kSealedTables) {
        auto counts = sealed_.CountSealedValuesByKeyId(sealed_table.column);
        if (!counts) {
            return Fail(std::move(counts.error()));
        }
        report.tables.push_back(
            TableKeyUsage{.table = std::string(sealed_table.table), .keys = std::move(*counts)});
    }
    TableKeyUsage settings{.table = std::string(kSettingsTable)};
    for (const SealedSetting& setting : kSealedSettings) {
        auto stored = settings_.FindSetting(setting.name);
        if (!stored) {
            return Fail(std::move(stored.error()));
        }
        if (!*stored) {
            continue;
        }
        // A value whose header does not parse does not open either; it has no key to keep.
        if (const auto key_id = KeyIdOfSealed(**stored); key_id) {
            auto found = std::find_if(settings.keys.begin(),
                                      settings.keys.end(),
                                      [&](const auto& count) { return count.key_id == *key_id; });
            if (found == settings.keys.end()) {
                settings.keys.push_back(storage::KeyIdCount{.key_id = *key_id, .rows = 1});
            } else {
                ++found->rows;
            }
        }
    }
    std::sort(settings.keys.begin(), settings.keys.end(), [](const auto& a, const auto& b) {
        return a.key_id < b.key_id;
    });
    report.tables.push_back(std::move(settings));
    return report;
}

}  // namespace junction::service
