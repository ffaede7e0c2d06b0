// Joins a devstack room with LiveKit's official SDK, auto-subscribe off, and subscribes to one participant's tracks
// only (setSubscribed on its publications). Counts video frames, their sizes and the frame numbers their pattern
// carries, and audio frames. Usage:
//   node subscribe.mjs --url ws://… --token JWT --target IDENTITY [--maxWidth 0 --maxHeight 0] [--hold true]
// --maxWidth/--maxHeight cap the video through the SDK's own dimension request (UpdateTrackSettings width/height).
// --hold true: wait for a line "subscribe" on stdin before subscribing (tests check nothing flows before).
// stdout: one JSON line per state change, and a `stats` line (counts so far) each second.
import { createInterface } from 'node:readline';
import { AudioStream, Room, RoomEvent, TrackKind, VideoBufferType, VideoStream } from '@livekit/rtc-node';
import { FfiRequest, livekitFfiRequest } from '@livekit/rtc-ffi-bindings';
import FramePattern from './frame-pattern.cjs';
import { connectFailed, emit, forwardSdkLogs, options, stopOn } from './lib.mjs';

const opts = options({ target: '', maxWidth: 0, maxHeight: 0, hold: false });
if (!opts.target) {
  emit('error', { phase: 'args', message: 'need --target' });
  process.exit(2);
}

const stats = {
  videoFrames: 0, audioFrames: 0, width: 0, height: 0, sizes: {},
  firstNumber: null, lastNumber: null, decoded: 0, misses: 0, outOfOrder: 0,
};
let subscribeNow = !opts.hold;
const streams = [];

const room = new Room();
room.on(RoomEvent.ConnectionStateChanged, (state) => emit('connectionState', { state }));
room.on(RoomEvent.Disconnected, (reason) => emit('disconnected', { reason }));
room.on(RoomEvent.ParticipantConnected, (p) => emit('participantConnected', { identity: p.identity }));
room.on(RoomEvent.ParticipantDisconnected, (p) => emit('participantDisconnected', { identity: p.identity }));
room.on(RoomEvent.TrackPublished, (pub, p) => {
  emit('trackPublished', { identity: p.identity, sid: pub.sid, kind: kindName(pub.kind), width: pub.width, height: pub.height });
  if (p.identity === opts.target && subscribeNow) subscribe(pub);
});
room.on(RoomEvent.TrackSubscriptionFailed, (sid, p, reason) => emit('subscriptionFailed', { sid, identity: p.identity, reason }));
room.on(RoomEvent.TrackSubscribed, (track, pub, p) => {
  emit('trackSubscribed', { identity: p.identity, sid: pub.sid, kind: kindName(track.kind) });
  if (track.kind === TrackKind.KIND_VIDEO) {
    capVideo(pub);
    consumeVideo(new VideoStream(track));
  } else {
    consumeAudio(new AudioStream(track));
  }
});

function kindName(kind) {
  return kind === TrackKind.KIND_VIDEO ? 'video' : kind === TrackKind.KIND_AUDIO ? 'audio' : String(kind);
}

const requested = new Set();
function subscribe(pub) {
  if (requested.has(pub.sid)) return;
  requested.add(pub.sid);
  pub.setSubscribed(true);
  emit('subscribeRequested', { sid: pub.sid, kind: kindName(pub.kind) });
}

function subscribeTarget() {
  subscribeNow = true;
  const target = [...room.remoteParticipants.values()].find((p) => p.identity === opts.target);
  if (!target) {
    emit('targetMissing', { identity: opts.target });
    return;
  }
  for (const pub of target.trackPublications.values()) subscribe(pub);
}

/** The Rust core's "set video dimensions" request, which rtc-node 1.1.0 has in its FFI but does not wrap. */
function capVideo(pub) {
  if (!opts.maxWidth || !opts.maxHeight) return;
  livekitFfiRequest(new FfiRequest({
    message: {
      case: 'updateRemoteTrackPublicationDimension',
      value: { trackPublicationHandle: pub.ffiHandle.handle, width: opts.maxWidth, height: opts.maxHeight },
    },
  }).toBinary());
  emit('videoCapped', { sid: pub.sid, width: opts.maxWidth, height: opts.maxHeight });
}

async function consumeVideo(stream) {
  streams.push(stream);
  for await (const { frame } of stream) {
    stats.videoFrames++;
    stats.width = frame.width;
    stats.height = frame.height;
    const size = `${frame.width}x${frame.height}`;
    stats.sizes[size] = (stats.sizes[size] ?? 0) + 1;
    const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
    const number = FramePattern.decode(i420.data, frame.width, frame.width, frame.height);
    if (number === null) {
      stats.misses++;
      continue;
    }
    if (stats.lastNumber !== null && number <= stats.lastNumber) stats.outOfOrder++;
    stats.firstNumber ??= number;
    stats.lastNumber = number;
    stats.decoded++;
    if (stats.videoFrames === 1) emit('firstVideoFrame', { width: frame.width, height: frame.height, number });
  }
}

async function consumeAudio(stream) {
  streams.push(stream);
  for await (const frame of stream) {
    if (stats.audioFrames === 0) emit('firstAudioFrame', { sampleRate: frame.sampleRate, channels: frame.channels });
    stats.audioFrames++;
  }
}

try {
  const connecting = room.connect(opts.url, opts.token, { autoSubscribe: false, dynacast: false });
  forwardSdkLogs();
  await connecting;
} catch (e) {
  connectFailed(e);
  await new Promise(() => {});
}
emit('connected', {
  room: room.name, identity: room.localParticipant.identity,
  participants: [...room.remoteParticipants.values()].map((p) => p.identity),
});
if (subscribeNow) {
  subscribeTarget();
} else {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'subscribe') subscribeTarget();
  });
}

const progress = setInterval(() => emit('stats', { ...stats }), 1000);

stopOn(async () => {
  clearInterval(progress);
  await room.disconnect();
  await Promise.allSettled(streams.map((s) => s.cancel?.()));
  return { ...stats };
});
