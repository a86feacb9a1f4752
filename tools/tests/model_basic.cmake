# `parcae model` on the shipped gpt-1.5b profile: the best configuration at N = 32 is (4,8) at
# 43.47 samples/s (parcae-artifact.md §2.1), in text and JSON, and one configuration on its own.
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)

run_ok(out model --profile gpt-1.5b --nodes 32)
foreach(expected
    "profile gpt-1.5b: 50 layers, micro-batch 1, global batch 128"
    "    4    8    32  measured     2944.7      43.47  -"
    "    2    4     8  analytic"
    "  p=8 \\(recompute\\): 3363 2417 "
    "     32  \\(4,8\\)         43.47  measured"
    "     24  \\(3,8\\)         36.83  measured"
    "      1  none")
  if(NOT out MATCHES "${expected}")
    message(FATAL_ERROR "missing '${expected}' in:\n${out}")
  endif()
endforeach()

# By file path, as JSON.
run_ok(json model --profile ${SOURCE_DIR}/profiles/gpt-1.5b.json --nodes 32 --json)
string(JSON n LENGTH "${json}" best)
string(JSON d GET "${json}" best 31 d)
string(JSON p GET "${json}" best 31 p)
string(JSON sps GET "${json}" best 31 samples_per_s)
string(JSON nodes GET "${json}" best 31 nodes)
if(NOT n EQUAL 32 OR NOT nodes EQUAL 32 OR NOT d EQUAL 4 OR NOT p EQUAL 8 OR NOT sps MATCHES "^43\\.468")
  message(FATAL_ERROR "JSON best at 32: n=${n} nodes=${nodes} d=${d} p=${p} sps=${sps}")
endif()
string(JSON stages LENGTH "${json}" configs 0 stage_memory_mb)
string(JSON p0 GET "${json}" configs 0 p)
if(NOT stages EQUAL p0)
  message(FATAL_ERROR "stage_memory_mb has ${stages} entries for p=${p0}")
endif()

run_ok(one model --profile gpt-1.5b --nodes 32 --config 4,8)
if(NOT one MATCHES "config \\(4,8\\) of gpt-1.5b: ok, 2944.7 ms/iteration, 43.47 samples/s \\(measured\\)")
  message(FATAL_ERROR "unexpected --config output:\n${one}")
endif()

# The other shipped profiles load and give the digest's best configuration at N = 32.
foreach(case "bert;\\(8,4\\) +555.71" "resnet152;\\(16,2\\) +3133.15" "vgg19;\\(16,2\\) +2191.97"
             "gpt-6.7b;\\(2,12\\) +11.10")
  list(GET case 0 name)
  list(GET case 1 expected)
  run_ok(out model --profile ${name} --nodes 32)
  if(NOT out MATCHES "     32  ${expected}")
    message(FATAL_ERROR "${name}: missing '${expected}' in:\n${out}")
  endif()
endforeach()

# PARCAE_PROFILE_DIR is searched first.
file(MAKE_DIRECTORY ${WORK_DIR})
file(READ ${SOURCE_DIR}/profiles/gpt-1.5b.json doc)
string(JSON doc SET "${doc}" name "\"renamed\"")
file(WRITE ${WORK_DIR}/mine.json "${doc}")
set(ENV{PARCAE_PROFILE_DIR} ${WORK_DIR})
run_ok(out model --profile mine --nodes 8)
if(NOT out MATCHES "profile renamed:")
  message(FATAL_ERROR "PARCAE_PROFILE_DIR not used:\n${out}")
endif()
