// The page's journal of stdin: what a resumed session missed is sent again,
// once, and what was typed while disconnected waits for the session.
import { describe, expect, it } from 'vitest';
import { InputJournal } from '../../../web/src/input-journal.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunks: Uint8Array[]) => chunks.map((chunk) => new TextDecoder().decode(chunk)).join('');

describe('InputJournal', () => {
  it('gives back what came after the bytes the gateway got, cutting a frame in two when it must', () => {
    const sentThree = () => {
      const journal = new InputJournal();
      for (const chunk of ['echo ', 'hi', '\n']) journal.recordSent(bytes(chunk));
      return journal;
    };
    const cut = sentThree().resumeAt(6);
    expect(text(cut.resend)).toBe('i\n');
    expect(cut.lostBytes).toBe(0);
    expect(text(sentThree().resumeAt(5).resend)).toBe('hi\n');
    expect(sentThree().resumeAt(8)).toEqual({ resend: [], lostBytes: 0 });
  });

  it('counts on from the gateway’s figure, so a second drop resends only what followed', () => {
    const journal = new InputJournal();
    journal.recordSent(bytes('abc'));
    const { resend } = journal.resumeAt(1);
    for (const chunk of resend) journal.recordSent(chunk);
    journal.recordSent(bytes('d'));
    expect(text(journal.resumeAt(2).resend)).toBe('cd');
  });

  it('says how much is lost when the gateway missed more than is kept', () => {
    const journal = new InputJournal(4);
    for (const chunk of ['aa', 'bb', 'cc']) journal.recordSent(bytes(chunk));
    const { resend, lostBytes } = journal.resumeAt(0);
    expect(text(resend)).toBe('bbcc');
    expect(lostBytes).toBe(2);
  });

  it('resends nothing when it cannot know (a reloaded page) and counts from the gateway’s figure', () => {
    const journal = new InputJournal();
    journal.forgetOffsets();
    journal.recordSent(bytes('ignored'));
    expect(journal.resumeAt(40).resend).toEqual([]);
    journal.recordSent(bytes('x'));
    expect(text(journal.resumeAt(40).resend)).toBe('x');
    expect(journal.resumeAt(undefined)).toEqual({ resend: [], lostBytes: 0 });
  });

  it('holds input typed while disconnected up to its limit, and hands it over once', () => {
    const journal = new InputJournal(1024, 5);
    expect(journal.hold(bytes('ls\n'))).toBe(true);
    expect(journal.hold(bytes('pwd\n'))).toBe(false);
    expect(journal.heldSize).toBe(3);
    expect(text(journal.takeHeld())).toBe('ls\n');
    expect(journal.takeHeld()).toEqual([]);
  });
});
