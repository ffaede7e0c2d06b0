/**
 * The recording pipeline: the one owner of each recording ({@link dev.mintrecorder.worker.pipeline.RoomRecording},
 * like LiveKit Egress's {@code pipeline/controller.go}) and the process-wide resources it shares
 * ({@link dev.mintrecorder.worker.pipeline.PipelineSessionFactory}).
 *
 * <p>A frame flows: room ({@code room.RoomSession}: signal, subscriber peer connection, bounded queues) → encoder
 * ({@code media.RoomEncoder}: x264 + AAC, segment muxer) → sink ({@code storage.MultipartSegmentSink}: one multipart
 * upload per segment) → index ({@code storage.RecordingIndex}: manifest.json and index.m3u8). {@code WorkerMain}
 * builds the factory with its dependencies (meter registry, memory-governor room registry) and hands it to the job
 * engine.
 */
package dev.mintrecorder.worker.pipeline;
