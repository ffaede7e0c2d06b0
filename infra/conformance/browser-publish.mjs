// LiveKit's browser SDK (livekit-client) publishes a camera from Debian's Chromium, driven by playwright-core, with
// Chromium's fake capture device. The page is served by this script on 127.0.0.1 (loopback: a secure context for
// getUserMedia, and in the same address space as the room server, so Chromium's local network access checks let
// the page reach it, as they would a page and a server both on the internet). Usage:
//   node browser-publish.mjs --url ws://127.0.0.1:port --token T [--width 640 --height 480 --fps 15]
//     [--simulcast true|false] [--chromium /usr/bin/chromium]
// The room uses livekit-client's default RoomOptions; the camera is published with setCameraEnabled(true,
// {resolution}, {simulcast}), everything else at the SDK's defaults.
// stdout: JSON lines: `launched`, `published` (track sid, the layers announced, the sender's encodings after
// negotiation), `stats` every 2 s (outbound-rtp per rid: size, frames sent, quality limitation), `stopped` on SIGTERM.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const opts = { url: '', token: '', width: 640, height: 480, fps: 15, simulcast: true, chromium: '/usr/bin/chromium' };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const name = args[i].replace(/^--/, '');
  if (!(name in opts)) fail(`unknown option --${name}`);
  const value = args[i + 1];
  opts[name] = typeof opts[name] === 'number' ? Number(value) : typeof opts[name] === 'boolean' ? value === 'true' : value;
}
if (!opts.url || !opts.token) fail('need --url and --token');

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, t: Date.now(), ...fields }) + '\n');
}

function fail(message) {
  emit('error', { message });
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
let sdk;
try {
  sdk = readFileSync(join(here, 'node_modules/livekit-client/dist/livekit-client.umd.js'));
} catch (e) {
  fail(`livekit-client is not installed (run scripts/setup): ${e.message}`);
}
const page = '<!doctype html><html><head><script src="/livekit-client.umd.js"></script></head><body></body></html>';

const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://127.0.0.1').pathname;
  const body = path === '/livekit-client.umd.js' ? sdk : path === '/publish.html' ? page : null;
  res.writeHead(body === null ? 404 : 200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html' });
  res.end(body ?? '');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const profile = mkdtempSync(join(tmpdir(), 'mint-chromium-'));
let context;
let tab;
let timer;
let lastStats = [];
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  try {
    await tab?.evaluate(() => window.room?.disconnect());
  } catch (e) {
    emit('error', { phase: 'disconnect', message: String(e?.message ?? e) });
  }
  try {
    await context?.close();
    server.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  emit('stopped', { code, stats: lastStats });
  process.exit(code);
};
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));

try {
  // The flags of browser.mjs, plus the fake camera and microphone with permission granted (which also makes Chromium
  // gather plain host candidates rather than mDNS names).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    // Our SIGTERM handler disconnects from the room first, then closes the browser.
    handleSIGTERM: false,
    handleSIGINT: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream'],
  });
  tab = context.pages()[0] ?? await context.newPage();
  tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') emit('console', { type: m.type(), text: m.text() }); });
  tab.on('pageerror', (e) => emit('pageError', { message: String(e) }));
  emit('launched', { version: context.browser()?.version() ?? null, sdk: 'livekit-client' });
  await tab.goto(`http://127.0.0.1:${server.address().port}/publish.html`);

  const published = await tab.evaluate(async (o) => {
    const { Room } = window.LivekitClient;
    const room = new Room();
    window.room = room;
    await room.connect(o.url, o.token);
    const pub = await room.localParticipant.setCameraEnabled(true,
      { resolution: { width: o.width, height: o.height, frameRate: o.fps } }, { simulcast: o.simulcast });
    window.camera = pub.track;
    // The SDK publishes as soon as the server acknowledges the track; wait for the answer to be applied so the
    // encodings below are those negotiated.
    const deadline = Date.now() + 10000;
    while (pub.track.sender?.transport?.state !== 'connected' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      trackSid: pub.trackSid,
      simulcasted: pub.simulcasted ?? null,
      dimensions: pub.track.dimensions ?? null,
      layers: (pub.trackInfo?.layers ?? []).map((l) => ({ quality: l.quality, width: l.width, height: l.height })),
      encodings: (pub.track.sender?.getParameters().encodings ?? []).map((e) => ({ rid: e.rid ?? null,
        active: e.active, scaleResolutionDownBy: e.scaleResolutionDownBy ?? null, maxBitrate: e.maxBitrate ?? null })),
      dtls: pub.track.sender?.transport?.state ?? null,
    };
  }, { url: opts.url, token: opts.token, width: opts.width, height: opts.height, fps: opts.fps,
    simulcast: opts.simulcast });
  emit('published', published);

  const stats = () => tab.evaluate(async () => {
    const report = await window.camera.sender.getStats();
    const out = [];
    report.forEach((s) => {
      if (s.type === 'outbound-rtp') {
        out.push({ rid: s.rid ?? null, width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, framesSent: s.framesSent ?? 0,
          targetBitrate: s.targetBitrate ?? null, qualityLimitationReason: s.qualityLimitationReason ?? null,
          active: s.active ?? null });
      } else if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate !== undefined) {
        out.push({ availableOutgoingBitrate: s.availableOutgoingBitrate });
      }
    });
    return out;
  });
  timer = setInterval(async () => {
    try {
      lastStats = await stats();
      emit('stats', { outbound: lastStats });
    } catch (e) {
      emit('error', { phase: 'stats', message: String(e?.message ?? e) });
    }
  }, 2000);
} catch (e) {
  emit('error', { phase: 'publish', message: String(e?.message ?? e) });
  await stop(1);
}
