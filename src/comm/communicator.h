// Implements: the one collective API every backend provides.
//   Backends: mpi (CPU buffers), nccl (GPU buffers; bootstrapped over MPI),
//   local (world size 1). The API takes raw buffers, not tensors, so comm
//   depends on nothing but core and the backend libraries.
//   Every collective must be called by all ranks, in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mnemo {

enum class DType { kFloat32, kFloat64, kInt32, kInt64, kFloat16, kBFloat16 };

std::size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <> constexpr DType dtype_of<double>() { return DType::kFloat64; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::kInt32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::kInt64; }

/// Where a backend's buffers must live. Device buffers: a collective is
/// ordered after the work already enqueued on the CUDA legacy default
/// stream (where LibTorch writes them), and the result is in place when the
/// call (or Request::wait) returns; callers need no device synchronisation.
enum class BufferPlace { kHost, kDevice };

/// An asynchronous collective in flight; wait() completes it.
class Request {
 public:
  virtual ~Request() = default;
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  /// Rank among the processes on this node (MPI_Comm_split_type SHARED).
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  virtual std::string backend() const = 0;
  virtual BufferPlace buffer_place() const = 0;
  /// True when async collectives progress on their own (overlap pays off).
  virtual bool asynchronous() const { return false; }

  /// In-place elementwise sum over all ranks. All ranks, same order.
  virtual void allreduce_sum(void* data, std::size_t count, DType dtype) = 0;
  /// Starts an in-place sum; the buffer must stay untouched until wait().
  /// All ranks, same order. The default runs it synchronously.
  virtual std::unique_ptr<Request> allreduce_sum_async(void* data, std::size_t count, DType dtype);
  /// In-place elementwise max over all ranks. All ranks, same order.
  virtual void allreduce_max(void* data, std::size_t count, DType dtype) = 0;
  /// Copies root's buffer to every rank. All ranks, same order.
  virtual void broadcast(void* data, std::size_t count, DType dtype, int root) = 0;
  /// Sums into root's buffer; other ranks' buffers are left as they were.
  virtual void reduce_sum(void* data, std::size_t count, DType dtype, int root) = 0;
  /// Every rank's `count` elements of `send`, concatenated in rank order
  /// into `recv` (world_size() * count elements; `send` and `recv` must
  /// not overlap). All ranks, same order, same count.
  virtual void allgather(const void* send, void* recv, std::size_t count, DType dtype) = 0;
  virtual void barrier() = 0;
  /// Tears the whole job down (every rank), for errors after training began.
  [[noreturn]] virtual void abort(int exit_code) = 0;

  template <class T> void allreduce_sum(std::vector<T>& v) {
    allreduce_sum(v.data(), v.size(), dtype_of<T>());
  }
  template <class T> void reduce_sum(std::vector<T>& v, int root) {
    reduce_sum(v.data(), v.size(), dtype_of<T>(), root);
  }
  template <class T> void broadcast(std::vector<T>& v, int root) {
    broadcast(v.data(), v.size(), dtype_of<T>(), root);
  }
  /// Every rank's `value`, in rank order. All ranks, same order.
  template <class T> std::vector<T> allgather(const T& value) {
    std::vector<T> all(static_cast<std::size_t>(world_size()));
    allgather(&value, all.data(), 1, dtype_of<T>());
    return all;
  }
};

enum class BackendKind { kAuto, kMpi, kNccl, kLocal };

const char* backend_name(BackendKind kind);

/// Owns MPI's lifetime: MPI_Init_thread on construction, MPI_Finalize on
/// destruction. Create exactly one, first thing in main.
/// MPI_Init and MPI_Finalize each run under a Deadline (MNEMO_MPI_TIMEOUT,
/// default 300 s): a rank frozen before either never leaves the others
/// waiting forever (they end with kExitInternal and the launcher tears the
/// job down).
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  /// Bounds MPI_Finalize by `seconds` instead (train: its --comm-timeout).
  static void set_finalize_timeout(double seconds);
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

/// The MPI communicator over MPI_COMM_WORLD (a duplicate). Requires an MpiSession.
std::unique_ptr<Communicator> make_mpi_communicator();
/// A world-size-1 communicator; collectives are identities.
std::unique_ptr<Communicator> make_local_communicator();
/// Creates the gradient communicator for `kind`. `control` must outlive the
/// result (nccl bootstraps over it). kAuto picks nccl when a GPU is visible,
/// local when the world has one rank, else mpi. `device` is the CUDA device.
std::unique_ptr<Communicator> make_communicator(BackendKind kind, Communicator& control,
                                                bool gpu_visible, int device);

/// True when every rank passed `ok`. All ranks, same order.
bool all_ok(Communicator& comm, bool ok);
/// Lowest rank whose `failed` is true, or -1 when none. All ranks, same order.
int first_failed_rank(Communicator& comm, bool failed);

}  // namespace mnemo
