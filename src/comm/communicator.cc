// Implements: backend selection and the agreement helpers shared by backends.
#include "comm/communicator.h"

#include <limits>

#include "comm/comm_options.h"
#include "core/error.h"

namespace mnemo {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kFloat16: return 2;
    case DType::kBFloat16: return 2;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kFloat16: return "float16";
    case DType::kBFloat16: return "bfloat16";
  }
  return "?";
}

namespace {
class CompletedRequest final : public Request {
 public:
  void wait() override {}
};
}  // namespace

std::unique_ptr<Request> Communicator::allreduce_sum_async(void* data, std::size_t count, DType dtype) {
  allreduce_sum(data, count, dtype);
  return std::make_unique<CompletedRequest>();
}

void CommOptions::declare(OptionTable& t) {
  t.add_choice("backend", backend,
               {{"auto", BackendKind::kAuto}, {"mpi", BackendKind::kMpi}, {"nccl", BackendKind::kNccl},
                {"local", BackendKind::kLocal}},
               "Gradient all-reduce backend: mpi (CPU), nccl (GPU), local (1 rank); auto: nccl when a GPU is "
               "visible, local for 1 rank, else mpi")
      .result_neutral();
  t.add("comm-timeout", timeout_seconds, "Seconds a collective may wait before the watchdog ends the job, naming "
                                         "the ranks that never joined (0: off)")
      .in_range(0, 1e7)
      .result_neutral();
  t.add("debug-collectives", debug_collectives, "Cross-check every collective's (sequence, op, bytes) across ranks")
      .result_neutral();
}

const char* backend_name(BackendKind kind) {
  switch (kind) {
    case BackendKind::kAuto: return "auto";
    case BackendKind::kMpi: return "mpi";
    case BackendKind::kNccl: return "nccl";
    case BackendKind::kLocal: return "local";
  }
  return "?";
}

#ifdef MNEMO_HAVE_NCCL
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& control, int device);
#endif

std::unique_ptr<Communicator> make_communicator(BackendKind kind, Communicator& control,
                                                bool gpu_visible, int device) {
  if (kind == BackendKind::kAuto) {
    if (gpu_visible) {
      kind = BackendKind::kNccl;
    } else {
      kind = control.world_size() == 1 ? BackendKind::kLocal : BackendKind::kMpi;
    }
  }
  switch (kind) {
    case BackendKind::kLocal:
      if (control.world_size() != 1) {
        throw UsageError(with_hint("--backend local needs exactly 1 rank, but the job has " +
                                       std::to_string(control.world_size()),
                                   "use --backend mpi (CPU) or nccl (GPU) for multi-rank jobs"));
      }
      return make_local_communicator();
    case BackendKind::kMpi:
      return make_mpi_communicator();
    case BackendKind::kNccl:
#ifdef MNEMO_HAVE_NCCL
      if (!gpu_visible) {
        throw UsageError(with_hint("--backend nccl needs a visible CUDA GPU on every rank",
                                   "run on GPU nodes, or use --backend mpi"));
      }
      return make_nccl_communicator(control, device);
#else
      throw UsageError(with_hint("this mnemo was built without NCCL",
                                 "rebuild with -DMNEMO_WITH_NCCL=ON and CUDAToolkit_ROOT set"));
#endif
    case BackendKind::kAuto:
      break;
  }
  MNEMO_ASSERT(false, "unreachable backend kind");
}

bool all_ok(Communicator& comm, bool ok) {
  std::int32_t bad = ok ? 0 : 1;
  comm.allreduce_max(&bad, 1, DType::kInt32);
  return bad == 0;
}

int first_failed_rank(Communicator& comm, bool failed) {
  // max over (-rank) of failing ranks == -(min failing rank).
  std::int32_t v = failed ? -comm.rank() : std::numeric_limits<std::int32_t>::min();
  comm.allreduce_max(&v, 1, DType::kInt32);
  return v == std::numeric_limits<std::int32_t>::min() ? -1 : -v;
}

}  // namespace mnemo
