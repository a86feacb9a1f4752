#pragma once
// The set of named instances alive while a named trace (event CSV, replay JSON-lines) is read, so
// that a reader can refuse a removal of a node that is not alive and a second addition of one
// that is. Node names are case-sensitive and compared byte for byte after trimming.

#include <cstddef>
#include <string>
#include <unordered_set>

#include "parcae/trace/detail/text.hpp"

namespace parcae::detail {

class alive_set {
 public:
  alive_set(const char* function, const std::string& source)
      : function_(function), source_(source) {}

  void add(const std::string& node, std::size_t line) {
    if (node.empty()) throw_at(function_, source_, line, "node name", node, "non-empty");
    if (!alive_.insert(node).second) {
      throw_at(function_, source_, line, "added node", node, "a node that is not alive already");
    }
  }

  void remove(const std::string& node, std::size_t line) {
    if (node.empty()) throw_at(function_, source_, line, "node name", node, "non-empty");
    if (alive_.erase(node) == 0) {
      throw_at(function_, source_, line, "removed node", node, "a node that is alive");
    }
  }

  std::size_t size() const { return alive_.size(); }

 private:
  const char* function_;
  std::string source_;
  std::unordered_set<std::string> alive_;
};

}  // namespace parcae::detail
