# CLI test of `parcae trace stats` (ctest cli_trace_stats): the p3 numbers in text and JSON, every
# trace shape, the interval option, and bad input (exit code 2, a message naming file and line).
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_tool out_var code_var)
  execute_process(COMMAND ${PARCAE} ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE code)
  set(${out_var} "${out}${err}" PARENT_SCOPE)
  set(${code_var} "${code}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "expected '${needle}' in the output:\n${text}")
  endif()
endfunction()

function(expect_json json expected)
  string(JSON value GET "${json}" ${ARGN})
  if(NOT value STREQUAL expected)
    message(FATAL_ERROR "JSON ${ARGN} is '${value}', expected '${expected}'")
  endif()
endfunction()

set(p3 ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv)

# Text output on the p3 trace.
run_tool(out code trace stats ${p3})
if(NOT code EQUAL 0)
  message(FATAL_ERROR "trace stats p3 failed (${code}):\n${out}")
endif()
expect_contains("${out}" "(events, 344 changes, named nodes)")
expect_contains("${out}" "duration   40920 s (11.37 h)")
expect_contains("${out}" "intervals  683 of 60 s")
expect_contains("${out}" "max 32 (at the end of each interval); 10 at the end")
expect_contains("${out}" "added      177 instances in 84 events")
expect_contains("${out}" "removed    167 instances in 79 events")
expect_contains("${out}" "    0         60        27.7   15   32          11     36              7       21")
expect_contains("${out}" "   11         23        13.0   10   14           0      0              3        4")

# JSON output: the same numbers, one object.
run_tool(out code trace stats ${p3} --json)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "trace stats --json failed (${code}):\n${out}")
endif()
expect_json("${out}" 683 intervals)
expect_json("${out}" 32 alive max)
expect_json("${out}" 10 alive final)
expect_json("${out}" 177 added instances)
expect_json("${out}" 84 added events)
expect_json("${out}" 167 removed instances)
expect_json("${out}" 79 removed events)
expect_json("${out}" events format)
expect_json("${out}" 60.0 interval_seconds)
string(JSON hours LENGTH "${out}" hours)
if(NOT hours EQUAL 12)
  message(FATAL_ERROR "expected 12 hour rows, got ${hours}")
endif()
expect_json("${out}" 36 hours 0 added instances)

# Every shape of p3 gives the same 683 intervals, 177 added, 167 removed.
foreach(case IN ITEMS "bench/traces/bamboo/p3-trace.csv;events"
                      "bench/traces/parcae/p3.csv;counts"
                      "tests/data/trace/p3_series.csv;series"
                      "tests/data/trace/p3_gap.json;json")
  list(GET case 0 path)
  list(GET case 1 format)
  foreach(flag IN ITEMS auto ${format})
    run_tool(out code trace stats ${SOURCE_DIR}/${path} --format ${flag} --json)
    if(NOT code EQUAL 0)
      message(FATAL_ERROR "trace stats ${path} --format ${flag} failed (${code}):\n${out}")
    endif()
    expect_json("${out}" ${format} format)
    expect_json("${out}" 683 intervals)
    expect_json("${out}" 177 added instances)
    expect_json("${out}" 167 removed instances)
  endforeach()
endforeach()
run_tool(out code trace stats ${SOURCE_DIR}/tests/data/trace/p3_series.csv)
expect_contains("${out}" "notes (11)")
expect_contains("${out}" "p3_series.csv:45: sample at 2024-03-01 00:51:10 is earlier")

# A replay segment: 60 intervals.
run_tool(out code trace stats ${SOURCE_DIR}/bench/traces/parcae/replay/bert/trace_hh_55_65.txt --json)
expect_json("${out}" replay format)
expect_json("${out}" 60 intervals)
expect_json("${out}" 19 removed instances)

# --interval.
run_tool(out code trace stats ${p3} --interval 120 --json)
expect_json("${out}" 342 intervals)
expect_json("${out}" 120.0 interval_seconds)

# Bad input: exit code 2 and a message naming the file and the line.
set(bad ${SOURCE_DIR}/tests/data/trace/bad)
foreach(case IN ITEMS "remove_dead.csv:5: removed node is \"node2\""
                      "unknown_event.csv:3: event is \"join\""
                      "negative_count.csv:3: alive_count is \"-1\""
                      "truncated_counts.csv:3: number of fields is \"1\""
                      "replay_remove_dead.txt:3: removed node is \"node-9\""
                      "series_non_numeric.csv:3: count is \"1 9\""
                      "json_truncated.json:3: invalid JSON"
                      "empty.csv:1: input has no records")
  string(FIND "${case}" ":" colon)
  string(SUBSTRING "${case}" 0 ${colon} name)
  run_tool(out code trace stats ${bad}/${name})
  if(NOT code EQUAL 2)
    message(FATAL_ERROR "bad file ${name}: exit code ${code}, expected 2:\n${out}")
  endif()
  expect_contains("${out}" "parcae: error: parcae::trace::read_trace: ${bad}/${case}")
endforeach()
file(WRITE ${WORK_DIR}/cut.csv "0,add,a\n60000,add,b\n120000,remo")
run_tool(out code trace stats ${WORK_DIR}/cut.csv)
if(NOT code EQUAL 2)
  message(FATAL_ERROR "truncated file: exit code ${code}, expected 2:\n${out}")
endif()
expect_contains("${out}" "cut.csv:3: number of fields is \"2\"")
run_tool(out code trace stats ${WORK_DIR}/missing.csv)
if(NOT code EQUAL 2)
  message(FATAL_ERROR "missing file: exit code ${code}, expected 2:\n${out}")
endif()
expect_contains("${out}" "path is \"${WORK_DIR}/missing.csv\", but must be a readable file")
foreach(args IN ITEMS "--interval;0" "--interval;-5" "--format;xml" "--format;events")
  run_tool(out code trace stats ${SOURCE_DIR}/bench/traces/parcae/p3.csv ${args})
  if(NOT code EQUAL 2)
    message(FATAL_ERROR "p3.csv ${args}: exit code ${code}, expected 2:\n${out}")
  endif()
  expect_contains("${out}" "parcae: error: parcae::trace::")
endforeach()
