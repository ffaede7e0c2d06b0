// Tails recording.status and prints each finished recording (see docs/events.md).
//
//   npm install kafkajs ajv ajv-formats      (or: npm ci --prefix infra/samples)
//   node status-consumer.mjs --bootstrap localhost:9092 --schemas contracts/src/main/resources/schemas
//
// Every event is validated against status-event.schema.json first; an event that does not validate is reported and
// skipped. `--check FILE` reads events from a file (one JSON object a line) instead of Kafka: the build's
// ConsumerSamplesTest runs it on the contract's sample events.
import { readFileSync, readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const SUPPORTED_SCHEMA = 1;
const { values: args } = parseArgs({ options: {
  bootstrap: { type: "string", default: "localhost:9092" },
  schemas: { type: "string", default: "contracts/src/main/resources/schemas" },
  group: { type: "string", default: "recording-status-printer" },
  check: { type: "string" },
} });

const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
for (const f of readdirSync(args.schemas).filter((f) => f.endsWith(".schema.json"))) {
  ajv.addSchema(JSON.parse(readFileSync(`${args.schemas}/${f}`, "utf8")));
}
const validEvent = ajv.getSchema("https://mintrecorder.dev/schemas/status-event.schema.json");

/** The line to print for a terminal event, or null. STOPPED and FAILED end the job: exactly one per job. */
export function finished(e) {
  if (e.type !== "STOPPED" && e.type !== "FAILED") return null;
  // code and recording are optional for readers: events written by older workers lack them.
  const head = `${e.type} mint=${e.mint_id} job=${e.job_id} attempt=${e.attempt} code=${e.code ?? "UNKNOWN"}`;
  const r = e.recording;
  if (!r) return `${head} (nothing recorded)`;
  return `${head} s3://${r.bucket}/${r.playlist_key} duration_s=${r.duration_s.toFixed(1)} segments=${r.segments}`
    + ` bytes=${r.bytes} dropped_frames=${r.dropped_frames} gaps=${r.gaps} resumes=${r.resumes}`
    + ` started=${r.started_at} ended=${r.ended_at}`;
}

function handle(raw) {
  let e;
  try {
    e = JSON.parse(raw);
  } catch (err) {
    console.error(`skipped: not JSON: ${err.message}`);
    return;
  }
  if (typeof e !== "object" || e === null || (e.schema ?? 0) > SUPPORTED_SCHEMA) {
    console.error(`skipped: schema ${e?.schema} is newer than ${SUPPORTED_SCHEMA}`);
    return;
  }
  if (!validEvent(e)) {
    console.error(`skipped: invalid event: ${ajv.errorsText(validEvent.errors)}`);
    return;
  }
  const line = finished(e);
  if (line) console.log(line);
}

if (args.check) {
  for (const raw of readFileSync(args.check, "utf8").split("\n")) if (raw.trim()) handle(raw);
} else {
  const { Kafka } = await import("kafkajs"); // only needed against Kafka
  const consumer = new Kafka({ brokers: [args.bootstrap] }).consumer({ groupId: args.group });
  await consumer.connect();
  await consumer.subscribe({ topic: "recording.status", fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => handle(message.value.toString()) });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => consumer.disconnect().then(() => process.exit(0)));
}
