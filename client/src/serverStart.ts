/**
 * Starting the language server once, when it is first needed: the first libvirt document to open,
 * or a command that asks the server. Activation on any XML file stays cheap (no process) until then.
 * If the start fails, the user is told with a fixed notification (the reason goes to the log only),
 * again whenever a command needs the server afterwards. Pure (no `vscode`): the client and the
 * notification are passed in.
 */

/** The fixed text of the notification when the server did not start (no host or document text). */
export const START_FAILED_NOTICE = 'Libvirt Domain XML: the language server did not start.';

/** What is started (a `LanguageClient`). */
export interface Startable {
  start(): Promise<void>;
}

export interface StartHooks {
  /** Called once, after the server started, before anyone waiting for the start resumes. Must not throw. */
  started(): void;
  /** The start failed (once): log the reason. */
  failed(reason: unknown): void;
  /** Show START_FAILED_NOTICE: after the failure, and again whenever a command needs the server that did not start. */
  notify(): void;
}

export class ServerStarter<C extends Startable> {
  private attempt: Promise<boolean> | undefined;
  private settled = false;

  constructor(
    readonly client: C,
    private readonly hooks: StartHooks,
  ) {}

  /** Whether a start was asked for (it may still be under way, or have failed). */
  get requested(): boolean {
    return this.attempt !== undefined;
  }

  /** Starts the server unless it was started before; resolves to whether it runs. */
  start(): Promise<boolean> {
    this.attempt ??= this.run();
    return this.attempt;
  }

  /**
   * For a command that needs the server: starts it if need be and returns the client, or undefined
   * when it did not start (the user has been told, also when the start had failed before).
   */
  async ready(): Promise<C | undefined> {
    const failedBefore = this.settled;
    const ok = await this.start();
    if (!ok && failedBefore) this.hooks.notify();
    return ok ? this.client : undefined;
  }

  /** The client once a start (asked for by someone else) succeeded; undefined if none was asked for or it failed. Never starts it. */
  async started(): Promise<C | undefined> {
    return this.attempt && (await this.attempt) ? this.client : undefined;
  }

  private async run(): Promise<boolean> {
    try {
      await this.client.start();
    } catch (e) {
      this.settled = true;
      this.hooks.failed(e);
      this.hooks.notify();
      return false;
    }
    this.settled = true;
    this.hooks.started();
    return true;
  }
}
