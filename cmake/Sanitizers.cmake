# ASan + UBSan for the `asan` preset (JUNCTION_SANITIZE=ON), as an INTERFACE target.
option(JUNCTION_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
# The `fuzz` preset (clang-14): every library also gets libFuzzer's coverage instrumentation
# (-fsanitize=fuzzer-no-link); only the targets of tests/fuzz link the fuzzer's main.
option(JUNCTION_BUILD_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)
add_library(junction_sanitizers INTERFACE)
if(JUNCTION_SANITIZE)
    set(_junction_san_flags -fsanitize=address,undefined -fno-sanitize-recover=all
                            -fno-omit-frame-pointer)
    target_compile_options(junction_sanitizers INTERFACE ${_junction_san_flags})
    target_link_options(junction_sanitizers INTERFACE ${_junction_san_flags})
endif()
if(JUNCTION_BUILD_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "JUNCTION_BUILD_FUZZ needs clang (the `fuzz` preset uses clang++-14)")
    endif()
    if(NOT JUNCTION_SANITIZE)
        message(FATAL_ERROR "JUNCTION_BUILD_FUZZ needs JUNCTION_SANITIZE=ON")
    endif()
    # clang 14's -fsanitize=function (part of UBSan there, not in GCC) cannot compile the
    # coroutines (split functions: "Cannot represent a difference across sections").
    target_compile_options(junction_sanitizers INTERFACE -fsanitize=fuzzer-no-link
                                                         -fno-sanitize=function)
    target_link_options(junction_sanitizers INTERFACE -fno-sanitize=function)
endif()
