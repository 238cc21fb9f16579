// The Accept the gateway forwards for kubectl reads: Table forms asked for, then JSON, nothing else.
import { describe, expect, it } from 'vitest';
import { tableAccept } from '../../../server/kubectl/table-accept.js';

describe('tableAccept', () => {
  it("passes kubectl's Table request on, in its order, with plain JSON last", () => {
    expect(
      tableAccept('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'),
    ).toBe('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json');
    expect(tableAccept('application/json; g=meta.k8s.io; as=Table; v=v1')).toBe(
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    );
  });

  it('asks for plain JSON when no Table was asked for', () => {
    expect(tableAccept(undefined)).toBe('application/json');
    expect(tableAccept('application/json')).toBe('application/json');
    expect(tableAccept('*/*')).toBe('application/json');
  });

  it('drops what it does not know instead of forwarding it', () => {
    expect(tableAccept('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io')).toBe('application/json');
    expect(tableAccept('application/json;as=Table;v=v2;g=meta.k8s.io')).toBe('application/json');
    expect(tableAccept('application/json;as=Table;v=v1;g=evil.example;x=y\r\nX-Injected: 1')).toBe('application/json');
    expect(tableAccept('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io')).toBe('application/json');
  });
});
