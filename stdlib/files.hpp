// Whole files: read at once, or written through a temporary file and a rename so that a crash
// or a full disk never leaves half a file behind. One copy for every layer and the API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leadrules::stdlib {

// The file's bytes; nullopt (and *error, when given, says why) when it cannot be read.
std::optional<std::string> read_whole_file(std::string const& path, std::string* error = nullptr);

// Writes `data` to `path` through `path.tmp-<pid>` in the same directory and a rename.
// Throws std::runtime_error naming the file; the temporary file is removed on failure.
void write_file_atomically(std::string const& path, std::string_view data);

}  // namespace leadrules::stdlib
