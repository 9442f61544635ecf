#include "junction/app/master_key.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junction/crypto/encoding.hpp"

namespace junction::app {
namespace {

constexpr std::size_t kKeyBytes = 32;

Result<SecretString> DecodeKey(std::string_view text, const std::string& where) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    auto raw = crypto::Base64Decode(text);
    if (!raw || raw->size() != kKeyBytes) {
        if (raw) {
            SecretString wipe(std::move(*raw));
        }
        return Fail(ErrorCode::kInvalidArgument, where + " must hold a base64-encoded 32-byte key");
    }
    return SecretString(std::move(*raw));
}

Result<LoadedKeys> FromEnvironment(const SecretString& value) {
    LoadedKeys loaded;
    std::string_view rest = value.Reveal();
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const std::size_t colon = entry.find(':');
        std::uint32_t id = 0;
        bool id_ok = colon != std::string_view::npos && colon > 0 && colon <= 9;
        for (std::size_t i = 0; id_ok && i < colon; ++i) {
            id_ok = entry[i] >= '0' && entry[i] <= '9';
            id = id * 10 + static_cast<std::uint32_t>(entry[i] - '0');
        }
        if (!id_ok) {
            return Fail(ErrorCode::kInvalidArgument,
                        "JUNCTION_MASTER_KEYS must be id:base64[,id:base64...]");
        }
        auto key = DecodeKey(entry.substr(colon + 1), "each JUNCTION_MASTER_KEYS entry");
        if (!key) {
            return Fail(std::move(key.error()));
        }
        loaded.keys.push_back(crypto::MasterKey{.id = id, .key = std::move(*key)});
    }
    if (loaded.keys.empty()) {
        return Fail(ErrorCode::kInvalidArgument, "JUNCTION_MASTER_KEYS is empty");
    }
    return loaded;
}

}  // namespace

Result<LoadedKeys> LoadMasterKeys(const std::optional<SecretString>& from_env,
                                  const std::string& key_file,
                                  bool allow_insecure_permissions) {
    if (from_env) {
        return FromEnvironment(*from_env);
    }
    LoadedKeys loaded;
    const int fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        loaded.missing = true;
        return loaded;
    }
    if (fd < 0) {
        return Fail(ErrorCode::kUnavailable,
                    "Cannot read master key file '" + key_file +
                        "': " + std::generic_category().message(errno));
    }
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        ::close(fd);
        return Fail(ErrorCode::kUnavailable, "Cannot read master key file '" + key_file + "'");
    }
    // Anyone who can read the file can read every stored credential.
    if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        if (!allow_insecure_permissions) {
            ::close(fd);
            std::array<char, 8> mode{};
            std::snprintf(mode.data(), mode.size(), "%04o", status.st_mode & 07777U);
            return Fail(ErrorCode::kFailedPrecondition,
                        "Master key file '" + key_file +
                            "' is accessible to group or others (mode " + mode.data() +
                            "); run chmod 600 on it, or set "
                            "JUNCTION_MASTER_KEY_ALLOW_INSECURE_PERMISSIONS=1 to start anyway");
        }
        loaded.insecure_permissions = true;
    }
    std::string content(256, '\0');
    const ssize_t length = ::read(fd, content.data(), content.size());
    ::close(fd);
    if (length < 0) {
        return Fail(ErrorCode::kUnavailable, "Cannot read master key file '" + key_file + "'");
    }
    content.resize(static_cast<std::size_t>(length));
    SecretString text(std::move(content));
    auto key = DecodeKey(text.Reveal(), "master key file '" + key_file + "'");
    if (!key) {
        return Fail(std::move(key.error()));
    }
    loaded.keys.push_back(crypto::MasterKey{.id = 1, .key = std::move(*key)});
    return loaded;
}

Result<LoadedKeys> CreateMasterKeyFile(const std::string& key_file, Rng& rng) {
    std::error_code ec;
    const auto parent = std::filesystem::path(key_file).parent_path();
    if (!parent.empty()) {
        std::filesystem::create_directories(parent, ec);
    }
    std::array<std::uint8_t, kKeyBytes> raw{};
    rng.Fill(raw);
    SecretString encoded(crypto::Base64Encode(
        std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size())));
    explicit_bzero(raw.data(), raw.size());
    const int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return Fail(ErrorCode::kUnavailable,
                    "Cannot create master key file '" + key_file +
                        "': " + std::generic_category().message(errno));
    }
    const std::string line = std::string(encoded.Reveal()) + "\n";
    const bool written =
        ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    SecretString wipe_line(line);
    if (!written) {
        return Fail(ErrorCode::kUnavailable, "Cannot write master key file '" + key_file + "'");
    }
    auto key = DecodeKey(encoded.Reveal(), "master key file '" + key_file + "'");
    if (!key) {
        return Fail(std::move(key.error()));
    }
    LoadedKeys loaded;
    loaded.created = true;
    loaded.keys.push_back(crypto::MasterKey{.id = 1, .key = std::move(*key)});
    return loaded;
}

}  // namespace junction::app
