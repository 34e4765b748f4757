// event_service: a small scoring service on the C++ API. Reads events as JSON lines on standard
// input, keeps every prospect and its recent activities in memory, evaluates the prospect after
// each event (ProspectBuilder + Scratch, on the policy a PolicyHolder holds) and prints what
// changed as JSON lines on standard output. SIGHUP reloads the policy file between two events.
// The event and output formats are in README.md.
//
//   event_service POLICY.lr < events.jsonl
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <leadrules/leadrules.hpp>

namespace {

// ---------------------------------------------------------------------------------------------
// A minimal JSON value, parser and writer (enough for the events).

struct Json {
  enum Kind { null, boolean, number, string, array, object } kind = null;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  Json const* get(std::string_view key) const {
    if (kind != object) return nullptr;
    for (auto const& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
};

struct JsonParser {
  std::string_view text;
  size_t pos = 0;

  [[noreturn]] void fail(std::string const& what) const {
    throw std::runtime_error("bad JSON at byte " + std::to_string(pos + 1) + ": " + what);
  }
  void skip() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n'))
      ++pos;
  }
  bool eat(char c) {
    skip();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  static void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }
  uint32_t hex4() {
    if (pos + 4 > text.size()) fail("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= uint32_t(c - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return v;
  }
  std::string string_body() {
    std::string out;
    for (;;) {
      if (pos >= text.size()) fail("unterminated string");
      char c = text[pos++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= text.size()) fail("unterminated string");
      char e = text[pos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && pos + 6 <= text.size() && text[pos] == '\\' &&
              text[pos + 1] == 'u') {
            pos += 2;
            uint32_t lo = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }
  Json value() {
    skip();
    if (pos >= text.size()) fail("unexpected end");
    Json v;
    char c = text[pos];
    if (c == '{') {
      ++pos;
      v.kind = Json::object;
      if (eat('}')) return v;
      do {
        skip();
        if (!eat('"')) fail("expected a key");
        std::string key = string_body();
        expect(':');
        v.members.emplace_back(std::move(key), value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++pos;
      v.kind = Json::array;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      ++pos;
      v.kind = Json::string;
      v.s = string_body();
    } else if (text.substr(pos, 4) == "true") {
      pos += 4;
      v.kind = Json::boolean;
      v.b = true;
    } else if (text.substr(pos, 5) == "false") {
      pos += 5;
      v.kind = Json::boolean;
    } else if (text.substr(pos, 4) == "null") {
      pos += 4;
    } else {
      size_t start = pos;
      while (pos < text.size() && std::strchr("+-0123456789.eE", text[pos])) ++pos;
      if (start == pos) fail("unexpected character");
      std::string num(text.substr(start, pos - start));
      char* end = nullptr;
      v.kind = Json::number;
      v.n = std::strtod(num.c_str(), &end);
      if (!end || *end) fail("bad number");
    }
    return v;
  }
  Json document() {
    Json v = value();
    skip();
    if (pos != text.size()) fail("text after the value");
    return v;
  }
};

void write_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
}

void write_strings(std::string& out, std::vector<std::string> const& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    write_string(out, items[i]);
  }
  out += ']';
}

// A value a rule `set` as JSON, to store it back into the prospect.
Json to_json(leadrules::Value const& v) {
  Json j;
  if (v.missing) return j;
  switch (v.type) {
    case leadrules::ValueType::number:
      j.kind = Json::number;
      j.n = v.number;
      break;
    case leadrules::ValueType::boolean:
      j.kind = Json::boolean;
      j.b = v.boolean;
      break;
    case leadrules::ValueType::string_list:
      j.kind = Json::array;
      for (auto const& s : v.list) {
        Json item;
        item.kind = Json::string;
        item.s = s;
        j.items.push_back(std::move(item));
      }
      break;
    default:
      j.kind = Json::string;
      j.s = v.to_string();
      break;  // string, time, duration, grade
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// The prospects in memory.

constexpr size_t max_activities = 200;                           // per prospect, the most recent
constexpr int64_t max_age = int64_t(400) * 24 * 3600 * 1000000;  // 400 days: older ones are dropped

struct Activity {
  std::string type;
  int64_t at = 0;
  std::vector<std::pair<std::string, Json>> fields;  // as given, `type` and `at` excluded
};

struct Fired {
  int64_t count = 0;
  int64_t last = 0;
};

struct Prospect {
  std::string id;
  std::map<std::string, Json> fields;  // by JSON key, as given (so a reloaded schema re-reads them)
  std::deque<Activity> activities;     // oldest first
  std::map<std::string, Fired> fired;  // firing history, kept across evaluations
  bool evaluated = false;
  double score = 0;
  std::string grade;
  std::vector<std::string> segments;
};

int64_t time_of(Json const& j, char const* what) {
  if (j.kind == Json::number) return int64_t(std::llround(j.n * 1e6));  // epoch seconds
  if (j.kind == Json::string)
    if (auto t = leadrules::parse_time(j.s)) return *t;
  throw std::runtime_error(std::string("`") + what + "` is not a time");
}

class Service {
 public:
  Service(std::string path, leadrules::Policy initial)
      : path_(std::move(path)), holder_(std::move(initial)) {}

  void reload() {
    uint64_t before = holder_.version();
    auto result = holder_.reload_file(path_);
    if (result) {
      std::cerr << "event_service: reloaded " << path_ << ": version " << holder_.version() << " ("
                << result.policy->fingerprint() << ")\n";
      if (!result.diagnostics.items.empty()) std::cerr << result.rendered();
    } else {
      std::cerr << "event_service: reload of " << path_ << " failed; keeping version " << before << "\n"
                << result.rendered();
    }
  }

  // One event line -> one output line.
  std::string handle(std::string_view line, uint64_t seq) {
    std::string out;
    try {
      Json event = JsonParser{line}.document();
      if (event.kind != Json::object) throw std::runtime_error("an event is a JSON object");
      int64_t now = leadrules::current_time();
      if (auto const* n = event.get("now")) now = time_of(*n, "now");
      Prospect* p = nullptr;
      if (auto const* fields = event.get("prospect")) {
        auto const* id = fields->get("id");
        if (fields->kind != Json::object || !id || id->kind != Json::string)
          throw std::runtime_error("`prospect` needs an object with a string `id`");
        p = &prospect(id->s);
        for (auto const& [k, v] : fields->members) {
          if (k == "activities" && v.kind == Json::array) {
            for (auto const& a : v.items) add_activity(*p, a);
          } else if (k != "fired") {
            p->fields[k] = v;  // null: missing from now on
          }
        }
      } else if (auto const* activity = event.get("activity")) {
        auto const* id = event.get("id");
        if (!id || id->kind != Json::string)
          throw std::runtime_error("an activity event needs a string `id`");
        p = &prospect(id->s);
        add_activity(*p, *activity);
      } else {
        throw std::runtime_error("an event has `prospect` or `id` + `activity`");
      }
      prune(*p, now);
      out = evaluate(*p, now, seq);
    } catch (std::exception const& e) {
      out = "{\"event\":" + std::to_string(seq) + ",\"error\":";
      write_string(out, e.what());
      out += "}";
      std::cerr << "event_service: event " << seq << ": " << e.what() << "\n";
    }
    return out;
  }

 private:
  Prospect& prospect(std::string const& id) {
    auto [it, fresh] = prospects_.try_emplace(id);
    if (fresh) {
      it->second.id = id;
      Json j;
      j.kind = Json::string;
      j.s = id;
      it->second.fields["id"] = j;
    }
    return it->second;
  }

  static void add_activity(Prospect& p, Json const& a) {
    auto const* type = a.get("type");
    auto const* at = a.get("at");
    if (a.kind != Json::object || !type || type->kind != Json::string || !at)
      throw std::runtime_error("an activity is an object with `type` and `at`");
    Activity act;
    act.type = type->s;
    act.at = time_of(*at, "at");
    for (auto const& [k, v] : a.members)
      if (k != "type" && k != "at") act.fields.emplace_back(k, v);
    // Keep them in time order (events may arrive a little out of order).
    auto pos = std::upper_bound(p.activities.begin(), p.activities.end(), act.at,
                                [](int64_t t, Activity const& x) { return t < x.at; });
    p.activities.insert(pos, std::move(act));
  }

  static void prune(Prospect& p, int64_t now) {
    while (!p.activities.empty() && p.activities.front().at < now - max_age) p.activities.pop_front();
    while (p.activities.size() > max_activities) p.activities.pop_front();
  }

  // Sets one stored JSON value on the builder by the field's type.
  static void set_field(leadrules::ProspectBuilder& b, leadrules::FieldInfo const& f, Json const& v,
                        bool activity) {
    auto set = [&](auto const& value) {
      if (activity)
        b.with(f.name, value);
      else
        b.set(f.name, value);
    };
    switch (v.kind) {
      case Json::null:
        if (activity)
          b.with(f.name, leadrules::Value::missing_of(f.type));
        else
          b.unset(f.name);
        break;
      case Json::boolean: set(v.b); break;
      case Json::number:
        if (f.type == leadrules::ValueType::time)
          set(leadrules::Value::of_time(int64_t(std::llround(v.n * 1e6))));
        else
          set(v.n);
        break;
      case Json::string: set(std::string_view(v.s)); break;
      case Json::array: {
        std::vector<std::string> items;
        for (auto const& i : v.items) {
          if (i.kind != Json::string) throw std::runtime_error("`" + f.name + "`: a list holds strings");
          items.push_back(i.s);
        }
        set(leadrules::Value::of_list(std::move(items)));
        break;
      }
      case Json::object: throw std::runtime_error("`" + f.name + "`: an object is not a value");
    }
  }

  static void fill(leadrules::ProspectBuilder& b, leadrules::Policy const& policy, Prospect const& p) {
    for (auto const& f : policy.fields()) {
      auto it = p.fields.find(f.column.empty() ? f.name : f.column);
      if (it == p.fields.end() && !f.column.empty()) it = p.fields.find(f.name);
      if (it != p.fields.end()) set_field(b, f, it->second, false);
    }
    auto const& kinds = policy.activity_kinds();
    for (auto const& a : p.activities) {
      if (std::find(kinds.begin(), kinds.end(), a.type) == kinds.end()) continue;  // not in the schema
      b.activity(a.type, a.at);
      for (auto const& f : policy.activity_fields()) {
        for (auto const& [k, v] : a.fields)
          if (k == (f.column.empty() ? f.name : f.column) && v.kind != Json::null) set_field(b, f, v, true);
      }
    }
  }

  std::string evaluate(Prospect& p, int64_t now, uint64_t seq) {
    leadrules::Policy policy = holder_.current();
    uint64_t version = holder_.version();
    leadrules::ProspectBuilder b(policy);
    fill(b, policy, p);
    for (auto const& [rule, f] : p.fired)
      if (policy.rule_index(rule)) b.fired(rule, f.count, f.last);
    // Colleagues: the other prospects of the same account.
    auto account = p.fields.find("account");
    if (policy.field_index("account") && account != p.fields.end() && account->second.kind == Json::string) {
      for (auto const& [id, other] : prospects_) {
        if (&other == &p) continue;
        auto oa = other.fields.find("account");
        if (oa == other.fields.end() || oa->second.kind != Json::string || oa->second.s != account->second.s)
          continue;
        b.colleague();
        fill(b, policy, other);
      }
    }
    leadrules::ResultView view = policy.evaluate(b, now, scratch_);
    leadrules::Result r = view.to_result();

    std::string out = "{\"event\":" + std::to_string(seq) + ",\"id\":";
    write_string(out, p.id);
    out += ",\"policy\":" + std::to_string(version) + ",\"at\":";
    write_string(out, leadrules::format_time(now));
    out += ",\"score\":" + leadrules::format_number(r.score) + ",\"grade\":";
    write_string(out, r.grade);
    if (p.evaluated && r.score != p.score) out += ",\"score_was\":" + leadrules::format_number(p.score);
    if (p.evaluated && r.grade != p.grade) {
      out += ",\"grade_was\":";
      write_string(out, p.grade);
    }
    std::vector<std::string> entered, left;
    for (auto const& s : r.segments)
      if (std::find(p.segments.begin(), p.segments.end(), s) == p.segments.end()) entered.push_back(s);
    for (auto const& s : p.segments)
      if (std::find(r.segments.begin(), r.segments.end(), s) == r.segments.end()) left.push_back(s);
    if (!entered.empty()) {
      out += ",\"entered\":";
      write_strings(out, entered);
    }
    if (!left.empty()) {
      out += ",\"left\":";
      write_strings(out, left);
    }
    if (!r.actions.empty()) {
      out += ",\"actions\":[";
      for (size_t i = 0; i < r.actions.size(); ++i) {
        if (i) out += ',';
        out += "{\"rule\":";
        write_string(out, r.actions[i].rule);
        out += ",\"action\":";
        write_string(out, r.actions[i].action);
        out += ",\"args\":";
        write_strings(out, r.actions[i].args);
        out += '}';
      }
      out += ']';
    }
    out += '}';

    // The host carries the results out: firing history, and `set` applied to the prospect.
    for (auto const& rule : r.fired) {
      auto& f = p.fired[rule];
      ++f.count;
      f.last = now;
    }
    for (auto const& s : r.set) {
      std::string key = s.field;
      if (auto i = policy.field_index(s.field); i && !policy.fields()[*i].column.empty())
        key = policy.fields()[*i].column;
      p.fields[key] = to_json(s.value);
    }
    p.evaluated = true;
    p.score = r.score;
    p.grade = r.grade;
    p.segments = r.segments;
    return out;
  }

  std::string path_;
  leadrules::PolicyHolder holder_;
  leadrules::Scratch scratch_;
  std::map<std::string, Prospect> prospects_;
};

// ---------------------------------------------------------------------------------------------
// SIGHUP: a flag and a byte down a pipe, so that a read blocked in poll() wakes up.

volatile std::sig_atomic_t reload_requested = 0;
int wake_pipe[2] = {-1, -1};

extern "C" void on_sighup(int) {
  reload_requested = 1;
  int saved = errno;
  char c = 'h';
  [[maybe_unused]] ssize_t n = write(wake_pipe[1], &c, 1);
  errno = saved;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: event_service POLICY.lr < events.jsonl\n";
    return 2;
  }
  std::string path = argv[1];
  auto compiled = leadrules::Policy::compile_file(path);
  if (!compiled) {
    std::cerr << compiled.rendered();
    return 1;
  }
  if (!compiled.diagnostics.items.empty()) std::cerr << compiled.rendered();
  Service service(path, *compiled.policy);
  std::cerr << "event_service: " << compiled.policy->name() << " (" << path
            << "), version 1; SIGHUP reloads\n";

  if (pipe(wake_pipe) != 0) {
    std::perror("event_service: pipe");
    return 1;
  }
  for (int fd : wake_pipe) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  struct sigaction sa {};
  sa.sa_handler = on_sighup;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR and the loop looks at the flag
  sigaction(SIGHUP, &sa, nullptr);

  std::string buffer;
  uint64_t seq = 0;
  auto check_reload = [&] {
    if (reload_requested) {
      reload_requested = 0;
      char drain[64];
      while (read(wake_pipe[0], drain, sizeof drain) > 0) {}
      service.reload();
    }
  };
  auto handle_line = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;  // blank
    std::string out = service.handle(line, ++seq);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  };

  bool eof = false;
  while (!eof) {
    check_reload();
    // Every complete line in the buffer, a reload check between two events.
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      handle_line(std::string_view(buffer).substr(start, nl - start));
      check_reload();
    }
    buffer.erase(0, start);

    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::perror("event_service: poll");
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char chunk[65536];
      ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        std::perror("event_service: read");
        return 1;
      }
      if (n == 0)
        eof = true;
      else
        buffer.append(chunk, size_t(n));
    }
  }
  check_reload();
  if (!buffer.empty()) handle_line(buffer);  // a last line without '\n'
  std::cerr << "event_service: " << seq << " events\n";
  return 0;
}
