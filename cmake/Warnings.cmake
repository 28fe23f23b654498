# Implements: the INTERFACE target that carries mnemo's warning flags;
#   MNEMO_WERROR (the ci preset) makes them errors.
add_library(mnemo_warnings INTERFACE)
target_compile_options(mnemo_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)
if(MNEMO_WERROR)
  target_compile_options(mnemo_warnings INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-Werror>)
endif()
