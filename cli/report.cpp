// `leadrules report POLICY --input FILE --by FIELD [--where CONDITION]`: prospects counted per
// value of a field, the grade or a segment, with the grades, segments and rule firings in each
// group. --where is any condition of the language: it is compiled into the policy as one more
// segment, so it runs on the same engine at the same speed, past() and colleagues included.
#include <algorithm>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "html_report.hpp"
#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

namespace {

constexpr char const* kWhereSegment = "__leadrules_where";
constexpr size_t kGroupsShown = 25;  // groups listed; the rest are summed up in one line

// The policy with --where as its last segment, compiled once (it is the policy the report runs).
// Its diagnostics are printed, those of the condition against the condition as typed
// (`--where:1:9: error: …`), not against a line the user never wrote.
std::optional<Policy> compile_with_where(std::string const& path, std::string const& where,
                                         Options const& o) {
  std::string error;
  auto text = read_file(path, &error);
  if (!text) throw std::runtime_error(fmt::format("cannot read {}: {}", path, error));
  std::string prefix = fmt::format("segment {} when ", kWhereSegment);
  std::string full = *text + (text->empty() || text->back() == '\n' ? "" : "\n") + prefix + where + "\n";
  uint32_t where_line = uint32_t(std::count(full.begin(), full.end(), '\n'));
  auto compiled = Policy::compile(full, path, compile_options(o));
  Diagnostics shown;
  for (auto d : compiled.diagnostics.items) {
    if (d.line == where_line) {
      d.file = "--where";
      if (auto at = d.message.find("the end of the file"); at != std::string::npos)
        d.message.replace(at, 19, "the end of the condition");
      d.line = 1;
      d.source_line = where;
      d.column = d.column > prefix.size() ? d.column - uint32_t(prefix.size()) : 1;
      d.byte_begin = d.byte_begin > prefix.size() ? d.byte_begin - uint32_t(prefix.size()) : 0;
      d.byte_end = d.byte_end > prefix.size() ? d.byte_end - uint32_t(prefix.size()) : d.byte_begin;
    }
    shown.add(std::move(d));
  }
  std::cerr << render(shown, o.colour);
  return compiled.policy;
}

// A field's value as a group: as the data had it, "(missing)" when it had none.
std::string group_value(Value const& v) { return v.missing ? "(missing)" : v.to_string(); }

struct BestGradeFirst {
  bool operator()(std::string const& a, std::string const& b) const { return grade_rank(a) > grade_rank(b); }
};

struct Group {
  std::string value;
  size_t count = 0;
  std::map<std::string, size_t, BestGradeFirst> grades;
  std::vector<size_t> segments, rules;  // per segment / rule of the policy
};

std::string percent(size_t n, size_t of) {
  return of ? fmt::format("{:.1f}%", 100.0 * double(n) / double(of)) : "-";
}

std::string group_json(Group const& g, Policy const& policy, std::vector<size_t> const& segs) {
  std::string out = fmt::format("{{\"value\":{},\"count\":{},\"grades\":{{", json_quote(g.value), g.count);
  bool first = true;
  for (auto const& [grade, n] : g.grades)
    out += fmt::format("{}{}:{}", std::exchange(first, false) ? "" : ",", json_quote(grade), n);
  out += "},\"segments\":{";
  for (size_t i = 0; i < segs.size(); ++i)
    out += fmt::format("{}{}:{}", i ? "," : "", json_quote(policy.segments()[segs[i]].name),
                       g.segments[segs[i]]);
  out += "},\"rules\":{";
  for (size_t r = 0; r < policy.rules().size(); ++r)
    out += fmt::format("{}{}:{}", r ? "," : "", json_quote(policy.rules()[r]), g.rules[r]);
  return out + "}}";
}

}  // namespace

int report(Options const& o) {
  Loaded in;
  if (!o.where.empty()) {
    in.policy = compile_with_where(o.policy, o.where, o);
    if (!in.policy) return 1;
  }
  if (int rc = load(o, in)) return rc;  // compiles the policy unless --where did
  Policy const& policy = *in.policy;
  auto const& batch = *in.batch;
  if (!o.rejects.empty()) write_rejects(o.rejects, batch);

  // --by: a field, `grade`, or a segment (true/false).
  auto field = policy.field_index(o.by);
  std::optional<size_t> by_segment;
  for (size_t s = 0; s < policy.segments().size(); ++s)
    if (policy.segments()[s].name == o.by && o.by != kWhereSegment) by_segment = s;
  if (!field && !by_segment && o.by != "grade") {
    std::vector<std::string> names{"grade"};
    for (auto const& f : policy.fields()) names.push_back(f.name);
    for (auto const& s : policy.segments())
      if (s.name != kWhereSegment) names.push_back(s.name);
    auto near = suggest_name(o.by, names);
    std::cerr << fmt::format("leadrules report: --by {}: not a field, `grade` or a segment of the policy{}\n",
                             o.by, near.empty() ? "" : fmt::format("; did you mean `{}`?", near));
    return 2;
  }

  auto results = policy.evaluate(batch, {.now = in.now, .threads = thread_count(o)});
  std::vector<size_t> segs;  // the policy's own segments (not --where's)
  std::optional<size_t> where_segment;
  for (size_t s = 0; s < policy.segments().size(); ++s) {
    if (policy.segments()[s].name == kWhereSegment)
      where_segment = s;
    else
      segs.push_back(s);
  }

  std::map<std::string, Group> groups;
  size_t matched = 0;
  std::optional<Batch::Column> column;
  if (field) column = batch.field(*field);
  for (size_t row = 0; row < results.size(); ++row) {
    if (where_segment && !results.in_segment(row, *where_segment)) continue;
    ++matched;
    std::string value = by_segment ? (results.in_segment(row, *by_segment) ? "true" : "false")
                        : column   ? group_value(column->value_at(row))
                                   : std::string(results.grade(row));
    auto& g = groups[value];
    if (g.count == 0) {
      g.value = value;
      g.segments.assign(policy.segments().size(), 0);
      g.rules.assign(policy.rules().size(), 0);
    }
    ++g.count;
    ++g.grades[std::string(results.grade(row))];
    for (size_t s : segs) g.segments[s] += results.in_segment(row, s);
    for (size_t r = 0; r < policy.rules().size(); ++r) g.rules[r] += results.fired(row, r);
  }
  std::vector<Group> order;
  for (auto& [_, g] : groups) order.push_back(std::move(g));
  // Grades in grade order (A+ first), a segment's `true` first, a field's values by count.
  std::stable_sort(order.begin(), order.end(), [&](Group const& a, Group const& b) {
    if (by_segment) return a.value == "true" && b.value != "true";
    if (!field) return grade_rank(a.value) > grade_rank(b.value);
    return a.count > b.count;
  });

  std::string where_text = o.where.empty() ? "" : fmt::format(" where {}", o.where);
  if (o.format == "json") {
    std::string out =
        fmt::format("{{\"by\":{},\"where\":{},\"prospects\":{},\"matched\":{},\"groups\":[", json_quote(o.by),
                    o.where.empty() ? "null" : json_quote(o.where), batch.size(), matched);
    for (size_t i = 0; i < order.size(); ++i) out += (i ? "," : "") + group_json(order[i], policy, segs);
    std::cout << out << "]}\n";
  } else {
    std::cout << fmt::format("{} of {} prospects{}, by {}: {} group{}\n", count_text(matched),
                             count_text(batch.size()), where_text, o.by, order.size(),
                             order.size() == 1 ? "" : "s");
    size_t rest = 0, rest_groups = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      auto const& g = order[i];
      if (i >= kGroupsShown) {
        rest += g.count;
        ++rest_groups;
        continue;
      }
      std::cout << fmt::format("\n{}  {} ({})\n", g.value, count_text(g.count), percent(g.count, matched));
      std::string grades, segments, rules;
      for (auto const& [grade, n] : g.grades)
        grades += fmt::format("{}{} {}", grades.empty() ? "" : " · ", grade, count_text(n));
      for (size_t s : segs)
        if (g.segments[s])
          segments += fmt::format("{}{} {}", segments.empty() ? "" : " · ", policy.segments()[s].name,
                                  count_text(g.segments[s]));
      for (size_t r = 0; r < policy.rules().size(); ++r)
        if (g.rules[r])
          rules += fmt::format("{}\"{}\" {}", rules.empty() ? "" : " · ", policy.rules()[r],
                               count_text(g.rules[r]));
      std::cout << fmt::format("  grades    {}\n", grades);
      std::cout << fmt::format("  segments  {}\n", segments.empty() ? "(none)" : segments);
      std::cout << fmt::format("  rules     {}\n", rules.empty() ? "(none fired)" : rules);
    }
    if (rest_groups) std::cout << fmt::format("\n… {} more values ({} prospects)\n", rest_groups, rest);
  }

  if (!o.html.empty()) {
    html::Page page(
        fmt::format("{}: prospects by {}", policy.name().empty() ? o.policy : policy.name(), o.by),
        fmt::format("{} of {} prospects{} · {} · evaluated at {}", count_text(matched),
                    count_text(batch.size()), where_text, o.input, format_time(in.now)));
    std::vector<std::string> labels;
    std::vector<double> counts;
    for (size_t i = 0; i < order.size() && i < kGroupsShown; ++i) {
      labels.push_back(order[i].value);
      counts.push_back(double(order[i].count));
    }
    page.heading("Prospects per group");
    page.figure(
        html::bar_chart(fmt::format("Prospects by {}", o.by), labels, {{"prospects", html::kBlue, counts}}));
    std::vector<std::string> grade_names;
    for (auto const& g : order)
      for (auto const& [grade, _] : g.grades)
        if (std::find(grade_names.begin(), grade_names.end(), grade) == grade_names.end())
          grade_names.push_back(grade);
    std::sort(grade_names.begin(), grade_names.end(),
              [](auto const& a, auto const& b) { return grade_rank(a) > grade_rank(b); });
    std::vector<std::vector<double>> grade_counts, segment_counts;
    std::vector<std::string> segment_names;
    for (size_t s : segs) segment_names.push_back(policy.segments()[s].name);
    for (size_t i = 0; i < labels.size(); ++i) {
      grade_counts.emplace_back();
      for (auto const& gn : grade_names)
        grade_counts.back().push_back(order[i].grades.count(gn) ? double(order[i].grades.at(gn)) : 0);
      segment_counts.emplace_back();
      for (size_t s : segs) segment_counts.back().push_back(double(order[i].segments[s]));
    }
    page.heading("Grades in each group");
    page.figure(html::heatmap("Grades by group", o.by, "grade", labels, grade_names, grade_counts));
    if (!segs.empty()) {
      page.heading("Segments in each group");
      page.figure(html::heatmap("Segments by group", o.by, "segment", labels, segment_names, segment_counts));
    }
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < labels.size(); ++i) {
      std::vector<std::string> row{labels[i], count_text(order[i].count), percent(order[i].count, matched)};
      for (size_t s : segs) row.push_back(count_text(order[i].segments[s]));
      rows.push_back(std::move(row));
    }
    std::vector<std::string> header{o.by, "prospects", "share"};
    for (auto const& n : segment_names) header.push_back(n);
    page.table(header, rows);
    write_or_throw(o.html, page.str());
  }
  print_data_summary(batch, o.rejects);
  return 0;
}

}  // namespace leadrules::cli
