// Implements: the mnemo-torch executable: every command of mnemo, train and
//   export included, linked with LibTorch. `mnemo` hands train and export to
//   it; it can also be run directly.
#include "cli/run_main.h"

int main(int argc, char** argv) { return mnemo::cli::run_main(argc, argv); }
