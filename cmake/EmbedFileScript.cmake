# Script mode helper for junction_embed_file: writes the bytes as a hex char array.
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; do not edit.\n#include <string_view>\n"
    "namespace ${NS} {\nnamespace {\nconstexpr char kBytes[] = {${bytes} '\\0'};\n}  // namespace\n"
    "extern const std::string_view ${SYMBOL};\n"
    "const std::string_view ${SYMBOL}{kBytes, ${byte_count}};\n}  // namespace ${NS}\n")
