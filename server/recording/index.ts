export { createRecorder, type RecordingMetadata } from './recorder.js';
export { createRecordingApi, createRecordingPage } from './routes.js';
export type { RecordedSession, RecordingStart, RecordingStarter, SessionRecording } from './recording.js';
