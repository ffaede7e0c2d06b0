// Shared by publish.mjs and subscribe.mjs: argument parsing, one-JSON-line output, and a clean stop on SIGTERM.
import { dispose } from '@livekit/rtc-node';

/** `--name value` pairs, with URL and token also read from LIVEKIT_URL / LIVEKIT_TOKEN. */
export function options(defaults) {
  const opts = { ...defaults, url: process.env.LIVEKIT_URL, token: process.env.LIVEKIT_TOKEN };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const name = args[i].replace(/^--/, '');
    if (!(name in opts)) fail(`unknown option --${name}`);
    const value = args[++i];
    opts[name] = typeof defaults[name] === 'number' ? Number(value) : typeof defaults[name] === 'boolean' ? value === 'true' : value;
  }
  if (!opts.url || !opts.token) fail('need --url and --token (or LIVEKIT_URL and LIVEKIT_TOKEN)');
  return opts;
}

const SDK_LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'];

/**
 * The SDK's Rust core sends its log records as FFI events that rtc-node 1.1.0 drops. Print those at warn or worse
 * (or at LK_SDK_LOG=info|debug) as `sdkLog` lines: the core's complaints about the server are what a test wants to
 * see. Call right after the first room.connect() call (which creates the FFI client).
 */
export function forwardSdkLogs() {
  const max = Math.max(1, SDK_LOG_LEVELS.indexOf(process.env.LK_SDK_LOG ?? 'warn'));
  globalThis._ffiClientInstance?.on('ffi_event', (ev) => {
    if (ev.message.case !== 'logs') return;
    for (const r of ev.message.value.records) {
      if (r.level <= max) emit('sdkLog', { level: SDK_LOG_LEVELS[r.level], target: r.target, message: r.message });
    }
  });
}

/** One JSON object per line on stdout: what the Java tests read. */
export function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, t: Date.now(), ...fields }) + '\n');
}

export function fail(message) {
  emit('error', { phase: 'args', message });
  process.exit(2);
}

/** SIGTERM/SIGINT: run `stop` once (disconnect), release the SDK's native side, print `stopped`, exit 0. */
export function stopOn(stop) {
  let stopping = false;
  const handler = async (signal) => {
    if (stopping) return;
    stopping = true;
    // The SDK's native callbacks do not keep Node's event loop alive: without this timer an await that is still
    // pending when the loop empties would end the process silently, with no `stopped` line.
    const deadline = setTimeout(() => {
      emit('error', { phase: 'stop', message: 'stop did not finish within 8 s' });
      process.exit(1);
    }, 8000);
    try {
      const summary = await stop();
      await dispose();
      clearTimeout(deadline);
      emit('stopped', { signal, ...summary });
      process.exit(0);
    } catch (e) {
      emit('error', { phase: 'stop', message: String(e?.message ?? e) });
      process.exit(1);
    }
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Connect errors as the SDK reports them (ConnectError carrying the signal client's message). */
export function connectFailed(e) {
  emit('error', { phase: 'connect', name: e?.constructor?.name ?? 'Error', message: String(e?.message ?? e) });
  dispose().finally(() => process.exit(3));
}
