#!/usr/bin/env python3
"""Tails recording.status and prints each finished recording (see docs/events.md).

    pip install confluent-kafka jsonschema
    python3 status_consumer.py --bootstrap localhost:9092 --schemas contracts/src/main/resources/schemas

Every event is validated against status-event.schema.json first; an event that does not validate is reported and
skipped. `--check FILE` reads events from a file (one JSON object a line) instead of Kafka: the build's
ConsumerSamplesTest runs it on the contract's sample events.
"""
import argparse, json, pathlib, sys

from jsonschema import Draft202012Validator

SUPPORTED_SCHEMA = 1


def validator(schema_dir):
    schemas = {p.name: json.loads(p.read_text()) for p in pathlib.Path(schema_dir).glob("*.schema.json")}
    main_schema = schemas["status-event.schema.json"]
    checker = Draft202012Validator.FORMAT_CHECKER
    try:
        from referencing import Registry, Resource  # jsonschema 4.18 and later
    except ImportError:  # older jsonschema (Debian 12's 4.10): the same through a resolver
        from jsonschema import RefResolver
        resolver = RefResolver.from_schema(main_schema, store={s["$id"]: s for s in schemas.values()})
        return Draft202012Validator(main_schema, resolver=resolver, format_checker=checker)
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return Draft202012Validator(main_schema, registry=registry, format_checker=checker)


def finished(event):
    """The line to print for a terminal event, or None. STOPPED and FAILED end the job: exactly one per job."""
    kind = event["type"]
    if kind not in ("STOPPED", "FAILED"):
        return None
    # code and recording are optional for readers: events written by older workers lack them.
    code = event.get("code", "UNKNOWN")
    head = f'{kind} mint={event["mint_id"]} job={event["job_id"]} attempt={event["attempt"]} code={code}'
    r = event.get("recording")
    if r is None:
        return head + " (nothing recorded)"
    return (f'{head} s3://{r["bucket"]}/{r["playlist_key"]} duration_s={r["duration_s"]:.1f} '
            f'segments={r["segments"]} bytes={r["bytes"]} dropped_frames={r["dropped_frames"]} gaps={r["gaps"]} '
            f'resumes={r["resumes"]} started={r["started_at"]} ended={r["ended_at"]}')


def handle(raw, check):
    try:
        event = json.loads(raw)
    except ValueError as e:
        print(f"skipped: not JSON: {e}", file=sys.stderr)
        return
    if not isinstance(event, dict) or event.get("schema", 0) > SUPPORTED_SCHEMA:
        print(f"skipped: schema {event.get('schema') if isinstance(event, dict) else '?'} is newer than "
              f"{SUPPORTED_SCHEMA}", file=sys.stderr)
        return
    errors = sorted(check.iter_errors(event), key=str)
    if errors:
        print(f"skipped: invalid event: {errors[0].message}", file=sys.stderr)
        return
    line = finished(event)
    if line:
        print(line, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--schemas", default="contracts/src/main/resources/schemas")
    ap.add_argument("--group", default="recording-status-printer")
    ap.add_argument("--check", metavar="FILE", help="read events from FILE, one a line, instead of Kafka")
    args = ap.parse_args()
    check = validator(args.schemas)
    if args.check:
        for raw in pathlib.Path(args.check).read_text().splitlines():
            if raw.strip():
                handle(raw, check)
        return
    from confluent_kafka import Consumer  # only needed against Kafka

    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": True})
    consumer.subscribe(["recording.status"])
    try:
        while True:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                print(f"kafka: {msg.error()}", file=sys.stderr)
                continue
            handle(msg.value(), check)
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
