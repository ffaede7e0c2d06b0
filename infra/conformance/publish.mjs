// Joins a devstack room with LiveKit's official SDK and publishes a camera track carrying the devstack's
// frame-number pattern (the synthetic publisher's) and a microphone track with a sine tone. Simulcast off.
// A/V sync marks as the synthetic publisher makes them (SyncMarks): every 3 s a flash frame (chroma 200) and a
// click in the audio, at the same instant.
// Usage: node publish.mjs --url ws://… --token JWT [--width 320 --height 240 --fps 15 --toneHz 440]  (VP8)
// stdout: one JSON line per state change; SIGTERM disconnects cleanly and prints {"event":"stopped",…}.
import {
  AudioFrame, AudioSource, LocalAudioTrack, LocalVideoTrack, Room, RoomEvent, TrackPublishOptions, TrackSource,
  VideoBufferType, VideoCodec, VideoFrame, VideoSource,
} from '@livekit/rtc-node';
import { VideoEncoding } from '@livekit/rtc-ffi-bindings';
import FramePattern from './frame-pattern.cjs';
import { connectFailed, emit, forwardSdkLogs, options, stopOn } from './lib.mjs';

const opts = options({ width: 320, height: 240, fps: 15, toneHz: 440 });
const SAMPLE_RATE = 48000;
const AUDIO_FRAME_MS = 10;

const room = new Room();
room.on(RoomEvent.ConnectionStateChanged, (state) => emit('connectionState', { state }));
room.on(RoomEvent.Disconnected, (reason) => emit('disconnected', { reason }));
room.on(RoomEvent.LocalTrackSubscribed, (track) => emit('localTrackSubscribed', { sid: track.sid, kind: track.kind }));

let frames = 0;
let videoTimer;
let videoRunning = true;
let audioRunning = false;
// A/V sync marks: frame k·3 s·fps flashes, and the audio clicks at that frame's timestamp. Frames are stamped with
// their due time on a drift-free schedule (as the synthetic publisher stamps its ticks), so the flash's instant is
// known ahead and frames stay evenly spaced: a frame stamped out of step (an early flash) was measured to be lost
// between the SDK and the recorder. Audio sample s is captured at audioStartUs + s/48 kHz (within its 10 ms chunk)
// and, with the SDK's queue off, goes to libwebrtc then.
const MARK_SECONDS = 3;
const FLASH_CHROMA = 200;
const CLICK_SAMPLES = 240;
const flashFrames = [];

try {
  const connecting = room.connect(opts.url, opts.token, { autoSubscribe: false, dynacast: false });
  forwardSdkLogs();
  await connecting;
} catch (e) {
  connectFailed(e);
  await new Promise(() => {});
}
emit('connected', { room: room.name, identity: room.localParticipant.identity, sid: room.localParticipant.sid });

// Video: I420, luma carries the frame number, chroma grey; paced by a timer at the requested fps, each frame stamped
// with its due time.
const video = new VideoSource(opts.width, opts.height);
const lumaSize = opts.width * opts.height;
const videoTrack = LocalVideoTrack.createVideoTrack('camera', video);
const videoPub = await room.localParticipant.publishTrack(videoTrack, new TrackPublishOptions({
  source: TrackSource.SOURCE_CAMERA, simulcast: false, videoCodec: VideoCodec.VP8,
  // A frame-rate cap above the timer's rate: at a cap equal to it, libwebrtc drops frames that a late timer tick
  // delivers early, and the frame numbers would show gaps the recorder did not cause.
  videoEncoding: new VideoEncoding({ maxBitrate: 800_000n, maxFramerate: 2 * opts.fps }),
}));
emit('published', { kind: 'video', sid: videoPub.sid, width: opts.width, height: opts.height, fps: opts.fps });
const startedUs = process.hrtime.bigint() / 1000n;
const frameUs = 1e6 / opts.fps;
const markFrames = MARK_SECONDS * opts.fps;
const sendFrame = () => {
  if (!videoRunning) return;
  const flash = frames > 0 && frames % markFrames === 0;
  const data = new Uint8Array(lumaSize * 3 / 2);
  data.fill(flash ? FLASH_CHROMA : 128, lumaSize);
  FramePattern.encode(frames, data, opts.width, opts.width, opts.height);
  video.captureFrame(new VideoFrame(data, opts.width, opts.height, VideoBufferType.I420),
    BigInt(Math.round(frames * frameUs)));
  if (flash) flashFrames.push(frames);
  if (frames === 0) emit('firstFrame', { number: 0 });
  frames++;
  // The next frame's due time; a late tick is caught up at once, so frames keep pace with real time.
  const lateUs = Number(process.hrtime.bigint() / 1000n - startedUs) - frames * frameUs;
  videoTimer = setTimeout(sendFrame, Math.max(0, -lateUs / 1000));
};
sendFrame();

// Audio: mono 48 kHz sine, paced here on a drift-free schedule. The SDK's queue is off (queueSize 0: a frame goes to
// libwebrtc when captured). With its default 1000 ms queue, captureFrame paced the loop but the queue stayed about
// full, so audio left about a second after capture, and where the loop stood against its schedule varied by run
// (0.39 s ahead, 0.45 s behind): the click reached the devstack's relay 0.95-1.13 s after its flash (2026-12-06).
const audio = new AudioSource(SAMPLE_RATE, 1, 0);
const audioTrack = LocalAudioTrack.createAudioTrack('microphone', audio);
const audioPub = await room.localParticipant.publishTrack(audioTrack, new TrackPublishOptions({
  source: TrackSource.SOURCE_MICROPHONE,
}));
emit('published', { kind: 'audio', sid: audioPub.sid, toneHz: opts.toneHz });
audioRunning = true;
const tone = (async () => {
  const samples = SAMPLE_RATE * AUDIO_FRAME_MS / 1000;
  const audioStartUs = Number(process.hrtime.bigint() / 1000n - startedUs);
  // The sample at which mark k's click starts: its flash frame's due time on the audio's clock.
  const clickAt = (k) => Math.round((k * MARK_SECONDS * 1e6 - audioStartUs) * SAMPLE_RATE / 1e6);
  let mark = Math.max(1, Math.ceil(audioStartUs / (MARK_SECONDS * 1e6)));
  let phase = 0;
  let sent = 0;
  while (audioRunning) {
    // Sample `sent` is due at audioStartUs + sent/48 kHz; a late timer is caught up at once.
    const aheadUs = audioStartUs + sent * 1e6 / SAMPLE_RATE - Number(process.hrtime.bigint() / 1000n - startedUs);
    if (aheadUs > 0) await new Promise((resolve) => setTimeout(resolve, aheadUs / 1000));
    const pcm = new Int16Array(samples);
    for (let i = 0; i < samples; i++) {
      const intoClick = sent + i - clickAt(mark);
      pcm[i] = intoClick >= 0 && intoClick < CLICK_SAMPLES
        ? (Math.floor(intoClick / 8) % 2 === 0 ? 28000 : -28000) // SyncMarks.clickSample
        : Math.round(Math.sin(phase) * 8000);
      if (intoClick === CLICK_SAMPLES - 1) mark++;
      phase += (2 * Math.PI * opts.toneHz) / SAMPLE_RATE;
    }
    phase %= 2 * Math.PI;
    await audio.captureFrame(new AudioFrame(pcm, SAMPLE_RATE, 1, samples));
    sent += samples;
  }
})();

const progress = setInterval(() => emit('progress', { frames, marks: flashFrames.length }), 1000);

stopOn(async () => {
  videoRunning = false;
  clearTimeout(videoTimer);
  clearInterval(progress);
  audioRunning = false;
  await tone;
  const encoder = await encoderStats();
  await room.disconnect();
  await video.close?.();
  await audio.close?.();
  return { frames, encoder, flashFrames };
});

/**
 * What libwebrtc did with the captured frames: frames the video source took, and frames encoded and sent. A frame
 * captured but never encoded is a gap the publisher made, not the server or the recorder.
 */
async function encoderStats() {
  const { publisherStats } = await room.getRtcStats();
  const video = { sourceFrames: 0, framesEncoded: 0, framesSent: 0, qualityLimitationReason: null };
  for (const s of publisherStats) {
    if (s.stats.case === 'mediaSource' && s.stats.value.video) {
      video.sourceFrames += s.stats.value.video.frames ?? 0;
    } else if (s.stats.case === 'outboundRtp' && (s.stats.value.outbound?.framesEncoded ?? 0) > 0) {
      video.framesEncoded += s.stats.value.outbound.framesEncoded;
      video.framesSent += s.stats.value.outbound.framesSent ?? 0;
      video.qualityLimitationReason = s.stats.value.outbound.qualityLimitationReason ?? null;
    }
  }
  return video;
}
