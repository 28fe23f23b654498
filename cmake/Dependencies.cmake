# Implements: discovery of every external dependency as an imported target.
#   Required: LibTorch, MPI, HDF5 (C), zlib, OpenSSL (SHA-256), spdlog,
#             nlohmann_json, yaml-cpp, CLI11 (header-only), libzip (.npz),
#             libcsv (CSV sources), GoogleTest.
#   Optional: CUDA runtime + NCCL (MNEMO_WITH_NCCL), found under CUDAToolkit_ROOT
#             or /usr/local/cuda; a missing one names the variable to set.
find_package(Torch REQUIRED)
if(MNEMO_CXX_STANDARD)
  set(CMAKE_CXX_STANDARD ${MNEMO_CXX_STANDARD})
elseif(Torch_VERSION VERSION_GREATER_EQUAL 2.12)
  set(CMAKE_CXX_STANDARD 20)  # its headers stop at "#error C++20 or later ... required"
else()
  set(CMAKE_CXX_STANDARD 17)
endif()
message(STATUS "mnemo: LibTorch ${Torch_VERSION}, C++${CMAKE_CXX_STANDARD}")
# TORCH_LIBRARIES names some libraries by path (libc10.so); use LibTorch's
# imported targets of the same names instead, so that mnemo's exported
# targets carry no path of the machine that built them.
set(MNEMO_TORCH_LIBRARIES)
foreach(_lib ${TORCH_LIBRARIES})
  get_filename_component(_name "${_lib}" NAME_WE)
  string(REGEX REPLACE "^lib" "" _name "${_name}")
  if(IS_ABSOLUTE "${_lib}" AND TARGET ${_name})
    list(APPEND MNEMO_TORCH_LIBRARIES ${_name})
  else()
    list(APPEND MNEMO_TORCH_LIBRARIES ${_lib})
  endif()
endforeach()
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
# libcsv ships no CMake config, and Debian's libzip config names tools of
# another package (zipcmp): both are found as plain C libraries and linked
# by name, so that exported targets hold no path of the build machine.
foreach(_lib csv zip)
  string(TOUPPER ${_lib} _up)
  find_path(MNEMO_${_up}_INCLUDE_DIR ${_lib}.h)
  find_library(MNEMO_${_up}_LIBRARY ${_lib})
  if(NOT MNEMO_${_up}_INCLUDE_DIR OR NOT MNEMO_${_up}_LIBRARY)
    message(FATAL_ERROR "mnemo: lib${_lib} was not found (${_lib}.h, lib${_lib}.so): apt-get install lib${_lib}-dev")
  endif()
  add_library(mnemo_lib${_lib} INTERFACE)
  target_include_directories(mnemo_lib${_lib} INTERFACE $<BUILD_INTERFACE:${MNEMO_${_up}_INCLUDE_DIR}>)
  target_link_libraries(mnemo_lib${_lib} INTERFACE ${_lib})
endforeach()
if(MNEMO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

add_library(mnemo_hdf5 INTERFACE)  # FindHDF5's imported target: found again by mnemoConfig.cmake
target_link_libraries(mnemo_hdf5 INTERFACE HDF5::HDF5)

set(MNEMO_HAVE_NCCL OFF)
if(MNEMO_WITH_NCCL)
  include(${PROJECT_SOURCE_DIR}/cmake/MnemoNccl.cmake)  # mnemo_cuda_nccl, also used by mnemoConfig.cmake
  if(TARGET mnemo_cuda_nccl)
    add_library(mnemo_nccl INTERFACE)
    target_link_libraries(mnemo_nccl INTERFACE mnemo_cuda_nccl)
    set(MNEMO_HAVE_NCCL ON)
    message(STATUS "mnemo: NCCL backend ON (${MNEMO_NCCL_LIBRARY})")
  else()
    message(WARNING "mnemo: NCCL or the CUDA runtime was not found; the nccl backend is OFF. "
                    "Set CUDAToolkit_ROOT (and NCCL_ROOT if NCCL lives elsewhere), "
                    "or pass -DMNEMO_WITH_NCCL=OFF to silence this.")
  endif()
endif()
