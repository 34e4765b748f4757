// Checker, sets: inline values or a set file (one value a line, relative to the policy).

#include "compiler/checker/checker_internal.hpp"

#include <algorithm>
#include <filesystem>

#include "stdlib/files.hpp"

namespace leadrules::checker_detail {

// A set file is read whole at check time: a device (/dev/zero) or a FIFO would never end.
constexpr stdlib::ReadLimits kSetFileLimits{.max_bytes = size_t(64) << 20, .regular_only = true};

void Checker::sets() {
  for (auto const* s : set_decls_) {
    plan::Set set;
    set.name = s->name.name;
    if (s->file) {
      namespace fs = std::filesystem;
      fs::path base = fs::path(src_->path()).parent_path();
      fs::path path = base / *s->file;
      std::string why;
      auto text = stdlib::read_whole_file(path.string(), &why, kSetFileLimits);
      if (!text) {
        error(s->span, fmt::format("cannot read the set file \"{}\": {}", path.string(), why),
              "a set file is a text file of at most 64 MB, one value a line; its path is relative to "
              "the policy");
      } else {
        std::string_view rest = *text;
        uint32_t n = 0;
        while (!rest.empty()) {
          size_t const nl = rest.find('\n');
          std::string_view line = rest.substr(0, nl);
          rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
          ++n;
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          auto b = line.find_first_not_of(" \t");
          if (b == std::string_view::npos) continue;  // blank lines are skipped
          auto e = line.find_last_not_of(" \t");
          std::string v(line.substr(b, e - b + 1));
          if (find_invalid_utf8(v) != std::string_view::npos) {
            error(s->span, fmt::format("invalid UTF-8 in the set file \"{}\" on line {}", path.string(), n));
            break;
          }
          set.values.push_back(std::move(v));
        }
      }
    } else {
      set.values = s->values;
    }
    std::sort(set.values.begin(), set.values.end());
    set.values.erase(std::unique(set.values.begin(), set.values.end()), set.values.end());
    plan_->sets.push_back(std::move(set));
  }
}

}  // namespace leadrules::checker_detail
