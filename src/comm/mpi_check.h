// Implements: MNEMO_MPI_CHECK, which turns an MPI error code into an Error
//   naming the call, file:line, rank, host and MPI's own error string.
#pragma once

#include <mpi.h>

#include <string>

namespace mnemo {
[[noreturn]] void throw_mpi_error(int code, const char* call, const char* file, int line);
}

#define MNEMO_MPI_CHECK(call)                                                  \
  do {                                                                         \
    int mnemo_mpi_rc_ = (call);                                                \
    if (mnemo_mpi_rc_ != MPI_SUCCESS)                                          \
      ::mnemo::throw_mpi_error(mnemo_mpi_rc_, #call, __FILE__, __LINE__);      \
  } while (0)
