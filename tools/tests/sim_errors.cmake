# parcae sim: bad input exits with status 2 and a clear message.
function(expect_error expected)
  execute_process(COMMAND ${PARCAE} sim ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "parcae sim ${ARGN}: rc ${rc}, expected '${expected}' in: ${err}")
  endif()
endfunction()
set(trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv)
expect_error("policy is \"magic\"" --trace ${trace} --profile gpt-1.5b --policy magic)
expect_error("must be a readable file" --trace ${WORK_DIR}/missing.csv --profile gpt-1.5b)
expect_error("profile" --trace ${trace} --profile no-such-model)
expect_error("--accounting must be" --trace ${trace} --profile gpt-1.5b --accounting guess)
expect_error("--concurrent is \"later\", but must be artifact or remainder" --trace ${trace}
             --profile gpt-1.5b --concurrent later)
expect_error("--hours" --trace ${trace} --profile gpt-1.5b --hours 3)
expect_error("--hours TO is 200.000, but must be at most the trace's length" --trace ${trace}
             --profile gpt-1.5b --hours 100,200)
expect_error("--hours FROM" --trace ${trace} --profile gpt-1.5b --hours nan,1)
expect_error("must be FROM,TO" --trace ${trace} --profile gpt-1.5b --hours 1,2,3)
# A cluster too small for the model: said plainly, no table of nan%.
file(WRITE ${WORK_DIR}/two.csv "0,add,a\n0,add,b\n60000,remove,a\n")
expect_error("no configuration of profile gpt-6.7b fits the trace's largest cluster, 2 instances"
             --trace ${WORK_DIR}/two.csv --profile gpt-6.7b)
expect_error("--forecaster must be" --trace ${trace} --profile gpt-1.5b --forecaster oracle)
expect_error("--first-step must be" --trace ${trace} --profile gpt-1.5b --first-step peek)
expect_error("--reaction must be" --trace ${trace} --profile gpt-1.5b --reaction guess)
expect_error("--window" --trace ${trace} --profile gpt-1.5b --window 2)
expect_error("--artifact-plans" --trace ${trace} --profile gpt-1.5b --policy ideal
             --artifact-plans ${WORK_DIR}/missing.json)
# Absurd profile values (issue 15, item 6): refused with the field and the value, not a run that
# trains nothing yet reports a normal-looking share of ideal.
file(READ ${SOURCE_DIR}/profiles/gpt-1.5b.json gpt)
string(JSON slow SET "${gpt}" model layers 1 forward_ms "1e308")
file(WRITE ${WORK_DIR}/slow.json "${slow}")
# (a regular expression here; CMake's JSON writer may print the number as 1e+308.)
expect_error("model\\.layers\\[1\\]\\.forward_ms is 1e\\+?308, but must be <= 3600000"
             --trace ${trace} --profile ${WORK_DIR}/slow.json)
string(JSON crossed SET "${gpt}" artifact_targets min_p "9")
string(JSON crossed SET "${crossed}" artifact_targets max_p "4")
file(WRITE ${WORK_DIR}/crossed.json "${crossed}")
expect_error("artifact_targets.min_p is 9, but must be <= artifact_targets.max_p, 4"
             --trace ${trace} --profile ${WORK_DIR}/crossed.json)
expect_error("--reroute is \"maybe\", but must be on or off" --trace ${trace} --profile gpt-1.5b
             --reroute maybe)
expect_error("--guard is \"maybe\", but must be on or off" --trace ${trace} --profile gpt-1.5b
             --guard maybe)
expect_error("--pareto-targets is \"all\", but must be on or off" --trace ${trace}
             --profile gpt-1.5b --pareto-targets all)
expect_error("--guard-margin is \"-1\", but must be a number in \\[0, 1000000000\\]"
             --trace ${trace} --profile gpt-1.5b --guard-margin -1)
expect_error("--guard-probation is \"0\", but must be" --trace ${trace} --profile gpt-1.5b
             --guard-probation 0)
expect_error("--guard-patience is \"0\", but must be" --trace ${trace} --profile gpt-1.5b
             --guard-patience 0)
