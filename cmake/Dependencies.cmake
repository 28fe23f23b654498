# Implements: discovery of every external dependency as an imported target.
#   Required: LibTorch, MPI, HDF5 (C), zlib, OpenSSL (SHA-256), spdlog,
#             nlohmann_json, yaml-cpp, CLI11 (header-only), GoogleTest.
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
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
if(MNEMO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

add_library(mnemo_hdf5 INTERFACE)
target_include_directories(mnemo_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
target_link_libraries(mnemo_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_compile_definitions(mnemo_hdf5 INTERFACE ${HDF5_C_DEFINITIONS} ${HDF5_DEFINITIONS})

set(MNEMO_HAVE_NCCL OFF)
if(MNEMO_WITH_NCCL)
  set(_cuda_hints ${CUDAToolkit_ROOT} $ENV{CUDA_HOME} /usr/local/cuda)
  find_path(MNEMO_NCCL_INCLUDE_DIR nccl.h HINTS ${NCCL_ROOT} ${_cuda_hints} PATH_SUFFIXES include)
  find_path(MNEMO_CUDART_INCLUDE_DIR cuda_runtime_api.h HINTS ${_cuda_hints} PATH_SUFFIXES include)
  find_library(MNEMO_NCCL_LIBRARY nccl HINTS ${NCCL_ROOT} ${_cuda_hints} PATH_SUFFIXES lib64 lib)
  find_library(MNEMO_CUDART_LIBRARY cudart HINTS ${_cuda_hints} PATH_SUFFIXES lib64 lib)
  if(MNEMO_NCCL_INCLUDE_DIR AND MNEMO_CUDART_INCLUDE_DIR AND MNEMO_NCCL_LIBRARY AND MNEMO_CUDART_LIBRARY)
    add_library(mnemo_nccl INTERFACE)
    target_include_directories(mnemo_nccl SYSTEM INTERFACE ${MNEMO_NCCL_INCLUDE_DIR} ${MNEMO_CUDART_INCLUDE_DIR})
    target_link_libraries(mnemo_nccl INTERFACE ${MNEMO_NCCL_LIBRARY} ${MNEMO_CUDART_LIBRARY})
    set(MNEMO_HAVE_NCCL ON)
    message(STATUS "mnemo: NCCL backend ON (${MNEMO_NCCL_LIBRARY})")
  else()
    message(WARNING "mnemo: NCCL or the CUDA runtime was not found; the nccl backend is OFF. "
                    "Set CUDAToolkit_ROOT (and NCCL_ROOT if NCCL lives elsewhere), "
                    "or pass -DMNEMO_WITH_NCCL=OFF to silence this.")
  endif()
endif()
