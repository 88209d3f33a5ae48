// What result masking must know of a judged statement before it runs: its texts, whether it
// changes the catalog, and the lineage of its result columns. A statement whose lineage cannot
// be established is refused.
import { type LineageResult, SettingTaint } from '../../masking/index.js';
import { refusal } from '../refusal.js';
import type { EngineSession, Judgement } from '../session-contract.js';
import { strictFindings } from '../strict.js';
import { changesCatalog, changesSessionPath, type MaskingCatalog } from './masking-catalog.js';
import type { Replies, StatementFacts } from './replies.js';

/** What is known of a statement when masking is off or it does not run (never modified). */
const NO_FACTS: StatementFacts = Object.freeze({});

export class FactFinder {
  /** The session may have changed its search path or role (see changesSessionPath). */
  private pathChanged: boolean;
  /** Settings written by statements that read masked data: reading them back is masked. */
  private readonly settings = new SettingTaint();

  constructor(
    private readonly session: EngineSession,
    private readonly replies: Replies,
    /** `catalog` when column rules exist; `pathChanged` when start-up settings changed the search path or role. */
    private readonly masking?: { catalog?: MaskingCatalog; pathChanged?: boolean },
  ) {
    this.pathChanged = masking?.pathChanged === true;
  }

  of(text: string, j: Judgement): [Judgement, StatementFacts] | Promise<[Judgement, StatementFacts]> {
    if (!j.forward || !this.masking) return [j, NO_FACTS];
    const texts = j.analysis.statements.map((s) => s.text);
    const { catalog } = this.masking;
    if (!catalog) return [j, { texts }];
    const ddl = texts.length === 0 || texts.some(changesCatalog);
    const facts: StatementFacts = { texts, ...(ddl ? { changesCatalog: true } : {}) };
    const withLineage = (
      l: LineageResult,
    ): [Judgement, StatementFacts] | Promise<[Judgement, StatementFacts]> => {
      if (l.refuse)
        return [
          {
            ...j,
            forward: false,
            refusal: refusal('masking-refused', `masking cannot judge this statement: ${l.reason}`),
          },
          facts,
        ];
      const known: StatementFacts = { ...facts, lineage: this.settings.apply(l.statements) };
      const held = catalog.masking.config.strict
        ? strictFindings(l.statements.flatMap((s) => s.uses ?? []))
        : [];
      if (held.length === 0) return [j, known];
      const r = this.session.review(j, held, j.statement.via === 'prepared');
      return r instanceof Promise ? r.then((x) => [x, known]) : [r, known];
    };
    // Without reports from the server, a changed search path or role ($user) cannot be followed.
    if (texts.some(changesSessionPath) || texts.length === 0) this.pathChanged = true;
    const { searchPath } = this.replies;
    const l = catalog.lineage(text, {
      strict: this.replies.unseenDdl || ddl,
      ...(searchPath !== undefined ? { searchPath } : {}),
      pathUnknown: this.pathChanged && (searchPath === undefined || searchPath.includes('$user')),
    });
    return l instanceof Promise
      ? l.then(withLineage, (err: Error) =>
          withLineage({ refuse: true, reason: `the masking catalog could not be read: ${err.message}` }),
        )
      : withLineage(l);
  }
}
