/**
 * The schema check of the workspace pass on a second thread. The scan hands each file's text over
 * as it reads it; a worker thread (the server bundle entered again) compiles the grammar once and
 * validates the texts in order, while the main thread scans, parses and runs the rules; the pass
 * waits for a file's answer before it analyses the file, and its validator then takes the answer
 * instead of validating again. Over a workspace of 2,000 files the schema check was about half of
 * the server's CPU, all of it on the thread that also answers the editor.
 *
 * The answers are the main thread's own: the same validator (a grammar compiled from the same
 * source, localisation bounded per document only) on the same text, asked exactly when the rules
 * ask (a domain with a model, not a template). They are keyed by the schema's label and the text, so
 * a file changed since (or a schema that changed) is simply validated again on the main thread.
 * A worker that fails is logged once and not used again: the main thread validates everything.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseDomainDocument, type SchemaCheck } from '../analysis';
import type { Finding } from '../rules/types';
import { schemaValidator, type SchemaSource, type SchemaValidator } from '../schema/validator';

const TAG = 'libvirt-domain-xml:schema-prefetch';

/** Texts waiting or answered at most (characters, over all): beyond it files are validated on the main thread. */
const MAX_HELD_CHARS = 32 * 1024 * 1024;

interface Request {
  id: number;
  source: SchemaSource;
  text: string;
}

/** The worker's answer: the schema's findings, null when the rules would not ask (not a domain), or why it could not. */
interface Answer {
  id: number;
  findings?: Finding[] | null;
  error?: string;
}

/** The schema's findings on `text` exactly as runRules asks for them (a domain with a model, not a template); null otherwise. */
function schemaFindings(validator: SchemaCheck, text: string): Finding[] | null {
  const parsed = parseDomainDocument(text);
  if (parsed.template || parsed.kind !== 'domain' || !parsed.model) return null;
  return validator.validate(parsed.doc);
}

export function isSchemaPrefetchWorker(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[TAG] !== undefined;
}

/** The worker thread: requests answered one at a time, in the order they came. */
export function serveSchemaPrefetch(): void {
  const validators = new Map<string, Promise<SchemaValidator>>();
  let chain = Promise.resolve();
  parentPort!.on('message', (r: Request) => {
    chain = chain.then(async () => {
      let answer: Answer;
      try {
        let v = validators.get(r.source.label);
        if (!v) validators.set(r.source.label, (v = schemaValidator(r.source).then((x) => x.perDocument())));
        answer = { id: r.id, findings: schemaFindings(await v, r.text) };
      } catch (e) {
        answer = { id: r.id, error: String((e as Error)?.message ?? e) };
      }
      parentPort!.postMessage(answer);
    });
  });
}

interface Held {
  /** Settled when the worker has answered (or failed). */
  settled: Promise<void>;
  done?: boolean;
  findings?: Finding[] | null;
}

export class SchemaPrefetch {
  private worker?: Worker;
  private broken = false;
  private nextId = 0;
  private readonly answers = new Map<number, (a: Answer) => void>();
  /** Per schema label: text → what the worker was asked (or answered) for it. */
  private readonly held = new Map<string, Map<string, Held>>();
  private heldChars = 0;
  /** Answers taken by the main thread's validator (for the pass's log line). */
  taken = 0;
  private readonly views = new WeakMap<SchemaValidator, SchemaCheck>();

  /** `script`: the server bundle, which serves as the worker when entered on a thread (see isSchemaPrefetchWorker). */
  constructor(
    private readonly script: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Has the worker validate `text` against `source` (once per text and schema), ahead of the pass. */
  request(text: string, source: SchemaSource | undefined): void {
    if (!source || this.broken) return;
    let byText = this.held.get(source.label);
    if (byText?.has(text)) return;
    if (this.heldChars + text.length > MAX_HELD_CHARS) this.prune();
    if (this.heldChars + text.length > MAX_HELD_CHARS) return;
    const worker = this.start();
    if (!worker) return;
    if (!byText) this.held.set(source.label, (byText = new Map()));
    const id = this.nextId++;
    const entry: Held = {
      settled: new Promise<void>((resolve) => {
        this.answers.set(id, (a) => {
          if (a.error !== undefined) this.fail(a.error);
          else entry.findings = a.findings;
          entry.done = true;
          resolve();
        });
      }),
    };
    byText.set(text, entry);
    this.heldChars += text.length;
    worker.postMessage({ id, source, text } satisfies Request);
  }

  /** Settles once the worker has answered for `text` against `source`; undefined when it was not asked. */
  settled(text: string, source: SchemaSource | undefined): Promise<void> | undefined {
    return source ? this.held.get(source.label)?.get(text)?.settled : undefined;
  }

  /**
   * `validator` taking the worker's answer for a text when there is one (each answer once), else
   * validating itself. The same object for the same validator (the language service compares them).
   */
  view(validator: SchemaValidator): SchemaCheck {
    let v = this.views.get(validator);
    if (!v) {
      v = { validate: (doc) => this.take(validator.source.label, doc.text) ?? validator.validate(doc) };
      this.views.set(validator, v);
    }
    return v;
  }

  private take(label: string, text: string): Finding[] | undefined {
    const byText = this.held.get(label);
    const h = byText?.get(text);
    if (!h || h.findings === undefined || h.findings === null) return undefined;
    byText!.delete(text);
    this.heldChars -= text.length;
    this.taken++;
    return h.findings;
  }

  /** Forgets the answers not taken (files changed or opened since, or analysed before the main thread's validator was ready). */
  private prune(): void {
    for (const byText of this.held.values())
      for (const [text, h] of byText)
        if (h.done) {
          byText.delete(text);
          this.heldChars -= text.length;
        }
  }

  dispose(): void {
    this.broken = true;
    void this.worker?.terminate();
    this.worker = undefined;
    for (const answer of this.answers.values()) answer({ id: -1, findings: undefined });
    this.answers.clear();
  }

  private start(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      const w = new Worker(this.script, { workerData: { [TAG]: true } });
      w.unref(); // never what keeps the server running
      w.on('message', (a: Answer) => {
        const done = this.answers.get(a.id);
        this.answers.delete(a.id);
        done?.(a);
      });
      w.once('error', (e) => this.fail(e.message));
      w.once('exit', (code) => this.fail(`it exited (${code})`));
      this.worker = w;
      return w;
    } catch (e) {
      this.fail((e as Error).message);
      return undefined;
    }
  }

  /** The worker is not used again; every file waiting for it is validated on the main thread. */
  private fail(why: string): void {
    if (this.broken) return;
    this.log(`schema: the validation thread failed (${why}); the schema check runs on the main thread`);
    this.dispose();
  }
}
