// Implements: add_options (see option_binding.h).
#include "cli/option_binding.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace mnemo::cli {

namespace {

// CLI11 converts integers with strtoll and keeps a value clamped to the type's limit (99999999999999999999999
// became INT64_MAX): refuse the text itself instead, naming it.
template <class Parse>
CLI::Validator fits(const std::string& type, Parse parse) {
  return CLI::Validator(
      [type, parse](std::string& text) {
        errno = 0;
        parse(text.c_str());
        return errno == ERANGE ? "'" + text + "' does not fit a " + type : std::string();
      },
      "", "fits " + type);
}
const CLI::Validator kFitsInt64 = fits("64-bit integer", [](const char* t) { return std::strtoll(t, nullptr, 10); });
const CLI::Validator kFitsUInt64 =
    fits("64-bit unsigned integer", [](const char* t) { return std::strtoull(t, nullptr, 10); });

CLI::Option* add_one(CLI::App& command, const OptionSpec& spec) {
  const std::string flag = "--" + spec.name();
  switch (spec.kind()) {
    case OptionSpec::Kind::kFlag: {
      bool& field = *static_cast<bool*>(spec.field());
      // A flag that defaults to on can be turned off: --overlap / --no-overlap
      // (two options, so the help shows the true default, not CLI11's "{false}").
      if (!field) return command.add_flag(flag, field, spec.help());
      CLI::Option* on = command.add_flag(flag, field, spec.help() + " [default: on]");
      CLI::Option* off = command.add_flag_callback("--no-" + spec.name(), [&field] { field = false; },
                                                   "Turn " + flag + " off");
      if (!spec.group().empty()) off->group(spec.group());
      return on;
    }
    case OptionSpec::Kind::kInt32:
      return command.add_option(flag, *static_cast<int*>(spec.field()), spec.help());
    case OptionSpec::Kind::kInt64:
      return command.add_option(flag, *static_cast<std::int64_t*>(spec.field()), spec.help())->check(kFitsInt64);
    case OptionSpec::Kind::kUInt64:
      return command.add_option(flag, *static_cast<std::uint64_t*>(spec.field()), spec.help())->check(kFitsUInt64);
    case OptionSpec::Kind::kReal:
      return command.add_option(flag, *static_cast<double*>(spec.field()), spec.help());
    case OptionSpec::Kind::kText:
      return command.add_option(flag, *static_cast<std::string*>(spec.field()), spec.help());
    case OptionSpec::Kind::kIntList:
      return command.add_option(flag, *static_cast<std::vector<std::int64_t>*>(spec.field()), spec.help())
          ->delimiter(',')
          ->check(kFitsInt64);  // "--hidden 100 100" and "--class-order 0,1,2" alike
    case OptionSpec::Kind::kChoice: {
      const OptionSpec* s = &spec;
      return command
          .add_option_function<std::string>(flag, [s](const std::string& v) { s->set_text(v); }, spec.help())
          ->check(CLI::IsMember(spec.choices()));
    }
  }
  return nullptr;
}

}  // namespace

void add_options(CLI::App& command, const OptionTable& table) {
  for (const OptionSpec& spec : table.specs()) {
    CLI::Option* option = add_one(command, spec);
    if (spec.kind() != OptionSpec::Kind::kFlag) option->default_str(spec.text());
    if (!spec.group().empty()) option->group(spec.group());
  }
}

}  // namespace mnemo::cli
