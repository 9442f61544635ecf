# The project warning set (DESIGN.md §14), as an INTERFACE target every layer links.
add_library(junction_warnings INTERFACE)
target_compile_options(junction_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough -Wnull-dereference)
if(JUNCTION_WERROR)
    target_compile_options(junction_warnings INTERFACE -Werror)
endif()
target_compile_definitions(junction_warnings INTERFACE
    $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
    $<$<CONFIG:RelWithDebInfo,Release>:_FORTIFY_SOURCE=2>)
target_compile_options(junction_warnings INTERFACE
    $<$<CONFIG:RelWithDebInfo,Release>:-fstack-protector-strong>)
