// Implements: NodeSharedSum, the MPI backend's in-place float32 sum for
//   large buffers, through a memory window shared by the ranks of a node.
//
//   Rationale. Open MPI's MPI_Allreduce between processes of one node moves
//   a 358 KB gradient at ~2 GB/s here (pipelined copies through its
//   shared-memory transport and a separate reduction pass). Processes of a
//   node can instead read each other's buffers directly:
//     1. each rank copies its buffer into its slot of the window;
//     2. barrier; rank r sums block r of every slot, in rank order, and
//        (across nodes) all-reduces that block with the ranks of the same
//        local rank on the other nodes; it publishes the block;
//     3. barrier; each rank copies every other rank's block.
//   Each element is summed once, by one rank, in a fixed order, so the
//   result is bitwise the same on every rank and in every run. Slots are
//   double-buffered, so two barriers per sum suffice: a rank can rewrite a
//   slot only after every rank has finished reading it. Buffers over 1 MiB
//   go in 1 MiB pieces, which stay in cache.
//   Used when every node runs the same number of ranks (the cross-node
//   step pairs equal local ranks); otherwise MpiCommunicator keeps
//   MPI_Allreduce. MNEMO_SHM_SUM=0 turns it off. MNEMO_SIMULATED_NODES=K
//   splits one machine's ranks into K nodes, so the cross-node step runs
//   (and is tested) without a cluster.
#pragma once

#include <mpi.h>

#include <cstddef>

namespace mnemo {

/// The ranks of `comm` on this rank's node (MPI_COMM_TYPE_SHARED), or, with
/// MNEMO_SIMULATED_NODES=K, on its simulated node of consecutive ranks.
/// Collective over `comm`.
MPI_Comm split_by_node(MPI_Comm comm);

class NodeSharedSum {
 public:
  /// Collective over `comm`: every rank, together.
  explicit NodeSharedSum(MPI_Comm comm);
  ~NodeSharedSum();
  NodeSharedSum(const NodeSharedSum&) = delete;
  NodeSharedSum& operator=(const NodeSharedSum&) = delete;

  /// False when nodes hold different numbers of ranks, one rank each, or a
  /// rank has MNEMO_SHM_SUM=0 (agreed by all ranks).
  bool usable() const { return usable_; }
  /// In-place sum of `n` floats over every rank of the communicator. All
  /// ranks, same n, same order.
  void sum(float* data, std::size_t n);

 private:
  void sum_piece(float* data, std::size_t n);
  void reserve(std::size_t n);  // collective: (re)allocates the window
  float* slot(int parity, int local) const;

  MPI_Comm node_ = MPI_COMM_NULL, cross_ = MPI_COMM_NULL;
  int local_rank_ = 0, local_size_ = 1, nodes_ = 1;
  bool usable_ = false;
  MPI_Win window_ = MPI_WIN_NULL;
  float* base_ = nullptr;     // the node's window, as mapped in this process
  std::size_t capacity_ = 0;  // floats per slot
  int parity_ = 0;
};

}  // namespace mnemo
