// Implements: OptionSpec and OptionTable (see options.h).
#include "core/options.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <sstream>

#include "core/error.h"

namespace mnemo {

namespace {

std::string number_text(double v) {
  // Whole numbers as integers ("1073741824", not "1.07374e+09"): they are mostly integer options' bounds.
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15) return std::to_string(static_cast<long long>(v));
  std::ostringstream os;
  os << v;
  return os.str();
}

// A JSON value of the field's type, or UsageError naming the option.
template <class T>
T json_as(const nlohmann::json& v, const std::string& name) {
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) throw std::invalid_argument("not a boolean");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) throw std::invalid_argument("not an integer");
      // Out of the field's range is an error, never a wrap or a clamp.
      if (v.is_number_unsigned()) {
        if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
          throw std::invalid_argument("too large");
        }
      } else {
        const auto i = v.get<std::int64_t>();
        if (i < 0 && std::is_unsigned_v<T>) throw std::invalid_argument("negative");
        if constexpr (std::is_signed_v<T>) {
          if (i < std::numeric_limits<T>::min() || i > std::numeric_limits<T>::max()) {
            throw std::invalid_argument("out of range");
          }
        }
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) throw std::invalid_argument("not a number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) throw std::invalid_argument("not a string");
    }
    return v.get<T>();
  } catch (const std::exception& e) {
    throw UsageError(with_hint("option '" + name + "' has the value " + v.dump() + " (" + e.what() + ")",
                               "check the configuration that holds it"));
  }
}

template <class T>
void bind(OptionSpec& spec, T& field, std::function<nlohmann::json()>& get,
          std::function<void(const nlohmann::json&)>& set) {
  const std::string name = spec.name();
  get = [&field] { return nlohmann::json(field); };
  set = [&field, name](const nlohmann::json& v) { field = json_as<T>(v, name); };
}

}  // namespace

std::string OptionSpec::json_key() const {
  std::string key = name_;
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

std::string OptionSpec::text() const {
  const nlohmann::json v = get_();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) return number_text(v.get<double>());
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : " ") + e.dump();
    return out;
  }
  return v.dump();
}

void OptionSpec::set_text(const std::string& s) const { set_(nlohmann::json(s)); }

void OptionSpec::check() const {
  for (const auto& fn : checks_) {
    const std::string problem = fn();
    if (!problem.empty()) {
      const bool quoted = kind_ == Kind::kText || kind_ == Kind::kChoice;
      throw UsageError(with_hint("--" + name_ + " " + problem + ", got " + (quoted ? "'" + text() + "'" : text()),
                                 "see 'mnemo <command> --help' for what --" + name_ + " takes"));
    }
  }
}

OptionSpec& OptionSpec::at_least(double min) {
  MNEMO_ASSERT(kind_ == Kind::kIntList || number_, "--" + name_ + ": at_least needs a numeric option");
  if (kind_ == Kind::kIntList) {
    auto* list = static_cast<std::vector<std::int64_t>*>(field_);
    return check([list, min] {
      for (auto v : *list) {
        if (static_cast<double>(v) < min) return "must hold values of at least " + number_text(min);
      }
      return std::string();
    });
  }
  auto number = number_;
  return check([number, min] {
    const double v = number();
    return std::isnan(v) || v < min ? "must be at least " + number_text(min) : std::string();
  });
}

OptionSpec& OptionSpec::in_range(double min, double max) {
  MNEMO_ASSERT(number_, "--" + name_ + ": in_range needs a numeric option");
  auto number = number_;
  return check([number, min, max] {
    const double v = number();
    return std::isnan(v) || v < min || v > max ? "must be in " + number_text(min) + ".." + number_text(max)
                                               : std::string();
  });
}

OptionSpec& OptionSpec::finite() {
  MNEMO_ASSERT(number_, "--" + name_ + ": finite needs a numeric option");
  auto number = number_;
  return check([number] { return std::isfinite(number()) ? std::string() : "must be a finite number"; });
}

OptionSpec& OptionSpec::positive() {
  MNEMO_ASSERT(number_, "--" + name_ + ": positive needs a numeric option");
  auto number = number_;
  return check([number] {
    const double v = number();
    return std::isfinite(v) && v > 0 ? std::string() : "must be a positive finite number";
  });
}

OptionSpec& OptionSpec::check(std::function<std::string()> fn) {
  checks_.push_back(std::move(fn));
  return *this;
}

OptionSpec& OptionSpec::result_neutral() {
  result_neutral_ = true;
  return *this;
}

OptionSpec& OptionSpec::alias(const std::string& old_json_key) {
  aliases_.push_back(old_json_key);
  return *this;
}

OptionSpec& OptionTable::push(const std::string& name, const std::string& help, OptionSpec::Kind kind, void* field) {
  MNEMO_ASSERT(find(name) == nullptr, "option --" + name + " declared twice");
  OptionSpec& s = specs_.emplace_back();
  s.name_ = name;
  s.help_ = help;
  s.kind_ = kind;
  s.field_ = field;
  s.group_ = group_;
  return s;
}

template <class T>
OptionSpec& OptionTable::add_field(const std::string& name, T& field, const std::string& help, OptionSpec::Kind kind) {
  OptionSpec& s = push(name, help, kind, &field);
  bind(s, field, s.get_, s.set_);
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    s.number_ = [&field] { return static_cast<double>(field); };
  }
  return s;
}

OptionSpec& OptionTable::add(const std::string& name, bool& field, const std::string& help) {
  return add_field(name, field, help, OptionSpec::Kind::kFlag);
}
OptionSpec& OptionTable::add(const std::string& name, int& field, const std::string& help) {
  return add_field(name, field, help, OptionSpec::Kind::kInt32);
}
OptionSpec& OptionTable::add(const std::string& name, std::int64_t& field, const std::string& help) {
  return add_field(name, field, help, OptionSpec::Kind::kInt64);
}
OptionSpec& OptionTable::add(const std::string& name, std::uint64_t& field, const std::string& help) {
  return add_field(name, field, help, OptionSpec::Kind::kUInt64);
}
OptionSpec& OptionTable::add(const std::string& name, double& field, const std::string& help) {
  return add_field(name, field, help, OptionSpec::Kind::kReal);
}
OptionSpec& OptionTable::add(const std::string& name, std::string& field, const std::string& help) {
  return add_field(name, field, help, OptionSpec::Kind::kText);
}

OptionSpec& OptionTable::add(const std::string& name, std::vector<std::int64_t>& field, const std::string& help) {
  OptionSpec& s = push(name, help, OptionSpec::Kind::kIntList, &field);
  s.get_ = [&field] { return nlohmann::json(field); };
  s.set_ = [&field, name](const nlohmann::json& v) {
    if (!v.is_array()) throw UsageError("option '" + name + "' must be a list of integers, got " + v.dump());
    std::vector<std::int64_t> out;
    for (const auto& e : v) out.push_back(json_as<std::int64_t>(e, name));
    field = std::move(out);
  };
  return s;
}

OptionSpec& OptionTable::add_choice_impl(const std::string& name, const std::string& help,
                                         std::vector<std::string> allowed, std::function<std::string()> get,
                                         std::function<bool(const std::string&)> set) {
  OptionSpec& s = push(name, help, OptionSpec::Kind::kChoice, nullptr);
  s.choices_ = allowed;
  s.get_ = [get] { return nlohmann::json(get()); };
  s.set_ = [set, allowed, name](const nlohmann::json& v) {
    if (v.is_string() && set(v.get<std::string>())) return;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw UsageError(with_hint("--" + name + " does not take " + v.dump(), "use one of: " + list));
  };
  return s;
}

const OptionSpec* OptionTable::find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

void OptionTable::validate() const {
  for (const auto& s : specs_) s.check();
}

nlohmann::json OptionTable::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& s : specs_) j[s.json_key()] = s.value();
  return j;
}

void OptionTable::from_json(const nlohmann::json& j) const {
  if (!j.is_object()) throw UsageError("options must be a JSON object, got " + j.dump());
  for (const auto& s : specs_) {
    if (j.contains(s.json_key())) {
      s.set_value(j.at(s.json_key()));
      continue;
    }
    for (const auto& old : s.aliases()) {
      if (j.contains(old)) {
        s.set_value(j.at(old));
        break;
      }
    }
  }
}

std::vector<std::string> OptionTable::result_affecting_keys() const {
  std::vector<std::string> out;
  for (const auto& s : specs_) {
    if (!s.is_result_neutral()) out.push_back(s.json_key());
  }
  return out;
}

OptionGroups::OptionGroups(const std::vector<std::unique_ptr<OptionGroup>>& prototypes) {
  for (const auto& p : prototypes) groups_.push_back(p->clone());
}

OptionGroups::OptionGroups(const OptionGroups& other) {
  for (const auto& g : other.groups_) groups_.push_back(g->clone());
}

OptionGroups& OptionGroups::operator=(const OptionGroups& other) {
  if (this != &other) *this = OptionGroups(other);
  return *this;
}

void OptionGroups::declare(OptionTable& table) {
  for (auto& g : groups_) g->declare(table);
}

bool OptionGroups::add_prototype(std::vector<std::unique_ptr<OptionGroup>>& prototypes,
                                 std::unique_ptr<OptionGroup> prototype) {
  const OptionGroup& added = *prototype;
  const auto same = [&](const std::unique_ptr<OptionGroup>& p) { return typeid(*p) == typeid(added); };
  if (std::none_of(prototypes.begin(), prototypes.end(), same)) prototypes.push_back(std::move(prototype));
  return true;
}

OptionGroup& OptionGroups::find(const std::type_info& type) const {
  for (const auto& g : groups_) {
    if (typeid(*g) == type) return *g;
  }
  throw UsageError(with_hint(std::string("options of type ") + type.name() + " were never registered",
                             "register them (register_strategy_options<T>() or register_model_options<T>()) "
                             "before run_main"));
}

}  // namespace mnemo
