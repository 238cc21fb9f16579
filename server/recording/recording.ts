// What a session recording is to the terminal endpoint: the endpoint starts one
// through a RecordingStarter and feeds it what the browser is shown.
import type { ExecTarget } from '../core/target.js';
import type { SessionObserver } from '../exec/terminal-session.js';

/** Whose session it is and where: kept beside the recording, and what authorises watching it. */
export interface RecordedSession extends Omit<ExecTarget, 'tty'> {
  sessionId: string;
  user: string;
  groups: string[];
}

export interface RecordingStart extends RecordedSession {
  cols: number;
  rows: number;
  startedAt: Date;
}

/** A recording of one session. */
export interface SessionRecording extends SessionObserver {
  readonly path: string;
  /** Called once if writing fails after the start. */
  onError(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

export interface RecordingStarter {
  /** Opens the files before the session starts; rejects when they cannot be written. */
  start(meta: RecordingStart): Promise<SessionRecording>;
}
