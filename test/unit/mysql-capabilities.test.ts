// MariaDB's extended capabilities in the connection-phase packets, and the extended metadata
// field of column definitions: read only where CLIENT_MYSQL says they count, written where
// they were read, and a column definition parsed with the wrong expectation fails instead of
// yielding a wrong type.
import { describe, expect, it } from 'vitest';
import { MariaCap } from '../../src/gateway/mysql/capabilities.js';
import { ProtocolError, Writer } from '../../src/gateway/mysql/codec.js';
import { Cap } from '../../src/gateway/mysql/constants.js';
import {
  greetingPayload,
  handshakeResponsePayload,
  parseGreeting,
  parseHandshakeResponse,
  sslRequestPayload,
} from '../../src/gateway/mysql/handshake.js';
import { parseColumnDef } from '../../src/gateway/mysql/result-rows.js';

const BASE = Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH | Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA;
const ALL = 0x3f;

function greeting(capabilities: number, mariadbCapabilities: number) {
  return {
    serverVersion: '5.5.5-10.11.19-MariaDB',
    connectionId: 7,
    scramble: Buffer.alloc(20, 0x41),
    capabilities,
    mariadbCapabilities,
    charset: 45,
    status: 2,
    plugin: 'mysql_native_password',
  };
}

function response(capabilities: number, mariadbCapabilities: number) {
  return {
    capabilities,
    mariadbCapabilities,
    maxPacket: 1 << 24,
    charset: 45,
    user: 'u',
    authResponse: Buffer.alloc(20, 1),
    plugin: 'mysql_native_password',
  };
}

describe('extended capabilities in the handshake', () => {
  it('a MariaDB greeting (CLIENT_MYSQL clear) carries them; a MySQL one does not', () => {
    expect(parseGreeting(greetingPayload(greeting(BASE, ALL))).mariadbCapabilities).toBe(ALL);
    const mysql = parseGreeting(greetingPayload(greeting(BASE | Cap.LONG_PASSWORD, ALL)));
    expect(mysql.mariadbCapabilities).toBe(0);
    // The bytes stay filler: the scramble and the plugin still parse.
    expect(mysql.scramble).toEqual(Buffer.alloc(20, 0x41));
    expect(mysql.plugin).toBe('mysql_native_password');
  });

  it('a handshake response and an SSLRequest carry them only without CLIENT_MYSQL', () => {
    const asked = MariaCap.EXTENDED_METADATA | MariaCap.STMT_BULK_OPERATIONS;
    expect(parseHandshakeResponse(handshakeResponsePayload(response(BASE, asked))).mariadbCapabilities).toBe(
      asked,
    );
    const mysql = parseHandshakeResponse(handshakeResponsePayload(response(BASE | Cap.LONG_PASSWORD, asked)));
    expect(mysql.mariadbCapabilities).toBe(0);
    expect(mysql.user).toBe('u');
    const ssl = sslRequestPayload(BASE | Cap.SSL, asked, 1 << 24, 45);
    expect(ssl.length).toBe(32);
    expect(ssl.readUInt32LE(28)).toBe(asked);
    expect(sslRequestPayload(BASE | Cap.SSL | Cap.LONG_PASSWORD, asked, 1 << 24, 45).readUInt32LE(28)).toBe(
      0,
    );
  });
});

/** A column definition as MariaDB sends it, with the metadata field when given. */
function columnDef(metadata?: [number, string][]): Buffer {
  const w = new Writer();
  for (const s of ['def', 'app', 't', 't', 'doc', 'doc']) w.lenencBytes(Buffer.from(s));
  if (metadata) {
    const m = new Writer();
    for (const [k, v] of metadata) m.u8(k).lenencBytes(Buffer.from(v));
    w.lenencBytes(m.payload());
  }
  return w.u8(0x0c).u16(45).u32(0xffffffff).u8(252).u16(0x90).u8(0).zeros(2).payload();
}

describe('the extended metadata field of a column definition', () => {
  it('gives the type name and the format', () => {
    expect(parseColumnDef(columnDef([[1, 'json']]), true)).toMatchObject({
      name: 'doc',
      orgTable: 't',
      charset: 45,
      type: 252,
      format: 'json',
    });
    expect(parseColumnDef(columnDef([[0, 'uuid']]), true)).toMatchObject({ type: 252, typeName: 'uuid' });
    const plain = parseColumnDef(columnDef([]), true);
    expect(plain).toMatchObject({ type: 252, charset: 45 });
    expect(plain.typeName).toBeUndefined();
    expect(plain.format).toBeUndefined();
    // An entry of a kind not known yet is skipped.
    expect(
      parseColumnDef(
        columnDef([
          [7, 'x'],
          [0, 'inet6'],
        ]),
        true,
      ).typeName,
    ).toBe('inet6');
  });

  it('is not read where it was not negotiated, and a mismatch fails rather than misreads', () => {
    const without = parseColumnDef(columnDef(), false);
    expect(without).toMatchObject({ name: 'doc', charset: 45, type: 252 });
    expect(without.format).toBeUndefined();
    expect(() => parseColumnDef(columnDef([[1, 'json']]), false)).toThrow(ProtocolError);
    expect(() => parseColumnDef(columnDef(), true)).toThrow(ProtocolError);
  });
});
