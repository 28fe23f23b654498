// Implements: named model state (see state_dict.h).
#include "model/state_dict.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace mnemo::model {
namespace {

std::string describe(const TensorSpec& s) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < s.shape.size(); ++i) out << (i ? ", " : "") << s.shape[i];
  out << "] " << s.dtype;
  return out.str();
}

bool skipped(const std::string& name, const std::vector<std::string>& skip) {
  for (const auto& prefix : skip) {
    if (name == prefix || name.rfind(prefix + ".", 0) == 0) return true;
  }
  return false;
}

}  // namespace

NamedTensors named_state(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace_back(b.key(), b.value());
  return out;
}

Signature signature_of(const NamedTensors& state) {
  Signature out;
  for (const auto& [name, t] : state) {
    out.push_back({name, t.sizes().vec(), std::string(c10::toString(t.scalar_type()))});
  }
  return out;
}

std::vector<std::string> signature_differences(const Signature& model, const Signature& file,
                                               const std::vector<std::string>& skip) {
  std::map<std::string, const TensorSpec*> in_file;
  for (const auto& s : file) in_file[s.name] = &s;
  std::vector<std::string> out;
  for (const auto& s : model) {
    if (skipped(s.name, skip)) continue;
    auto it = in_file.find(s.name);
    if (it == in_file.end()) {
      out.push_back("missing: " + s.name + " " + describe(s));
      continue;
    }
    if (!(*it->second == s)) out.push_back(s.name + ": model " + describe(s) + ", file " + describe(*it->second));
    in_file.erase(it);
  }
  for (const auto& s : file) {
    if (in_file.count(s.name) && !skipped(s.name, skip)) out.push_back("unexpected: " + s.name + " " + describe(s));
  }
  return out;
}

nlohmann::json signature_json(const Signature& signature) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : signature) out.push_back({{"name", s.name}, {"shape", s.shape}, {"dtype", s.dtype}});
  return out;
}

Signature signature_from_json(const nlohmann::json& json) {
  Signature out;
  for (const auto& s : json) {
    out.push_back({s.at("name").get<std::string>(), s.at("shape").get<std::vector<std::int64_t>>(),
                   s.at("dtype").get<std::string>()});
  }
  return out;
}

void load_named_state(torch::nn::Module& module, const NamedTensors& from, const std::string& source,
                      const std::vector<std::string>& skip) {
  NamedTensors to = named_state(module);
  const std::vector<std::string> diff = signature_differences(signature_of(to), signature_of(from), skip);
  if (!diff.empty()) {
    std::string list;
    for (const auto& d : diff) list += "\n    " + d;
    throw InputError(with_hint(source + " does not fit the model (" + std::to_string(diff.size()) +
                                   " difference(s)):" + list,
                               "give a file saved from the same architecture (same --model, --hidden and stream "
                               "shape and classes); leave layers out with --init-skip"));
  }
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : from) by_name[name] = &t;
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : to) {
    if (skipped(name, skip)) continue;
    t.copy_(*by_name.at(name));
  }
}

void save_state_dict_file(const NamedTensors& state, const std::string& path) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, t] : state) dict.insert(name, t.detach().to(torch::kCPU).clone());  // not views of one flat buffer
  const std::vector<char> bytes = torch::pickle_save(dict);
  write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

NamedTensors load_state_dict_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(with_hint("cannot read " + path, "check the path"));
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error&) {
    throw InputError(with_hint(path + " is not a state dict mnemo can read",
                               "save a plain dict in Python: torch.save(dict(model.state_dict()), PATH), or "
                               "give a TorchScript file (torch.jit.save) or a mnemo export"));
  }
  if (!value.isGenericDict()) {
    throw InputError(with_hint(path + " holds a " + value.tagKind() + ", not a {name: tensor} dict",
                               "save a plain dict in Python: torch.save(dict(model.state_dict()), PATH)"));
  }
  NamedTensors out;
  for (const auto& kv : value.toGenericDict()) {
    if (!kv.key().isString() || !kv.value().isTensor()) {
      throw InputError(with_hint(path + " holds a dict entry that is not name -> tensor",
                                 "save model.state_dict(), not a training checkpoint with optimizer state"));
    }
    out.emplace_back(kv.key().toStringRef(), kv.value().toTensor());
  }
  return out;
}

void write_named(torch::serialize::OutputArchive& archive, const std::string& prefix, const NamedTensors& state) {
  for (const auto& [name, t] : state) archive.write(prefix + "." + name, t.detach().to(torch::kCPU));
}

NamedTensors read_named(torch::serialize::InputArchive& archive, const std::string& prefix) {
  NamedTensors out;
  for (const auto& key : archive.keys()) {
    if (key.rfind(prefix + ".", 0) != 0) continue;
    torch::Tensor t;
    archive.read(key, t);
    out.emplace_back(key.substr(prefix.size() + 1), t);
  }
  return out;
}

}  // namespace mnemo::model
