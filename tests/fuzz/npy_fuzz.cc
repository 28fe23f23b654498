// Fuzz target: the NumPy reader. Any byte string, as a .npy image or (when it
// starts like a zip archive) as an .npz file, must give arrays whose
// conversions succeed or an InputError, never a crash, a hang or an
// allocation beyond the input's size.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "data/io/npy.h"

namespace {

void convert(const mnemo::io::NpyArray& a) {
  try {
    mnemo::io::to_float32(a);
    mnemo::io::to_int64(a);
  } catch (const mnemo::InputError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
      static const std::string path = "/dev/shm/mnemo-npz-fuzz-" + std::to_string(getpid()) + ".npz";
      if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(data, 1, size, f);
        std::fclose(f);
      }
      for (const auto& [name, array] : mnemo::io::read_npz(path)) convert(array);
    } else {
      convert(mnemo::io::parse_npy(data, size, "fuzz.npy"));
    }
  } catch (const mnemo::InputError&) {
  }
  return 0;
}
