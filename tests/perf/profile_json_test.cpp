// Profiles as JSON (perf/profile_json.hpp): the shipped files load, every error names the field
// path, typos and repeated members are refused, files that are not profiles (directories, huge
// streams, malformed JSON) get a clear message, and writing then reading gives the same profile.
// nlohmann-json (a tools/tests dependency, never a core one) edits the documents here.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parcae/perf/builtin_profiles.hpp"
#include "parcae/perf/profile_json.hpp"

using namespace parcae::perf;

namespace {

const std::string profiles_dir = std::string(PARCAE_SOURCE_DIR) + "/profiles";

nlohmann::json shipped_json(const std::string& name) {
  std::ifstream in(profiles_dir + "/" + name + ".json");
  return nlohmann::json::parse(in);
}

model_profile parse(const nlohmann::json& doc) { return parse_profile(doc.dump(), "t.json"); }

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("parcae-profile-json-test-" + name)).string();
}

}  // namespace

TEST_CASE("profile JSON: the shipped profiles load by name, by file and from text") {
  const std::vector<std::string> names = shipped_profile_names({profiles_dir});
  CHECK(names == std::vector<std::string>{"bert", "gpt-1.5b", "gpt-6.7b", "resnet152", "vgg19"});
  for (const std::string& name : names) {
    CAPTURE(name);
    const model_profile m = load_profile(name);
    CHECK(m.name == name);
    CHECK(load_profile(profiles_dir + "/" + name + ".json").n_layers() == m.n_layers());
  }
  const model_profile gpt = load_profile("gpt-1.5b");
  CHECK(gpt.n_layers() == 50);
  CHECK(gpt.layers[1].forward_ms == 6.51);
  CHECK(gpt.restart.checkpoint_ms == 14000);
  CHECK(gpt.restart.build.size() == 49);
  CHECK(gpt.measured.size() > 0);
  // The default search includes the source tree (PARCAE_SOURCE_DIR is defined for the tests).
  const std::vector<std::string> all = shipped_profile_names();
  CHECK(std::find(all.begin(), all.end(), "gpt-6.7b") != all.end());
  // A directory that does not exist is skipped.
  CHECK(shipped_profile_names({"/nonexistent-parcae-dir", profiles_dir}).size() == 5);
}

TEST_CASE("profile JSON: errors name the field path") {
  const nlohmann::json good = shipped_json("gpt-1.5b");
  CHECK(parse(good).n_layers() == 50);
  const std::string fn = "parcae::perf::load_profile(t.json): ";

  nlohmann::json bad = good;
  bad["model"]["layers"][1]["forward_ms"] = -1;
  CHECK_THROWS_WITH_AS(parse(bad),
                       (fn + "model.layers[1].forward_ms is -1, but must be > 0").c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["model"]["layers"] = nlohmann::json::array();
  CHECK_THROWS_WITH_AS(
      parse(bad), (fn + "model.layers is [] (0 layers), but must be a non-empty array").c_str(),
      parcae::invalid_argument);
  bad = good;
  bad["model"]["layers"][1]["count"] = 0;
  CHECK_THROWS_WITH_AS(parse(bad), (fn + "model.layers[1].count is 0, but must be >= 1").c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["network"]["p2p"]["micros"][3] = "fast";
  CHECK_THROWS_WITH_AS(
      parse(bad), (fn + "network.p2p.micros[3] is \"fast\" (string), but must be a number").c_str(),
      parcae::invalid_argument);
  bad = good;
  bad["restart"].erase("proc_ms");
  CHECK_THROWS_WITH_AS(parse(bad), (fn + "restart.proc_ms is missing, but must be present").c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["measured"]["configs"][2][2] = 0;
  CHECK_THROWS_WITH_AS(parse(bad), (fn + "measured.configs[2][2] is 0, but must be > 0").c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["model"]["micro_batch"] = 1.5;
  CHECK_THROWS_WITH_AS(parse(bad),
                       (fn + "model.micro_batch is 1.5 (number), but must be an integer").c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["cluster"]["gpus_per_instance"] = 1000000000000LL;
  CHECK_THROWS_WITH_AS(
      parse(bad),
      (fn + "cluster.gpus_per_instance is 1000000000000, but must be <= 1000000000").c_str(),
      parcae::invalid_argument);
  bad = good;
  bad["format"] = "parcae-profile-2";
  CHECK_THROWS_WITH_AS(
      parse(bad), (fn + "format is \"parcae-profile-2\", but must be \"parcae-profile-1\"").c_str(),
      parcae::invalid_argument);
  bad = good;
  bad["restart"]["comm"]["kind"] = "ring";
  CHECK_THROWS_WITH_AS(parse(bad),
                       (fn + "restart.comm.kind is \"ring\", but must be \"per_group\", "
                             "\"per_gpu\" or \"stepped_by_d\"")
                           .c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["restart"]["build_ms"] = {{"table", {{"two", 5.0}}}};
  CHECK_THROWS_WITH_AS(
      parse(bad),
      (fn + "restart.build_ms.table.two is a key \"two\", but must be a pipeline depth >= 1")
          .c_str(),
      parcae::invalid_argument);
  bad = good;
  bad["network"]["p2p"]["bytes"][2] = 8;
  CHECK_THROWS_WITH_AS(
      parse(bad), (fn + "network.p2p.bytes[2] is 8, but must be > 8 (strictly increasing)").c_str(),
      parcae::invalid_argument);
  bad = good;
  bad["cluster"] = 7;
  CHECK_THROWS_WITH_AS(parse(bad), (fn + "cluster is 7 (number), but must be an object").c_str(),
                       parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_profile("[1, 2]", "t.json"),
                       (fn + "the document is [1,2] (array), but must be an object").c_str(),
                       parcae::invalid_argument);
  // Absurd times (issue 15, item 6): a layer taking 1e308 ms trained nothing yet every policy
  // reported a normal-looking share of ideal; refused, naming the field and the value.
  bad = good;
  bad["model"]["layers"][1]["forward_ms"] = 1e308;
  CHECK_THROWS_WITH_AS(parse(bad),
                       (fn + "model.layers[1].forward_ms is 1e+308, but must be <= 3600000 (an "
                             "hour per layer and micro-batch)")
                           .c_str(),
                       parcae::invalid_argument);
  bad = good;
  bad["model"]["layers"][0]["optimizer_ms"] = 4e6;
  CHECK_THROWS_WITH_AS(parse(bad), doctest::Contains("model.layers[0].optimizer_ms is 4000000"),
                       parcae::invalid_argument);
  bad = good;
  bad["measured"]["configs"][0][2] = 1e300;
  CHECK_THROWS_WITH_AS(parse(bad),
                       (fn + "measured.configs[0][2] is 1e+300, but must be <= 86400000 (a day "
                             "per iteration)")
                           .c_str(),
                       parcae::invalid_argument);
  // min_p > max_p leaves no target depth: an error naming both, not a run that trains nothing.
  bad = good;
  bad["artifact_targets"]["min_p"] = 9;
  bad["artifact_targets"]["max_p"] = 4;
  CHECK_THROWS_WITH_AS(parse(bad),
                       (fn + "artifact_targets.min_p is 9, but must be <= artifact_targets.max_p, "
                             "4 (or max_p 0: no bound); no pipeline depth would be a target")
                           .c_str(),
                       parcae::invalid_argument);
  bad["artifact_targets"]["max_p"] = 0;  // no upper bound: fine
  CHECK(parse(bad).artifact_targets.min_p == 9);
  // The same checks guard a profile built in code (model_profile::validate).
  model_profile m = parse(good);
  m.layers[2].backward_ms = 5e6;
  CHECK_THROWS_WITH_AS(m.validate("f"),
                       "f: profile.layers[2].backward_ms is 5000000, but must be <= 3600000",
                       parcae::invalid_argument);
  m = parse(good);
  m.artifact_targets.min_p = 9;
  m.artifact_targets.max_p = 4;
  CHECK_THROWS_WITH_AS(m.validate("f"),
                       "f: profile.artifact_targets.min_p is 9, but must be <= "
                       "profile.artifact_targets.max_p, 4 (or max_p 0: no bound)",
                       parcae::invalid_argument);
  // A cross-field check the JSON pass leaves to model_profile::validate.
  bad = good;
  bad["model"]["global_batch"] = 0;
  CHECK_THROWS_WITH_AS(parse(bad), (fn + "model.global_batch is 0, but must be >= 1").c_str(),
                       parcae::invalid_argument);
}

TEST_CASE("profile JSON: unknown and repeated members are refused with the known names") {
  nlohmann::json bad = shipped_json("gpt-1.5b");
  bad["model"]["layers"][0]["forwrd_ms"] = 1.0;
  CHECK_THROWS_WITH_AS(parse(bad),
                       "parcae::perf::load_profile(t.json): model.layers[0].forwrd_ms is an "
                       "unknown member, but must be one of the known names (name, count, "
                       "forward_ms, backward_ms, optimizer_ms, activation_bytes, params)",
                       parcae::invalid_argument);
  bad = shipped_json("gpt-1.5b");
  bad["modle"] = nlohmann::json::object();
  CHECK_THROWS_WITH_AS(parse(bad),
                       "parcae::perf::load_profile(t.json): modle is an unknown member, but must "
                       "be one of the known names (format, name, description, model, cluster, "
                       "network, restart, measured, artifact_targets)",
                       parcae::invalid_argument);
  bad = shipped_json("bert");
  bad["restart"]["comm"]["add_facter"] = 2;
  CHECK_THROWS_WITH_AS(parse(bad),
                       doctest::Contains("restart.comm.add_facter is an unknown member"),
                       parcae::invalid_argument);
  // "source" notes are allowed where the shipped files have them.
  nlohmann::json ok = shipped_json("gpt-1.5b");
  ok["network"]["p2p"]["source"] = "measured with nccl-tests";
  CHECK(parse(ok).p2p.n == 29);
  // The JSON text may repeat a member; a profile may not (which one would count?).
  CHECK_THROWS_WITH_AS(parse_profile(R"({"name": "a", "name": "b"})", "t.json"),
                       "parcae::perf::load_profile(t.json): name is repeated, but must be given "
                       "once",
                       parcae::invalid_argument);
}

TEST_CASE("profile JSON: values in messages are escaped and capped") {
  std::string text = shipped_json("gpt-1.5b").dump();
  const std::string from = "\"per_group\"";
  text.replace(text.find(from), from.size(), "\"\x7f\xff" + std::string(60, 'x') + "\"");
  try {
    parse_profile(text, "t.json");
    FAIL("no exception");
  } catch (const parcae::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("restart.comm.kind is \"\\x7f\\xffxxx") != std::string::npos);
    CHECK(what.find("...") != std::string::npos);
    CHECK(what.find('\x7f') == std::string::npos);
  }
}

TEST_CASE("profile JSON: files that are not profiles") {
  const char* fn = "parcae::perf::load_profile";
  // Malformed JSON names the line.
  CHECK_THROWS_WITH_AS(
      parse_profile("{\"name\": \"x\",\n \"model\": ", "t.json"),
      (std::string(fn) + ": t.json:2: invalid JSON: unexpected end of input").c_str(),
      parcae::invalid_argument);
  const std::string tmp = temp_path("malformed.json");
  { std::ofstream(tmp) << "{\"name\": \"x\", "; }
  CHECK_THROWS_WITH_AS(load_profile(tmp), doctest::Contains("invalid JSON"),
                       parcae::invalid_argument);
  std::remove(tmp.c_str());
  // A directory (used to end in basic_filebuf::underflow).
  CHECK_THROWS_WITH_AS(load_profile(profiles_dir),
                       (std::string(fn) + ": file is \"" + profiles_dir +
                        "\", but must be a profile file (it is a directory)")
                           .c_str(),
                       parcae::invalid_argument);
  // A bare name that is a directory here and no profile in the search path.
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(PARCAE_SOURCE_DIR);
  CHECK_THROWS_WITH_AS(load_profile("profiles", {"/a"}),
                       doctest::Contains("(it is a directory, and no profiles.json is in /a)"),
                       parcae::invalid_argument);
  std::filesystem::current_path(cwd);
  CHECK_THROWS_WITH_AS(load_profile_file(profiles_dir + "/"),
                       doctest::Contains("it is a directory"), parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(
      load_profile("/nonexistent/x.json"),
      (std::string(fn) + ": file is \"/nonexistent/x.json\", but must be a readable profile file")
          .c_str(),
      parcae::invalid_argument);
  // An endless stream stops at the size limit.
  CHECK_THROWS_WITH_AS(
      load_profile_file("/dev/zero"),
      (std::string(fn) + ": file is \"/dev/zero\", but must be at most 16777216 bytes (a profile "
                         "document)")
          .c_str(),
      parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(
      load_profile("no-such-profile", {"/a", "/b"}),
      (std::string(fn) + ": profile is \"no-such-profile\", but must be a JSON file or a name NAME "
                         "with NAME.json in /a, /b (or in $PARCAE_PROFILE_DIR)")
          .c_str(),
      parcae::invalid_argument);
  CHECK_THROWS_WITH_AS(load_profile(""),
                       (std::string(fn) + ": profile is \"\", but must be a profile name or a JSON "
                                          "file")
                           .c_str(),
                       parcae::invalid_argument);
}

TEST_CASE("profile JSON: $PARCAE_PROFILE_DIR is searched first") {
  const std::string dir = temp_path("dir");
  std::filesystem::create_directories(dir);
  nlohmann::json mine = shipped_json("gpt-1.5b");
  mine["name"] = "mine";
  mine["model"]["global_batch"] = 256;
  { std::ofstream(dir + "/mine.json") << mine.dump(); }
  { std::ofstream(dir + "/gpt-1.5b.json") << mine.dump(); }
  ::setenv("PARCAE_PROFILE_DIR", dir.c_str(), 1);
  CHECK(profile_search_dirs().front() == dir);
  CHECK(load_profile("mine").global_batch == 256);
  CHECK(load_profile("gpt-1.5b").name == "mine");  // the first directory wins
  const std::vector<std::string> names = shipped_profile_names();
  CHECK(std::count(names.begin(), names.end(), "gpt-1.5b") == 1);
  CHECK(std::count(names.begin(), names.end(), "mine") == 1);
  ::unsetenv("PARCAE_PROFILE_DIR");
  CHECK(load_profile("gpt-1.5b").name == "gpt-1.5b");
  std::filesystem::remove_all(dir);
}

TEST_CASE("profile JSON round trip: profile_to_json then parse_profile") {
  for (const char* name : {"gpt-1.5b", "gpt-6.7b", "bert", "resnet152", "vgg19"}) {
    CAPTURE(name);
    const model_profile a = load_profile(name);
    const model_profile b = parse_profile(profile_to_json(a), "rt");
    CHECK(b.name == a.name);
    CHECK(b.n_layers() == a.n_layers());
    CHECK(b.layer_times == a.layer_times);
    CHECK(b.layers.back().params == a.layers.back().params);
    CHECK(b.p2p.n == a.p2p.n);
    CHECK(b.p2p.micros[b.p2p.n - 1] == a.p2p.micros[a.p2p.n - 1]);
    CHECK(b.restart.build.size() == a.restart.build.size());
    CHECK(b.restart.build_ms(8) == a.restart.build_ms(8));
    CHECK(b.restart.comm.cost_ms(6, 2, true) == a.restart.comm.cost_ms(6, 2, true));
    CHECK(b.measured.size() == a.measured.size());
    CHECK(b.artifact_targets.ignore_p == a.artifact_targets.ignore_p);
    // The JSON text round-trips too, and it is valid JSON for other readers.
    CHECK(profile_to_json(b) == profile_to_json(a));
    CHECK(nlohmann::json::parse(profile_to_json(a)).is_object());
  }
  // builtin::gpt_1_5b() equals the shipped file.
  CHECK(profile_to_json(builtin::gpt_1_5b()) == profile_to_json(load_profile("gpt-1.5b")));
}
