export { createRecorder, type RecordingMetadata } from './recorder.js';
export { createRecordingApi, createRecordingPage } from './routes.js';
