// Fuzz target: the IDX reader. Any byte string must give an IdxArray or an
// InputError, never a crash, a hang or an allocation beyond the file's size.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "data/io/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/mnemo-idx-fuzz-" + std::to_string(getpid());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    mnemo::io::read_idx(path);
  } catch (const mnemo::InputError&) {
  }
  return 0;
}
