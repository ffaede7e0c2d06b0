#!/usr/bin/env bash
# Creates mint-recorder's topics (topics.tsv, beside this script) and configures the workers' share group.
# Idempotent: safe to run on every `docker compose up` and as a Kubernetes Job.
#
#   KAFKA_BOOTSTRAP_SERVERS  broker to talk to (default localhost:9092)
#   REPLICATION_FACTOR       replicas per topic (default 1: the single-node compose broker; use 3 in production)
#   KAFKA_BIN                where the Kafka CLI scripts are (default /opt/kafka/bin, as in the apache/kafka image)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}"
rf="${REPLICATION_FACTOR:-1}"
bin="${KAFKA_BIN:-/opt/kafka/bin}"
# Topics.WORKER_SHARE_GROUP and Topics.JOBS_BROKER_DLQ.
group="mint-recorder-workers"
broker_dlq="dlq.recording.jobs"

echo "kafka-init: waiting for $bootstrap"
for _ in $(seq 1 60); do
  "$bin/kafka-broker-api-versions.sh" --bootstrap-server "$bootstrap" >/dev/null 2>&1 && break
  sleep 2
done

# Share groups (KIP-932) are on by default from Kafka 4.2; on 4.1 the share.version feature must be raised.
if "$bin/kafka-features.sh" --bootstrap-server "$bootstrap" describe 2>/dev/null \
    | grep -Eq 'Feature: share.version[[:space:]]+SupportedMinVersion: [0-9]+[[:space:]]+SupportedMaxVersion: [1-9][0-9]*[[:space:]]+FinalizedVersionLevel: 0'; then
  echo "kafka-init: enabling share groups (share.version=1)"
  "$bin/kafka-features.sh" --bootstrap-server "$bootstrap" upgrade --feature share.version=1
fi

while IFS=$'\t' read -r name partitions configs; do
  case "$name" in ''|'#'*) continue ;; esac
  args=(--bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name"
        --partitions "$partitions" --replication-factor "$rf")
  if [ "$configs" != "-" ]; then
    IFS=',' read -ra pairs <<<"$configs"
    for kv in "${pairs[@]}"; do args+=(--config "$kv"); done
  fi
  if [ "$rf" -gt 1 ]; then args+=(--config "min.insync.replicas=$((rf - 1))"); fi
  "$bin/kafka-topics.sh" "${args[@]}"
  echo "kafka-init: topic $name ($partitions partitions${configs:+, $configs})"
done <"$here/topics.tsv"

# The default, latest, silently skips jobs produced before the group's first fetch.
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type groups --entity-name "$group" \
  --add-config share.auto.offset.reset=earliest
echo "kafka-init: share group $group reads from the earliest offset"

# KIP-1191: the broker copies jobs that exhaust the delivery limit to $broker_dlq. Older brokers reject the keys.
if "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type groups --entity-name "$group" \
    --add-config "errors.deadletterqueue.topic.name=$broker_dlq,errors.deadletterqueue.copy.record.enable=true"; then
  echo "kafka-init: poison jobs are archived to $broker_dlq"
else
  echo "kafka-init: WARNING: this broker has no share-group dead-letter topic (KIP-1191); poison jobs are only archived" >&2
fi
echo "kafka-init: done"
