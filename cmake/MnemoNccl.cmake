# Implements: finding NCCL and the CUDA runtime (nccl.h, cuda_runtime_api.h,
#   libnccl, libcudart) under NCCL_ROOT, CUDAToolkit_ROOT, $CUDA_HOME or
#   /usr/local/cuda, as the imported target mnemo_cuda_nccl. Used by the
#   build and by the installed mnemoConfig.cmake, so that exported targets
#   name the target, not this machine's paths. No target when not found.
set(_mnemo_cuda_hints ${CUDAToolkit_ROOT} $ENV{CUDA_HOME} /usr/local/cuda)
find_path(MNEMO_NCCL_INCLUDE_DIR nccl.h HINTS ${NCCL_ROOT} ${_mnemo_cuda_hints} PATH_SUFFIXES include)
find_path(MNEMO_CUDART_INCLUDE_DIR cuda_runtime_api.h HINTS ${_mnemo_cuda_hints} PATH_SUFFIXES include)
find_library(MNEMO_NCCL_LIBRARY nccl HINTS ${NCCL_ROOT} ${_mnemo_cuda_hints} PATH_SUFFIXES lib64 lib)
find_library(MNEMO_CUDART_LIBRARY cudart HINTS ${_mnemo_cuda_hints} PATH_SUFFIXES lib64 lib)
if(MNEMO_NCCL_INCLUDE_DIR AND MNEMO_CUDART_INCLUDE_DIR AND MNEMO_NCCL_LIBRARY AND MNEMO_CUDART_LIBRARY
   AND NOT TARGET mnemo_cuda_nccl)
  add_library(mnemo_cuda_nccl INTERFACE IMPORTED)
  target_include_directories(mnemo_cuda_nccl SYSTEM INTERFACE ${MNEMO_NCCL_INCLUDE_DIR} ${MNEMO_CUDART_INCLUDE_DIR})
  target_link_libraries(mnemo_cuda_nccl INTERFACE ${MNEMO_NCCL_LIBRARY} ${MNEMO_CUDART_LIBRARY})
endif()
