// The webterm.v1 control messages a client may send.
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../../shared/protocol.js';

describe('parseClientMessage', () => {
  it('reads resize, eof, pause, resume and token', () => {
    expect(parseClientMessage('{"type":"resize","cols":80,"rows":24}')).toEqual({
      ok: true,
      value: { type: 'resize', cols: 80, rows: 24 },
    });
    expect(parseClientMessage('{"type":"eof"}')).toEqual({ ok: true, value: { type: 'eof' } });
    expect(parseClientMessage('{"type":"pause"}')).toEqual({ ok: true, value: { type: 'pause' } });
    expect(parseClientMessage('{"type":"resume"}')).toEqual({ ok: true, value: { type: 'resume' } });
    expect(parseClientMessage('{"type":"token","token":"a.b.c"}')).toEqual({ ok: true, value: { type: 'token', token: 'a.b.c' } });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"type":"resize","cols":-1,"rows":24}', 'resize needs'],
    ['{"type":"resize","cols":80.5,"rows":24}', 'resize needs'],
    ['{"type":"resize","cols":70000,"rows":24}', 'resize needs'],
    ['{"type":"resize","cols":"80","rows":24}', 'resize needs'],
    ['{"type":"launch"}', 'unknown control message type'],
    ['{}', 'unknown control message type'],
    [`{"type":"resize","pad":"${'x'.repeat(20000)}"}`, 'longer than'],
  ])('refuses %s with a reason', (text, reason) => {
    const result = parseClientMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
