#pragma once
// Model profiles as JSON: read and write the "parcae-profile-1" format (docs/performance-model.md)
// and find the shipped profiles (profiles/<name>.json). The CLI, the benchmarks, the tests and the
// Python binding all load profiles here. Every error names the JSON field path, e.g.
//   parcae::perf::load_profile(my.json): model.layers[1].forward_ms is -1, but must be > 0
// and unknown members (typos) are rejected with the known names.
//
// Profile names resolve to <dir>/<name>.json, searched in order: $PARCAE_PROFILE_DIR, the source
// tree's profiles/ (PARCAE_SOURCE_DIR, when the including target defines it), and
// <prefix>/share/parcae/profiles next to the running executable (<exe dir>/../share/parcae/
// profiles). An argument that names an existing file, contains a '/' or ends in ".json" is read
// as a file.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "parcae/core/detail/json.hpp"
#include "parcae/core/errors.hpp"
#include "parcae/perf/detail/profile_reader.hpp"
#include "parcae/perf/detail/profile_writer.hpp"
#include "parcae/perf/profile.hpp"

namespace parcae::perf {

/// Largest profile file read (the shipped ones are under 10 KiB); also stops /dev/zero.
inline constexpr std::size_t max_profile_bytes = 16u << 20;

/// Parses a profile document. `origin` names it in error messages (usually the file path).
/// Malformed JSON is reported as the trace readers report it, with the line:
///   parcae::perf::load_profile: my.json:3: invalid JSON: expected ','
inline model_profile parse_profile(std::string_view text, const std::string& origin) {
  const detail::json_value doc =
      detail::json_parser("parcae::perf::load_profile", origin, text).parse_document();
  return detail::read_profile(doc, origin);
}

/// Writes a profile as a "parcae-profile-1" document that parse_profile reads back to the same
/// struct. Runs of identical consecutive layers are written once with a count; build[p] is written
/// as a table; "source" fields are not kept in the struct, so the output has none.
inline std::string profile_to_json(const model_profile& m) {
  std::string out;
  detail::json_write(detail::profile_json(m), out, 0);
  out += '\n';
  return out;
}

/// Reads and parses a profile file. A missing or unreadable path, a directory, or a file over
/// max_profile_bytes is reported as such; malformed JSON with its line.
inline model_profile load_profile_file(const std::string& path) {
  const char* fn = "parcae::perf::load_profile";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw_invalid(fn, "file", path, "a profile file (it is a directory)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_invalid(fn, "file", path, "a readable profile file");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_profile_bytes) {
      throw_invalid(fn, "file", path,
                    "at most " + std::to_string(max_profile_bytes) + " bytes (a profile document)");
    }
  }
  if (in.bad()) throw_invalid(fn, "file", path, "a readable profile file");
  return parse_profile(text, path);
}

/// Directories searched for <name>.json, in order (see the file comment).
inline std::vector<std::string> profile_search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("PARCAE_PROFILE_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
#ifdef PARCAE_SOURCE_DIR
  dirs.emplace_back(std::string(PARCAE_SOURCE_DIR) + "/profiles");
#endif
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back((exe.parent_path().parent_path() / "share/parcae/profiles").string());
  return dirs;
}

/// Resolves NAME or FILE to a file path, searching `dirs` for NAME.json; throws
/// parcae::invalid_argument naming the places searched.
inline std::string resolve_profile_path(const std::string& name_or_file,
                                        const std::vector<std::string>& dirs) {
  const char* fn = "parcae::perf::load_profile";
  if (name_or_file.empty()) {
    throw_invalid(fn, "profile", name_or_file, "a profile name or a JSON file");
  }
  const bool looks_like_file =
      name_or_file.find('/') != std::string::npos ||
      (name_or_file.size() > 5 && name_or_file.compare(name_or_file.size() - 5, 5, ".json") == 0);
  std::error_code ec;
  if (looks_like_file || std::filesystem::is_regular_file(name_or_file, ec)) return name_or_file;
  std::string searched;
  for (const std::string& dir : dirs) {
    const std::string candidate = dir + "/" + name_or_file + ".json";
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    searched += (searched.empty() ? "" : ", ") + dir;
  }
  if (std::filesystem::is_directory(name_or_file, ec)) {
    throw_invalid(fn, "profile", name_or_file,
                  "a profile name or a JSON file (it is a directory, and no " + name_or_file +
                      ".json is in " + searched + ")");
  }
  throw_invalid(
      fn, "profile", name_or_file,
      "a JSON file or a name NAME with NAME.json in " + searched + " (or in $PARCAE_PROFILE_DIR)");
}

/// resolve_profile_path over profile_search_dirs().
inline std::string resolve_profile_path(const std::string& name_or_file) {
  return resolve_profile_path(name_or_file, profile_search_dirs());
}

/// Loads a profile by name (searched in `dirs`) or by file.
inline model_profile load_profile(const std::string& name_or_file,
                                  const std::vector<std::string>& dirs) {
  return load_profile_file(resolve_profile_path(name_or_file, dirs));
}

/// Loads a profile by name (searched in profile_search_dirs()) or by file.
inline model_profile load_profile(const std::string& name_or_file) {
  return load_profile(name_or_file, profile_search_dirs());
}

/// The names NAME of every NAME.json in `dirs`, sorted, each once (the first directory that has
/// a name is the one load_profile reads). Directories that do not exist are skipped.
inline std::vector<std::string> shipped_profile_names(const std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::filesystem::path& p = it->path();
      std::error_code file_ec;
      if (p.extension() == ".json" && std::filesystem::is_regular_file(p, file_ec)) {
        names.push_back(p.stem().string());
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

/// shipped_profile_names over profile_search_dirs().
inline std::vector<std::string> shipped_profile_names() {
  return shipped_profile_names(profile_search_dirs());
}

}  // namespace parcae::perf
