#include "oci/www_authenticate.h"

#include <cctype>

namespace oci {

namespace {

// RFC 7230 tchar.
bool isTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skipBlanks() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void skipBlanksAndCommas() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ',')) ++pos_;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!done() && isTokenChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::string bareValue() {
    std::size_t start = pos_;
    while (!done() && text_[pos_] != ',' && text_[pos_] != ' ' && text_[pos_] != '\t') ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  // After the opening quote: up to the closing one, with \x read as x. An unterminated string
  // ends with the header.
  std::string quoted() {
    std::string value;
    while (!done()) {
      char c = text_[pos_++];
      if (c == '"') break;
      if (c == '\\' && !done()) c = text_[pos_++];
      value += c;
    }
    return value;
  }
  // Skips to the next comma outside quotes (past something unreadable).
  void skipItem() {
    while (!done() && text_[pos_] != ',') {
      if (text_[pos_++] == '"') quoted();
    }
  }
  // Whether a parameter ("name=" but not a token68's "==") starts here; does not move.
  bool atParameter() const {
    std::size_t p = pos_;
    while (p < text_.size() && isTokenChar(text_[p])) ++p;
    if (p == pos_) return false;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    if (p >= text_.size() || text_[p] != '=') return false;
    return p + 1 >= text_.size() || text_[p + 1] != '=';
  }
  void advance() { ++pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Challenge> parseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> challenges;
  Scanner scan(header);
  while (true) {
    scan.skipBlanksAndCommas();
    if (scan.done()) break;
    std::string_view scheme = scan.token();
    if (scheme.empty()) {
      scan.advance();  // not a challenge: step over the odd character
      scan.skipItem();
      continue;
    }
    Challenge challenge{lower(scheme), {}};
    scan.skipBlanks();
    // Right after the scheme, without a comma, something that is not "name=" is a token68
    // ("Basic dXNlcg=="), which no registry scheme uses: skipped.
    if (!scan.done() && scan.peek() != ',' && !scan.atParameter()) scan.skipItem();
    // Parameters follow, comma-separated, until something that is not "name=" (the next
    // challenge's scheme) comes.
    while (true) {
      scan.skipBlanksAndCommas();
      if (scan.done() || !scan.atParameter()) break;
      std::string name = lower(scan.token());
      scan.skipBlanks();
      scan.advance();  // '='
      scan.skipBlanks();
      std::string value;
      if (scan.peek() == '"') {
        scan.advance();
        value = scan.quoted();
      } else {
        // RFC 7235 allows only a token here; servers also send URLs unquoted, so a bare
        // value runs to the next comma or blank.
        value = scan.bareValue();
      }
      // The first of a repeated parameter counts, as in Go's and Docker's parsers.
      challenge.params.emplace(std::move(name), std::move(value));
      scan.skipBlanks();
      if (!scan.done() && scan.peek() != ',') scan.skipItem();  // junk after a value
    }
    challenges.push_back(std::move(challenge));
  }
  return challenges;
}

const Challenge* findChallenge(const std::vector<Challenge>& challenges, std::string_view scheme) {
  for (const Challenge& challenge : challenges) {
    if (challenge.scheme == scheme) return &challenge;
  }
  return nullptr;
}

}  // namespace oci
