// Implements: every environment variable mnemo reads, named in one place.
//   Launch facts (rank, local rank) come from MPI itself
//   (MPI_Comm_rank, MPI_Comm_split_type), never from launcher variables;
//   NCCL reads its own NCCL_* variables (NCCL_DEBUG, NCCL_SOCKET_IFNAME, ...).
#pragma once

#include <string>

namespace mnemo::env {

inline constexpr const char* kPython = "MNEMO_PYTHON";            ///< interpreter for report plots
inline constexpr const char* kPlotScript = "MNEMO_PLOT_SCRIPT";   ///< mnemo_plot_report.py location
inline constexpr const char* kSlurmStepTasks = "SLURM_STEP_NUM_TASKS";  ///< tasks of the srun step
inline constexpr const char* kSlurmJobId = "SLURM_JOB_ID";
inline constexpr const char* kProgressTty = "MNEMO_PROGRESS_TTY";  ///< 1: the launcher's stderr is a terminal
inline constexpr const char* kBlas = "MNEMO_BLAS";  ///< keep: leave OpenBLAS's own kernel choice (see blas_kernels.h)
inline constexpr const char* kOpenblasCoretype = "OPENBLAS_CORETYPE";  ///< OpenBLAS's kernel override (the user's)
inline constexpr const char* kShmSum = "MNEMO_SHM_SUM";  ///< 0: large float sums use MPI_Allreduce, not node shared memory
/// Seconds MPI_Init and MPI_Finalize may take before a rank ends itself
/// (default 300; 0: no limit); `train` bounds MPI_Finalize by --comm-timeout.
inline constexpr const char* kMpiTimeout = "MNEMO_MPI_TIMEOUT";
/// K > 1: treat the ranks as K nodes of consecutive ranks (rank r on node
/// r*K/N) instead of asking MPI which share memory, so the cross-node path of
/// the node-shared-memory sum runs on one machine (tests; 2 x 2 on 4 ranks).
inline constexpr const char* kSimulatedNodes = "MNEMO_SIMULATED_NODES";
/// Fault injection for tests: "init:R" or "finalize:R" makes the rank whose
/// launcher rank (OMPI_COMM_WORLD_RANK) is R stop itself (SIGSTOP) just
/// before MPI_Init or MPI_Finalize.
inline constexpr const char* kTestFreeze = "MNEMO_TEST_FREEZE";

/// The variable's value, or `fallback` when unset or empty.
std::string get(const char* name, const std::string& fallback = "");

/// Under srun, the step's task count must equal MPI's world size: srun
/// without a working PMI starts N independent rank-0 processes. Throws
/// UsageError otherwise (identically on every rank).
void check_launch(int world_size);

}  // namespace mnemo::env
