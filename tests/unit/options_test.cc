// Tests: declared options (core/options.h): JSON round trips, declared
//   checks naming the option, choices, aliases, result neutrality.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/options.h"

namespace mnemo {
namespace {

enum class Colour { kRed, kGreen };

struct Example {
  std::int64_t count = 3;
  double rate = 0.5;
  std::string name = "a";
  bool loud = false;
  std::vector<std::int64_t> widths = {4, 5};
  Colour colour = Colour::kRed;
  std::uint64_t seed = 7;
  void declare(OptionTable& t) {
    t.add("count", count, "how many").in_range(1, 10);
    t.add("rate", rate, "how fast").positive().result_neutral();
    t.add("name", name, "what").alias("old_name");
    t.add("loud", loud, "whether");
    t.add("widths", widths, "sizes").at_least(1);
    t.add_choice("colour", colour, {{"red", Colour::kRed}, {"green", Colour::kGreen}}, "which");
    t.add("seed", seed, "from where");
  }
};

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(OptionTable, JsonRoundTripRestoresEveryField) {
  Example a;
  a.count = 9;
  a.rate = 0.25;
  a.name = "b";
  a.loud = true;
  a.widths = {1, 2, 3};
  a.colour = Colour::kGreen;
  a.seed = std::numeric_limits<std::uint64_t>::max();
  const nlohmann::json j = options_json(a);
  EXPECT_EQ(j.at("count"), 9);
  EXPECT_EQ(j.at("colour"), "green");  // choices are stored by name
  Example b;
  OptionTable t;
  b.declare(t);
  t.from_json(j);
  EXPECT_EQ(b.count, 9);
  EXPECT_EQ(b.rate, 0.25);
  EXPECT_EQ(b.name, "b");
  EXPECT_TRUE(b.loud);
  EXPECT_EQ(b.widths, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(b.colour, Colour::kGreen);
  EXPECT_EQ(b.seed, std::numeric_limits<std::uint64_t>::max());
}

TEST(OptionTable, JsonKeysAreTheLongNamesWithUnderscoresAndAliasesStillRead) {
  Example e;
  OptionTable t;
  e.declare(t);
  t.from_json({{"old_name", "legacy"}, {"unknown_key", 1}});
  EXPECT_EQ(e.name, "legacy");
  EXPECT_TRUE(options_json(e).contains("name"));
}

TEST(OptionTable, ChecksNameTheOptionAndTheValue) {
  Example e;
  OptionTable t;
  e.declare(t);
  EXPECT_NO_THROW(t.validate());
  e.count = 11;
  EXPECT_NE(error_of([&] { t.validate(); }).find("--count must be in 1..10, got 11"), std::string::npos);
  e.count = 3;
  e.rate = std::nan("");
  EXPECT_NE(error_of([&] { t.validate(); }).find("--rate must be a positive finite number"), std::string::npos);
  e.rate = 1;
  e.widths = {2, 0};
  EXPECT_NE(error_of([&] { t.validate(); }).find("--widths"), std::string::npos);
}

TEST(OptionTable, ChoicesAcceptOnlyTheirNames) {
  Example e;
  OptionTable t;
  e.declare(t);
  t.find("colour")->set_text("green");
  EXPECT_EQ(e.colour, Colour::kGreen);
  const std::string msg = error_of([&] { t.find("colour")->set_text("blue"); });
  EXPECT_NE(msg.find("--colour"), std::string::npos);
  EXPECT_NE(msg.find("red, green"), std::string::npos);
  EXPECT_EQ(t.find("colour")->choices(), (std::vector<std::string>{"red", "green"}));
}

TEST(OptionTable, WrongJsonTypesAreUsageErrors) {
  Example e;
  OptionTable t;
  e.declare(t);
  EXPECT_NE(error_of([&] { t.from_json({{"count", "three"}}); }).find("'count'"), std::string::npos);
  EXPECT_NE(error_of([&] { t.from_json({{"seed", -1}}); }).find("'seed'"), std::string::npos);
  EXPECT_NE(error_of([&] { t.from_json({{"count", 1e30}}); }).find("'count'"), std::string::npos);
}

TEST(OptionTable, ResultNeutralOptionsAreLeftOutOfTheResultAffectingKeys) {
  Example e;
  OptionTable t;
  e.declare(t);
  const auto keys = t.result_affecting_keys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "rate"), 0);
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "count"), 1);
  EXPECT_EQ(keys.size(), t.specs().size() - 1);
}

}  // namespace
}  // namespace mnemo
