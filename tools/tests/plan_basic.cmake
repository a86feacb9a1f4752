# `parcae plan` on the p3 trace for gpt-1.5b: the controller's decision at an interval with its
# step-by-step plan, in text and JSON, for the DP and the stochastic planner.
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)

set(trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv)
run_ok(out plan --profile gpt-1.5b --trace ${trace} --at 12 --horizon 4)
foreach(expected
    "plan for gpt-1.5b at interval 12 of .*p3trace.csv \\([0-9]+ alive\\), planner dp, horizon 4, forecaster naive"
    "decision: \\([0-9]+,[0-9]+\\) -> \\([0-9]+,[0-9]+\\) [a-z_]+, expected migration"
    "step  N_before  in  out  N_after  config    cost_s    samples  remaining_s"
    "\n   4  "
    "expected samples over the horizon: [0-9]+\\.[0-9]")
  if(NOT out MATCHES "${expected}")
    message(FATAL_ERROR "missing '${expected}' in:\n${out}")
  endif()
endforeach()

# JSON: H steps, every target fits the instances after its step, samples add up to the value.
run_ok(json plan --profile gpt-1.5b --trace ${trace} --at 12 --horizon 4 --json)
string(JSON n LENGTH "${json}" steps)
if(NOT n EQUAL 4)
  message(FATAL_ERROR "expected 4 steps, got ${n}: ${json}")
endif()
math(EXPR last "${n} - 1")
foreach(k RANGE ${last})
  string(JSON d GET "${json}" steps ${k} d)
  string(JSON p GET "${json}" steps ${k} p)
  string(JSON after GET "${json}" steps ${k} n_after)
  math(EXPR used "${d} * ${p}")
  if(used GREATER after)
    message(FATAL_ERROR "step ${k}: (${d},${p}) does not fit ${after} instances")
  endif()
  if(NOT d EQUAL 0 AND p LESS 6)
    message(FATAL_ERROR "step ${k}: p = ${p} is below gpt-1.5b's minimum depth 6")
  endif()
endforeach()
string(JSON d0 GET "${json}" steps 0 d)
string(JSON td GET "${json}" target d)
if(NOT d0 EQUAL td)
  message(FATAL_ERROR "the decision's target is not the plan's first step: ${json}")
endif()

# The stochastic planner over 2 forecast paths (each path's keys are estimated: kept small).
run_ok(st plan --profile gpt-1.5b --trace ${trace} --at 12 --horizon 3 --planner stochastic
       --paths 2 --samples 500)
if(NOT st MATCHES "planner stochastic" OR NOT st MATCHES "mean over the sample paths")
  message(FATAL_ERROR "unexpected stochastic output:\n${st}")
endif()

# --forecaster (default naive, as parcae sim): each model plans; an unknown one is refused.
foreach(f naive arima ets drift)
  run_ok(json plan --profile gpt-1.5b --trace ${trace} --at 30 --horizon 4 --forecaster ${f} --json)
  string(JSON got GET "${json}" forecaster)
  if(NOT got STREQUAL f)
    message(FATAL_ERROR "--forecaster ${f}: JSON says ${got}")
  endif()
endforeach()
execute_process(COMMAND ${PARCAE} plan --profile gpt-1.5b --trace ${trace} --at 3 --forecaster oracle
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "--forecaster")
  message(FATAL_ERROR "--forecaster oracle: exit ${rc}\n${out}${err}")
endif()
