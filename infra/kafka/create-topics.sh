#!/usr/bin/env bash
# Creates mint-recorder's topics (topics.tsv, beside this script) and configures the workers' share group.
# Idempotent: safe to run on every `docker compose up` and as a Kubernetes Job.
#
#   KAFKA_BOOTSTRAP_SERVERS  broker to talk to (default localhost:9092)
#   REPLICATION_FACTOR       replicas per topic (default 1: the single-node compose broker; use 3 in production)
#   KAFKA_BIN                where the Kafka CLI scripts are (default /opt/kafka/bin, as in the apache/kafka image)
#
# A cluster with TLS or SASL (MSK, Confluent Cloud, Strimzi): the worker's own variables, KAFKA_SECURITY_PROTOCOL,
# KAFKA_SSL_TRUSTSTORE_LOCATION/_TYPE/_PASSWORD, KAFKA_SSL_KEYSTORE_LOCATION/_TYPE/_PASSWORD, KAFKA_SSL_KEY_PASSWORD,
# KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG (README.md, "Configuration"), or KAFKA_COMMAND_CONFIG, a client
# properties file of your own. Every Kafka CLI call below gets them as --command-config.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}"
rf="${REPLICATION_FACTOR:-1}"
bin="${KAFKA_BIN:-/opt/kafka/bin}"

# The client properties for TLS and SASL, from the worker's variables (each maps to one Kafka client property).
security_vars=(
  KAFKA_SECURITY_PROTOCOL=security.protocol
  KAFKA_SSL_TRUSTSTORE_LOCATION=ssl.truststore.location
  KAFKA_SSL_TRUSTSTORE_TYPE=ssl.truststore.type
  KAFKA_SSL_TRUSTSTORE_PASSWORD=ssl.truststore.password
  KAFKA_SSL_KEYSTORE_LOCATION=ssl.keystore.location
  KAFKA_SSL_KEYSTORE_TYPE=ssl.keystore.type
  KAFKA_SSL_KEYSTORE_PASSWORD=ssl.keystore.password
  KAFKA_SSL_KEY_PASSWORD=ssl.key.password
  KAFKA_SASL_MECHANISM=sasl.mechanism
  KAFKA_SASL_JAAS_CONFIG=sasl.jaas.config
)
command_config="${KAFKA_COMMAND_CONFIG:-}"
if [ -z "$command_config" ]; then
  generated="$(umask 077 && mktemp "${TMPDIR:-/tmp}/kafka-init-client.XXXXXX")"
  trap 'rm -f "$generated"' EXIT
  for pair in "${security_vars[@]}"; do
    var="${pair%%=*}"; property="${pair#*=}"; value="${!var:-}"
    if [ -n "$value" ]; then
      # A .properties value: backslashes doubled (the format's escape character).
      printf '%s=%s\n' "$property" "${value//\\/\\\\}" >>"$generated"
    fi
  done
  if [ -s "$generated" ]; then command_config="$generated"; fi
fi
cc=()
if [ -n "$command_config" ]; then
  cc=(--command-config "$command_config")
  echo "kafka-init: client security from ${KAFKA_COMMAND_CONFIG:-the KAFKA_SECURITY/SSL/SASL variables}"
fi
# Topics.WORKER_SHARE_GROUP and Topics.JOBS_BROKER_DLQ.
group="mint-recorder-workers"
broker_dlq="dlq.recording.jobs"

echo "kafka-init: waiting for $bootstrap"
for _ in $(seq 1 60); do
  "$bin/kafka-broker-api-versions.sh" --bootstrap-server "$bootstrap" ${cc[@]+"${cc[@]}"} >/dev/null 2>&1 && break
  sleep 2
done

# share.version gates what the workers need: 1 turns share groups on (KIP-932; the default from Kafka 4.2), 2 adds the
# broker's dead-letter topic (KIP-1191; ShareVersion.SV_2 in 4.4). A cluster formatted at 4.4 starts at 2, but one
# upgraded from 4.3 or older keeps its old level until it is raised: raise it to the highest the brokers support, up to 2.
if ! features="$("$bin/kafka-features.sh" --bootstrap-server "$bootstrap" ${cc[@]+"${cc[@]}"} describe)"; then
  echo "kafka-init: ERROR: cannot describe the cluster's features at $bootstrap" >&2
  exit 1
fi
features="$(grep -E 'Feature: share\.version[[:space:]]' <<<"$features" || true)"
supported="$(sed -nE 's/.*SupportedMaxVersion: ([0-9]+).*/\1/p' <<<"$features")"
finalized="$(sed -nE 's/.*FinalizedVersionLevel: ([0-9]+).*/\1/p' <<<"$features")"
supported="${supported:-0}"; finalized="${finalized:-0}"
wanted=$(( supported < 2 ? supported : 2 ))
if [ "$finalized" -lt "$wanted" ]; then
  echo "kafka-init: raising share.version from $finalized to $wanted"
  "$bin/kafka-features.sh" --bootstrap-server "$bootstrap" ${cc[@]+"${cc[@]}"} upgrade --feature "share.version=$wanted"
fi
if [ "$wanted" -lt 1 ]; then
  echo "kafka-init: ERROR: this cluster has no share groups (share.version supported up to $supported); the workers need Kafka 4.2+" >&2
  exit 1
elif [ "$wanted" -lt 2 ]; then
  echo "kafka-init: WARNING: share.version $wanted: no broker dead-letter topic (needs share.version 2, Kafka 4.4)" >&2
fi

while IFS=$'\t' read -r name partitions configs; do
  case "$name" in ''|'#'*) continue ;; esac
  args=(--bootstrap-server "$bootstrap" ${cc[@]+"${cc[@]}"} --create --if-not-exists --topic "$name"
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
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" ${cc[@]+"${cc[@]}"} --alter --entity-type groups --entity-name "$group" \
  --add-config share.auto.offset.reset=earliest
echo "kafka-init: share group $group reads from the earliest offset"

# KIP-1191: the broker copies jobs that exhaust the delivery limit to $broker_dlq. Older brokers reject the keys.
if "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" ${cc[@]+"${cc[@]}"} --alter --entity-type groups --entity-name "$group" \
    --add-config "errors.deadletterqueue.topic.name=$broker_dlq,errors.deadletterqueue.copy.record.enable=true"; then
  echo "kafka-init: poison jobs are archived to $broker_dlq"
else
  echo "kafka-init: WARNING: this broker has no share-group dead-letter topic (KIP-1191); poison jobs are only archived" >&2
fi
echo "kafka-init: done"
