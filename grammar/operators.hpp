// How the language spells its operators: one table for the parser's messages and the formatter.
// (grammar.hpp matches the same spellings as PEGTL rules.)
#pragma once

#include "grammar/ast.hpp"

namespace leadrules {

constexpr char const* op_text(ast::BinOp op) {
  using ast::BinOp;
  switch (op) {
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::Coalesce: return "??";
    case BinOp::Eq: return "==";
    case BinOp::Ne: return "!=";
    case BinOp::Lt: return "<";
    case BinOp::Le: return "<=";
    case BinOp::Gt: return ">";
    case BinOp::Ge: return ">=";
    case BinOp::Match: return "~";
    case BinOp::IMatch: return "~*";
    case BinOp::In: return "in";
    case BinOp::Within: return "within";
    case BinOp::And: return "and";
    case BinOp::Or: return "or";
  }
  return "?";
}

}  // namespace leadrules
