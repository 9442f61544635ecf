#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace junction::testing {

struct ProcessResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// The built `junction` binary ($JUNCTION_TEST_BINARY_DIR/src/junction/cli/junction).
[[nodiscard]] std::string JunctionBinary();

/// The source tree ($JUNCTION_TEST_SOURCE_DIR, set by ctest); throws when missing.
[[nodiscard]] std::string SourceDir();

/// A child process with a clean environment (PATH plus `environment`), stdout and stderr
/// captured in files. Killed on destruction if still running.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& environment,
                 const std::string& working_dir,
                 const std::string& output_prefix);
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess(ChildProcess&&) = delete;
    ChildProcess& operator=(ChildProcess&&) = delete;
    ~ChildProcess();

    void Signal(int signal) const;
    /// Exit code (128 + signal when killed), or nullopt on timeout.
    [[nodiscard]] std::optional<int> Wait(std::chrono::milliseconds timeout);
    [[nodiscard]] std::string Out() const;
    [[nodiscard]] std::string Err() const;

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    std::string out_file_;
    std::string err_file_;
};

/// Runs to completion (at most `timeout`).
[[nodiscard]] ProcessResult RunProcess(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& environment,
    const std::string& working_dir,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace junction::testing
