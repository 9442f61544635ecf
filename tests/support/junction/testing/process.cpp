#include "junction/testing/process.hpp"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "junction/testing/temp_dir.hpp"

namespace junction::testing {

std::string JunctionBinary() {
    const char* dir = std::getenv("JUNCTION_TEST_BINARY_DIR");  // NOLINT(concurrency-mt-unsafe)
    if (dir == nullptr) {
        throw std::runtime_error("JUNCTION_TEST_BINARY_DIR is not set (run through ctest)");
    }
    return std::string(dir) + "/src/junction/cli/junction";
}

std::string SourceDir() {
    const char* dir = std::getenv("JUNCTION_TEST_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
    if (dir == nullptr) {
        throw std::runtime_error("JUNCTION_TEST_SOURCE_DIR is not set (run through ctest)");
    }
    return dir;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& environment,
                           const std::string& working_dir,
                           const std::string& output_prefix)
    : out_file_(output_prefix + ".out"), err_file_(output_prefix + ".err") {
    std::vector<std::string> env_strings{"PATH=/usr/local/bin:/usr/bin:/bin"};
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TMPDIR"}) {
        if (const char* value = std::getenv(name)) {  // NOLINT(concurrency-mt-unsafe)
            env_strings.push_back(std::string(name) + "=" + value);
        }
    }
    for (const auto& [name, value] : environment) {
        env_strings.push_back(name + "=" + value);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& entry : env_strings) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        const int out = ::open(out_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = ::open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (::chdir(working_dir.c_str()) != 0) {
            _exit(127);
        }
        ::execve(args[0], args.data(), envp.data());
        _exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void ChildProcess::Signal(int signal) const {
    ::kill(pid_, signal);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exited_ = true;
            if (WIFEXITED(status)) {
                return WEXITSTATUS(status);
            }
            return 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string ChildProcess::Out() const {
    return ReadFile(out_file_);
}

std::string ChildProcess::Err() const {
    return ReadFile(err_file_);
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& environment,
                         const std::string& working_dir,
                         std::chrono::milliseconds timeout) {
    static std::atomic<int> counter{0};
    const std::string prefix = working_dir + "/.process-" + std::to_string(counter++);
    ChildProcess process(argv, environment, working_dir, prefix);
    ProcessResult result;
    result.exit_code = process.Wait(timeout).value_or(-1);
    result.out = process.Out();
    result.err = process.Err();
    return result;
}

}  // namespace junction::testing
