// Implements: declared options. Each module's `XxxOptions` struct declares
//   its fields once, in `declare(OptionTable&)`: the long name, the help, the
//   allowed values and the checks. Everything else is derived from that one
//   declaration: the command line and YAML configs (cli/), config.json, the
//   checkpoint's config and results.json (to_json/from_json), validation, and
//   which options may change on resume (result_neutral).
//
//   Names are flat and user-visible: "batch-size" on the command line and in
//   YAML, "batch_size" in JSON. They are persisted, so they never change; an
//   option renamed later keeps its old JSON name as an alias (`alias`).
//
//   Enumerations are parsed at the edge: the struct holds the enum, the table
//   maps names to values (`add_choice`), so no module compares strings.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo {

/// One declared option, bound to a field of an options struct.
class OptionSpec {
 public:
  /// What the field holds (the command line parses it accordingly).
  enum class Kind { kFlag, kInt32, kInt64, kUInt64, kReal, kText, kIntList, kChoice };

  const std::string& name() const { return name_; }  ///< long name: "batch-size"
  std::string json_key() const;                       ///< "batch_size"
  const std::string& help() const { return help_; }
  Kind kind() const { return kind_; }
  /// The bound field (type by kind(); kChoice: none, use text()/set_text()).
  void* field() const { return field_; }
  /// kChoice: the allowed names, in declaration order.
  const std::vector<std::string>& choices() const { return choices_; }
  bool is_result_neutral() const { return result_neutral_; }
  const std::string& group() const { return group_; }  ///< help section, e.g. "Replay"
  const std::vector<std::string>& aliases() const { return aliases_; }

  /// The value as JSON, and set from JSON (UsageError naming the option).
  nlohmann::json value() const { return get_(); }
  void set_value(const nlohmann::json& v) const { set_(v); }
  /// The value as shown in help and messages ("0.1", "fused", "100 100").
  std::string text() const;
  /// Sets a kChoice option from its name (UsageError listing the choices).
  void set_text(const std::string& s) const;
  /// Throws UsageError when the current value breaks a declared check.
  void check() const;

  // Declaration helpers (chained after OptionTable::add).
  OptionSpec& at_least(double min);                ///< value >= min (lists: every element)
  OptionSpec& in_range(double min, double max);     ///< min <= value <= max
  OptionSpec& finite();                             ///< not NaN or infinite
  OptionSpec& positive();                           ///< value > 0, finite
  /// A custom check: returns an error text ("" when fine).
  OptionSpec& check(std::function<std::string()> fn);
  /// The option does not change results: it may differ on resume, and run
  /// comparisons ignore it.
  OptionSpec& result_neutral();
  /// An older JSON name that is still read.
  OptionSpec& alias(const std::string& old_json_key);

 private:
  friend class OptionTable;
  std::string name_, help_, group_;
  Kind kind_ = Kind::kText;
  void* field_ = nullptr;
  std::vector<std::string> choices_;
  std::vector<std::string> aliases_;
  bool result_neutral_ = false;
  std::function<nlohmann::json()> get_;
  std::function<void(const nlohmann::json&)> set_;
  std::function<double()> number_;  ///< numeric kinds: the value, for range checks
  std::vector<std::function<std::string()>> checks_;
};

/// The options of one command, in declaration order. Fields must outlive it.
class OptionTable {
 public:
  OptionSpec& add(const std::string& name, bool& field, const std::string& help);
  OptionSpec& add(const std::string& name, int& field, const std::string& help);
  OptionSpec& add(const std::string& name, std::int64_t& field, const std::string& help);
  OptionSpec& add(const std::string& name, std::uint64_t& field, const std::string& help);
  OptionSpec& add(const std::string& name, double& field, const std::string& help);
  OptionSpec& add(const std::string& name, std::string& field, const std::string& help);
  OptionSpec& add(const std::string& name, std::vector<std::int64_t>& field, const std::string& help);

  /// An enumeration: `names` maps each allowed name to its value.
  template <class E>
  OptionSpec& add_choice(const std::string& name, E& field, std::vector<std::pair<std::string, E>> names,
                         const std::string& help) {
    auto table = std::make_shared<std::vector<std::pair<std::string, E>>>(std::move(names));
    std::vector<std::string> allowed;
    for (const auto& [n, _] : *table) allowed.push_back(n);
    return add_choice_impl(
        name, help, std::move(allowed),
        [&field, table] {
          for (const auto& [n, v] : *table) {
            if (v == field) return n;
          }
          return std::string("?");
        },
        [&field, table](const std::string& s) {
          for (const auto& [n, v] : *table) {
            if (n == s) {
              field = v;
              return true;
            }
          }
          return false;
        });
  }

  /// The help section of the options added from now on.
  void set_group(const std::string& group) { group_ = group; }

  const std::deque<OptionSpec>& specs() const { return specs_; }
  /// nullptr when no option has that long name.
  const OptionSpec* find(const std::string& name) const;

  /// Every declared check; the first failure throws UsageError naming --name.
  void validate() const;
  /// {json_key: value} for every option.
  nlohmann::json to_json() const;
  /// Sets every option present in `j` (by JSON key or alias); unknown keys
  /// are ignored (a newer mnemo's option, or a removed one).
  void from_json(const nlohmann::json& j) const;
  /// JSON keys whose options change results (all but result_neutral ones).
  std::vector<std::string> result_affecting_keys() const;

 private:
  OptionSpec& add_choice_impl(const std::string& name, const std::string& help, std::vector<std::string> allowed,
                              std::function<std::string()> get, std::function<bool(const std::string&)> set);
  OptionSpec& push(const std::string& name, const std::string& help, OptionSpec::Kind kind, void* field);
  template <class T>
  OptionSpec& add_field(const std::string& name, T& field, const std::string& help, OptionSpec::Kind kind);
  std::deque<OptionSpec> specs_;  // deque: references stay valid as options are added
  std::string group_;
};

/// A type-erased options struct (an extension's, or a strategy's own), so
/// that registries can hold the options of types they do not know.
class OptionGroup {
 public:
  virtual ~OptionGroup() = default;
  virtual void declare(OptionTable& table) = 0;
  virtual std::unique_ptr<OptionGroup> clone() const = 0;
};

/// An OptionGroup holding a `T` with a `void declare(OptionTable&)` member.
template <class T>
class OptionGroupOf final : public OptionGroup {
 public:
  T value;
  void declare(OptionTable& table) override { value.declare(table); }
  std::unique_ptr<OptionGroup> clone() const override { return std::make_unique<OptionGroupOf<T>>(*this); }
};

/// Option groups registered at run time (one per extension's options
/// struct), held by value: a copy copies every group. A registry keeps
/// default-valued prototypes (add_prototype); each options struct that
/// carries extensions copies them (see StrategyOptions, ModelOptions).
class OptionGroups {
 public:
  OptionGroups() = default;
  explicit OptionGroups(const std::vector<std::unique_ptr<OptionGroup>>& prototypes);
  OptionGroups(const OptionGroups& other);
  OptionGroups& operator=(const OptionGroups& other);
  OptionGroups(OptionGroups&&) noexcept = default;
  OptionGroups& operator=(OptionGroups&&) noexcept = default;
  ~OptionGroups() = default;

  /// The group holding a T; UsageError when T was never registered.
  template <class T> T& get() { return dynamic_cast<OptionGroupOf<T>&>(find(typeid(OptionGroupOf<T>))).value; }
  template <class T> const T& get() const {
    return dynamic_cast<const OptionGroupOf<T>&>(find(typeid(OptionGroupOf<T>))).value;
  }
  /// Declares every group's options, in registration order.
  void declare(OptionTable& table);

  /// Appends `prototype` unless one of its type is there; returns true (so
  /// it can initialise a static).
  static bool add_prototype(std::vector<std::unique_ptr<OptionGroup>>& prototypes,
                            std::unique_ptr<OptionGroup> prototype);

 private:
  OptionGroup& find(const std::type_info& type) const;
  std::vector<std::unique_ptr<OptionGroup>> groups_;
};

/// JSON of an options struct with `declare` (e.g. for config.json).
template <class T>
nlohmann::json options_json(const T& options) {
  T copy = options;
  OptionTable table;
  copy.declare(table);
  return table.to_json();
}

}  // namespace mnemo
