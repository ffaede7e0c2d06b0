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
let audioRunning = false;
// The marks' instants are set by the audio: mark k is at audio sample k·3 s·48 kHz, and audio sample s leaves the
// SDK's queue at audioStartUs + s/48 kHz. The first video frame captured at or after that instant flashes and is
// stamped with the instant itself, so both marks carry the same capture time (within the audio's 10 ms ticks).
const MARK_SECONDS = 3;
const FLASH_CHROMA = 200;
const CLICK_SAMPLES = 240;
let audioStartUs = null;
let marksFlashed = 0;
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

// Video: I420, luma carries the frame number, chroma grey; paced by a timer at the requested fps.
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
videoTimer = setInterval(() => {
  const nowUs = process.hrtime.bigint() / 1000n;
  const markUs = audioStartUs === null ? null : audioStartUs + BigInt((marksFlashed + 1) * MARK_SECONDS * 1e6);
  const flash = markUs !== null && nowUs >= markUs;
  const data = new Uint8Array(lumaSize * 3 / 2);
  data.fill(flash ? FLASH_CHROMA : 128, lumaSize);
  FramePattern.encode(frames, data, opts.width, opts.width, opts.height);
  video.captureFrame(new VideoFrame(data, opts.width, opts.height, VideoBufferType.I420),
    (flash ? markUs : nowUs) - startedUs);
  if (flash) {
    marksFlashed++;
    flashFrames.push(frames);
  }
  if (frames === 0) emit('firstFrame', { number: 0 });
  frames++;
}, 1000 / opts.fps);

// Audio: mono 48 kHz sine; captureFrame resolves when the source's queue takes the frame, which paces the loop.
const audio = new AudioSource(SAMPLE_RATE, 1);
const audioTrack = LocalAudioTrack.createAudioTrack('microphone', audio);
const audioPub = await room.localParticipant.publishTrack(audioTrack, new TrackPublishOptions({
  source: TrackSource.SOURCE_MICROPHONE,
}));
emit('published', { kind: 'audio', sid: audioPub.sid, toneHz: opts.toneHz });
audioRunning = true;
const tone = (async () => {
  const samples = SAMPLE_RATE * AUDIO_FRAME_MS / 1000;
  const markEvery = SAMPLE_RATE * MARK_SECONDS;
  let phase = 0;
  let sent = 0;
  while (audioRunning) {
    const pcm = new Int16Array(samples);
    for (let i = 0; i < samples; i++) {
      const intoMark = (sent + i) % markEvery;
      pcm[i] = sent + i >= markEvery && intoMark < CLICK_SAMPLES
        ? (Math.floor(intoMark / 8) % 2 === 0 ? 28000 : -28000) // SyncMarks.clickSample
        : Math.round(Math.sin(phase) * 8000);
      phase += (2 * Math.PI * opts.toneHz) / SAMPLE_RATE;
    }
    phase %= 2 * Math.PI;
    audioStartUs ??= process.hrtime.bigint() / 1000n;
    await audio.captureFrame(new AudioFrame(pcm, SAMPLE_RATE, 1, samples));
    sent += samples;
  }
})();

const progress = setInterval(() => emit('progress', { frames, marks: marksFlashed }), 1000);

stopOn(async () => {
  clearInterval(videoTimer);
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
