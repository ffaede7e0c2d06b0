// Plays a recording in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) through
// player.html and hls.js, and reports what a viewer would see. Usage:
//   node browser.mjs --page http://host:port/player.html?src=/recordings/…/index.m3u8 [--playSeconds 5]
//     [--startTimeoutMs 30000] [--screenshot target/x.png] [--chromium /usr/bin/chromium] [--seekTo seconds]
// stdout: JSON lines: `launched`, `playing` (ms from page load), `result` (currentTime before/after, video size,
// the frame number decoded from a canvas grab, hls.js errors; with --seekTo, `seek`: the frame shown once playback
// has moved a second past the seek point), then `stopped`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const opts = { page: '', playSeconds: 5, startTimeoutMs: 30000, screenshot: '', chromium: '/usr/bin/chromium',
  seekTo: -1 };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const name = args[i].replace(/^--/, '');
  if (!(name in opts)) fail(`unknown option --${name}`);
  opts[name] = typeof opts[name] === 'number' ? Number(args[i + 1]) : args[i + 1];
}
if (!opts.page) fail('need --page URL');

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, t: Date.now(), ...fields }) + '\n');
}

function fail(message) {
  emit('error', { message });
  process.exit(2);
}

// The flags this machine needs (no sandbox as root, no GPU, nothing reaching out), and a fresh profile.
const profile = mkdtempSync(join(tmpdir(), 'mint-chromium-'));
let context;
const stop = async (code) => {
  try {
    await context?.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  emit('stopped', { code });
  process.exit(code);
};
process.on('SIGTERM', () => stop(143));

// Seeks as a viewer would, then waits until playback has run a second past the seek point (so the frame shown is
// one decoded after the seek, not the one before it), and grabs that frame.
async function seekAndGrab(page, to, timeoutMs) {
  await page.evaluate((t) => { document.getElementById('video').currentTime = t; }, to);
  try {
    await page.waitForFunction((t) => window.player.fatal.length > 0
        || document.getElementById('video').currentTime >= t + 1, to, { timeout: timeoutMs, polling: 100 });
  } catch (e) {
    return { to, error: String(e?.message ?? e), currentTime: await page.evaluate(() =>
        document.getElementById('video').currentTime) };
  }
  const grab = await page.evaluate(() => window.player.grabFrame());
  return { to, frameNumber: grab.number, currentTime: grab.currentTime };
}

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') emit('console', { text: m.text() }); });
  page.on('pageerror', (e) => emit('pageError', { message: String(e) }));
  emit('launched', { version: context.browser()?.version() ?? null });

  const loaded = Date.now();
  await page.goto(opts.page);
  await page.waitForFunction(() => window.player && (window.player.fatal.length > 0
      || document.getElementById('video').currentTime > 0), null, { timeout: opts.startTimeoutMs, polling: 100 });
  const startupMs = Date.now() - loaded;
  const state = () => page.evaluate(() => {
    const v = document.getElementById('video');
    return { currentTime: v.currentTime, width: v.videoWidth, height: v.videoHeight, paused: v.paused,
      ended: window.player.ended, fatal: window.player.fatal, errors: window.player.errors, levels: window.player.levels };
  });
  const first = await state();
  emit('playing', { startupMs, ...first });
  if (first.fatal.length === 0) {
    // Real time passes while the video plays; the result shows how far currentTime got.
    await page.waitForTimeout(opts.playSeconds * 1000);
  }
  const grab = await page.evaluate(() => window.player.grabFrame());
  const last = await state();
  const seek = opts.seekTo < 0 ? null : await seekAndGrab(page, opts.seekTo, opts.startTimeoutMs);
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  emit('result', { startupMs, startTime: first.currentTime, endTime: last.currentTime, width: last.width,
    height: last.height, paused: last.paused, playlistEnded: last.ended, fatal: last.fatal, errors: last.errors,
    levels: last.levels, frameNumber: grab.number, grabTime: grab.currentTime, seek,
    screenshot: opts.screenshot || null });
  await stop(0);
} catch (e) {
  emit('error', { message: String(e?.message ?? e) });
  await stop(1);
}
