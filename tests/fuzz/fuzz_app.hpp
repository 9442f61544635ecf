#pragma once

// A real Junction Application for the fuzz targets that need the whole composition (the HTTP
// server's read path, MCP dispatch): SQLite and files in a fresh temporary directory, logs
// (errors only) in a file there. Created once per process and never destroyed (a target that
// runs the server stops its threads at exit); the directory is removed at exit.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "junction/app/application.hpp"
#include "junction/app/config_loader.hpp"

namespace junction::fuzz {

struct FuzzApp {
    std::string dir;
    app::Application* app = nullptr;  // leaked on purpose: lives until the process ends
    std::string admin_key;
};

/// Creates the application; `adjust` may change the configuration first. Aborts on failure
/// (the target cannot run at all).
inline FuzzApp MakeFuzzApp(const std::function<void(Config&)>& adjust) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "junction-fuzz-app.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        std::perror("mkdtemp");
        std::abort();
    }
    FuzzApp result{.dir = pattern};
    static std::string directory_to_remove;
    directory_to_remove = result.dir;
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(directory_to_remove, ignored);
    });
    const std::string config_file = result.dir + "/junction.yaml";
    std::ofstream(config_file) << "{}\n";
    const app::Environment environment{
        {"JUNCTION_LISTEN", "127.0.0.1:0"},
        {"JUNCTION_DATA_DIR", result.dir + "/data"},
        {"JUNCTION_LOG_LEVEL", "error"},
        {"JUNCTION_LOG_FILE", result.dir + "/junction.log"},
        {"JUNCTION_IO_THREADS", "1"},
        {"JUNCTION_BLOCKING_THREADS", "2"},
        {"JUNCTION_SHUTDOWN_GRACE_SECONDS", "0"},
    };
    auto loaded = app::LoadConfig(config_file, environment);
    if (!loaded) {
        std::fprintf(stderr, "fuzz app: %s\n", loaded.error().message.c_str());
        std::abort();
    }
    adjust(loaded->config);
    if (auto logging = app::ConfigureLogging(loaded->config); !logging) {
        std::fprintf(stderr, "fuzz app: %s\n", logging.error().message.c_str());
        std::abort();
    }
    auto created = app::Application::Create(std::move(*loaded));
    if (!created) {
        std::fprintf(stderr,
                     "fuzz app: %s %s\n",
                     created.error().message.c_str(),
                     created.error().detail.c_str());
        std::abort();
    }
    result.app = created->release();
    auto bootstrap = result.app->Bootstrap();
    if (!bootstrap) {
        std::fprintf(stderr, "fuzz app: %s\n", bootstrap.error().message.c_str());
        std::abort();
    }
    if (*bootstrap) {
        result.admin_key = std::string((*bootstrap)->Reveal());
    }
    return result;
}

}  // namespace junction::fuzz
