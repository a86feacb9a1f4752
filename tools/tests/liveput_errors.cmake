# Bad input to `parcae liveput`: each case exits with status 2 and names the problem.
include(${CMAKE_CURRENT_LIST_DIR}/common/cli.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})

set(base liveput --profile gpt-1.5b --nodes 32)
expect_error("--config is \"4-8\", but must be DxP or D,P" ${base} --config 4-8 --preempt 1)
# Two 10-digit factors: rejected by size, not by an overflowing product (found by the fuzzer).
expect_error("--config is \"0999199918,9999999999\", but must be DxP or D,P"
             ${base} --config 0999199918,9999999999 --preempt 1)
expect_error("key.d*key.p is 40, but must be <= key.n*gpus_per_instance = 32"
             ${base} --config 5x8 --preempt 1)
expect_error("key.n_out is 33, but must be in [0, 32]" ${base} --config 4x8 --preempt 33)
expect_error("--method 'fast' must be exact or mc" ${base} --config 4x8 --preempt 1 --method fast)
expect_error("--model 'storms' must be uniform or zones:W1,W2,..."
             ${base} --config 4x8 --preempt 1 --model storms)
expect_error("zone weight 'x' is not a number" ${base} --config 4x8 --preempt 1 --model zones:1,x
             --method mc)
expect_error("weights[1] is -2, but must be >= 0" ${base} --config 4x8 --preempt 1
             --model zones:1,-2 --method mc)
expect_error("--method exact needs --model uniform" ${base} --config 4x8 --preempt 1
             --model zones:1,1)
expect_error("old_config.p is 60, but must be in [1, "
             liveput --profile gpt-1.5b --nodes 64 --config 1x60 --preempt 1)
expect_error("profile is \"no-such-model\", but must be a JSON file or a name"
             liveput --profile no-such-model --nodes 8 --config 1x8 --preempt 1)
file(WRITE ${WORK_DIR}/bad.json "{\"format\": \"parcae-liveput-table\", \"version\": 1, \"entries\": [{\"key\": {\"n\": 32}}]}")
expect_error("entries[0].key.d is missing, but must be present"
             ${base} --config 4x8 --preempt 1 --load ${WORK_DIR}/bad.json)
file(WRITE ${WORK_DIR}/truncated.json "{\"format\": \"parcae-liveput-table\", ")
expect_error("malformed JSON" ${base} --config 4x8 --preempt 1 --load ${WORK_DIR}/truncated.json)
file(WRITE ${WORK_DIR}/empty.json "{\"format\": \"parcae-liveput-table\", \"version\": 1, \"entries\": []}")
expect_error("key (32,4,8,0,1) is not in" ${base} --config 4x8 --preempt 1
             --load ${WORK_DIR}/empty.json)
