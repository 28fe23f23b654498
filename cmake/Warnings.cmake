# Implements: the INTERFACE target that carries mnemo's warning flags.
add_library(mnemo_warnings INTERFACE)
target_compile_options(mnemo_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)
