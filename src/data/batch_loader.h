// Implements: streaming a rank's samples in batches, with bounded memory and
//   a background prefetch thread.
//
//   The rows to read are a list of segments (a task's split, a row range),
//   numbered one after the other as [0, n). An epoch visits them in a
//   seeded order made of windows: with k = ceil(n / W) windows, window j
//   holds the j-th of k equal parts of every segment (so a window of a
//   cumulative or joint run mixes every task), the windows are visited in a
//   shuffled order and the rows within each window are shuffled. Only the
//   window being consumed is
//   in memory, plus the next one, which a thread reads ahead while the
//   consumer cuts batches from the current one (one hyperslab read per
//   window and shard); memory is bounded by 2 W rows whatever the task size. When W >= n this is a full shuffle. The order is a pure function
//   of (rows, W, seed), so the batches are the same whatever the thread
//   timing, and an epoch can start at any batch (mid-epoch resume).
//
//   Rank-local input: a loader given a Share (this rank's block of every
//   batch, block_range(batch size, parts, index)) reads every label of a
//   window but only the images of its share's rows, by file offset
//   (StreamReader::read_images); the global batch is the same whatever the
//   share. Memory is then bounded by 2 W / parts images per rank.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "data/sharding.h"
#include "data/stream_reader.h"

namespace mnemo::data {

struct Segment {
  std::int64_t task = 0;
  Range rows;  ///< rows of the task's split
};

/// The visiting order of one epoch over the rows of segments of `sizes`.
struct EpochOrder {
  std::vector<std::int64_t> rows;   ///< position -> row (segments numbered one after the other)
  std::vector<std::int64_t> local;  ///< position -> index of the row within its window's rows
  std::vector<std::vector<Range>> windows;  ///< each window's row ranges, in visiting order
  static std::int64_t size(const std::vector<Range>& window);
};
/// `shuffle` empty: windows and rows in order (evaluation).
EpochOrder epoch_order(const std::vector<std::int64_t>& sizes, std::int64_t window, std::optional<Rng> shuffle);
inline EpochOrder epoch_order(std::int64_t n, std::int64_t window, std::optional<Rng> shuffle) {
  return epoch_order(std::vector<std::int64_t>{n}, window, std::move(shuffle));
}

/// One window as read: every row's label, and the images of the rows asked for.
struct WindowRows {
  std::vector<std::int64_t> labels;   ///< every row of the window, in window order
  std::vector<std::uint8_t> images;   ///< the rows read, one after the other
  std::vector<std::int32_t> image_at; ///< window row -> its place in images (-1: not read); empty: every row, in order
  std::int64_t bytes = 0;             ///< read from the stream
};

/// Where a row of a global batch comes from.
struct StreamRow {
  std::int64_t task = 0;
  std::int64_t row = 0;  ///< of the task's split
};

/// A global batch as one rank holds it: every row's label and source, and
/// the images of its share.
struct LoadedBatch {
  std::vector<std::int64_t> labels;  ///< every row of the global batch
  std::vector<StreamRow> sources;    ///< every row's place in the stream
  Range share;                       ///< this rank's rows of the batch
  std::vector<std::uint8_t> images;  ///< the share's samples, one after the other
  std::int64_t count() const { return static_cast<std::int64_t>(labels.size()); }
};

/// The newest window read through it, shared by a run's successive loaders:
/// when the next epoch needs the same rows (a task that fits in one window),
/// its loader takes that window instead of reading the shards again. It
/// holds one window, the newest, which some loader holds anyway while it
/// consumes it; the memo keeps it until the next read (or its own end).
class WindowMemo {
 public:
  using Block = std::shared_ptr<const WindowRows>;
  /// The memo's block if its key is `key` (waiting for a read of it in
  /// progress), else read()'s, which becomes the memo's.
  Block get(const std::string& key, const std::function<WindowRows()>& read);
  /// How many times get() called read().
  std::int64_t reads() const;

 private:
  mutable std::mutex mutex_;
  std::string key_;
  std::shared_future<Block> value_;
  std::int64_t reads_ = 0;  // also names the entry: a failed read clears only its own
};

class BatchLoader {
 public:
  /// This rank's part of every batch: block_range(batch size, parts, index).
  struct Share {
    int parts = 1;
    int index = 0;
  };
  struct Options {
    std::int64_t window = 16384;   ///< rows per read window (the shuffle window)
    std::optional<Rng> shuffle;    ///< seeded shuffle; empty: rows in order
    bool background = true;        ///< read windows ahead in a thread (else on demand in next())
    std::shared_ptr<WindowMemo> memo;  ///< shared with the next epoch's loader (whole windows only); empty: none
    Share share;                   ///< whose images to read; parts 1: every row's
  };

  /// Starts reading the windows that `batches` (ranges of positions in the
  /// epoch order, increasing) need. `stream` must outlive the loader.
  BatchLoader(const StreamReader& stream, Split split, std::vector<Segment> segments, std::vector<Range> batches,
              Options options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  /// The next batch, in order; empty after the last. Rethrows the reading
  /// thread's error (InputError naming the file and row).
  std::optional<LoadedBatch> next();
  /// Seconds next() spent waiting for the reader.
  double wait_seconds() const { return wait_seconds_; }
  std::int64_t rows() const { return total_rows_; }
  /// Bytes of samples and labels read from the stream so far (a window
  /// taken from the memo: none).
  std::int64_t bytes_read() const { return bytes_read_.load(); }

 private:
  using Block = WindowMemo::Block;
  Block read_window(std::size_t w) const;
  WindowRows read_rows(std::size_t w) const;
  std::vector<std::int64_t> wanted(std::size_t w) const;  // window w's rows whose images the share needs, increasing
  StreamRow source(std::int64_t row) const;                // of a row of the segments numbered one after the other
  void read_ahead();      // the thread: windows first_window_.. in order, one ahead of the consumer
  Block take_window(std::size_t index);  // the consumer's next window

  const StreamReader& stream_;
  Split split_;
  std::vector<Segment> segments_;
  std::vector<Range> batches_;
  Options options_;
  std::int64_t total_rows_ = 0;
  std::int64_t sample_size_ = 0;
  EpochOrder order_;
  std::vector<std::int64_t> window_begins_;  // each window's first position
  mutable std::atomic<std::int64_t> bytes_read_{0};
  std::size_t first_window_ = 0, end_window_ = 0;  // windows the batches touch, in visiting order

  // Consumer state.
  std::size_t next_batch_ = 0;
  std::size_t window_index_ = 0;  // index of window_ in visiting order (valid when loaded_)
  bool loaded_ = false;
  std::int64_t window_begin_ = 0, window_end_ = 0;  // window_'s positions
  Block window_;
  double wait_seconds_ = 0;

  // Shared with the reading thread.
  std::mutex mutex_;
  std::condition_variable changed_;
  Block ready_;  // window ready_index_, read ahead (empty: none yet)
  std::size_t ready_index_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace mnemo::data
