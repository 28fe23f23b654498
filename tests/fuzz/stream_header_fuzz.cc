// Fuzz target: the stream manifest (stream.h5) reader. Any file must open
// as a valid stream or give an InputError naming it, never a crash.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "data/stream_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = "/dev/shm/mnemo-stream-fuzz-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  if (FILE* f = std::fopen((dir + "/stream.h5").c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    mnemo::data::StreamReader reader(dir);
  } catch (const mnemo::InputError&) {
  }
  return 0;
}
