import { describe, expect, it } from 'vitest';
import { hmac, keysOf, saltedPassword, xor } from '../../src/gateway/postgres/scram.js';
import { ScramClient } from '../../src/gateway/postgres/scram-client.js';
import { ScramServer, scramVerifier } from '../../src/gateway/postgres/scram-server.js';

describe('SCRAM-SHA-256', () => {
  it('computes the RFC 7677 example proof and server signature', () => {
    const salted = saltedPassword('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const { clientKey, storedKey, serverKey } = keysOf(salted);
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    expect(xor(clientKey, hmac(storedKey, authMessage)).toString('base64')).toBe(
      'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(hmac(serverKey, authMessage).toString('base64')).toBe(
      '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    );
  });

  it('authenticates a client that knows the password, and both sides verify each other', () => {
    const server = new ScramServer(scramVerifier('s3cret'));
    const client = new ScramClient('s3cret');
    const final = server.final(client.final(server.first(client.first())));
    expect(final).toMatch(/^v=/);
    expect(() => client.verify(final!)).not.toThrow();
  });

  it('refuses a wrong password, a forged server, and channel binding', () => {
    const server = new ScramServer(scramVerifier('s3cret'));
    const wrong = new ScramClient('guess');
    expect(server.final(wrong.final(server.first(wrong.first())))).toBeUndefined();
    const client = new ScramClient('s3cret');
    const other = new ScramServer(scramVerifier('s3cret'));
    client.final(other.first(client.first()));
    expect(() => client.verify('v=AAAA')).toThrow(/signature/);
    expect(() => new ScramServer(scramVerifier('x')).first('p=tls-server-end-point,,n=,r=abc')).toThrow(
      /channel binding/,
    );
  });
});
