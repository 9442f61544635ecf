# junction_embed_file(<out_cpp> <namespace> <symbol> <input>)
# Generates a .cpp defining `extern const std::string_view <namespace>::<symbol>` holding the
# file's bytes, so migrations and the API document ship inside the binary.
function(junction_embed_file out_cpp ns symbol input)
    add_custom_command(
        OUTPUT ${out_cpp}
        COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out_cpp} -DNS=${ns} -DSYMBOL=${symbol}
                -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
        DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
        COMMENT "Embedding ${input}")
endfunction()
