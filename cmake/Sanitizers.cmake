# ASan + UBSan for the `asan` preset (JUNCTION_SANITIZE=ON), as an INTERFACE target.
option(JUNCTION_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
add_library(junction_sanitizers INTERFACE)
if(JUNCTION_SANITIZE)
    set(_junction_san_flags -fsanitize=address,undefined -fno-sanitize-recover=all
                            -fno-omit-frame-pointer)
    target_compile_options(junction_sanitizers INTERFACE ${_junction_san_flags})
    target_link_options(junction_sanitizers INTERFACE ${_junction_san_flags})
endif()
