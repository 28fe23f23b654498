// Implements: ReplayBuffer and its policies.
#include "replay/replay_buffer.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/error.h"
#include "data/sharding.h"

namespace mnemo::replay {

std::int64_t local_share(std::int64_t global, int world_size, int rank) {
  return data::block_range(global, world_size, rank).size();
}

Policy parse_policy(const std::string& name) {
  if (name == "reservoir") return Policy::kReservoir;
  if (name == "class-balanced") return Policy::kClassBalanced;
  if (name == "ring") return Policy::kRing;
  throw UsageError(with_hint("unknown replay policy '" + name + "'", "use reservoir, class-balanced or ring"));
}

const char* policy_name(Policy policy) {
  switch (policy) {
    case Policy::kReservoir: return "reservoir";
    case Policy::kClassBalanced: return "class-balanced";
    case Policy::kRing: return "ring";
  }
  return "?";
}

ReplayBuffer::ReplayBuffer(const BufferGeometry& g, Policy policy, std::uint64_t seed)
    : g_(g), policy_(policy), rng_(seed) {
  MNEMO_ASSERT(g.capacity >= 0 && g.sample_size > 0 && g.logit_size >= 0 && g.num_tasks >= 1 &&
                   g.world_size >= 1 && g.rank >= 0 && g.rank < g.world_size,
               "bad replay buffer geometry");
  images_.resize(static_cast<std::size_t>(local_capacity() * g.sample_size));
  logits_.resize(static_cast<std::size_t>(local_capacity() * g.logit_size));
  labels_.assign(static_cast<std::size_t>(g.capacity), -1);
  tasks_.assign(static_cast<std::size_t>(g.capacity), -1);
  ring_next_.assign(static_cast<std::size_t>(g.num_tasks), 0);
  ring_fill_.assign(static_cast<std::size_t>(g.num_tasks), 0);
}

std::int64_t ReplayBuffer::local_capacity() const { return local_share(g_.capacity, g_.world_size, g_.rank); }

std::int64_t ReplayBuffer::local_size() const {
  std::int64_t n = 0;
  for (auto s : filled_slots()) n += owns(s) ? 1 : 0;
  return n;
}

const std::uint8_t* ReplayBuffer::image(std::int64_t slot) const {
  MNEMO_ASSERT(owns(slot), "image() of a slot another rank stores");
  return images_.data() + local_index(slot) * g_.sample_size;
}

const float* ReplayBuffer::logits(std::int64_t slot) const {
  MNEMO_ASSERT(owns(slot), "logits() of a slot another rank stores");
  return logits_.data() + local_index(slot) * g_.logit_size;
}

void ReplayBuffer::store(std::int64_t slot, const std::uint8_t* image, const float* logits) {
  MNEMO_ASSERT(owns(slot), "store() into a slot another rank stores");
  std::copy_n(image, g_.sample_size, images_.begin() + local_index(slot) * g_.sample_size);
  if (g_.logit_size > 0) {
    MNEMO_ASSERT(logits != nullptr, "this replay buffer stores logits: pass them");
    std::copy_n(logits, g_.logit_size, logits_.begin() + local_index(slot) * g_.logit_size);
  }
}

// A slot of the largest class, or -1 when `label`'s class is already the largest.
std::int64_t ReplayBuffer::class_balanced_slot(std::int64_t label) {
  std::map<std::int64_t, std::int64_t> counts;
  for (std::int64_t s = 0; s < size_; ++s) ++counts[labels_[s]];
  std::int64_t largest = label, most = counts[label];
  for (const auto& [c, n] : counts) {
    if (n > most) {
      largest = c;
      most = n;
    }
  }
  if (largest == label) return -1;
  const auto pick = static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(most)));
  for (std::int64_t s = 0, seen = 0; s < size_; ++s) {
    if (labels_[s] == largest && seen++ == pick) return s;
  }
  return -1;
}

// Task t owns slots [t*k, (t+1)*k) with k = capacity / tasks (FIFO within).
std::int64_t ReplayBuffer::ring_slot(std::int64_t task) {
  const std::int64_t k = g_.capacity / g_.num_tasks;
  if (k == 0 || task < 0 || task >= g_.num_tasks) return -1;
  auto& next = ring_next_[static_cast<std::size_t>(task)];
  auto& fill = ring_fill_[static_cast<std::size_t>(task)];
  const std::int64_t slot = task * k + next;
  next = (next + 1) % k;
  fill = std::min(k, fill + 1);
  return slot;
}

std::int64_t ReplayBuffer::offer(std::int64_t label, std::int64_t task) {
  ++seen_;
  if (g_.capacity == 0) return -1;
  std::int64_t slot = -1;
  switch (policy_) {
    case Policy::kReservoir:
      if (size_ < g_.capacity) {
        slot = size_++;
      } else {
        const auto j = static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(seen_)));
        if (j < g_.capacity) slot = j;
      }
      break;
    case Policy::kClassBalanced:
      slot = size_ < g_.capacity ? size_++ : class_balanced_slot(label);
      break;
    case Policy::kRing:
      slot = ring_slot(task);
      // Ring slots are sparse; size_ counts the filled ones.
      size_ = std::accumulate(ring_fill_.begin(), ring_fill_.end(), std::int64_t{0});
      break;
  }
  if (slot >= 0) {
    labels_[static_cast<std::size_t>(slot)] = label;
    tasks_[static_cast<std::size_t>(slot)] = task;
  }
  return slot;
}

void ReplayBuffer::add(const std::uint8_t* image, std::int64_t label, std::int64_t task, const float* logits) {
  const std::int64_t slot = offer(label, task);
  if (slot >= 0 && owns(slot)) store(slot, image, logits);
}

std::vector<std::int64_t> ReplayBuffer::filled_slots() const {
  std::vector<std::int64_t> slots;
  if (policy_ == Policy::kRing) {
    const std::int64_t k = g_.capacity / g_.num_tasks;
    for (std::int64_t t = 0; t < g_.num_tasks; ++t) {
      for (std::int64_t i = 0; i < ring_fill_[static_cast<std::size_t>(t)]; ++i) slots.push_back(t * k + i);
    }
  } else {
    slots.resize(static_cast<std::size_t>(size_));
    std::iota(slots.begin(), slots.end(), 0);
  }
  return slots;
}

std::vector<std::int64_t> ReplayBuffer::sample(std::int64_t n) {
  std::vector<std::int64_t> slots = filled_slots();
  const auto total = static_cast<std::int64_t>(slots.size());
  n = std::min(n, total);
  for (std::int64_t i = 0; i < n; ++i) {  // partial Fisher-Yates: n distinct, uniform
    const auto j = i + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(total - i)));
    std::swap(slots[i], slots[j]);
  }
  slots.resize(static_cast<std::size_t>(n));
  return slots;
}

std::vector<Sample> ReplayBuffer::samples() const {
  std::vector<Sample> out;
  for (const std::int64_t s : filled_slots()) {
    if (!owns(s)) continue;
    Sample x;
    x.slot = s;
    x.image.assign(image(s), image(s) + g_.sample_size);
    x.label = label(s);
    x.task = task(s);
    if (g_.logit_size > 0) x.logits.assign(logits(s), logits(s) + g_.logit_size);
    out.push_back(std::move(x));
  }
  return out;
}

BufferState ReplayBuffer::state() const { return {seen_, rng_.state(), ring_next_}; }

void ReplayBuffer::restore(const std::vector<Sample>& all, const BufferState& state) {
  std::fill(labels_.begin(), labels_.end(), -1);
  std::fill(tasks_.begin(), tasks_.end(), -1);
  std::fill(ring_fill_.begin(), ring_fill_.end(), 0);
  std::vector<bool> taken(static_cast<std::size_t>(g_.capacity), false);
  const std::int64_t k = g_.capacity / g_.num_tasks;
  for (const auto& x : all) {
    if (x.slot < 0 || x.slot >= g_.capacity || taken[static_cast<std::size_t>(x.slot)]) {
      throw InputError("replay memory: slot " + std::to_string(x.slot) + " is outside [0, " +
                       std::to_string(g_.capacity) + ") or stored twice");
    }
    if (static_cast<std::int64_t>(x.image.size()) != g_.sample_size ||
        static_cast<std::int64_t>(x.logits.size()) != (g_.logit_size > 0 ? g_.logit_size : 0)) {
      throw InputError("replay memory: a sample's image or logits have the wrong size");
    }
    taken[static_cast<std::size_t>(x.slot)] = true;
    labels_[static_cast<std::size_t>(x.slot)] = x.label;
    tasks_[static_cast<std::size_t>(x.slot)] = x.task;
    if (policy_ == Policy::kRing) {
      if (k == 0 || x.slot / k >= g_.num_tasks || x.slot / k != x.task) {
        throw InputError("replay memory: ring slot " + std::to_string(x.slot) + " does not belong to task " +
                         std::to_string(x.task));
      }
      ++ring_fill_[static_cast<std::size_t>(x.slot / k)];
    }
    if (owns(x.slot)) store(x.slot, x.image.data(), x.logits.empty() ? nullptr : x.logits.data());
  }
  size_ = static_cast<std::int64_t>(all.size());
  const auto filled = filled_slots();
  for (auto s : filled) {
    if (!taken[static_cast<std::size_t>(s)]) {
      throw InputError("replay memory: slots are not filled in order (slot " + std::to_string(s) + " is empty)");
    }
  }
  seen_ = state.seen;
  rng_.set_state(state.rng_state);
  if (policy_ == Policy::kRing) {
    if (state.ring_next.size() != ring_next_.size()) {
      throw InputError("replay memory: the ring state has " + std::to_string(state.ring_next.size()) +
                       " tasks, the stream " + std::to_string(ring_next_.size()));
    }
    ring_next_ = state.ring_next;
  }
}

double ReplayBuffer::bytes_for(const BufferGeometry& g) {
  const double local = static_cast<double>(local_share(g.capacity, g.world_size, g.rank));
  return local * (static_cast<double>(g.sample_size) + 4.0 * static_cast<double>(g.logit_size)) +
         16.0 * static_cast<double>(g.capacity);
}

std::size_t ReplayBuffer::memory_bytes() const {
  return images_.size() + (labels_.size() + tasks_.size()) * sizeof(std::int64_t) + logits_.size() * sizeof(float);
}

}  // namespace mnemo::replay
