#include "kube/yaml_json.h"

#include <cmath>
#include <regex>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
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

// nlohmann::json keeps strings as bytes but refuses to serialize invalid UTF-8 (dump() throws
// type_error 316), while yaml-cpp passes any bytes through and its escapes can make lone
// surrogates. Such a document is refused here, rather than failing whoever dumps it later.
void requireUtf8(const Json& document) {
  try {
    (void)document.dump();
  } catch (const Json::type_error& error) {
    throw YAML::Exception(YAML::Mark::null_mark(), std::string("not UTF-8: ") + error.what());
  }
}

// yaml-cpp 0.7's LoadAll never returns for some malformed streams (a stray ',' at the top level,
// jbeder/yaml-cpp#1040, fixed upstream by #1319): the parser reports an empty document again and
// again without consuming input, and LoadAll collects them until memory runs out. Every document
// after the first starts with "---" or follows "...", so a stream of n bytes holds at most
// n / 3 + 1 of them; count them first with a handler that keeps nothing.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

void requireFiniteStream(const std::string& yaml_text) {
  std::istringstream in(yaml_text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  const std::size_t limit = yaml_text.size() / 3 + 2;
  for (std::size_t documents = 0; parser.HandleNextDocument(counter);) {
    if (++documents > limit) {
      throw YAML::Exception(YAML::Mark::null_mark(), "malformed document stream");
    }
  }
}

Error yamlError(const std::exception& error) {
  return Error(ErrorKind::Decode, std::string("invalid YAML: ") + error.what());
}

bool needsQuotes(const std::string& text) {
  if (text.empty()) return true;
  if (!resolvePlainScalar(text).is_string()) return true;
  // Line breaks, tabs and other control characters survive only as escapes in double quotes.
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  static const std::string special = ":#{}[],&*!|>'\"%@`";
  if (special.find(text.front()) != std::string::npos) return true;
  if (text.front() == ' ' || text.back() == ' ' || text.front() == '-' || text.front() == '?') {
    return true;
  }
  // "..." at the start of a line ends the document: a top-level "..." would read back as null.
  if (text.rfind("...", 0) == 0) return true;
  return text.find(": ") != std::string::npos || text.find(" #") != std::string::npos;
}

// Whether a literal block ("|", as yaml-cpp writes it) reads back as exactly `text`: the block
// keeps one final newline (clip chomping), takes its indentation from its first line with
// content, so that line must not start with a space, and holds printable characters only (no
// tab, CR, other C0 or C1 controls, DEL; yaml-cpp writes a NUL as the end of the block).
bool fitsLiteralBlock(const std::string& text) {
  if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      return false;  // U+0080..U+009F
    }
  }
  return text[text.find_first_not_of('\n')] != ' ';
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
      if (fitsLiteralBlock(text)) {
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
    Json document = toJson(YAML::Load(yaml_text), 0, budget);
    requireUtf8(document);
    return document;
  } catch (const std::exception& error) {
    return yamlError(error);
  }
}

Result<std::vector<Json>> yamlDocumentsToJson(const std::string& yaml_text) {
  try {
    requireFiniteStream(yaml_text);
    std::vector<Json> documents;
    ExpansionBudget budget(yaml_text.size());  // one budget for the whole stream
    for (const auto& node : YAML::LoadAll(yaml_text)) {
      if (node.IsNull()) continue;  // empty documents between separators
      documents.push_back(toJson(node, 0, budget));
      requireUtf8(documents.back());
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
