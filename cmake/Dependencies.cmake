# Third-party code only through imported targets (DESIGN.md §14). All from Debian 12 packages,
# installed by scripts/setup.sh.
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tl-expected REQUIRED)
find_package(Threads REQUIRED)
find_package(CURL 7.85 REQUIRED)  # CURLOPT_PROTOCOLS_STR; CURLOPT_PREREQFUNCTION is 7.80
find_package(ZLIB REQUIRED)  # gzip and deflate bodies of the plain-HTTP client

# jemalloc replaces glibc's malloc in the `junction` binary: under load glibc's allocator
# (fastbin consolidation, arena locks) was 12% of an execute's CPU, jemalloc's is 6%
# (bench/RESULTS.md, the jemalloc entry). Not under sanitizers, which bring their own.
option(JUNCTION_JEMALLOC "Link jemalloc as the server's allocator (ignored with JUNCTION_SANITIZE)" ON)
if(JUNCTION_JEMALLOC AND NOT JUNCTION_SANITIZE)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
if(JUNCTION_BUILD_TESTS)
    find_package(GTest REQUIRED)
endif()

# valijson is header-only; scripts/setup.sh unpacks Debian's package into build/_deps.
find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp
    PATHS ${PROJECT_SOURCE_DIR}/build/_deps/valijson/usr/include /usr/include
    NO_DEFAULT_PATH)
if(NOT VALIJSON_INCLUDE_DIR)
    message(FATAL_ERROR "valijson not found: run scripts/setup.sh")
endif()
add_library(valijson INTERFACE IMPORTED)
set_target_properties(valijson PROPERTIES
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${VALIJSON_INCLUDE_DIR}
    INTERFACE_INCLUDE_DIRECTORIES ${VALIJSON_INCLUDE_DIR}
    INTERFACE_COMPILE_DEFINITIONS VALIJSON_USE_EXCEPTIONS=1)
