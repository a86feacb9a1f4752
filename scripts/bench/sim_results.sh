#!/usr/bin/env bash
# Regenerates the numbers of docs/results.md: every shipped model on the p3 and g4dn traces, the
# four one-hour p3 segments of the original evaluation, and the cross-check with the artifact's
# per-minute plans. Usage: scripts/bench/sim_results.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=${2:-build/sim-results}
mkdir -p "$out"
parcae="$build/tools/parcae"
p3=bench/traces/parcae/p3trace.csv
g4dn=bench/traces/bamboo/g4dn-trace.csv
res=bench/traces/parcae/liveput_res
declare -A plans=([gpt-1.5b]=gpt-1.5b_p3_gbs128_mbs1 [bert]=bert_p3_gbs1024_mbs8
                  [resnet152]=resnet152_gbs2048_mbs32 [vgg19]=vgg19_gbs2048_mbs32
                  [gpt-6.7b]=gpt-6.7b_gbs64_mbs1)
for model in gpt-1.5b bert resnet152 vgg19 gpt-6.7b; do
  echo "== $model" >&2
  "$parcae" sim --trace $p3 --profile $model --quiet --artifact-plans "$res/${plans[$model]}.json" \
    --json "$out/p3-$model.json" --plot "$out/p3-$model.svg" > "$out/p3-$model.txt"
  # The artifact's liveput-predict: decided before the interval's events, ARIMA(1,1,0) on 12
  # points, plans shrunk when undercut.
  "$parcae" sim --trace $p3 --profile $model --quiet --first-step forecast --forecaster arima \
    --reaction shrink \
    --policy parcae-predict,parcae-stochastic --artifact-plans "$res/${plans[$model]}.json" \
    --json "$out/p3-$model-artifact.json" > "$out/p3-$model-artifact.txt"
  "$parcae" sim --trace $p3 --profile $model --quiet --accounting expected --first-step forecast \
    --forecaster arima --reaction shrink --policy parcae-truth,parcae-predict \
    --json "$out/p3-$model-expected.json" \
    > "$out/p3-$model-expected.txt"
  # The default is --first-step notice (the launcher reports joins and preemptions before the
  # interval's configuration is settled); forecast = decided before them, as the artifact.
  "$parcae" sim --trace $p3 --profile $model --quiet --first-step forecast \
    --policy parcae-predict,parcae-stochastic --json "$out/p3-$model-forecast.json" \
    > "$out/p3-$model-forecast.txt"
  # Ablation of what closes the gap in the forecast setting (forecaster x reaction).
  for f in arima naive; do
    for r in shrink replan-undercut replan-preemption; do
      "$parcae" sim --trace $p3 --profile $model --quiet --first-step forecast --forecaster $f \
        --reaction $r \
        --policy parcae-predict,parcae-stochastic --json "$out/ablation-p3-$model-$f-$r.json" \
        > /dev/null
    done
  done
  "$parcae" sim --trace $p3 --profile $model --quiet --first-step forecast --forecaster arima \
    --window 60 \
    --policy parcae-predict,parcae-stochastic --json "$out/ablation-p3-$model-arima60.json" \
    > /dev/null
  # g4dn.xlarge prices (us-east-1): on-demand $0.526/h, spot about 30% of it.
  "$parcae" sim --trace $g4dn --profile $model --quiet --spot-price 0.158 --on-demand-price 0.526 \
    --json "$out/g4dn-$model.json" > "$out/g4dn-$model.txt"
  for seg in hh:5.5,6.5 hl:1.5,2.5 lh:8,9 ll:10,11; do
    "$parcae" sim --trace $p3 --profile $model --quiet --hours "${seg#*:}" \
      --json "$out/p3-${seg%%:*}-$model.json" > "$out/p3-${seg%%:*}-$model.txt"
  done
done
echo "results in $out" >&2
