// Writes CSV files of filler users and apiKey credentials for bulk loading (bench/scale.sh):
// `COPY` into PostgreSQL, `.import` into SQLite. Every credential row is sealed exactly as
// CredentialService::Create seals it (the same SecretBox and AAD, under the master key in
// JUNCTION_MASTER_KEYS), so it opens, rotates and executes like a real one. Ids start with
// "5eed", which ObjectIdGenerator (a timestamp prefix) never produces.
//
//   JUNCTION_MASTER_KEYS=ID:BASE64 seed_credentials --count N [--per-user M] --connector C --out
//   DIR
//
// → DIR/users.csv (id,username,full_name,created_at,updated_at) and DIR/credentials.csv
//   (id,user_id,connector_id,authentication_type,name,status,secret,key_id,created_at,
//   updated_at), each with a header line. Prints {"users":U,"credentials":N}.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "junction/app/master_key.hpp"
#include "junction/crypto/encoding.hpp"
#include "junction/crypto/random.hpp"
#include "junction/crypto/secret_box.hpp"
#include "junction/service/credential_service.hpp"

namespace {

// A 24-character lowercase hex id: `prefix` then `n` zero-padded.
std::string SeedId(std::string_view prefix, std::uint64_t n) {
    std::string digits(24 - prefix.size(), '0');
    for (auto it = digits.rbegin(); it != digits.rend() && n != 0; ++it, n /= 16) {
        *it = "0123456789abcdef"[n % 16];
    }
    return std::string(prefix) + digits;
}

int Usage() {
    std::cerr << "usage: JUNCTION_MASTER_KEYS=ID:BASE64 seed_credentials --count N "
                 "[--per-user M] --connector C --out DIR\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t count = 0;
    std::uint64_t per_user = 100;
    std::string connector;
    std::string out_dir;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--count") {
            count = std::stoull(value);
        } else if (flag == "--per-user") {
            per_user = std::stoull(value);
        } else if (flag == "--connector") {
            connector = value;
        } else if (flag == "--out") {
            out_dir = value;
        } else {
            return Usage();
        }
    }
    const char* keys_env = std::getenv("JUNCTION_MASTER_KEYS");  // NOLINT(concurrency-mt-unsafe)
    if (keys_env == nullptr || per_user == 0 || connector.empty() || out_dir.empty()) {
        return Usage();
    }
    junction::crypto::SecureRng rng;
    // From the environment only: no key file, so its permissions are never checked.
    auto keys = junction::app::LoadMasterKeys(junction::SecretString(keys_env), "", false);
    if (!keys) {
        std::cerr << "seed_credentials: " << keys.error().message << "\n";
        return 1;
    }
    const junction::crypto::SecretBox box(std::move(keys->keys), rng);
    const auto now = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());

    std::filesystem::create_directories(out_dir);
    const std::uint64_t users = (count + per_user - 1) / per_user;
    {
        std::ofstream csv(out_dir + "/users.csv");
        csv << "id,username,full_name,created_at,updated_at\n";
        for (std::uint64_t u = 0; u < users; ++u) {
            csv << SeedId("5eedf0", u) << ",seed-user-" << u << ",Seed User " << u << ',' << now
                << ',' << now << '\n';
        }
    }
    std::ofstream csv(out_dir + "/credentials.csv");
    csv << "id,user_id,connector_id,authentication_type,name,status,secret,key_id,created_at,"
           "updated_at\n";
    const std::string key_id = std::to_string(box.ActiveKeyId());
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::string id = SeedId("5eed", i);
        const std::string plaintext = R"({"apiKey":"seed-)" + std::to_string(i) + "\"}";
        csv << id << ',' << SeedId("5eedf0", i / per_user) << ',' << connector << ",apiKey,Seed "
            << i << ",active,"
            << junction::crypto::Base64Encode(
                   box.Seal(plaintext, junction::service::CredentialAad(id)))
            << ',' << key_id << ',' << now << ',' << now << '\n';
    }
    csv.close();
    if (!csv) {
        std::cerr << "seed_credentials: cannot write " << out_dir << "\n";
        return 1;
    }
    std::cout << R"({"users":)" << users << R"(,"credentials":)" << count << "}\n";
    return 0;
}
