// Publishes the gateway's connection details to later steps: step outputs, and optionally the
// conventional environment variables of each client family. The password is masked first, so no
// later line of the log can show it.
import * as core from '@actions/core';
import type { ReadyInfo } from '../gateway/daemon-contract.js';
import type { Dialect } from '../sql/types.js';

/** The variables clients of `dialect` read by default (libpq, mysql/mariadb CLI, most ORMs). */
export function connectionEnv(ready: ReadyInfo, dialect: Dialect): Record<string, string> {
  const common = { DATABASE_URL: ready.url };
  if (dialect === 'postgres') {
    return {
      ...common,
      PGHOST: ready.host,
      PGPORT: String(ready.port),
      PGUSER: ready.user,
      PGPASSWORD: ready.password,
      PGDATABASE: ready.database,
    };
  }
  return {
    ...common,
    MYSQL_HOST: ready.host,
    MYSQL_TCP_PORT: String(ready.port),
    MYSQL_USER: ready.user,
    MYSQL_PWD: ready.password,
    MYSQL_DATABASE: ready.database,
  };
}

export function publishConnection(
  ready: ReadyInfo,
  dialect: Dialect,
  options: { exportEnv: boolean; transcriptPath: string },
): void {
  core.setSecret(ready.password);
  const encoded = encodeURIComponent(ready.password);
  if (encoded !== ready.password) core.setSecret(encoded);
  core.setOutput('url', ready.url);
  core.setOutput('host', ready.host);
  core.setOutput('port', String(ready.port));
  core.setOutput('user', ready.user);
  core.setOutput('password', ready.password);
  core.setOutput('transcript-path', options.transcriptPath);
  if (ready.caCert) core.setOutput('ca-cert', ready.caCert);
  if (options.exportEnv) {
    for (const [name, value] of Object.entries(connectionEnv(ready, dialect)))
      core.exportVariable(name, value);
  }
}

/**
 * Publishes the transcript's end where the artifact cannot change it: the log and step outputs
 * (the job summary shows it too). `guardrail replay --verify --head` checks a copy against it.
 */
export function publishTranscriptHead(head: string, lines: number): void {
  core.setOutput('transcript-head', head);
  core.setOutput('transcript-lines', String(lines));
  core.info(`guardrail: transcript head ${head} at line ${lines}`);
}
