# junction_add_library(<layer> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One layer = one STATIC library `junction_<layer>` with alias `junction::<layer>`.
function(junction_add_library layer)
    cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
    set(target junction_${layer})
    add_library(${target} STATIC ${ARG_SOURCES})
    add_library(junction::${layer} ALIAS ${target})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target}
        PUBLIC ${ARG_PUBLIC_DEPS}
        PRIVATE ${ARG_PRIVATE_DEPS} junction_warnings junction_sanitizers)
endfunction()

# junction_add_test(<name> SOURCES ... DEPS ... [LABELS ...] [ENV ...])
function(junction_add_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS;ENV" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock_main junction_warnings
                                          junction_sanitizers)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
        LABELS "${ARG_LABELS}"
        ENVIRONMENT "JUNCTION_TEST_BINARY_DIR=${PROJECT_BINARY_DIR};JUNCTION_TEST_SOURCE_DIR=${PROJECT_SOURCE_DIR};${ARG_ENV}")
endfunction()
