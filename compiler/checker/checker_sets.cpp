// Checker, sets: inline values or a set file (one value a line, relative to the policy).

#include "compiler/checker/checker_internal.hpp"

#include <algorithm>
#include <filesystem>

#include "stdlib/files.hpp"

namespace leadrules::checker_detail {

// A set file is read whole at check time: a device (/dev/zero) or a FIFO would never end.
constexpr stdlib::ReadLimits kSetFileLimits{.max_bytes = size_t(64) << 20, .regular_only = true};

// Policies given as text under a placeholder name ("<policy>", the API's default) have no folder:
// their set files must be in an allowed directory.
static bool has_folder(std::string const& origin) { return !origin.starts_with('<'); }

// The set file's path, resolved (`..` and symbolic links), when it is in the policy's folder or
// below or in an allowed directory; otherwise an error at the path's string literal and nullopt.
// The resolved path is what gets read, so a link swapped in after this check is not followed.
std::optional<std::string> Checker::set_file_path(ast::SetDecl const& s) {
  namespace fs = std::filesystem;
  std::string const& origin = src_->path();
  fs::path folder = has_folder(origin) ? fs::path(origin).parent_path() : fs::path();
  std::string path = stdlib::resolved_path((folder / *s.file).string());
  if (has_folder(origin) && stdlib::path_inside(path, stdlib::resolved_path(folder.string()))) return path;
  for (auto const& dir : allowed_paths_)
    if (!dir.empty() && stdlib::path_inside(path, stdlib::resolved_path(dir))) return path;
  std::error_code ec;
  std::string lexical = fs::absolute(folder / *s.file, ec).lexically_normal().string();
  std::string link = lexical == path ? "" : fmt::format(" (it leads to \"{}\")", path);
  if (!has_folder(origin))
    error(s.file_span,
          fmt::format("the set file \"{}\"{} is not in an allowed directory: the policy was given as "
                      "text, without a folder",
                      *s.file, link),
          "allow the set file's directory with --allow-path DIR (CompileOptions::allowed_paths in the "
          "library), or name the policy by its file path");
  else
    error(s.file_span, fmt::format("the set file \"{}\"{} is outside the policy's folder", *s.file, link),
          "set files are read from the policy's folder and below; to read one elsewhere, allow its "
          "directory with --allow-path DIR (CompileOptions::allowed_paths in the library)");
  return std::nullopt;
}

void Checker::sets() {
  for (auto const* s : set_decls_) {
    plan::Set set;
    set.name = s->name.name;
    if (s->file) {
      set.file = *s->file;
      // As the user wrote it, from where the policy was named: "examples/agency/accounts.txt".
      std::string shown = (std::filesystem::path(src_->path()).parent_path() / *s->file).string();
      std::string why;
      std::optional<std::string> text;
      if (embedded_sets_) {
        auto it = std::find_if(embedded_sets_->begin(), embedded_sets_->end(),
                               [&](auto const& f) { return f.first == *s->file; });
        if (it != embedded_sets_->end())
          text = it->second;
        else
          why = "it is not among the set files given with the policy";
      } else {
        auto path = set_file_path(*s);
        if (!path) {
          plan_->sets.push_back(std::move(set));
          continue;
        }
        text = stdlib::read_whole_file(*path, &why, kSetFileLimits);
      }
      if (!text) {
        error(s->span, fmt::format("cannot read the set file \"{}\": {}", shown, why),
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
            error(s->span, fmt::format("invalid UTF-8 in the set file \"{}\" on line {}", shown, n));
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
