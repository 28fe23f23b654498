// Implements: `mnemo inspect STREAM`: a stream's tasks, classes, per-class
//   counts and provenance, after validating every file and every label.
#pragma once

#include <string>

namespace mnemo::data {

/// Opens and fully validates the stream in `dir`; returns the description.
std::string describe_stream(const std::string& dir);

}  // namespace mnemo::data
