// Implements: the stop flag and its signal handlers.
#include "core/signals.h"

#include <csignal>
#include <initializer_list>

namespace mnemo {
namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }
}  // namespace

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGUSR1, SIGUSR2}) sigaction(sig, &action, nullptr);
}

bool stop_requested() { return g_stop != 0; }

}  // namespace mnemo
