/**
 * Diagnostics for the domain and pool files of the workspace that are not open (the setting
 * `libvirtDomain.workspaceDiagnostics`): the files the workspace scan and the file watcher found,
 * read from disk (../files.ts, bounded) and analysed as an open document would be. An open
 * document's own diagnostics take over while it is open.
 *
 * Passes run in the background: one over every file after the first settings and the scan (at once,
 * with the texts the scan read), again whenever what every file's findings depend on changes
 * (settings, inventories, schemas): such a pass replaces a running one. A changed peer re-checks only
 * the files sharing a LUN with it, after the running pass. A pass works in short slices and yields
 * between them, and starts no file while an open document's edit waits for its diagnostics, so those
 * are never held up. Only changed diagnostics are sent.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver';
import { readFileText } from '../files';

export interface WorkspaceDiagnosticsHost {
  isOpen(uri: string): boolean;
  /** The diagnostics of the (closed) file `uri` whose text is `text`. */
  diagnose(uri: string, text: string): Diagnostic[];
  publish(uri: string, diagnostics: Diagnostic[]): void;
  log(message: string): void;
  /** An open document has an edit whose diagnostics are not published yet: the pass waits for it. */
  editPending?(): boolean;
  /** A file's text just read: its schema check may start elsewhere, ahead of the pass (SchemaPrefetch). */
  prefetch?(uri: string, text: string): void;
  /** Settles when what `prefetch` started for this text is done; undefined when nothing was started. */
  prefetched?(uri: string, text: string): Promise<void> | undefined;
  /** How many schema checks were taken from the second thread so far (for the pass's log line). */
  schemaOnWorker?(): number;
}

export interface WorkspaceDiagnosticsOptions {
  /** Wait this long after a request before a pass starts (requests coming together make one pass). */
  delayMs: number;
  /** Work at most this long before yielding to other messages. */
  sliceMs?: number;
  /** Files larger than this are not read (their diagnostics are cleared). */
  maxFileBytes: number;
}

/** Texts kept for the next check at most (characters, over all files): beyond it files are read again. */
const MAX_KEPT_CHARS = 32 * 1024 * 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** While an edit is pending, the pass looks again this often... */
const EDIT_POLL_MS = 4;
/** ...but works a slice at least this often, so continuous typing slows the pass without stopping it. */
const MAX_EDIT_WAIT_MS = 1000;

function digest(diagnostics: Diagnostic[]): string {
  return createHash('sha1').update(JSON.stringify(diagnostics)).digest('base64');
}

export class WorkspaceDiagnostics {
  /** The domain and pool files on disk: URI → path. */
  private readonly files = new Map<string, string>();
  /** What was last published for a file that is not open (a digest), when something was. */
  private readonly shown = new Map<string, string>();
  private enabled = true;
  /** Passes wait until the first settings are applied and the scan is done. */
  private ready = false;
  private timer?: NodeJS.Timeout;
  /** Bumped by every request: a running pass stops when it sees a newer one. */
  private generation = 0;
  private readonly all = new Set<string>();
  /** Texts just read by the scan or the watcher, for the files' next check (see add). */
  private readonly texts = new Map<string, string>();
  private keptChars = 0;
  private wantAll = false;
  private disposed = false;
  /** Resolved when the pass running now (if any) has finished; for tests and measurements. */
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: WorkspaceDiagnosticsHost,
    private readonly options: WorkspaceDiagnosticsOptions,
  ) {}

  get fileCount(): number {
    return this.files.size;
  }

  has(uri: string): boolean {
    return this.files.has(uri);
  }

  /** The workspace files known (a folder deleted on disk stands for those below it). */
  uris(): IterableIterator<string> {
    return this.files.keys();
  }

  /**
   * A domain or pool file found on disk (by the scan or the watcher); checked in the next pass. `text`:
   * what was just read from it, kept (within a bound) for its next check instead of reading it again.
   */
  add(uri: string, text?: string): void {
    this.forgetText(uri);
    if (!this.files.has(uri)) {
      let path: string;
      try {
        path = fileURLToPath(uri);
      } catch {
        return;
      }
      this.files.set(uri, path);
    }
    if (text !== undefined && this.keptChars + text.length <= MAX_KEPT_CHARS) {
      this.texts.set(uri, text);
      this.keptChars += text.length;
      if (this.enabled) this.host.prefetch?.(uri, text);
    }
  }

  private forgetText(uri: string): void {
    const t = this.texts.get(uri);
    if (t === undefined) return;
    this.texts.delete(uri);
    this.keptChars -= t.length;
  }

  /** The file is gone (or no longer a domain or pool): its diagnostics go too, unless it is open. */
  remove(uri: string): void {
    this.files.delete(uri);
    this.forgetText(uri);
    this.all.delete(uri);
    this.clear(uri);
  }

  /** The file is open: its document's diagnostics replace the on-disk ones. */
  opened(uri: string): void {
    this.shown.delete(uri);
  }

  /**
   * The document was closed: its file's findings on disk, at once (or nothing when the setting is
   * off, or it is not a workspace file). Always publishes, to replace the document's diagnostics.
   */
  closed(uri: string): void {
    this.forgetText(uri); // the file may have been saved since: read it now
    const path = this.files.get(uri);
    let diagnostics: Diagnostic[] = [];
    if (path !== undefined && this.enabled) {
      try {
        diagnostics = this.host.diagnose(uri, readFileText(path, { maxBytes: this.options.maxFileBytes }).text);
      } catch {
        // unreadable now: nothing to show (the watcher reports a deletion)
      }
    }
    this.host.publish(uri, diagnostics);
    if (diagnostics.length) this.shown.set(uri, digest(diagnostics));
    else this.shown.delete(uri);
  }

  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    if (on) this.schedule();
    else {
      this.generation++;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.all.clear();
      this.wantAll = false;
      this.texts.clear();
      this.keptChars = 0;
      for (const uri of [...this.shown.keys()]) this.clear(uri);
    }
  }

  /** The first settings are applied and the scan is done: passes may run. */
  start(): void {
    if (this.ready) return;
    this.ready = true;
    this.schedule();
    this.arm(0); // nothing to wait for: the scan has just ended
  }

  /**
   * Re-checks every file in a pass soon (what findings depend on changed for all): a running pass
   * stops, the new one starts over.
   */
  schedule(): void;
  /** Re-checks these files soon, after the pass running now (if any), which goes on. */
  schedule(uris: Iterable<string>): void;
  schedule(uris?: Iterable<string>): void {
    if (this.disposed || !this.enabled) return;
    if (uris === undefined) {
      this.wantAll = true;
      this.generation++;
    } else {
      if (this.wantAll) return; // a pass over every file is to come
      const before = this.all.size;
      for (const uri of uris) if (this.files.has(uri)) this.all.add(uri);
      if (this.all.size === before) return;
    }
    if (this.ready) this.arm(this.options.delayMs);
  }

  /** A pass in `delayMs` (after the one running, if any), unless requested again meanwhile. */
  private arm(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.pass(this.generation));
    }, delayMs);
  }

  /** Whether a pass over every file is still to come (or none will: off): re-checking some files now would be wasted. */
  coversAll(): boolean {
    return !this.ready || !this.enabled || this.disposed || this.wantAll;
  }

  /** Resolves once no pass is due or running (polled by tests and the measurement). */
  async idle(): Promise<void> {
    while (this.ready && this.enabled && (this.timer || this.wantAll || this.all.size)) {
      await this.running;
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.running;
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private clear(uri: string): void {
    if (!this.shown.delete(uri)) return;
    if (!this.host.isOpen(uri)) this.host.publish(uri, []);
  }

  /** A newer pass over every file (or the setting off) stopped this pass: the files it had not done are left to that one. */
  private superseded(): void {
    if (this.enabled && !this.disposed) this.wantAll = true;
  }

  private async pass(generation: number): Promise<void> {
    if (generation !== this.generation || !this.enabled || this.disposed) return;
    const whole = this.wantAll;
    const uris = whole ? [...this.files.keys()] : [...this.all];
    this.wantAll = false;
    const passStarted = Date.now();
    this.all.clear();
    const slice = this.options.sliceMs ?? 8;
    let started = Date.now();
    let overdue = false;
    for (let i = 0; i < uris.length; i++) {
      if (generation !== this.generation || !this.enabled || this.disposed) {
        this.superseded();
        return;
      }
      // An open document's edit goes first: a file's analysis (tens of ms when large or invalid
      // under the schema) started now could hold its diagnostics past the debounce.
      if (!overdue && this.host.editPending?.()) {
        const waitStarted = Date.now();
        while (this.host.editPending() && Date.now() - waitStarted < MAX_EDIT_WAIT_MS)
          await new Promise((r) => setTimeout(r, EDIT_POLL_MS));
        overdue = this.host.editPending(); // waited long enough: a slice now, whatever comes
        started = Date.now();
        if (generation !== this.generation || !this.enabled || this.disposed) {
          this.superseded();
          return;
        }
      }
      const uri = uris[i];
      const path = this.files.get(uri);
      if (path === undefined || this.host.isOpen(uri)) continue;
      let text = this.texts.get(uri);
      if (text !== undefined) this.forgetText(uri);
      else {
        try {
          text = readFileText(path, { maxBytes: this.options.maxFileBytes }).text;
        } catch {
          text = undefined;
        }
      }
      // Checked again after the read: the document may have been opened, or the pass superseded, meanwhile.
      if (generation !== this.generation || this.disposed || !this.enabled) {
        this.superseded();
        return;
      }
      if (this.host.isOpen(uri) || !this.files.has(uri)) continue;
      // Its schema check, when started on the second thread, is awaited rather than made again here.
      const ahead = text === undefined ? undefined : this.host.prefetched?.(uri, text);
      if (ahead) {
        await ahead;
        started = Date.now();
        if (generation !== this.generation || this.disposed || !this.enabled) {
          this.superseded();
          return;
        }
        if (this.host.isOpen(uri) || !this.files.has(uri)) continue;
      }
      let diagnostics: Diagnostic[] = [];
      if (text !== undefined) {
        try {
          diagnostics = this.host.diagnose(uri, text);
        } catch (e) {
          this.host.log(`workspace diagnostics: analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
        }
      }
      const key = digest(diagnostics);
      if ((this.shown.get(uri) ?? digest([])) !== key) {
        this.host.publish(uri, diagnostics);
        if (diagnostics.length) this.shown.set(uri, key);
        else this.shown.delete(uri);
      }
      if (Date.now() - started >= slice) {
        await nextTurn();
        started = Date.now();
        overdue = false;
      }
    }
    // One line per pass over every file (not per re-check of a few): what the log channel and the benchmark see.
    if (whole) {
      const onWorker = this.host.schemaOnWorker?.() ?? 0;
      this.host.log(
        `workspace diagnostics: ${uris.length} files checked in ${Date.now() - passStarted} ms, ${this.shown.size} with findings` +
          (onWorker ? ` (schema checks made on the validation thread so far: ${onWorker})` : ''),
      );
    }
  }
}
