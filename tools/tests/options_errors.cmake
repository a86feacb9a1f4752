# Option values (issue 15, item 12): every bad value exits 2 with a message naming the option,
# parsed by the shared helpers of tools/parcae/options.hpp; input echoed into a message is
# escaped and capped.
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})

set(lv liveput --profile gpt-1.5b --nodes 32)
# 0x8 reached the library (an internal rebind_migration_cost_table message); hex is not a count.
expect_error("--config is \"0x8\", but must be DxP or D,P with whole numbers D, P >= 1"
             ${lv} --config 0x8 --preempt 1)
expect_error("--config is \"0,8\", but must be DxP or D,P" ${lv} --config 0,8 --preempt 1)
expect_error("--config is \"99999999999x2\"" ${lv} --config 99999999999x2 --preempt 1)
# A negative count: a short range, not the 300 digits of DBL_MAX.
expect_error("--preempt is \"-1\", but must be a whole number in [0, 1000000]"
             ${lv} --config 4x8 --preempt -1)
expect_error("--add is \"1.5\", but must be a whole number in [0, 1000000]"
             ${lv} --config 4x8 --preempt 1 --add 1.5)
expect_error("--interval is \"-5\", but must be a number in [0.001, 1000000000]"
             ${lv} --config 4x8 --preempt 1 --interval -5)
# Seeds: -1 and 1e23 used to become UINT64_MAX.
expect_error("--seed is \"-1\", but must be a whole number in [0, 18446744073709551615]"
             ${lv} --config 4x8 --preempt 1 --method mc --seed -1)
expect_error("--seed is \"1e23\", but must be a whole number"
             ${lv} --config 4x8 --preempt 1 --method mc --seed 1e23)
expect_error("--seed is \"18446744073709551616\", but must be a whole number"
             ${lv} --config 4x8 --preempt 1 --method mc --seed 18446744073709551616)
expect_error("--seed is \"-1\", but must be a whole number"
             forecast --series ${SOURCE_DIR}/tests/data/trace/p3_intervals_artifact.csv --horizon 3
             --seed -1)
run_ok(out liveput --profile gpt-1.5b --nodes 32 --config 4x8 --preempt 2 --method mc
       --samples 500 --seed 18446744073709551615 --json)

# Sample paths x horizon: a clear error, not std::bad_alloc.
expect_error("--paths * --horizon is 10000000 * 1000 = 10000000000, but must be <= 20000000"
             forecast --trace ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv --paths 10000000
             --horizon 1000)

# Binary input is escaped (and capped) in messages: a control character never reaches the
# terminal raw.
string(ASCII 1 2 27 soh)
expect_error("--config is \"4\\x01\\x02\\x1b8\"" ${lv} --config "4${soh}8" --preempt 1)
string(REPEAT "9" 500 long)
execute_process(COMMAND ${PARCAE} ${lv} --config 4x8 --preempt ${long} RESULT_VARIABLE rc
                ERROR_VARIABLE err OUTPUT_VARIABLE out)
string(LENGTH "${err}" n)
if(NOT rc EQUAL 2 OR n GREATER 400)
  message(FATAL_ERROR "a 500-digit --preempt: exit ${rc}, ${n} bytes of message:\n${err}")
endif()
string(ASCII 1 2 ctl)
file(WRITE ${WORK_DIR}/binary.csv "0,add,a\n1${ctl},add,b\n")
expect_error("timestamp_ms is \"1\\x01\\x02\"" trace stats ${WORK_DIR}/binary.csv)

# sim and plan take --seed through the same parser (they used plain CLI11, which accepted -1
# and 1e23 silently as UINT64_MAX).
set(p3 ${SOURCE_DIR}/bench/traces/parcae/p3trace.csv)
expect_error("--seed is \"-1\", but must be a whole number"
             sim --trace ${p3} --profile gpt-1.5b --policy ideal --seed -1)
expect_error("--seed is \"1e23\", but must be a whole number"
             sim --trace ${p3} --profile gpt-1.5b --policy ideal --seed 1e23)
expect_error("--seed is \"-1\", but must be a whole number"
             plan --profile gpt-1.5b --trace ${p3} --at 3 --seed -1)
expect_error("--seed is \"1e23\", but must be a whole number"
             plan --profile gpt-1.5b --trace ${p3} --at 3 --seed 1e23)
