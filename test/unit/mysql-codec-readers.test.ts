// The MySQL codec's readers of COM_STMT_* commands and EOF packets, on well-formed and short
// packets; and the COM_STMT_EXECUTE header, whose short form is refused, not read past.
import { describe, expect, it } from 'vitest';
import {
  ProtocolError,
  readEofStatus,
  readLongData,
  readStatementId,
  STMT_EXECUTE_PARAMS,
} from '../../src/gateway/mysql/codec.js';
import { Com } from '../../src/gateway/mysql/constants.js';
import { decodeExecuteParams } from '../../src/gateway/mysql/params.js';

const execute = Buffer.from([Com.STMT_EXECUTE, 7, 0, 0, 0, 0, 1, 0, 0, 0]);

describe('readStatementId', () => {
  it('reads the little-endian id after the command byte', () => {
    expect(readStatementId(execute)).toBe(7);
    expect(readStatementId(Buffer.from([Com.STMT_CLOSE, 0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff);
  });
  it('is undefined when the packet is too short to hold one', () => {
    for (let n = 0; n < 5; n++) expect(readStatementId(execute.subarray(0, n))).toBeUndefined();
  });
});

describe('readLongData', () => {
  it('reads the parameter and the chunk size', () => {
    const p = Buffer.concat([Buffer.from([Com.STMT_SEND_LONG_DATA, 1, 0, 0, 0, 2, 1]), Buffer.from('hello')]);
    expect(readLongData(p)).toEqual({ param: 258, bytes: 5 });
    expect(readLongData(p.subarray(0, 7))).toEqual({ param: 258, bytes: 0 });
  });
  it('is undefined without a parameter number', () => {
    const p = Buffer.from([Com.STMT_SEND_LONG_DATA, 1, 0, 0, 0, 2]);
    expect(readLongData(p)).toBeUndefined();
  });
});

describe('readEofStatus', () => {
  it('reads the status flags after the warnings, or 0 when cut short', () => {
    const eof = Buffer.from([0xaa, 0xfe, 0, 0, 0x22, 0x00]);
    expect(readEofStatus(eof, 1, 5)).toBe(0x22);
    expect(readEofStatus(eof, 1, 4)).toBe(0);
  });
});

describe('COM_STMT_EXECUTE header', () => {
  it('ends where the parameters start; a shorter packet is a protocol error', () => {
    expect(STMT_EXECUTE_PARAMS).toBe(execute.length);
    expect(decodeExecuteParams(execute, { count: 0, longData: new Map() })).toEqual({
      values: [],
      exact: true,
    });
    expect(() => decodeExecuteParams(execute.subarray(0, 9), { count: 0, longData: new Map() })).toThrow(
      ProtocolError,
    );
  });
});
