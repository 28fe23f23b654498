// Implements: the mnemo executable.
#include "cli/run_main.h"

int main(int argc, char** argv) { return mnemo::cli::run_main(argc, argv); }
