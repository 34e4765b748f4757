// Text -> syntax tree: the actions and the control for the rules of grammar.hpp.
//
// How the tree is built. Actions push typed items on one stack (State::items); the action of a
// composite rule takes the items its sub-rules pushed and replaces them by the node it builds.
// The control records, for every rule it starts, the height of that stack and where the rule
// began (State::marks): a rule that fails drops what its sub-rules pushed (so backtracking never
// leaves stray nodes behind), and an action knows exactly which items are its own.
//
// Errors are exceptions (SyntaxError) with a byte span: thrown by the control's raise() when a
// must<> fails (messages below, one per rule; a missing one is a compile error), and by actions
// that recognise a mistake (`7days`, a reserved word used as a name, a chained comparison, …).
// The top-level loop parses one declaration at a time, so one error costs one declaration:
// it records the diagnostic and resynchronises at the next line starting with a declaration
// keyword.
//
// Layout: the rules are in grammar.hpp; the parse state and the actions' helpers in
// parser_internal.hpp (parser_nodes.cpp); the error messages and the control in
// parser_errors.hpp (parser_errors.cpp); the actions in parser_actions_expr.hpp,
// parser_actions_decl.hpp and (those that name a mistake) parser_actions_mistakes.hpp. This file
// is the driver.

#include "grammar/parser.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "grammar/grammar.hpp"
#include "grammar/parser_actions_decl.hpp"
#include "grammar/parser_actions_expr.hpp"
#include "grammar/parser_actions_mistakes.hpp"
#include "grammar/parser_errors.hpp"
#include "grammar/parser_internal.hpp"

namespace leadrules {
namespace {

namespace pg = tao::pegtl;
namespace g = leadrules::grammar;
using namespace parser_detail;

using Input = pg::memory_input<pg::tracking_mode::lazy, pg::eol::lf_crlf, char const*>;

Diagnostic to_diagnostic(SourceFile const& src, SyntaxError const& e) {
  return src.diagnostic(Severity::Error, e.span, e.message, e.hint);
}

// Rejects binary data and invalid UTF-8 before parsing.
bool check_text(SourceFile const& src, Diagnostics& diags) {
  std::string const& t = src.text();
  if (auto nul = t.find('\0'); nul != std::string::npos) {
    diags.add(src.diagnostic(Severity::Error, {uint32_t(nul), uint32_t(nul + 1)},
                             "this does not look like a policy (binary data)",
                             "a policy is a UTF-8 text file"));
    return false;
  }
  if (auto bad = find_invalid_utf8(t); bad != std::string_view::npos) {
    diags.add(src.diagnostic(Severity::Error, {uint32_t(bad), uint32_t(bad + 1)},
                             "invalid UTF-8 in the policy", "save the file as UTF-8"));
    return false;
  }
  return true;
}

size_t skip_ws(State& st, size_t pos) {
  Input in(st.base + pos, st.end, st.src.path().c_str());
  st.reset();
  (void)pg::parse<g::ws, action, control>(in, st);
  return size_t(in.current() - st.base);
}

constexpr std::string_view kDeclKeywords[] = {"policy", "schema", "set",  "let",     "score", "points",
                                              "decay",  "grade",  "zone", "segment", "rule",  "test"};

size_t skip_blanks(std::string_view text, size_t p) {
  while (p < text.size()) {
    char c = text[p];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++p;
    } else if (c == '#') {
      while (p < text.size() && text[p] != '\n') ++p;
    } else {
      break;
    }
  }
  return p;
}
std::string_view word_from(std::string_view text, size_t p) {
  size_t e = p;
  while (e < text.size() && is_ident_char(text[e])) ++e;
  return text.substr(p, e - p);
}

// `set NAME = {` or `set NAME = file(`: a set declaration, not a rule's `set` action.
bool set_declaration_at(std::string_view text, size_t p) {
  p = skip_blanks(text, p + 3);
  std::string_view name = word_from(text, p);
  if (name.empty()) return false;
  p = skip_blanks(text, p + name.size());
  if (p >= text.size() || text[p] != '=') return false;
  p = skip_blanks(text, p + 1);
  return p < text.size() && (text[p] == '{' || word_from(text, p) == "file");
}

bool is_top_keyword_at(std::string_view text, size_t p) {
  for (auto k : kDeclKeywords)
    if (text.substr(p, k.size()) == k && (p + k.size() >= text.size() || !is_ident_char(text[p + k.size()])))
      return k != "set" || set_declaration_at(text, p);
  return false;
}

// A word that is not a declaration keyword but close to one, followed by a name (`segmnet hot`).
bool misspelt_keyword_at(std::string_view text, size_t p) {
  std::string_view w = word_from(text, p);
  if (w.empty() || is_top_keyword_at(text, p)) return false;
  std::vector<std::string> kws(std::begin(kDeclKeywords), std::end(kDeclKeywords));
  if (closest_name(w, kws).empty()) return false;
  size_t q = p + w.size();
  return q < text.size() && (text[q] == ' ' || text[q] == '\t');
}

// What the declaration at `start` that failed to parse would have declared. A misspelt keyword
// (`segmnet hot when …`) counts as the keyword it is closest to.
void note_unparsed(std::string_view text, size_t start, ast::Policy::Unparsed& out) {
  std::string kw(word_from(text, start));
  if (kw.empty()) return;
  std::vector<std::string> kws(std::begin(kDeclKeywords), std::end(kDeclKeywords));
  if (std::find(kws.begin(), kws.end(), kw) == kws.end()) kw = closest_name(kw, kws);
  size_t p = skip_blanks(text, start + word_from(text, start).size());
  if (kw == "schema") {
    out.schema = true;
  } else if (kw == "let" || kw == "set" || kw == "segment" || kw == "zone" || kw == "score") {
    std::string_view name = word_from(text, p);
    if (!name.empty() && !(kw == "score" && (name == "cap" || name == "floor"))) out.names.emplace(name);
  } else if (kw == "rule" && p < text.size() && text[p] == '"') {
    size_t e = p + 1;
    while (e < text.size() && text[e] != '"' && text[e] != '\n') e += text[e] == '\\' ? 2 : 1;
    if (e < text.size() && text[e] == '"') out.rules.emplace(text.substr(p + 1, e - p - 1));
  }
}

// After an error in the declaration starting at `start`, where to resume: the first line after
// the error that starts with a declaration keyword outside the braces of the failed
// declaration; or one at column 1, even inside them (an unclosed block); or the error's own
// position when it is such a keyword.
size_t resync(std::string_view text, size_t start, size_t err) {
  err = std::min(err, text.size());
  int depth = 0;
  bool line_start = false;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (line_start && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      line_start = false;
      size_t col0 = text.rfind('\n', i - 1);
      bool column1 = col0 == i - 1;
      if (i > start && i >= err && is_top_keyword_at(text, i) && (depth <= 0 || column1)) return i;
      // A misspelt keyword at column 1 (`segmnet hot when …`) starts a declaration too: its own
      // error is reported, rather than the line being skipped without a word.
      if (i > start && i >= err && column1 && depth <= 0 && misspelt_keyword_at(text, i)) return i;
    }
    if (c == '\n') {
      line_start = true;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"') {
      ++i;
      while (i < text.size() && text[i] != '"' && text[i] != '\n') i += text[i] == '\\' ? 2 : 1;
      if (i < text.size() && text[i] == '\n') --i;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    }
  }
  return text.size();
}

}  // namespace

std::optional<ast::Policy> parse_policy(SourceFile const& source, Diagnostics& diags) {
  Policy policy = parse_policy_partial(source, diags);
  if (policy.unparsed) return std::nullopt;
  return policy;
}

ast::Policy parse_policy_partial(SourceFile const& source, Diagnostics& diags) {
  Policy policy;
  if (!check_text(source, diags)) {
    policy.unparsed.emplace().schema = true;  // nothing can be checked
    return policy;
  }
  State st(source);
  std::string_view text = source.text();
  Policy::Unparsed unparsed;
  bool ok = true;
  bool seen_decl = false;
  size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a UTF-8 byte order mark
  size_t prev_end = std::string_view::npos;
  size_t prev_start = 0;
  bool prev_decl = false;  // the last declaration that parsed is the last of policy.decls
  // A declaration that parsed but was cut short by the mistake after it (`within 30 dayz`): its
  // checker errors would be about the same mistake, so it is left out of the tree.
  auto drop_previous = [&] {
    if (!prev_decl) return;
    policy.decls.pop_back();
    note_unparsed(text, prev_start, unparsed);
    prev_decl = false;
  };

  while (true) {
    pos = skip_ws(st, pos);
    if (pos >= text.size()) break;
    size_t start = pos;
    st.reset();
    Input in(st.base + pos, st.end, source.path().c_str());
    try {
      (void)pg::parse<pg::must<g::declaration>, action, control>(in, st);
      pos = size_t(in.current() - st.base);
      prev_end = pos;
      prev_start = start;
      prev_decl = false;
      auto& item = st.items.back();
      if (auto* p = std::get_if<PolicyItem>(&item)) {
        if (seen_decl || policy.name) {
          diags.add(source.diagnostic(
              Severity::Error, {uint32_t(start), uint32_t(start + 6)},
              policy.name ? "a second `policy` line" : "`policy` must come first, before every declaration",
              "write `policy \"Name\"` once, at the top of the file"));
          ok = false;
        } else {
          policy.name = std::move(p->name);
          policy.name_span = p->name_span;
          policy.timezone = std::move(p->tz);
          policy.timezone_span = p->tz_span;
        }
      } else {
        policy.decls.push_back(std::move(std::get<DeclItem>(item).decl));
        seen_decl = true;
        prev_decl = true;
      }
    } catch (SyntaxError const& e) {
      ok = false;
      Diagnostic d = to_diagnostic(source, e);
      // "expected a declaration": suggest a keyword for a typo, or point at the previous line.
      if (e.span.begin == start && e.message.starts_with("expected a declaration")) {
        std::string_view word = source.slice(e.span);
        auto close =
            closest_name(word, std::vector<std::string>(std::begin(kDeclKeywords), std::end(kDeclKeywords)));
        if (!d.hint.empty()) {
        } else if (!close.empty() && !word.empty() && is_ident_char(word[0]))
          d.hint = fmt::format("did you mean `{}`?", close);
        else if (prev_end != std::string_view::npos &&
                 source.position(uint32_t(prev_end)).line == source.position(uint32_t(start)).line)
          d.hint = "the declaration before ends here; is an operator or a comma missing?";
        if (prev_end != std::string_view::npos &&
            source.position(uint32_t(prev_end)).line == source.position(uint32_t(start)).line)
          drop_previous();
      }
      // The line of the error starts with a declaration keyword that the declaration before read
      // as its last operand (`let x = a >` then `score fit {`): say so, and note that declaration.
      size_t line_begin = text.rfind('\n', start == 0 ? 0 : start - 1);
      line_begin = line_begin == std::string_view::npos ? 0 : line_begin + 1;
      line_begin = skip_blanks(text, line_begin);
      if (line_begin < start && is_top_keyword_at(text, line_begin)) {
        note_unparsed(text, line_begin, unparsed);
        std::string_view kw = word_from(text, line_begin);
        if (prev_end == line_begin + kw.size() && (kw == "score" || kw == "grade")) {
          drop_previous();
          d.hint = fmt::format(
              "the line before ends with an operator, so it took this line's `{}` as its operand; is "
              "that operand missing?",
              kw);
        }
      }
      diags.add(std::move(d));
      note_unparsed(text, start, unparsed);
      pos = resync(text, start, e.span.begin);
      prev_end = std::string_view::npos;
      prev_decl = false;
    } catch (pg::parse_error const& e) {
      ok = false;
      size_t at = e.positions().empty() ? start : start + e.positions().front().byte;
      diags.add(source.diagnostic(Severity::Error, {uint32_t(at), uint32_t(at + 1)}, "syntax error"));
      note_unparsed(text, start, unparsed);
      pos = resync(text, start, at);
    }
  }

  for (auto& [_, c] : st.comments) policy.comments.push_back(std::move(c));
  if (!ok) policy.unparsed = std::move(unparsed);
  return policy;
}

ast::ExprPtr parse_expression(SourceFile const& source, Diagnostics& diags) {
  if (!check_text(source, diags)) return nullptr;
  State st(source);
  Input in(st.base, st.end, source.path().c_str());
  try {
    (void)pg::parse<g::single_expression, action, control>(in, st);
    return std::move(std::get<ExprItem>(st.items.back()).e);
  } catch (SyntaxError const& e) {
    diags.add(to_diagnostic(source, e));
  } catch (pg::parse_error const& e) {
    size_t at = e.positions().empty() ? 0 : e.positions().front().byte;
    diags.add(source.diagnostic(Severity::Error, {uint32_t(at), uint32_t(at + 1)}, "syntax error"));
  }
  return nullptr;
}

}  // namespace leadrules
