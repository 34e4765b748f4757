#include "runtime/interp/test_runner.hpp"

#include <fmt/format.h>

#include "runtime/data/writers.hpp"
#include "stdlib/format.hpp"

namespace leadrules::runtime {

namespace {

void push_constant(Column& col, plan::Constant const& c) {
  using T = plan::Type;
  if (c.type == T::StringList) {
    std::vector<std::string_view> items(c.list.begin(), c.list.end());
    col.push_list(items);
    return;
  }
  if (c.missing) {
    col.push_missing();
    return;
  }
  switch (c.type) {
    case T::Number: col.push_number(c.number); break;
    case T::String: col.push_string(c.text); break;
    case T::Bool: col.push_bool(c.boolean); break;
    case T::Time:
    case T::Duration: col.push_micros(c.micros); break;
    case T::Grade: col.push_grade(c.grade); break;
    case T::StringList: break;
  }
}

void push_default(Column& col, plan::Field const& f) {
  if (f.default_value)
    push_constant(col, *f.default_value);
  else if (f.type == plan::Type::StringList)
    col.push_list({});
  else
    col.push_missing();
}

std::string describe(plan::Constant const& c) {
  if (c.type == plan::Type::StringList) return "[" + plan::print_constant(c) + "]";
  if (c.missing) return c.type == plan::Type::Bool ? "unknown" : "missing";
  if (c.type == plan::Type::String) return stdlib::json_escape(c.text);
  if (c.type == plan::Type::Duration) return stdlib::format_duration(c.micros);  // by value: 48h == 2d
  return plan::print_constant(c);
}

}  // namespace

void append_record(plan::Plan const& plan, Batch& batch, plan::TestProspect const& record) {
  auto const& schema = plan.schema;
  for (size_t i = 0; i < schema.prospect.size(); ++i) {
    plan::Constant const* given = nullptr;
    for (auto const& [id, value] : record.fields)
      if (size_t(id) == i) given = &value;
    if (given)
      push_constant(batch.fields[i], *given);
    else
      push_default(batch.fields[i], schema.prospect[i]);
  }
  for (auto const& a : record.activities) {
    batch.act_kind.push_back(uint16_t(a.kind));
    batch.act_at.push_back(a.at);
    for (size_t i = 0; i < schema.activity.size(); ++i) {
      plan::Constant const* given = nullptr;
      for (auto const& [id, value] : a.fields)
        if (size_t(id) == i) given = &value;
      if (given)
        push_constant(batch.act_fields[i], *given);
      else
        push_default(batch.act_fields[i], schema.activity[i]);
    }
  }
  batch.act_offsets.push_back(uint32_t(batch.act_kind.size()));
  batch.history_offsets.push_back(uint32_t(batch.history.size()));
  batch.source_lines.push_back(0);
  ++batch.rows;
}

Batch batch_for_test(plan::Plan const& plan, plan::Test const& test) {
  Batch batch = Batch::for_schema(plan.schema);
  append_record(plan, batch, test.prospect);
  for (auto const& h : test.history) {
    FiringRecord rec;
    rec.rule = h.rule;
    rec.count = h.count;
    rec.has_last = h.last.has_value();
    rec.last = h.last.value_or(0);
    batch.history.push_back(rec);
  }
  batch.history_offsets.back() = uint32_t(batch.history.size());
  for (auto const& c : test.colleagues) append_record(plan, batch, c);
  return batch;
}

std::vector<TestOutcome> run_tests(Interpreter const& engine) {
  auto const& plan = engine.plan();
  std::vector<TestOutcome> outcomes;
  for (auto const& test : plan.tests) {
    TestOutcome out;
    out.name = test.name;
    out.line = test.line;
    Batch batch = batch_for_test(plan, test);
    EvalOptions opt;
    opt.now = test.now;
    ProspectResult result = engine.evaluate_row(batch, 0, opt);
    for (auto const& ex : test.expects) {
      std::string failure;
      switch (ex.kind) {
        case plan::Expect::Kind::Condition: {
          plan::Constant v = engine.evaluate_node(batch, 0, ex.condition, opt);
          if (!v.missing && v.boolean) break;
          failure = fmt::format("line {}: {}{}", ex.line, ex.source,
                                v.missing ? "  (unknown: a value is missing)" : "");
          for (auto const& [text, node] : ex.shown)
            failure +=
                fmt::format("\n      {} is {}", text, describe(engine.evaluate_node(batch, 0, node, opt)));
          break;
        }
        case plan::Expect::Kind::Set: {
          auto const& field = plan.schema.prospect[size_t(ex.field)];
          SetResult const* found = nullptr;
          for (auto const& s : result.sets)
            if (s.field == ex.field) found = &s;
          if (found && describe(found->value) == describe(ex.value)) break;
          failure =
              fmt::format("line {}: {}\n      {}", ex.line, ex.source,
                          found ? fmt::format("the rules set {} = {}", field.name, describe(found->value))
                                : fmt::format("no rule set {}", field.name));
          break;
        }
        case plan::Expect::Kind::Action: {
          bool seen = false;
          for (auto const& a : result.actions)
            if (a.kind == ex.action && a.args == ex.action_args) seen = true;
          if (seen) break;
          failure = fmt::format("line {}: {}", ex.line, ex.source);
          if (result.actions.empty()) failure += "\n      no action was produced";
          for (auto const& a : result.actions)
            failure += fmt::format("\n      produced: {} (rule \"{}\")", action_text(plan, a),
                                   plan.rules[size_t(a.rule)].name);
          break;
        }
      }
      if (!failure.empty()) {
        out.passed = false;
        out.failures.push_back(std::move(failure));
      }
    }
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

}  // namespace leadrules::runtime
