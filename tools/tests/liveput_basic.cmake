# `parcae liveput` on the shipped gpt-1.5b profile, key (32,4,8,0,2) (the issue's anchor key):
# 43 targets on 30 instances, exact and Monte-Carlo agree, JSON, save and load of the table.
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})

run_ok(out liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method exact)
foreach(expected
    "N=32 running \\(4,8\\), 0 joining, 2 preempted -> N'=30; model uniform, method exact \\(36 survivor vectors\\)"
    "  \\(3,8\\)           36.83    1.0000      2.228      35.46"
    "  \\(1,30\\)          32.96    1.0000     12.344      26.18"
    "liveput-optimal: \\(3,8\\) at 35.46 samples/s; throughput-optimal: \\(3,10\\) \\(T 41.50\\)")
  if(NOT out MATCHES "${expected}")
    message(FATAL_ERROR "missing '${expected}' in:\n${out}")
  endif()
endforeach()

# JSON: 43 targets; Monte-Carlo within 3 standard errors of exact for (3,8); same seed, same
# output at 1 and 2 threads.
run_ok(json liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method exact --json)
string(JSON n LENGTH "${json}" targets)
if(NOT n EQUAL 43)
  message(FATAL_ERROR "expected 43 targets, got ${n}")
endif()
string(JSON exact_cost GET "${json}" targets 11 mean_cost_s)
run_ok(mc1 liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method mc
       --samples 4000 --threads 1 --seed 5 --json)
run_ok(mc2 liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method mc
       --samples 4000 --threads 2 --seed 5 --json)
if(NOT mc1 STREQUAL mc2)
  message(FATAL_ERROR "Monte-Carlo output differs between 1 and 2 threads")
endif()
string(JSON d GET "${mc1}" targets 11 d)
string(JSON p GET "${mc1}" targets 11 p)
string(JSON mc_cost GET "${mc1}" targets 11 mean_cost_s)
string(JSON mc_se GET "${mc1}" targets 11 mean_cost_se_s)
if(NOT d EQUAL 3 OR NOT p EQUAL 8)
  message(FATAL_ERROR "target 11 is (${d},${p}), expected (3,8)")
endif()
# |mc - exact| <= 3 se, in integer micro-seconds (CMake's math is integer only).
string(REGEX REPLACE "^([0-9]+)\\.([0-9][0-9][0-9][0-9][0-9][0-9]).*" "\\1\\2" e_us "${exact_cost}000000")
string(REGEX REPLACE "^([0-9]+)\\.([0-9][0-9][0-9][0-9][0-9][0-9]).*" "\\1\\2" m_us "${mc_cost}000000")
string(REGEX REPLACE "^([0-9]+)\\.([0-9][0-9][0-9][0-9][0-9][0-9]).*" "\\1\\2" s_us "${mc_se}000000")
math(EXPR diff_us "${m_us} - ${e_us}")
if(diff_us LESS 0)
  math(EXPR diff_us "0 - ${diff_us}")
endif()
math(EXPR bound_us "3 * ${s_us} + 2")
if(diff_us GREATER bound_us)
  message(FATAL_ERROR "mc ${mc_cost} +- ${mc_se} vs exact ${exact_cost}: beyond 3 se")
endif()

# Zone-correlated model, Monte-Carlo.
run_ok(zones liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method mc
       --model zones:1,1,1,1 --samples 2000)
if(NOT zones MATCHES "model zones:1,1,1,1, method mc \\(2000 samples\\)")
  message(FATAL_ERROR "zones run:\n${zones}")
endif()

# Save the entry as a table, load it back: the same JSON.
run_ok(saved liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method exact
       --json --save ${WORK_DIR}/table.json)
run_ok(loaded liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --json
       --load ${WORK_DIR}/table.json)
string(JSON a GET "${saved}" targets)
string(JSON b GET "${loaded}" targets)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "table round trip changed the targets")
endif()
file(READ ${WORK_DIR}/table.json table)
string(JSON format GET "${table}" format)
string(JSON entries LENGTH "${table}" entries)
if(NOT format STREQUAL "parcae-liveput-table" OR NOT entries EQUAL 1)
  message(FATAL_ERROR "unexpected table file:\n${table}")
endif()
