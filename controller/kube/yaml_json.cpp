#include "kube/yaml_json.h"

#include <cmath>
#include <regex>

#include <yaml-cpp/yaml.h>

namespace kube {

namespace {

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
Json resolvePlainScalar(const std::string& text) {
  static const std::regex null_re("^(~|null|Null|NULL|)$");
  static const std::regex true_re("^(true|True|TRUE)$");
  static const std::regex false_re("^(false|False|FALSE)$");
  static const std::regex int_re("^[-+]?[0-9]+$");
  static const std::regex hex_re("^0x[0-9a-fA-F]+$");
  static const std::regex oct_re("^0o[0-7]+$");
  static const std::regex float_re("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  static const std::regex inf_re("^[-+]?\\.(inf|Inf|INF)$");
  static const std::regex nan_re("^\\.(nan|NaN|NAN)$");
  // libstdc++'s regex recurses once per character: a long scalar could overflow the stack.
  // Nothing longer than this is a number, a boolean or null anyway.
  if (text.size() > 64) return text;
  if (std::regex_match(text, null_re)) return nullptr;
  if (std::regex_match(text, true_re)) return true;
  if (std::regex_match(text, false_re)) return false;
  errno = 0;
  if (std::regex_match(text, int_re)) {
    long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return value;
    return text;  // out of range: keep the text rather than lose digits
  }
  if (std::regex_match(text, hex_re)) return std::strtoll(text.c_str() + 2, nullptr, 16);
  if (std::regex_match(text, oct_re)) return std::strtoll(text.c_str() + 2, nullptr, 8);
  if (std::regex_match(text, float_re)) return std::strtod(text.c_str(), nullptr);
  if (std::regex_match(text, inf_re)) {
    return text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  }
  if (std::regex_match(text, nan_re)) return text;  // JSON has no NaN; keep it visible
  return text;
}

// Aliases let a small document expand into an enormous one ("billion laughs"): a node may be
// an alias of a mapping of aliases, and every alias of a long scalar copies the whole scalar
// again. Without aliases a document expands to at most about its own size (each node and each
// character comes from its text), so the budget is that plus a fixed allowance: ordinary use
// of aliases fits, while one 500 KB string aliased ten thousand times (5 GB) is refused at once.
struct ExpansionBudget {
  explicit ExpansionBudget(std::size_t text_size)
      : nodes_left(100'000 + text_size), bytes_left(4 * 1024 * 1024 + 2 * text_size) {}
  std::size_t nodes_left;
  std::size_t bytes_left;

  void chargeNode(const YAML::Mark& mark) {
    if (nodes_left == 0) throw YAML::Exception(mark, "too many nodes (alias expansion?)");
    --nodes_left;
  }
  void chargeText(const YAML::Mark& mark, std::size_t size) {
    if (size > bytes_left) {
      throw YAML::Exception(mark, "expands to too much text (alias expansion?)");
    }
    bytes_left -= size;
  }
};

Json toJson(const YAML::Node& node, int depth, ExpansionBudget& budget) {
  if (depth > 200) throw YAML::Exception(node.Mark(), "nesting too deep");
  budget.chargeNode(node.Mark());
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      budget.chargeText(node.Mark(), node.Scalar().size());
      // "!" marks a quoted scalar (or an explicit !!str tag): always a string.
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
      return resolvePlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      for (const auto& item : node) array.push_back(toJson(item, depth + 1, budget));
      return array;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw YAML::Exception(entry.first.Mark(), "mapping keys must be scalars");
        }
        budget.chargeText(entry.first.Mark(), entry.first.Scalar().size());
        object[entry.first.Scalar()] = toJson(entry.second, depth + 1, budget);
      }
      return object;
    }
  }
  return nullptr;
}

Error yamlError(const std::exception& error) {
  return Error(ErrorKind::Decode, std::string("invalid YAML: ") + error.what());
}

bool needsQuotes(const std::string& text) {
  if (text.empty()) return true;
  if (!resolvePlainScalar(text).is_string()) return true;
  if (text.find('\n') != std::string::npos) return false;  // emitted as a literal block
  static const std::string special = ":#{}[],&*!|>'\"%@`";
  if (special.find(text.front()) != std::string::npos) return true;
  if (text.front() == ' ' || text.back() == ' ' || text.front() == '-' || text.front() == '?') {
    return true;
  }
  return text.find(": ") != std::string::npos || text.find(" #") != std::string::npos;
}

void emit(YAML::Emitter& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        if (needsQuotes(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (text.find('\n') != std::string::npos && text.find_first_of("\t\r") == std::string::npos &&
          text.back() == '\n') {
        out << YAML::Literal << text;
      } else if (needsQuotes(text) || text.find('\n') != std::string::npos) {
        out << YAML::DoubleQuoted << text;
      } else {
        out << text;
      }
      return;
    }
    case Json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::null:
    case Json::value_t::discarded:
      out << YAML::Null;
      return;
    default:
      out << value.dump();  // numbers: JSON's spelling is valid YAML
      return;
  }
}

}  // namespace

Result<Json> yamlToJson(const std::string& yaml_text) {
  try {
    ExpansionBudget budget(yaml_text.size());
    return toJson(YAML::Load(yaml_text), 0, budget);
  } catch (const std::exception& error) {
    return yamlError(error);
  }
}

Result<std::vector<Json>> yamlDocumentsToJson(const std::string& yaml_text) {
  try {
    std::vector<Json> documents;
    ExpansionBudget budget(yaml_text.size());  // one budget for the whole stream
    for (const auto& node : YAML::LoadAll(yaml_text)) {
      if (node.IsNull()) continue;  // empty documents between separators
      documents.push_back(toJson(node, 0, budget));
    }
    return documents;
  } catch (const std::exception& error) {
    return yamlError(error);
  }
}

std::string jsonToYaml(const Json& document) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit(out, document);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace kube
